from __future__ import annotations

from pathlib import Path

from rag.chunking import Chunker
from rag.indexdir.ingest import EMBED_BATCH, content_hash, embed_passages, passage_text, plan_ingest
from rag.store import Store
from rag.types import Chunk, Document
from tests.fakes import FakeEmbedder


def doc(doc_id: str, text: str) -> Document:
    return Document(doc_id, doc_id, text, doc_id)


def test_the_plan_skips_unchanged_documents_and_drops_missing_ones_when_asked(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.sqlite")
    chunker = Chunker()
    kept = doc("a.txt", "昌都搬迁9.9万人。")
    first = plan_ingest(store, chunker, [kept, doc("b.txt", "拉萨人均纯收入。")], replace_all=False)
    with store.transaction():
        for d, sha, chunks in first.changed:
            store.put_document(d, sha, chunks, [[] for _ in chunks])
    plan = plan_ingest(store, chunker, [kept, doc("c.txt", "林芝旅游。")], replace_all=True)
    assert plan.report.unchanged == ["a.txt"] and plan.report.added == ["c.txt"]
    assert plan.stale == plan.report.removed == ["b.txt"]
    assert min(c.chunk_id for c in plan.new_chunks) > max(c.chunk_id for c in first.new_chunks)
    assert plan_ingest(store, chunker, [kept], replace_all=False).empty


def test_the_content_hash_is_the_loaders_when_it_recorded_one() -> None:
    assert content_hash(Document("a", "a", "x", "a", {"sha256": "abc"})) == "abc"
    assert content_hash(doc("a", "x")) == content_hash(doc("b", "x")) != content_hash(doc("a", "y"))


def test_passages_are_folded_with_their_context_line() -> None:
    assert passage_text(Chunk(0, "d", "脫貧", 0, 2, context="西藏")) == "西藏\n脱贫"
    assert passage_text(Chunk(0, "d", "脫貧", 0, 2)) == "脱贫"


def test_embedding_goes_in_batches_with_progress() -> None:
    seen: list[tuple[int, int]] = []
    texts = [f"第{i}段" for i in range(EMBED_BATCH + 3)]
    vectors = embed_passages(FakeEmbedder(16), texts, lambda done, total: seen.append((done, total)))
    assert vectors.shape == (len(texts), 16)
    assert seen == [(EMBED_BATCH, len(texts)), (len(texts), len(texts))]
