"""The optimized copy of an ONNX graph: written once, weights mapped from their own file, same outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from embeddings.onnx import OnnxEmbedder
from embeddings.onnx_export import GRAPH_NAME, ONNX_DIR
from embeddings.onnx_optimized import optimized_graph
from tests.embeddings.conftest import varied_texts


def _feeds(session: ort.InferenceSession) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    embeds, mask = session.get_inputs()
    hidden = 32 if isinstance(embeds.shape[2], str) else embeds.shape[2]
    return {
        embeds.name: rng.standard_normal((3, 11, hidden)).astype(np.float32),
        mask.name: np.array([[1] * 11, [1] * 7 + [0] * 4, [1] * 2 + [0] * 9], dtype=np.int64),
    }


def test_the_copy_is_written_once_with_its_weights_apart(tiny_onnx_dir: Path) -> None:
    graph = tiny_onnx_dir / ONNX_DIR / GRAPH_NAME
    path, optimized = optimized_graph(graph)
    assert optimized and path != graph
    weights = path.parent / "weights.bin"
    # the weights (all but the smallest tensors) moved out of the graph's protobuf
    assert weights.is_file() and path.stat().st_size < graph.stat().st_size / 2
    written = weights.stat().st_mtime_ns
    assert optimized_graph(graph) == (path, True)
    assert weights.stat().st_mtime_ns == written


def test_the_copy_computes_what_the_source_graph_does(tiny_onnx_dir: Path) -> None:
    graph = tiny_onnx_dir / ONNX_DIR / GRAPH_NAME
    path, _ = optimized_graph(graph)
    source = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    copy = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feeds = _feeds(source)
    # the fused kernels a session would build from the source itself: only summation order may differ
    np.testing.assert_allclose(copy.run(None, feeds)[0], source.run(None, feeds)[0], rtol=1e-5, atol=1e-6)


def test_the_embedder_opens_the_copy(tiny_onnx_dir: Path, tiny_embedder) -> None:
    ours = OnnxEmbedder.from_model_dir(tiny_onnx_dir, threads=1)
    assert ours._session._model_path == str(optimized_graph(tiny_onnx_dir / ONNX_DIR / GRAPH_NAME)[0])
    texts = varied_texts(20)
    assert np.sum(ours.embed_passages(texts) * tiny_embedder.embed_passages(texts), axis=1).min() >= 0.9999


def test_an_unwritable_directory_keeps_the_source_graph(tmp_path: Path, tiny_onnx_dir: Path, monkeypatch) -> None:
    graph = tmp_path / GRAPH_NAME
    graph.write_bytes((tiny_onnx_dir / ONNX_DIR / GRAPH_NAME).read_bytes())

    def refuse(self: Path, *args, **kwargs) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert optimized_graph(graph) == (graph, False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [GRAPH_NAME]


def test_a_changed_source_gets_a_new_copy_and_the_old_one_goes(tmp_path: Path, tiny_onnx_dir: Path) -> None:
    graph = tmp_path / GRAPH_NAME
    graph.write_bytes((tiny_onnx_dir / ONNX_DIR / GRAPH_NAME).read_bytes())
    first, _ = optimized_graph(graph)
    graph.write_bytes(graph.read_bytes())  # a re-export: same bytes, a new file
    second, _ = optimized_graph(graph)
    if first == second:
        pytest.skip("the file system kept the modification time")
    assert second.is_file() and not first.parent.exists()
