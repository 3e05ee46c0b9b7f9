"""The one façade the CLI, the service and the eval harness use.

Everything is loaded lazily and once: the embedder, the index directory, the answerer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace as replace_field
from pathlib import Path

from embeddings.base import Embedder
from rag.answer.base import Answerer
from rag.chunking import Chunker
from rag.config import Settings, load_settings
from rag.crosslingual.lexicon import with_places
from rag.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from rag.headings import Headings
from rag.indexdir import IndexDirectory, IngestReport
from rag.indexdir.manifest import MANIFEST, read_manifest
from rag.loaders import Skipped, load_bytes, load_file, scan
from rag.profile import Profile, load_profile
from rag.question import validate_question
from rag.retrieval import HybridRetriever, build_retriever
from rag.retrieval.rerank import Reranker, make_reranker
from rag.store import CORPUS_OWNER, DocumentInfo
from rag.types import Answer, Document, Hit

Progress = Callable[[int, int], None]


class Pipeline:
    """Ingest, search and ask over one index.

    Args:
        settings: The configuration.
        embedder: Use this embedder instead of the configured one (tests, benchmarks).
        answerer: Use this answerer instead of the configured one.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None, answerer: Answerer | None = None) -> None:
        self.settings = settings
        # Loaded (and checked) now: a bad profile is a config error at startup, not at the first question.
        self.profile: Profile = load_profile(settings.profile)
        self._embedder = embedder
        self._answerer = answerer
        self._index: IndexDirectory | None = None
        self._reranker: Reranker | None = None
        self._retriever: tuple[object, HybridRetriever] | None = None
        self._headings = Headings(lambda: self.index.store.distinct_contexts(), lambda: self.index.generation)
        self._lock = threading.RLock()
        # Its own lock: loading a generative model takes seconds to minutes and must not hold up
        # retrieval, which takes ``_lock`` for the embedder and the index.
        self._answerer_lock = threading.Lock()

    @classmethod
    def from_config(cls, path: str | Path | None = None, overrides: dict | None = None) -> Pipeline:
        """Build a pipeline from a YAML config file (None: the defaults) and overrides."""
        return cls(load_settings(path, overrides))

    # -- lazily loaded parts ------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The cached embedder (loaded on first use)."""
        with self._lock:
            if self._embedder is None:
                from embeddings.factory import make_embedder

                s = self.settings
                self._embedder = make_embedder(s.embedder, s.models_dir, s.embedding_cache)
            return self._embedder

    @property
    def index(self) -> IndexDirectory:
        """The opened index directory (created empty if missing)."""
        with self._lock:
            if self._index is None:
                self._index = self._open_index()
            return self._index

    def _open_index(self, load_derived: bool = True) -> IndexDirectory:
        return IndexDirectory(
            self.settings.index_dir,
            self.embedder,
            Chunker(self.settings.chunker, max_chunks=self.settings.ingest.max_chunks),
            self.settings.index,
            load_derived=load_derived,
        )

    @property
    def answerer(self) -> Answerer:
        """The configured answerer (loaded on first use)."""
        with self._answerer_lock:
            if self._answerer is None:
                from rag.answer.factory import make_answerer

                self._answerer = make_answerer(self.settings, self.embedder, self.in_headings)
            return self._answerer

    @property
    def answerer_loaded(self) -> bool:
        """Whether the configured answerer has been built (a generative model loads on first use)."""
        return self._answerer is not None

    def warm_up(self, questions: Iterable[str]) -> None:
        """Ask throwaway questions through retrieval and the extractive answerer.

        This loads what the first users would otherwise wait for (the segmenter, the English lexicon,
        the ranker), but never a generative model: that loads on first use of :attr:`answerer`, or
        when a caller touches it (the service does so in the background once it is ready).
        """
        from rag.answer.factory import extractive_answerer

        if not self.settings.answerer.uses_model:
            extractive = self.answerer
        else:
            extractive = extractive_answerer(self.settings, self.embedder, self.in_headings)
        for question in questions:
            standalone, hits, _ = self._prepare(question, None, None, None)
            extractive.answer(standalone, hits)

    def in_headings(self, term: str) -> bool:
        """Whether a (folded) term is a document title or section heading word of the corpus (see ``Headings``)."""
        return self._headings(term)

    @property
    def reranker(self) -> Reranker:
        """The configured reranker (built on first use; it may hold a model)."""
        with self._lock:
            if self._reranker is None:
                self._reranker = make_reranker(self.settings.retrieval, self.profile)
            return self._reranker

    def retriever(self) -> HybridRetriever:
        """A retriever over the current snapshot (a write in progress does not affect it)."""
        index = self.index
        snap = index.snapshot
        cached = self._retriever
        if cached is not None and cached[0] is snap:
            return cached[1]
        retriever = build_retriever(
            index.store.chunks,
            snap.dense,
            snap.bm25,
            self.embedder,
            self.settings.retrieval,
            self.reranker,
            with_places(self.profile.place_names),
        )
        self._retriever = (snap, retriever)
        return retriever

    # -- documents ----------------------------------------------------------------------------
    def ensure_index(self, progress: Progress | None = None) -> IngestReport | None:
        """Build the index of the configured corpus when the index is empty.

        Returns:
            The ingest report when something was built, else None.
        """
        if self.index.store.has_documents():
            return None
        corpus = Path(self.settings.corpus)
        if not corpus.exists():
            raise NotFoundError(f"the index is empty and the corpus {corpus} does not exist: run `rag ingest PATH`")
        return self.ingest([corpus], progress=progress)

    def ingest(
        self,
        paths: list[Path],
        *,
        replace_all: bool = False,
        progress: Progress | None = None,
        follow_links: bool = False,
        skipped: list[Skipped] | None = None,
    ) -> IngestReport:
        """Load and ingest files and directories (all are validated before anything is written).

        Args:
            paths: Files and directories (searched recursively for supported formats).
            replace_all: Also remove stored documents that are not among these files.
            progress: Called with (done, total) chunks while embedding.
            follow_links: Follow symlinks that lead out of a directory given (see ``rag.loaders.scan``).
            skipped: Filled with the paths discovery left out and why.
        """
        found = scan(paths, follow_links=follow_links)
        if skipped is not None:
            skipped.extend(found.skipped)
        docs = [load_file(p, limits=self.settings.ingest) for p in found.files]
        return self.ingest_documents(docs, replace_all=replace_all, progress=progress)

    def ingest_documents(
        self, docs: list[Document], *, replace_all: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest documents already loaded (ids must be unique); ``replace_all`` and ``progress`` as for ``ingest``."""
        self._check_unique(docs)
        return self.index.ingest(docs, replace_all=replace_all, progress=progress)

    def ingest_bytes(
        self, data: bytes, name: str, owner: str | None = None, replace: bool = False, admin: bool = False
    ) -> IngestReport:
        """Ingest one uploaded file; ``name`` is used as its id, never as a path.

        Args:
            data: The file's bytes.
            name: The client's file name (the document id).
            owner: Who adds it (recorded with it); None: the operator, unchecked and recorded as the corpus's.
            replace: Whether an existing document of that id may be replaced (checked only with an owner).
            admin: The owner may replace documents others added, and the corpus's.

        Raises:
            ConflictError: The id exists and ``replace`` is false.
            ForbiddenError: The id exists and belongs to someone else.
        """
        doc = load_bytes(data, name, limits=self.settings.ingest)
        if owner is not None:
            self._check_change(doc.doc_id, owner, admin, replace)
            doc = replace_field(doc, meta={**doc.meta, "owner": owner})
        return self.index.ingest([doc])

    def delete(self, doc_id: str, owner: str | None = None, admin: bool = False) -> None:
        """Delete a document (only its owner or an admin, when ``owner`` is given).

        Raises:
            NotFoundError: It is not in the index.
            ForbiddenError: It belongs to someone else.
        """
        if owner is not None:
            self._check_change(doc_id, owner, admin, True)
        if not self.index.delete(doc_id):
            raise NotFoundError(f"no document '{doc_id}' in the index")

    def _check_change(self, doc_id: str, owner: str, admin: bool, replace: bool) -> None:
        # Check-then-write is race-free only among callers that serialise their writes (the service's one
        # writer thread); a concurrent `rag ingest` can only add corpus documents, which stay protected.
        current = self.index.store.document_owner(doc_id)
        if current is None:
            return
        if not replace:
            raise ConflictError(f"a document '{doc_id}' already exists: ask to replace it (replace=true)")
        if current == CORPUS_OWNER and not admin:
            raise ForbiddenError(f"'{doc_id}' belongs to the configured corpus: only an admin key may change it")
        if current != owner and not admin:
            raise ForbiddenError(f"'{doc_id}' was added by another key: only that key or an admin key may change it")

    def repair(self, progress: Progress | None = None) -> int:
        """Rebuild the derived indexes from the store; works on an index too damaged to open."""
        with self._lock:
            self._index = self._open_index(load_derived=False)
            return self._index.repair(progress)

    # -- the index ------------------------------------------------------------------------------
    def info(self) -> dict:
        """The index manifest (what built it, counts, generation) and its directory; opens nothing.

        Raises:
            NotFoundError: There is no index yet.
        """
        directory = self.settings.index_dir
        if not (directory / MANIFEST).exists():
            raise NotFoundError(f"no index at {directory}: build one with `rag ingest PATH`")
        return read_manifest(directory) | {"directory": str(directory)}

    def check(self) -> list[str]:
        """The index's problems as it is on disk (empty when consistent); repairs nothing (``repair`` does)."""
        return IndexDirectory.inspect(
            self.settings.index_dir, self.embedder, Chunker(self.settings.chunker), self.settings.index
        )

    def counts(self) -> dict[str, int]:
        """Documents and chunks in the index."""
        return self.index.store.counts()

    def documents(self) -> list[DocumentInfo]:
        return self.index.store.documents()

    def document(self, doc_id: str) -> Document:
        doc = self.index.store.document(doc_id)
        if doc is None:
            raise NotFoundError(f"no document '{doc_id}' in the index")
        return doc

    @staticmethod
    def _check_unique(docs: list[Document]) -> None:
        seen: dict[str, str] = {}
        for d in docs:
            if d.doc_id in seen:
                raise InputError(f"two files share the name '{d.doc_id}': {seen[d.doc_id]} and {d.source}")
            seen[d.doc_id] = d.source

    # -- questions ----------------------------------------------------------------------------
    def check_question(self, question: object) -> str:
        """Validate a question (raises InputError) and return it stripped."""
        return validate_question(question, self.settings.retrieval.max_question_chars)

    def search(
        self, question: str, top_k: int | None = None, mode: str | None = None, timings: dict | None = None
    ) -> list[Hit]:
        """Retrieve the best passages for a question.

        Args:
            question: Any script; validated here.
            top_k: Number of hits (config default when None).
            mode: ``hybrid`` | ``dense`` | ``bm25`` (config default when None).
            timings: Filled with seconds per stage when given.
        """
        question = self.check_question(question)
        self.ensure_index()
        return self.retriever().search(question, top_k, timings, mode)

    def _prepare(self, question: str, history: list[dict] | None, top_k: int | None, mode: str | None):
        question = self.check_question(question)
        timings: dict[str, float] = {}
        t = time.perf_counter()
        from rag.answer.followup import standalone_question

        standalone = standalone_question(question, history or [])
        timings["rewrite"] = time.perf_counter() - t
        k = top_k or max(self.settings.retrieval.top_k, self.settings.answerer.max_passages)
        hits = self.search(standalone, k, mode, timings)
        return standalone, hits, timings

    def ask(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None, mode: str | None = None
    ) -> tuple[Answer, list[Hit]]:
        """Answer a question with citations.

        Args:
            question: The user's question (a follow-up is rewritten using ``history``).
            history: Earlier turns, ``[{"role": "user"|"assistant", "content": str}]``.
            top_k: Passages handed to the answerer.
            mode: Retrieval mode override.

        Returns:
            The answer and the hits it was given.
        """
        standalone, hits, timings = self._prepare(question, history, top_k, mode)
        t = time.perf_counter()
        answer = self.answerer.answer(standalone, hits, history)
        timings["answer"] = time.perf_counter() - t
        answer.timings = timings | answer.timings
        answer.question = standalone
        return answer, hits

    def ask_stream(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None
    ) -> Iterator[str | Answer]:
        """Like ``ask`` but yields text pieces, then the final ``Answer``."""
        standalone, hits, timings = self._prepare(question, history, top_k, None)
        t = time.perf_counter()
        for piece in self.answerer.stream(standalone, hits, history):
            if isinstance(piece, Answer):
                timings["answer"] = time.perf_counter() - t
                piece.timings = timings | piece.timings
                piece.question = standalone
            yield piece
