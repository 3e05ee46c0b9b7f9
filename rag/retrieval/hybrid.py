"""Hybrid retrieval, wired in one place: route by language → named retrievers → fuser → near-duplicate
removal → reranker over the candidates → cut to ``top_k``.

Each stage is its own part (``rag/retrieval/*``); ``build_retriever`` composes them from the config.
"""

from __future__ import annotations

import time

from embeddings.base import Embedder
from rag.config import RetrievalConfig
from rag.crosslingual.lexicon import AnyLexicon
from rag.errors import InputError
from rag.index.base import VectorIndex
from rag.retrieval.base import BatchRetriever, ChunkCache, ChunkLookup, LexicalIndex, Retriever
from rag.retrieval.dedupe import Deduper
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.fusion import Fuser, make_fuser
from rag.retrieval.lexical import LexicalRetriever
from rag.retrieval.rerank import NoReranker, Reranker, make_reranker
from rag.retrieval.route import DENSE, LEXICAL, MODES, QueryTranslator, Route, Router
from rag.types import Hit


def candidate_window(top_k: int) -> int:
    """How many fused hits are de-duplicated and handed to the reranker for ``top_k`` results."""
    return top_k * 4 + 10


class HybridRetriever:
    """Finds the passages for a question (a ``Retriever`` itself).

    Args:
        retrievers: Named retrievers the routes use (``dense``, ``bm25``).
        router: Plans each question's searches.
        fusers: The fuser per route language (``zh``, ``en``).
        deduper: Removes near-duplicates.
        reranker: Reorders the candidates.
        config: Mode, candidate count and default ``top_k``.
    """

    def __init__(
        self,
        retrievers: dict[str, Retriever],
        router: Router,
        fusers: dict[str, Fuser],
        deduper: Deduper,
        reranker: Reranker,
        config: RetrievalConfig,
    ) -> None:
        self.retrievers, self.router, self.fusers = retrievers, router, fusers
        self.deduper, self.reranker, self.config = deduper, reranker, config

    def retrieve(self, query: str, top_k: int) -> list[Hit]:
        return self.search(query, top_k)

    def rankings(self, route: Route, timings: dict[str, float]) -> dict[str, list[Hit]]:
        """Each stage's hits, in the route's stage order; a retriever's queries go in one batch when it can."""
        n = self.config.candidates
        found: dict[str, list[Hit]] = {}
        for name in dict.fromkeys(s.retriever for s in route.stages):
            retriever = self.retrievers[name]
            stages = [s for s in route.stages if s.retriever == name]
            if isinstance(retriever, BatchRetriever) and all(s.terms is None for s in stages):
                for stage, hits in zip(
                    stages, retriever.retrieve_batch([s.query for s in stages], n, timings), strict=True
                ):
                    found[stage.name] = hits
                continue
            t = time.perf_counter()
            for stage in stages:
                if stage.terms is not None:
                    found[stage.name] = retriever.retrieve_terms(stage.terms, n)  # type: ignore[attr-defined]
                else:
                    found[stage.name] = retriever.retrieve(stage.query, n)
            timings[name] = time.perf_counter() - t
        return {s.name: found[s.name] for s in route.stages}

    def search(
        self, question: str, top_k: int | None = None, timings: dict[str, float] | None = None, mode: str | None = None
    ) -> list[Hit]:
        """Top-k hits for a question, each carrying every stage's score and rank.

        Args:
            question: The user's question (any script).
            top_k: How many hits; the config's ``top_k`` when None.
            timings: Filled with seconds per stage when given.
            mode: ``hybrid``, ``dense`` or ``bm25``; the config's when None.

        Returns:
            Hits best first, near-duplicates removed.

        Raises:
            InputError: An unknown mode.
        """
        timings = timings if timings is not None else {}
        top_k = top_k or self.config.top_k
        mode = mode or self.config.mode
        if mode not in MODES:
            raise InputError(f"unknown retrieval mode '{mode}'; choose {', '.join(MODES)}")
        route = self.router.route(question, mode, timings)
        rankings = self.rankings(route, timings)
        t = time.perf_counter()
        fused = self.fusers[route.language].fuse(rankings, route.weights)
        # Without a reranker the first top_k survivors are the answer: no need to compare the whole window.
        keep_order = isinstance(self.reranker, NoReranker)
        candidates = self.deduper.dedupe(fused[: candidate_window(top_k)], top_k if keep_order else None)
        timings["fuse"] = time.perf_counter() - t
        if keep_order:
            return candidates
        t = time.perf_counter()
        candidates = self.reranker.rerank(question, candidates)
        timings["rerank"] = time.perf_counter() - t
        return candidates[:top_k]


def build_retriever(
    chunks: ChunkLookup,
    dense: VectorIndex,
    lexical: LexicalIndex,
    embedder: Embedder,
    config: RetrievalConfig,
    reranker: Reranker | None = None,
    lexicon: AnyLexicon | None = None,
) -> HybridRetriever:
    """The hybrid retriever the config describes, over one snapshot of the indexes.

    Args:
        chunks: Looks chunks up by id (``Store.chunks``); remembered for this snapshot (``ChunkCache``).
        dense: The vector index.
        lexical: The BM25 index.
        embedder: Embeds the questions.
        config: The ``retrieval`` section.
        reranker: A reranker already built (they may hold a model); the configured one when None.
        lexicon: English questions' dictionary, with the profile's place names (``lexicon.with_places``);
            CC-CEDICT alone when None.
    """
    chunks = ChunkCache(chunks)
    return HybridRetriever(
        {DENSE: DenseRetriever(embedder, dense, chunks), LEXICAL: LexicalRetriever(lexical, chunks)},
        Router(QueryTranslator(lexical, config.translate_english, lexicon), config),
        {"zh": make_fuser(config.fusion, config.rrf_k), "en": make_fuser(config.fusion, config.en_rrf_k)},
        Deduper(config.dedupe_threshold),
        reranker if reranker is not None else make_reranker(config),
        config,
    )
