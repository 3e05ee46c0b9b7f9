"""An index directory: manifest, SQLite store, dense index and BM25 index kept in step.

Layout::

    manifest.json   schema version, embedder name/dim, chunker settings, counts
    store.sqlite    documents and chunks (the source of truth)
    dense.faiss     chunk vectors keyed by chunk id
    bm25/           bm25s arrays, ids and vocabulary (no pickle)

Readers work on an immutable ``Snapshot``; a write builds new derived indexes aside
and swaps the snapshot in one assignment, so a reader sees the old or the new state.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from rag.atomic import write_text_atomic
from rag.chunking import Chunker
from rag.config import IndexConfig
from rag.errors import IndexStateError
from rag.fold import fold, fold_compact
from rag.index.base import VectorIndex
from rag.index.bm25 import DIRNAME as BM25_DIR
from rag.index.bm25 import BM25Index
from rag.index.factory import load_dense_index, new_dense_index
from rag.segment import tokens
from rag.store import Store
from rag.types import Chunk, Document

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads are still serialised, processes are not
    fcntl = None

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 120.0
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
STORE_FILE = "store.sqlite"


@dataclass
class IngestReport:
    """What an ingest changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed; {self.chunks_added} chunks embedded, {self.chunks_removed} removed"
        )


@dataclass(frozen=True)
class Snapshot:
    """The derived indexes readers use; replaced whole on every write."""

    dense: VectorIndex
    bm25: BM25Index


def passage_text(chunk: Chunk) -> str:
    """What is embedded and indexed for a chunk: its context line, then its text, folded.

    Folding (traditional→simplified, NFKC) makes the dense match script-blind, as the
    question is folded too; the stored text and offsets stay original.
    """
    return fold(f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text)


def content_hash(doc: Document) -> str:
    return doc.meta.get("sha256") or hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def _index_file(name: str) -> bool:
    """Whether a file name is one an index directory holds (hidden names are temp files and the lock)."""
    return name.startswith((".", "dense.")) or name.split("-")[0] in {STORE_FILE, BM25_DIR, MANIFEST}


class IndexDirectory:
    """Opens (or creates) an index directory for one embedder and chunker.

    Args:
        directory: The index directory.
        embedder: Embeds passages; its name and dim must match the manifest.
        chunker: Chunks documents; its settings must match the manifest.
        dense: The index section of the settings (dense engine, FAISS kind, GPU use); a bare string is
            taken as ``use_gpu`` for the default FAISS engine.
        load_derived: Load the dense and BM25 indexes (False to open a damaged index for repair).

    Raises:
        IndexStateError: Not an index, corrupt, or built with another embedder/chunker.
    """

    def __init__(
        self,
        directory: Path,
        embedder: Embedder,
        chunker: Chunker,
        dense: IndexConfig | str = "auto",
        load_derived: bool = True,
    ) -> None:
        self.directory = directory
        self.embedder = embedder
        self.chunker = chunker
        self.dense_config = dense if isinstance(dense, IndexConfig) else IndexConfig(use_gpu=dense)
        self._write_lock = threading.Lock()
        self._loaded_generation: int | None = None
        # (generation, folded headings joined, term → answer) for in_headings
        self._headings: tuple[int | None, str, dict[str, bool]] | None = None
        self._headings_lock = threading.Lock()
        manifest_path = directory / MANIFEST
        if directory.exists() and not manifest_path.exists():
            foreign = sorted(p.name for p in directory.iterdir() if not _index_file(p.name))
            if foreign:
                raise IndexStateError(
                    f"{directory} is not an index directory (it holds {foreign[0]} but no {MANIFEST}); "
                    "choose another index.dir"
                )
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        # Opening (and creating) happens under the process lock, so two processes creating the
        # same index never see each other's half-made directory.
        with self._writing():
            exists = manifest_path.exists()
            if exists:
                self._check_manifest(self._read_manifest())
            self.store = Store(directory / STORE_FILE)
            if exists and load_derived:
                self._recover()  # sets the snapshot (loaded, or rebuilt from the store)
            else:
                self.snapshot = self._empty_snapshot()
            if not exists:
                self._write_manifest()

    # -- manifest -------------------------------------------------------------------------
    def _read_manifest(self) -> dict:
        path = self.directory / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexStateError(
                f"{path} is unreadable ({exc}); rebuild the index with `rag ingest --rebuild`"
            ) from exc
        if not isinstance(data, dict):
            raise IndexStateError(f"{path} is not a manifest; rebuild the index with `rag ingest --rebuild`")
        return data

    def expected_manifest(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "embedder": {"name": self.embedder.name, "dim": self.embedder.dim},
            "chunker": self.chunker.settings(),
        }

    def _check_manifest(self, data: dict) -> None:
        want = self.expected_manifest()
        if data.get("schema_version") != SCHEMA_VERSION:
            raise IndexStateError(
                f"index {self.directory} has schema {data.get('schema_version')}, this version reads "
                f"{SCHEMA_VERSION}: rebuild it with `rag ingest --rebuild PATH...`"
            )
        for key, label in (("embedder", "embedder"), ("chunker", "chunker settings")):
            if data.get(key) != want[key]:
                raise IndexStateError(
                    f"index {self.directory} was built with {label} {data.get(key)}, but the config asks for "
                    f"{want[key]}: rebuild it with `rag ingest --rebuild PATH...` or set index.dir to another directory"
                )

    def _write_manifest(self) -> None:
        data = self.expected_manifest() | {"counts": self.store.counts(), "generation": self.store.generation()}
        write_text_atomic(self.directory / MANIFEST, json.dumps(data, ensure_ascii=False, indent=2))

    def manifest(self) -> dict:
        return self._read_manifest()

    # -- snapshots ------------------------------------------------------------------------
    def _empty_snapshot(self) -> Snapshot:
        return Snapshot(new_dense_index(self.dense_config, self.embedder.dim, self.directory), BM25Index([], []))

    def _load_snapshot(self) -> Snapshot:
        try:
            dense = load_dense_index(self.dense_config, self.embedder.dim, self.directory)
            bm25 = BM25Index.load(self.directory)
        except ValueError as exc:
            raise IndexStateError(f"index {self.directory} is damaged: {exc}; run `rag index repair`") from exc
        snap = Snapshot(dense, bm25)
        problems = self.check(snap)
        if problems:
            raise IndexStateError(f"index {self.directory} is inconsistent ({problems[0]}); run `rag index repair`")
        return snap

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the write lock: one writing thread here, one writing process per directory.

        The process lock is an advisory ``flock`` on ``.write.lock``; a second writer waits up to
        ``LOCK_TIMEOUT`` seconds, then fails with a clear message. Once it holds the lock, writes
        another process committed meanwhile are loaded before this one builds on them.
        """
        with self._write_lock, open(self.directory / ".write.lock", "a+") as handle:
            if fcntl is not None:
                deadline = time.monotonic() + LOCK_TIMEOUT
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise IndexStateError(
                                f"another process is writing to {self.directory}; try again when it has finished"
                            ) from None
                        time.sleep(0.05)
            try:
                if self._loaded_generation is not None and self._loaded_generation != self.store.generation():
                    self._recover()
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _recover(self) -> None:
        """Load the derived indexes; rebuild them from the store when a crash left them stale.

        The store commits first and the manifest is written last, so after a crash at any
        point the store holds the old or the new state whole; derived indexes that do not
        match its generation are rebuilt from it (vectors come from the embedding cache).
        """
        try:
            snap = self._load_snapshot()
            recorded = self._read_manifest().get("generation")
            if recorded != self.store.generation():
                raise IndexStateError(
                    f"derived indexes are at generation {recorded}, the store at {self.store.generation()}"
                )
            self.snapshot = snap
            self._loaded_generation = self.store.generation()
        except IndexStateError as exc:
            log.warning("index %s needs recovery (%s); rebuilding the derived indexes", self.directory, exc)
            self._repair_locked()

    def in_headings(self, term: str) -> bool:
        """Whether a (folded) term occurs in any document title or section heading of the index.

        The answerer asks this of names in a question (那曲, 林芝): a name the corpus uses as a subject
        must be in an answering sentence's text or context, even when no retrieved passage is about it.
        The folded headings are gathered once per loaded generation, answers are remembered.
        """
        if not term:
            return False
        generation = self._loaded_generation
        with self._headings_lock:
            if self._headings is None or self._headings[0] != generation:
                text = "\n".join(fold_compact(c) for c in self.store.distinct_contexts())
                self._headings = (generation, text, {})
            _, text, answers = self._headings
            if term not in answers:
                answers[term] = term in text
            return answers[term]

    def check(self, snap: Snapshot | None = None) -> list[str]:
        """Consistency problems (empty when sound): every chunk has one vector and one BM25 entry."""
        snap = snap or self.snapshot
        ids = self.store.all_chunk_ids()
        problems = []
        dense_ids = np.sort(snap.dense.ids())
        if not np.array_equal(dense_ids, np.asarray(ids, dtype=np.int64)):
            problems.append(f"{len(ids)} chunks but {len(dense_ids)} vectors with other ids")
        if len(snap.bm25) != len(ids):
            problems.append(f"{len(ids)} chunks but {len(snap.bm25)} BM25 entries")
        return problems

    # -- writes ---------------------------------------------------------------------------
    def ingest(
        self,
        docs: Iterable[Document],
        *,
        replace_all: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Add or update documents; unchanged ones (same content hash) cost nothing.

        Args:
            docs: Documents to ingest.
            replace_all: Also delete stored documents not among ``docs``.
            progress: Called with (done, total) chunks while embedding.

        Returns:
            What changed.
        """
        docs = list(docs)
        report = IngestReport()
        with self._writing():
            plans: list[tuple[Document, str, list[Chunk]]] = []
            next_id = self.store.next_chunk_id()
            for doc in docs:
                sha = content_hash(doc)
                old = self.store.document_sha(doc.doc_id)
                if old == sha:
                    report.unchanged.append(doc.doc_id)
                    continue
                (report.updated if old else report.added).append(doc.doc_id)
                chunks = self.chunker.chunk(doc, first_id=next_id)
                next_id += len(chunks)
                plans.append((doc, sha, chunks))
            keep = {d.doc_id for d in docs}
            stale = [i.doc_id for i in self.store.documents() if i.doc_id not in keep] if replace_all else []
            report.removed.extend(stale)
            if not plans and not stale:
                return report
            new_chunks = [c for _, _, cs in plans for c in cs]
            passages = {c.chunk_id: passage_text(c) for c in new_chunks}
            vectors = self._embed(list(passages.values()), progress)
            removed_ids: list[int] = []
            with self.store.transaction():
                for doc_id in stale + [d.doc_id for d, _, _ in plans]:
                    removed_ids.extend(self.store.delete_document(doc_id))
                for doc, sha, chunks in plans:
                    self.store.put_document(doc, sha, chunks, [tokens(passages[c.chunk_id]) for c in chunks])
            report.chunks_added, report.chunks_removed = len(new_chunks), len(removed_ids)
            self._commit_derived(removed_ids, [c.chunk_id for c in new_chunks], vectors)
        return report

    def delete(self, doc_id: str) -> bool:
        """Delete a document with its vectors and BM25 entries. Returns False when unknown."""
        with self._writing():
            if self.store.document_sha(doc_id) is None:
                return False
            with self.store.transaction():
                removed = self.store.delete_document(doc_id)
            self._commit_derived(removed, [], np.zeros((0, self.embedder.dim), np.float32))
            return True

    def repair(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the dense and BM25 indexes from the store (vectors mostly from the cache).

        Returns:
            The number of chunks re-indexed.
        """
        with self._writing():
            return self._repair_locked(progress)

    def _repair_locked(self, progress: Callable[[int, int], None] | None = None) -> int:
        ids, toks = self.store.all_chunk_tokens()
        chunks = self.store.chunks(ids)
        vectors = self._embed([passage_text(chunks[i]) for i in ids], progress)
        dense = new_dense_index(self.dense_config, self.embedder.dim, self.directory)
        dense.add(np.asarray(ids, dtype=np.int64), vectors)
        self._save(Snapshot(dense, BM25Index(ids, toks)))
        return len(ids)

    def _embed(self, texts: list[str], progress: Callable[[int, int], None] | None) -> np.ndarray:
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        step = 64
        for i in range(0, len(texts), step):
            out[i : i + step] = self.embedder.embed_passages(texts[i : i + step])
            if progress:
                progress(min(i + step, len(texts)), len(texts))
        return out

    def _commit_derived(self, removed: list[int], added: list[int], vectors: np.ndarray) -> None:
        # Copy the dense index so readers keep searching the old one until the swap.
        dense = self.snapshot.dense.copy()
        dense.remove(np.asarray(removed, dtype=np.int64))
        dense.add(np.asarray(added, dtype=np.int64), vectors)
        ids, toks = self.store.all_chunk_tokens()
        self._save(Snapshot(dense, BM25Index(ids, toks)))

    def _save(self, snap: Snapshot) -> None:
        snap.dense.save(self.directory)
        snap.bm25.save(self.directory)
        self._write_manifest()
        self.snapshot = snap
        self._loaded_generation = self.store.generation()
