"""An index directory: manifest, SQLite store, dense index and BM25 index kept in step.

Layout::

    manifest.json   schema version, embedder name/dim, chunker settings, counts
    store.sqlite    documents and chunks (the source of truth)
    dense.faiss     chunk vectors keyed by chunk id
    bm25/           bm25s arrays, ids and vocabulary (no pickle)

Readers work on an immutable ``Snapshot``; a write builds new derived indexes aside and swaps the snapshot
in one assignment, so a reader sees the old or the new state. The jobs live in their own modules: the
manifest (``manifest.py``), the writer lock (``lock.py``), crash recovery (``recovery.py``) and the ingest
diff and embedding batches (``ingest.py``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from rag.chunking import Chunker
from rag.config import IndexConfig
from rag.errors import IndexStateError
from rag.index.bm25 import BM25Index
from rag.indexdir import manifest as mf
from rag.indexdir.ingest import IngestReport, Progress, embed_passages, passage_text, plan_ingest
from rag.indexdir.lock import WriterLock
from rag.indexdir.recovery import (
    Snapshot,
    consistency_problems,
    empty_snapshot,
    load_snapshot,
    rebuild_snapshot,
    stale_generation,
)
from rag.segment import tokens
from rag.store import Store
from rag.types import Document

log = logging.getLogger(__name__)


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
        self._loaded_generation: int | None = None
        mf.refuse_foreign(directory)
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        self._lock = WriterLock(directory)
        # Opening (and creating) happens under the process lock, so two processes creating the
        # same index never see each other's half-made directory.
        with self._writing():
            exists = (directory / mf.MANIFEST).exists()
            if exists:
                mf.check_manifest(directory, mf.read_manifest(directory), self.expected_manifest())
            self.store = Store(directory / mf.STORE_FILE)
            if exists and load_derived:
                self._recover()  # sets the snapshot (loaded, or rebuilt from the store)
            else:
                self.snapshot = empty_snapshot(self.dense_config, self.embedder.dim, directory)
            if not exists:
                self._write_manifest()

    @classmethod
    def inspect(cls, directory: Path, embedder: Embedder, chunker: Chunker, dense: IndexConfig) -> list[str]:
        """The problems of an index directory as it is on disk, changing nothing (no recovery, no repair).

        Returns:
            Problems (empty when consistent): no index, another embedder or chunker, damaged or stale
            derived indexes, chunks without their vector or BM25 entry.
        """
        if not (directory / mf.MANIFEST).exists():
            return [f"no index at {directory}: build one with `rag ingest PATH`"]
        if not (directory / mf.STORE_FILE).exists():
            return [f"index {directory} has no {mf.STORE_FILE}: rebuild it with `rag ingest --rebuild PATH...`"]
        try:
            data = mf.read_manifest(directory)
            want = mf.expected_manifest(embedder.name, embedder.dim, chunker.settings())
            mf.check_manifest(directory, data, want)
            with WriterLock(directory).hold():  # a writer mid-swap would look inconsistent
                store = Store(directory / mf.STORE_FILE)
                try:
                    load_snapshot(directory, dense, embedder.dim, store)  # raises when damaged or inconsistent
                    stale = stale_generation(mf.read_manifest(directory).get("generation"), store)
                finally:
                    store.close()
        except IndexStateError as exc:
            return [str(exc)]
        return [f"{stale}; run `rag index repair`"] if stale else []

    @property
    def generation(self) -> int | None:
        """The store generation the loaded snapshot matches (None before the first load)."""
        return self._loaded_generation

    # -- manifest -------------------------------------------------------------------------
    def expected_manifest(self) -> dict:
        return mf.expected_manifest(self.embedder.name, self.embedder.dim, self.chunker.settings())

    def _write_manifest(self) -> None:
        mf.write_manifest(self.directory, self.expected_manifest(), self.store.counts(), self.store.generation())

    def manifest(self) -> dict:
        return mf.read_manifest(self.directory)

    # -- snapshots ------------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the writer lock; writes another process committed meanwhile are loaded before this one
        builds on them."""
        with self._lock.hold():
            if self._loaded_generation is not None and self._loaded_generation != self.store.generation():
                self._recover()
            yield

    def _recover(self) -> None:
        """Load the derived indexes; rebuild them from the store when a crash left them damaged or stale."""
        try:
            snap = load_snapshot(self.directory, self.dense_config, self.embedder.dim, self.store)
            stale = stale_generation(mf.read_manifest(self.directory).get("generation"), self.store)
            if stale:
                raise IndexStateError(stale)
            self.snapshot = snap
            self._loaded_generation = self.store.generation()
        except IndexStateError as exc:
            log.warning("index %s needs recovery (%s); rebuilding the derived indexes", self.directory, exc)
            self._repair_locked()

    def check(self, snap: Snapshot | None = None) -> list[str]:
        """Consistency problems of the loaded snapshot (empty when sound): one vector and one BM25 entry per chunk."""
        return consistency_problems(self.store, snap or self.snapshot)

    # -- writes ---------------------------------------------------------------------------
    def ingest(
        self, docs: Iterable[Document], *, replace_all: bool = False, progress: Progress | None = None
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
        with self._writing():
            plan = plan_ingest(self.store, self.chunker, docs, replace_all)
            if plan.empty:
                return plan.report
            new_chunks = plan.new_chunks
            passages = {c.chunk_id: passage_text(c) for c in new_chunks}
            vectors = embed_passages(self.embedder, list(passages.values()), progress)
            removed_ids: list[int] = []
            with self.store.transaction():
                for doc_id in plan.stale + [d.doc_id for d, _, _ in plan.changed]:
                    removed_ids.extend(self.store.delete_document(doc_id))
                for doc, sha, chunks in plan.changed:
                    self.store.put_document(doc, sha, chunks, [tokens(passages[c.chunk_id]) for c in chunks])
            plan.report.chunks_added, plan.report.chunks_removed = len(new_chunks), len(removed_ids)
            self._commit_derived(removed_ids, [c.chunk_id for c in new_chunks], vectors)
        return plan.report

    def delete(self, doc_id: str) -> bool:
        """Delete a document with its vectors and BM25 entries. Returns False when unknown."""
        with self._writing():
            if self.store.document_sha(doc_id) is None:
                return False
            with self.store.transaction():
                removed = self.store.delete_document(doc_id)
            self._commit_derived(removed, [], np.zeros((0, self.embedder.dim), np.float32))
            return True

    def repair(self, progress: Progress | None = None) -> int:
        """Rebuild the dense and BM25 indexes from the store (vectors mostly from the cache).

        Returns:
            The number of chunks re-indexed.
        """
        with self._writing():
            return self._repair_locked(progress)

    def _repair_locked(self, progress: Progress | None = None) -> int:
        snap = rebuild_snapshot(self.store, self.embedder, self.dense_config, self.directory, progress)
        self._save(snap)
        return len(snap.bm25)

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
