"""Milvus backend against Milvus Lite (a local file; pymilvus starts the server in-process)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.config import IndexConfig
from rag.index.base import VectorIndex
from rag.index.faiss import FaissIndex
from tests.rag.index.conftest import DIM, clustered

pytest.importorskip("pymilvus", reason="the milvus extra is not installed: pip install -e .[milvus]")
pytest.importorskip("milvus_lite", reason="the milvus extra is not installed: pip install -e .[milvus]")

from rag.index.milvus import LITE_FILE, MilvusIndex  # noqa: E402

pytestmark = pytest.mark.slow


def test_milvus_lite_implements_vector_index_like_faiss_exact(tmp_path: Path) -> None:
    config = IndexConfig(dense="milvus", milvus_collection="t_protocol")
    vectors, ids = clustered(600), np.arange(600, dtype=np.int64) * 3 + 1
    index = MilvusIndex.create(config, DIM, tmp_path)
    assert isinstance(index, VectorIndex) and len(index) == 0
    index.add(ids, vectors)
    assert (tmp_path / LITE_FILE).exists() and len(index) == 600
    exact = FaissIndex(DIM, IndexConfig(use_gpu="never"))
    exact.add(ids, vectors)
    q = clustered(20, seed=9)
    s_m, i_m = index.search(q, 10)
    s_f, i_f = exact.search(q, 10)
    np.testing.assert_allclose(s_m, s_f, atol=1e-4)
    assert (i_m == i_f).mean() > 0.99  # equal up to ties

    assert index.remove(np.concatenate([ids[:50], [10**9]])) == 50
    assert len(index) == 550 and not set(index.search(vectors[:50], 5)[1].ravel().tolist()) & set(ids[:50].tolist())
    assert sorted(index.ids().tolist()) == ids[50:].tolist()
    _, few = index.search(q[:1], 1000)
    assert (few[0, 550:] == -1).all()  # fewer than k: padded

    index.save(tmp_path)
    index._client.release_collection("t_protocol")  # as after a restart: loading must load it again
    again = MilvusIndex.load(config, DIM, tmp_path)
    assert len(again) == 550 and len(again.ids()) == 550
    assert again.search(q[:2], 3)[1].tolist() == index.search(q[:2], 3)[1].tolist()
    with pytest.raises(ValueError, match="collection"):
        MilvusIndex.load(config.model_copy(update={"milvus_collection": "other"}), DIM, tmp_path)
    fresh = MilvusIndex.create(config, DIM, tmp_path)
    assert len(again) == 550  # creating a handle touches nothing...
    fresh.add(ids[:5], vectors[:5])
    assert len(fresh) == 5  # ...its first write starts the collection afresh


def test_pipeline_on_milvus_matches_faiss(pipeline_factory, small_corpus) -> None:
    questions = ["昌都搬迁了多少人", "拉萨人均纯收入", "西藏贫困县摘帽"]
    faiss_pipe = pipeline_factory(index={"dir": str(small_corpus.parent / "faiss"), "use_gpu": "never"})
    faiss_pipe.ingest([small_corpus])
    pipe = pipeline_factory(index={"dense": "milvus", "milvus_collection": "t_pipeline"})
    pipe.ingest([small_corpus])
    assert isinstance(pipe.index.snapshot.dense, MilvusIndex) and pipe.index.check() == []

    def top(p) -> list[list[int]]:
        return [[h.chunk.chunk_id for h in p.retriever().search(q, 3, mode="dense")] for q in questions]

    assert top(pipe) == top(faiss_pipe)
    pipe.delete("changdu.txt")
    assert pipe.index.check() == []
    reopened = pipeline_factory(index={"dense": "milvus", "milvus_collection": "t_pipeline"})
    assert reopened.index.check() == [] and isinstance(reopened.index.snapshot.dense, MilvusIndex)
    assert reopened.repair() == len(reopened.index.snapshot.dense) > 0
