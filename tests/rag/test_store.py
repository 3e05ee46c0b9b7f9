from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag.store import Store
from rag.types import Chunk, Document


def put(store: Store, doc: Document, sha: str, first_id: int) -> None:
    with store.transaction():
        store.delete_document(doc.doc_id)
        store.put_document(doc, sha, [Chunk(first_id, doc.doc_id, doc.text[2:6], 2, 6)], [["t"]])


def test_a_read_sees_one_committed_state_even_if_a_write_lands_midway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "s.sqlite")
    put(store, Document("d", "t", "第一版：旧的内容", "d"), "sha1", 0)
    read_text, checkpoint = store._document, store._checkpoint
    interleaved: list[threading.Thread] = []
    committed = threading.Event()

    def signal_then_checkpoint() -> None:
        committed.set()  # the write has committed; its checkpoint waits for this read to end
        checkpoint()

    def write_in_between(db, doc_id, sha):
        if not interleaved:  # a writer replaces the document after the chunk rows were read
            t = threading.Thread(target=put, args=(store, Document("d", "t", "第二版：全新的文本内容", "d"), "sha2", 1))
            interleaved.append(t)
            t.start()
            # Not t.join(): the writer's WAL checkpoint waits for this reader (SQLite's busy timeout, 5 s).
            assert committed.wait(30), "the write never committed"
        return read_text(db, doc_id, sha)

    monkeypatch.setattr(store, "_checkpoint", signal_then_checkpoint)
    monkeypatch.setattr(store, "_document", write_in_between)
    chunks = store.chunks([0])
    assert interleaved
    interleaved[0].join(30)
    assert not interleaved[0].is_alive()
    assert chunks[0].text == "第一版：旧的内容"[2:6]  # old offsets with the old text, never the new one
    assert store.chunks([0]) == {}  # afterwards the old chunk is gone
    assert store.chunks([1])[1].text == "第二版：全新的文本内容"[2:6]


def test_chunk_ids_are_never_reused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    put(store, Document("d", "t", "一二三四五六七", "d"), "a", store.next_chunk_id())
    with store.transaction():
        store.delete_document("d")
    assert store.next_chunk_id() == 1
    assert store.counts() == {"documents": 0, "chunks": 0}


def test_all_chunk_ids_and_has_documents(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    assert store.all_chunk_ids() == [] and not store.has_documents()
    put(store, Document("b", "t", "一二三四五六七", "b"), "b", 5)
    put(store, Document("a", "t", "一二三四五六七", "a"), "a", 2)
    assert store.all_chunk_ids() == store.all_chunk_tokens()[0] == [2, 5]
    assert store.has_documents()
    with store.transaction():
        store.delete_document("a")
        store.delete_document("b")
    assert store.all_chunk_ids() == [] and not store.has_documents()


MARKER = "独一无二的标记XQ7Z-marker"


def stored_bytes(path: Path) -> bytes:
    """The main database file and its write-ahead log as they are on disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_deleted_text_leaves_neither_the_database_nor_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = Store(path)
    text = f"第一段正文。{MARKER}在这里出现。" * 50  # long enough for overflow pages
    with store.transaction():
        store.put_document(Document("d", "t", text, "d"), "sha", [Chunk(0, "d", text[:20], 0, 20)], [[MARKER]])
    put(store, Document("keep", "t", "另一份文件的内容", "keep"), "k", 1)
    assert MARKER.encode() in stored_bytes(path)  # the test can fail: the text is on disk now
    with store.transaction():
        store.delete_document("d")
    assert MARKER.encode() not in stored_bytes(path)
    assert store.document("keep") is not None and store.document("d") is None


def test_replaced_text_leaves_the_files_too(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = Store(path)
    put(store, Document("d", "t", f"旧版本{MARKER}" * 20, "d"), "old", 0)
    put(store, Document("d", "t", "新版本的内容" * 20, "d"), "new", 1)
    assert MARKER.encode() not in stored_bytes(path)
    assert store.document("d").text.startswith("新版本")
