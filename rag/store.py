"""SQLite store of documents and chunks: the source of truth of an index directory.

The dense and lexical indexes are derived from it (chunk ids are shared), so a
broken derived index can always be rebuilt from here.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rag.types import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    owner TEXT NOT NULL DEFAULT 'corpus'
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    context TEXT NOT NULL,
    tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

# Who added a document: ``corpus`` (the configured corpus, ``rag ingest``), ``local`` (the API without
# keys) or ``key:<digest prefix>`` (an API key, never the key itself). Rows stored before owners were
# recorded count as the corpus's: only an admin may change them through the API.
CORPUS_OWNER = "corpus"
_OWNER_COLUMN = f"ALTER TABLE documents ADD COLUMN owner TEXT NOT NULL DEFAULT '{CORPUS_OWNER}'"


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's summary (no text)."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chars: int
    chunks: int
    owner: str = CORPUS_OWNER


class Store:
    """Documents and chunks in one SQLite file.

    Args:
        path: The database file; created with its schema if missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # One writer connection; readers get their own per thread so that, with WAL, they
        # see the last committed state and never a writer's open transaction.
        self._writer = self._connect()
        os.chmod(path, 0o600)  # people's documents: owner only (SQLite gives its -wal/-shm files the same mode)
        self._writer.executescript(SCHEMA)
        self._migrate()
        self._local = threading.local()
        self._docs: dict[str, tuple[str, Document]] = {}  # doc_id -> (sha256, document)
        self._removed = False  # the open transaction deleted or replaced text

    def _migrate(self) -> None:
        """Bring a store made by an earlier version up to this schema (idempotent)."""
        columns = {row[1] for row in self._writer.execute("PRAGMA table_info(documents)")}
        if "owner" not in columns:
            self._writer.execute(_OWNER_COLUMN)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        # Deleted text is overwritten with zeros, not left in free pages of the file.
        db.execute("PRAGMA secure_delete = ON")
        return db

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: the writer's inside a transaction, else a reader's."""
        if getattr(self._local, "in_tx", False):
            return self._writer
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def close(self) -> None:
        self._writer.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        self._writer.execute("BEGIN IMMEDIATE")
        self._local.in_tx = True
        try:
            yield
            # Every committed write has a new generation; the derived indexes record the one they reflect.
            self._writer.execute(
                "INSERT INTO counters(name, value) VALUES ('generation', 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1"
            )
        except BaseException:
            self._writer.execute("ROLLBACK")
            raise
        else:
            self._writer.execute("COMMIT")
            if self._removed:
                self._checkpoint()
        finally:
            self._local.in_tx = False
            self._removed = False

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it, so removed text leaves the -wal file too.

        A reader in the middle of a read makes the checkpoint partial (SQLite reports busy,
        it does not fail); the next write's checkpoint completes it.
        """
        self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def generation(self) -> int:
        """How many write transactions have committed (0 for a new store)."""
        row = self._db.execute("SELECT value FROM counters WHERE name='generation'").fetchone()
        return int(row[0]) if row else 0

    def next_chunk_id(self) -> int:
        """A chunk id never used before in this store (ids are not reused after deletes)."""
        row = self._db.execute("SELECT value FROM counters WHERE name='chunk_id'").fetchone()
        top = self._db.execute("SELECT COALESCE(MAX(chunk_id), -1) FROM chunks").fetchone()[0]
        return max(row[0] if row else 0, top + 1)

    def document_sha(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT sha256 FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def document_owner(self, doc_id: str) -> str | None:
        """Who added a document (see ``CORPUS_OWNER``), None when it is not stored."""
        row = self._db.execute("SELECT owner FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def put_document(self, doc: Document, sha256: str, chunks: list[Chunk], chunk_tokens: list[list[str]]) -> None:
        """Insert or replace a document and its chunks (call inside ``transaction``).

        ``doc.meta["owner"]`` (default ``CORPUS_OWNER``) goes to the owner column, not into ``meta``.
        """
        self._removed = self._removed or self.document_sha(doc.doc_id) is not None
        meta = dict(doc.meta)
        owner = str(meta.pop("owner", CORPUS_OWNER))
        self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
        self._db.execute(
            "INSERT INTO documents(doc_id, title, source, sha256, text, meta, owner) VALUES (?,?,?,?,?,?,?)",
            (doc.doc_id, doc.title, doc.source, sha256, doc.text, json.dumps(meta, ensure_ascii=False), owner),
        )
        self._db.executemany(
            'INSERT INTO chunks(chunk_id, doc_id, ord, start, "end", context, tokens) VALUES (?,?,?,?,?,?,?)',
            [
                (c.chunk_id, c.doc_id, i, c.start, c.end, c.context, " ".join(t))
                for i, (c, t) in enumerate(zip(chunks, chunk_tokens, strict=True))
            ],
        )
        if chunks:
            self._db.execute(
                "INSERT INTO counters(name, value) VALUES ('chunk_id', ?) "
                "ON CONFLICT(name) DO UPDATE SET value=MAX(value, excluded.value)",
                (chunks[-1].chunk_id + 1,),
            )

    def delete_document(self, doc_id: str) -> list[int]:
        """Delete a document (inside ``transaction``). Returns the ids of its removed chunks."""
        ids = self.chunk_ids(doc_id)
        if self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,)).rowcount:
            self._removed = True
        return ids

    def chunk_ids(self, doc_id: str) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))]

    def documents(self) -> list[DocumentInfo]:
        rows = self._db.execute(
            "SELECT d.doc_id, d.title, d.source, d.sha256, length(d.text), "
            "(SELECT COUNT(*) FROM chunks c WHERE c.doc_id=d.doc_id), d.owner FROM documents d ORDER BY d.doc_id"
        )
        return [DocumentInfo(*r) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        """The full document (cached by content hash: citations slice its text)."""
        sha = self.document_sha(doc_id)
        return self._document(self._db, doc_id, sha) if sha is not None else None

    def _document(self, db: sqlite3.Connection, doc_id: str, sha: str) -> Document | None:
        cached = self._docs.get(doc_id)
        if cached is not None and cached[0] == sha:
            return cached[1]
        row = db.execute("SELECT title, text, source, meta, sha256 FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None or row[4] != sha:  # changed since the caller read its hash
            return None
        doc = Document(doc_id, row[0], row[1], row[2], json.loads(row[3]))
        self._docs[doc_id] = (sha, doc)
        return doc

    def chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        """Chunks by id, each cut from the document version it belongs to; unknown ids are left out.

        One read transaction covers the chunk rows and the document texts, so a writer's
        commit in between cannot pair old offsets with new text.
        """
        ids = list(ids)
        out: dict[int, Chunk] = {}
        db = self._db
        own_tx = not db.in_transaction
        if own_tx:
            db.execute("BEGIN")
        try:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    'SELECT c.chunk_id, c.doc_id, c.start, c."end", c.context, d.sha256 FROM chunks c '
                    f"JOIN documents d ON d.doc_id = c.doc_id WHERE c.chunk_id IN ({marks})",
                    part,
                ).fetchall()
                for cid, doc_id, start, end, ctx, sha in rows:
                    doc = self._document(db, doc_id, sha)
                    if doc is not None:
                        out[cid] = Chunk(cid, doc_id, doc.text[start:end], start, end, ctx)
        finally:
            if own_tx:
                db.execute("COMMIT")
        return out

    def all_chunk_tokens(self) -> tuple[list[int], list[list[str]]]:
        """Every chunk id with its lexical tokens, in id order (to rebuild BM25)."""
        ids, toks = [], []
        for cid, t in self._db.execute("SELECT chunk_id, tokens FROM chunks ORDER BY chunk_id"):
            ids.append(cid)
            toks.append(t.split(" ") if t else [])
        return ids, toks

    def all_chunk_ids(self) -> list[int]:
        """Every chunk id, in id order."""
        return [cid for (cid,) in self._db.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")]

    def distinct_contexts(self) -> list[str]:
        """Every distinct chunk context (document titles and section headings), unordered."""
        return [c for (c,) in self._db.execute("SELECT DISTINCT context FROM chunks")]

    def has_documents(self) -> bool:
        """Whether any document is stored (cheaper than ``counts``)."""
        return bool(self._db.execute("SELECT EXISTS(SELECT 1 FROM documents)").fetchone()[0])

    def counts(self) -> dict[str, int]:
        docs = self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return {"documents": docs, "chunks": chunks}
