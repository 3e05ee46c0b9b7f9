"""Who added a document: the store's owner column (and its migration), the pipeline's replace/owner rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rag.errors import ConflictError, ForbiddenError, NotFoundError
from rag.store import CORPUS_OWNER, Store
from rag.types import Chunk, Document


def _put(store: Store, doc: Document) -> None:
    with store.transaction():
        chunk = Chunk(store.next_chunk_id(), doc.doc_id, doc.text[:2], 0, 2)
        store.put_document(doc, "sha", [chunk], [["t"]])


def test_owner_is_stored_in_its_column_not_in_meta(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    _put(store, Document("up.txt", "t", "上传的文本", "upload:up.txt", {"format": "txt", "owner": "key:abc"}))
    _put(store, Document("c.txt", "t", "语料的文本", "/corpus/c.txt", {"format": "txt"}))
    assert store.document_owner("up.txt") == "key:abc"
    assert store.document_owner("c.txt") == CORPUS_OWNER
    assert store.document_owner("nope.txt") is None
    assert store.document("up.txt").meta == {"format": "txt"}
    assert {d.doc_id: d.owner for d in store.documents()} == {"c.txt": CORPUS_OWNER, "up.txt": "key:abc"}


def test_a_store_from_before_owners_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}');"
        "INSERT INTO documents VALUES ('old.txt', 't', '/corpus/old.txt', 'sha', '旧文本', '{}');"
    )
    old.commit()
    old.close()
    store = Store(path)
    assert store.document_owner("old.txt") == CORPUS_OWNER  # only an admin may change what predates owners
    assert store.document("old.txt").text == "旧文本"
    Store(path)  # opening again does not migrate twice


def test_pipeline_replace_and_owner_rules(pipeline_factory, small_corpus: Path) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    pipe.ensure_index()
    pipe.ingest_bytes("那曲新建学校12所。".encode(), "nq.txt", owner="key:a")
    with pytest.raises(ConflictError):
        pipe.ingest_bytes("那曲新建学校13所。".encode(), "nq.txt", owner="key:a")
    with pytest.raises(ForbiddenError):
        pipe.ingest_bytes("那曲新建学校13所。".encode(), "nq.txt", owner="key:b", replace=True)
    with pytest.raises(ForbiddenError):
        pipe.delete("nq.txt", owner="key:b")
    with pytest.raises(ForbiddenError):
        pipe.delete("changdu.txt", owner="key:a")  # the corpus
    assert pipe.ingest_bytes("那曲新建学校13所。".encode(), "nq.txt", owner="key:a", replace=True).updated
    assert pipe.ingest_bytes("那曲新建学校14所。".encode(), "nq.txt", owner="key:b", replace=True, admin=True).updated
    assert pipe.index.store.document_owner("nq.txt") == "key:b"  # the replacer owns it now
    pipe.delete("changdu.txt", owner="key:admin", admin=True)
    with pytest.raises(NotFoundError):
        pipe.delete("changdu.txt", owner="key:admin", admin=True)
    # Without an owner (the CLI, the library) nothing is checked, as before.
    pipe.ingest_bytes("那曲新建学校15所。".encode(), "nq.txt")
    assert pipe.index.store.document_owner("nq.txt") == CORPUS_OWNER
    pipe.delete("nq.txt")
