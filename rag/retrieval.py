"""Hybrid retrieval: dense ∥ BM25 → reciprocal rank fusion → near-duplicate removal.

Routing by the question's language: a Chinese question (either script, folded to simplified) runs dense
and BM25 on its own words. An English question cannot match the Chinese BM25 index word for word, so it is
translated by dictionary (``rag.crosslingual``): BM25 runs on the weighted Chinese terms, and the dense
index is searched twice, with the English question and with its Chinese rendering (``dense_translated``).
Each language has its own fusion weights in ``RetrievalConfig``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from embeddings.base import Embedder
from rag.config import RetrievalConfig
from rag.crosslingual.translate import Translation, translate
from rag.fold import fold, fold_compact
from rag.index.base import VectorIndex
from rag.index.bm25 import BM25Index
from rag.question import question_script
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

    def translation(self, question: str) -> Translation | None:
        """The dictionary translation used for an English question; None for Chinese or when turned off."""
        if not self.config.translate_english or question_script(question) != "en" or not len(self.bm25):
            return None
        return translate(question, self.bm25)

    def weights(self, question: str) -> dict[str, float]:
        """Each stage's fusion weight for this question's language."""
        if self.config.translate_english and question_script(question) == "en":
            return {
                "dense": self.config.en_dense_weight,
                "bm25": self.config.en_bm25_weight,
                "dense_translated": self.config.en_dense_translated_weight,
            }
        return {"dense": self.config.dense_weight, "bm25": self.config.bm25_weight}

    def rankings(self, question: str, timings: dict[str, float], mode: str | None = None) -> dict[str, Ranking]:
        """Each enabled stage's ranking of candidate chunks (see the module docstring for the routing)."""
        mode = mode or self.config.mode
        n = self.config.candidates
        out: dict[str, Ranking] = {}
        t = time.perf_counter()
        folded = fold(question)
        timings["fold"] = time.perf_counter() - t
        t = time.perf_counter()
        translation = self.translation(question)
        if translation is not None:
            timings["translate"] = time.perf_counter() - t
        queries = [folded]
        if translation is not None and translation.concepts:
            queries.append(translation.rendering())
        if mode in ("hybrid", "dense") and len(self.dense):
            t = time.perf_counter()
            vecs = self.embedder.embed_queries(queries)
            timings["embed"] = time.perf_counter() - t
            t = time.perf_counter()
            scores, ids = self.dense.search(vecs, n)
            timings["dense"] = time.perf_counter() - t
            for row, name in enumerate(["dense", "dense_translated"][: len(queries)]):
                keep = ids[row] >= 0
                out[name] = Ranking(ids[row][keep].tolist(), scores[row][keep].tolist())
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            if translation is None:
                scores, ids = self.bm25.search(tokens(folded), n)
            else:
                scores, ids = self.bm25.search_weighted(translation.weighted_terms(), n)
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
        english = self.config.translate_english and question_script(question) == "en"
        fused = rrf(rankings, self.weights(question), self.config.en_rrf_k if english else self.config.rrf_k)
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
