"""Ingest planning: which documents changed (by content hash), their chunks, and the embedding batches."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from embeddings.base import Embedder
from rag.chunking import Chunker
from rag.fold import fold
from rag.store import Store
from rag.types import Chunk, Document

Progress = Callable[[int, int], None]
EMBED_BATCH = 64


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


@dataclass
class IngestPlan:
    """The writes an ingest needs: documents to (re)store with their chunks, stored documents to drop."""

    report: IngestReport
    changed: list[tuple[Document, str, list[Chunk]]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changed and not self.stale

    @property
    def new_chunks(self) -> list[Chunk]:
        return [c for _, _, chunks in self.changed for c in chunks]


def passage_text(chunk: Chunk) -> str:
    """What is embedded and indexed for a chunk: its context line, then its text, folded.

    Folding (traditional→simplified, NFKC) makes the dense match script-blind, as the
    question is folded too; the stored text and offsets stay original.
    """
    return fold(f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text)


def content_hash(doc: Document) -> str:
    """The document's SHA-256 (the loader's, when it recorded one of the raw bytes)."""
    return doc.meta.get("sha256") or hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def plan_ingest(store: Store, chunker: Chunker, docs: list[Document], replace_all: bool) -> IngestPlan:
    """Diff documents against the store: unchanged ones (same hash) cost nothing, changed ones are chunked.

    Args:
        store: The store as it is now (read under the writer lock).
        chunker: Chunks changed documents, with ids after every id used so far.
        docs: Documents to ingest.
        replace_all: Also drop stored documents not among ``docs``.
    """
    plan = IngestPlan(IngestReport())
    next_id = store.next_chunk_id()
    for doc in docs:
        sha = content_hash(doc)
        old = store.document_sha(doc.doc_id)
        if old == sha:
            plan.report.unchanged.append(doc.doc_id)
            continue
        (plan.report.updated if old else plan.report.added).append(doc.doc_id)
        chunks = chunker.chunk(doc, first_id=next_id)
        next_id += len(chunks)
        plan.changed.append((doc, sha, chunks))
    if replace_all:
        keep = {d.doc_id for d in docs}
        plan.stale = [i.doc_id for i in store.documents() if i.doc_id not in keep]
    plan.report.removed.extend(plan.stale)
    return plan


def embed_passages(embedder: Embedder, texts: list[str], progress: Progress | None = None) -> np.ndarray:
    """Embed passages in batches of ``EMBED_BATCH``, reporting (done, total) after each.

    Returns:
        float32 ``(len(texts), dim)``.
    """
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i in range(0, len(texts), EMBED_BATCH):
        out[i : i + EMBED_BATCH] = embedder.embed_passages(texts[i : i + EMBED_BATCH])
        if progress:
            progress(min(i + EMBED_BATCH, len(texts)), len(texts))
    return out
