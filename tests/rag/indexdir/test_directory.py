from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache import CachedEmbedder
from rag.chunking import Chunker
from rag.config import ChunkerConfig, RetrievalConfig
from rag.errors import IndexStateError
from rag.indexdir import MANIFEST, IndexDirectory
from rag.retrieval import build_retriever
from rag.types import Document
from tests.conftest import SMALL_DOCS


def docs() -> list[Document]:
    return [Document(name, name, text, name) for name, text in SMALL_DOCS.items()]


@pytest.fixture
def embedder(tiny_embedder, tmp_path: Path) -> CachedEmbedder:
    return CachedEmbedder(tiny_embedder, tmp_path / "cache.sqlite")


def open_index(path: Path, embedder, size: int = 250) -> IndexDirectory:
    return IndexDirectory(path, embedder, Chunker(ChunkerConfig(size=size)))


def test_ingest_is_incremental(tmp_path: Path, embedder: CachedEmbedder) -> None:
    idx = open_index(tmp_path / "idx", embedder)
    first = idx.ingest(docs())
    assert sorted(first.added) == sorted(SMALL_DOCS)
    n_chunks = idx.store.counts()["chunks"]
    assert len(idx.snapshot.dense) == n_chunks == len(idx.snapshot.bm25) > 0
    misses = embedder.misses

    again = idx.ingest(docs())
    assert sorted(again.unchanged) == sorted(SMALL_DOCS) and again.chunks_added == 0
    assert embedder.misses == misses  # nothing embedded

    changed = Document("lhasa.txt", "t", SMALL_DOCS["lhasa.txt"] + "新增一句：拉萨新建学校12所。", "lhasa.txt")
    report = idx.ingest([changed])
    assert report.updated == ["lhasa.txt"]
    assert idx.check() == []
    texts = [c.text for c in idx.store.chunks(idx.store.chunk_ids("lhasa.txt")).values()]
    assert any("12所" in t for t in texts)


def test_delete_removes_vectors_and_bm25(tmp_path: Path, embedder: CachedEmbedder) -> None:
    idx = open_index(tmp_path / "idx", embedder)
    idx.ingest(docs())
    ids = idx.store.chunk_ids("changdu.txt")
    assert idx.delete("changdu.txt")
    assert not idx.delete("changdu.txt")
    assert not set(ids) & set(idx.snapshot.dense.ids().tolist())
    retriever = build_retriever(idx.store.chunks, idx.snapshot.dense, idx.snapshot.bm25, embedder, RetrievalConfig())
    assert all(h.chunk.doc_id != "changdu.txt" for h in retriever.search("昌都搬迁 9.9万人", 10))
    assert idx.check() == []


def test_reopen_reads_the_same_state(tmp_path: Path, embedder: CachedEmbedder) -> None:
    idx = open_index(tmp_path / "idx", embedder)
    idx.ingest(docs())
    before = np.sort(idx.snapshot.dense.ids())
    again = open_index(tmp_path / "idx", embedder)
    assert np.array_equal(np.sort(again.snapshot.dense.ids()), before)
    assert again.manifest()["counts"] == idx.store.counts()
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "idx").iterdir()}
    assert modes["store.sqlite"] == modes["dense.faiss"] == modes["manifest.json"] == 0o600
    assert modes["bm25"] == (tmp_path / "idx").stat().st_mode & 0o777 == 0o700


def test_other_chunker_settings_are_refused_with_advice(tmp_path: Path, embedder: CachedEmbedder) -> None:
    open_index(tmp_path / "idx", embedder).ingest(docs())
    with pytest.raises(IndexStateError, match="rebuild"):
        open_index(tmp_path / "idx", embedder, size=100)


def test_other_embedder_is_refused(tmp_path: Path, embedder: CachedEmbedder) -> None:
    open_index(tmp_path / "idx", embedder).ingest(docs())
    manifest = json.loads((tmp_path / "idx" / MANIFEST).read_text())
    manifest["embedder"]["name"] = "another-model"
    (tmp_path / "idx" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexStateError, match="another-model"):
        open_index(tmp_path / "idx", embedder)


def test_corrupt_derived_indexes_are_rebuilt_on_open(tmp_path: Path, embedder: CachedEmbedder) -> None:
    idx = open_index(tmp_path / "idx", embedder)
    idx.ingest(docs())
    count = idx.store.counts()["chunks"]
    (tmp_path / "idx" / "dense.faiss").write_bytes(b"garbage")
    misses = embedder.misses
    reopened = open_index(tmp_path / "idx", embedder)
    assert reopened.check() == [] and len(reopened.snapshot.dense) == count
    assert embedder.misses == misses  # rebuilt from the embedding cache, nothing re-embedded
    fixed = IndexDirectory(tmp_path / "idx", embedder, Chunker(), load_derived=False)
    assert fixed.repair() == count


def test_stale_derived_indexes_are_rebuilt_on_open(tmp_path: Path, embedder: CachedEmbedder) -> None:
    idx = open_index(tmp_path / "idx", embedder)
    idx.ingest(docs())
    manifest = json.loads((tmp_path / "idx" / MANIFEST).read_text())
    manifest["generation"] -= 1  # as if the process died after the store committed
    (tmp_path / "idx" / MANIFEST).write_text(json.dumps(manifest))
    reopened = open_index(tmp_path / "idx", embedder)
    assert reopened.manifest()["generation"] == reopened.store.generation()
    assert reopened.check() == []


def test_a_directory_that_is_not_an_index_is_refused(tmp_path: Path, embedder: CachedEmbedder) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    with pytest.raises(IndexStateError, match="not an index"):
        open_index(tmp_path / "notes", embedder)
