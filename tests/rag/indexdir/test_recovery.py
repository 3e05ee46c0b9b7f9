from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.config import IndexConfig
from rag.index.bm25 import BM25Index
from rag.indexdir.recovery import Snapshot, consistency_problems, rebuild_snapshot, stale_generation
from rag.store import Store
from rag.types import Chunk, Document
from tests.fakes import FakeEmbedder, FakeVectorIndex


def stored(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store.sqlite")
    text = "昌都搬迁9.9万人。拉萨人均纯收入。"
    chunks = [Chunk(0, "a.txt", text[:9], 0, 9), Chunk(1, "a.txt", text[9:], 9, len(text))]
    with store.transaction():
        store.put_document(Document("a.txt", "a", text, "a.txt"), "sha", chunks, [["昌都"], ["拉萨"]])
    return store


def test_a_chunk_without_its_vector_or_bm25_entry_is_a_problem(tmp_path: Path) -> None:
    store = stored(tmp_path)
    dense = FakeVectorIndex(8)
    dense.add(np.array([0], np.int64), np.ones((1, 8), np.float32))
    problems = consistency_problems(store, Snapshot(dense, BM25Index([0], [["昌都"]])))  # type: ignore[arg-type]
    assert problems == ["2 chunks but 1 vectors with other ids", "2 chunks but 1 BM25 entries"]


def test_a_generation_behind_the_store_is_stale(tmp_path: Path) -> None:
    store = stored(tmp_path)
    assert stale_generation(store.generation(), store) is None
    assert "generation 0" in stale_generation(0, store)


def test_a_rebuild_indexes_every_stored_chunk(tmp_path: Path) -> None:
    store = stored(tmp_path)
    snap = rebuild_snapshot(store, FakeEmbedder(8), IndexConfig(), tmp_path)
    assert consistency_problems(store, snap) == []
