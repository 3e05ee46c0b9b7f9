"""Hybrid retrieval: dense ∥ BM25 → reciprocal rank fusion → near-duplicate removal."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from embeddings.base import Embedder
from rag.config import RetrievalConfig
from rag.fold import fold, fold_compact
from rag.index.base import VectorIndex
from rag.index.bm25 import BM25Index
from rag.segment import tokens
from rag.store import Store
from rag.types import Hit


@dataclass
class Ranking:
    """One retriever's ranked candidates: chunk ids best first, with their scores."""

    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def rrf(rankings: dict[str, Ranking], weights: dict[str, float], k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion.

    Args:
        rankings: Each stage's ranking.
        weights: Each stage's weight (missing = 1).
        k: The RRF constant; larger flattens the rank discount.

    Returns:
        ``(chunk_id, fused score)`` best first; ties keep first-seen order.

    Example:
        >>> rrf({"a": Ranking([1, 2]), "b": Ranking([2])}, {}, 60)[0][0]
        2
    """
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        w = weights.get(name, 1.0)
        for rank, cid in enumerate(ranking.ids):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def _bigrams(text: str) -> set[str]:
    s = fold_compact(text)
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def near_duplicate(a: str, b: str, threshold: float) -> bool:
    """True when two passages share at least ``threshold`` of the smaller one's character bigrams."""
    ba, bb = _bigrams(a), _bigrams(b)
    return len(ba & bb) / max(1, min(len(ba), len(bb))) >= threshold


class HybridRetriever:
    """Finds the passages for a question.

    Args:
        store: Documents and chunks.
        dense: Vector index over chunk embeddings.
        bm25: Lexical index over chunk tokens.
        embedder: Embeds the question.
        config: Mode, weights, candidate count, dedupe threshold.
    """

    def __init__(
        self, store: Store, dense: VectorIndex, bm25: BM25Index, embedder: Embedder, config: RetrievalConfig
    ) -> None:
        self.store, self.dense, self.bm25, self.embedder, self.config = store, dense, bm25, embedder, config

    def rankings(self, question: str, timings: dict[str, float], mode: str | None = None) -> dict[str, Ranking]:
        """Each enabled stage's ranking of candidate chunks."""
        mode = mode or self.config.mode
        n = self.config.candidates
        out: dict[str, Ranking] = {}
        t = time.perf_counter()
        folded = fold(question)
        timings["fold"] = time.perf_counter() - t
        if mode in ("hybrid", "dense") and len(self.dense):
            t = time.perf_counter()
            vec = self.embedder.embed_queries([folded])
            timings["embed"] = time.perf_counter() - t
            t = time.perf_counter()
            scores, ids = self.dense.search(vec, n)
            timings["dense"] = time.perf_counter() - t
            keep = ids[0] >= 0
            out["dense"] = Ranking(ids[0][keep].tolist(), scores[0][keep].tolist())
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            scores, ids = self.bm25.search(tokens(folded), n)
            timings["bm25"] = time.perf_counter() - t
            out["bm25"] = Ranking(ids.tolist(), scores.tolist())
        return out

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
        """
        timings = timings if timings is not None else {}
        top_k = top_k or self.config.top_k
        rankings = self.rankings(question, timings, mode)
        t = time.perf_counter()
        weights = {"dense": self.config.dense_weight, "bm25": self.config.bm25_weight}
        fused = rrf(rankings, weights, self.config.rrf_k)
        stage_scores = {
            name: {cid: (score, rank + 1) for rank, (cid, score) in enumerate(zip(r.ids, r.scores, strict=True))}
            for name, r in rankings.items()
        }
        chunks = self.store.chunks(cid for cid, _ in fused[: top_k * 4 + 10])
        hits: list[Hit] = []
        for cid, score in fused:
            chunk = chunks.get(cid)
            if chunk is None:
                continue
            if any(near_duplicate(chunk.text, h.chunk.text, self.config.dedupe_threshold) for h in hits):
                continue
            scores = {"rrf": score}
            for name, by_id in stage_scores.items():
                if cid in by_id:
                    scores[name], scores[f"{name}_rank"] = float(by_id[cid][0]), float(by_id[cid][1])
            hits.append(Hit(chunk, score, scores))
            if len(hits) >= top_k:
                break
        timings["fuse"] = time.perf_counter() - t
        return hits


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
