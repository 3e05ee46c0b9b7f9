"""Choosing and building the embedder backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.cache import CachedEmbedder
from embeddings.config import EmbedderConfig
from embeddings.errors import ModelError
from embeddings.factory import choose_backend, make_embedder


def _cfg(model: Path | str, **kw) -> EmbedderConfig:
    return EmbedderConfig(model=str(model), query_prompt="", passage_prompt="", **kw)


@pytest.mark.parametrize(
    ("backend", "device", "expected"),
    [
        ("auto", "auto", "onnx"),
        ("auto", "cpu", "onnx"),
        ("auto", "cuda", "sentence-transformers"),
        ("sentence-transformers", "cpu", "sentence-transformers"),
        ("onnx", "cpu", "onnx"),
    ],
)
def test_backend_for_a_directory_with_the_export(tiny_onnx_dir, backend, device, expected):
    assert choose_backend(_cfg(tiny_onnx_dir, backend=backend, device=device), str(tiny_onnx_dir)) == expected


def test_auto_falls_back_to_sentence_transformers(tiny_model_dir):
    assert choose_backend(_cfg(tiny_model_dir), str(tiny_model_dir)) == "sentence-transformers"  # no export
    assert choose_backend(_cfg("org/some-model"), "org/some-model") == "sentence-transformers"  # a hub id


@pytest.mark.torch
def test_make_embedder_builds_the_chosen_backend(tiny_onnx_dir, tmp_path):
    from embeddings.onnx import OnnxEmbedder
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    cached = make_embedder(_cfg(tiny_onnx_dir), tmp_path, tmp_path / "cache.sqlite")
    assert isinstance(cached, CachedEmbedder) and isinstance(cached.inner, OnnxEmbedder)
    torch_backed = make_embedder(_cfg(tiny_onnx_dir, backend="sentence-transformers"), tmp_path)
    assert isinstance(torch_backed, SentenceTransformerEmbedder)
    # one model, one name: an index built with either backend is served by the other
    assert (cached.name, cached.dim) == (torch_backed.name, torch_backed.dim) == ("tiny-bert", 32)


def test_onnx_backend_without_export_is_a_model_error(tiny_model_dir, tmp_path):
    with pytest.raises(ModelError, match="no current ONNX export"):
        make_embedder(_cfg(tiny_model_dir, backend="onnx"), tmp_path)


def test_onnx_backend_refuses_a_gpu_it_does_not_have(tiny_onnx_dir, tmp_path):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime has a CUDA provider")
    with pytest.raises(ModelError, match="sentence-transformers for a GPU"):
        make_embedder(_cfg(tiny_onnx_dir, backend="onnx", device="cuda"), tmp_path)


def test_a_missing_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="not installed in"):
        make_embedder(_cfg("no-such-model"), tmp_path)
