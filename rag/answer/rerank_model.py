"""A learned passage re-ranker for the retriever's Reranker slot: ``rerank(question, hits) -> hits``.

The fused candidates are re-ordered by a logistic model (``passage`` in ``rag/answer/models/scorer.json``,
trained by ``eval.train_answerer``) over each passage's retrieval signals (fused rank, dense and BM25
scores and ranks) and what its best sentence says about the question, read lexically — term coverage of
text and headings, BM25 among the candidates' sentences, the answer kind's match — so re-ranking 50
candidates embeds nothing beyond what retrieval did.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings
from rag.answer.model import Logistic, load_models
from rag.fold import fold_compact
from rag.types import Hit

_BEST_OF = ("coverage", "coverage_text", "coverage_terms", "bm25_sentence", "bigram_overlap", "type_score")


class LearnedReranker:
    """Re-orders hits by the passage model.

    Args:
        model: The passage model; ``"shipped"``: the one in ``models/scorer.json``; None: none (the hits keep
            their order; training reads ``features`` this way).
        in_headings: As for ``ExtractiveAnswerer`` (names of the corpus's headings anchor the subject).
    """

    def __init__(
        self, model: Logistic | str | None = "shipped", in_headings: Callable[[str], bool] | None = None
    ) -> None:
        self.model = load_models().passage if model == "shipped" else model if isinstance(model, Logistic) else None
        # The lexical reading of the answerer: no embedder, its own passage count lifted to all candidates.
        self._reader = ExtractiveAnswerer(None, ExtractiveSettings(max_passages=1000), in_headings)

    def features(self, question: str, hits: list[Hit]) -> list[dict[str, float]]:
        """One feature dict per hit, in hit order."""
        query, found = self._reader.featurize(question, hits)
        best: list[dict[str, float]] = [{} for _ in hits]
        for c in found:
            row = best[c.hit_index]
            for k in _BEST_OF:
                row[k] = max(row.get(k, 0.0), c.features[k])
            row["anchor_missing"] = min(row.get("anchor_missing", 1.0), c.features["anchor_missing"])
            row["english"] = c.features["english"]
        top_rrf = max((h.scores.get("rrf", h.score) for h in hits), default=0.0) or 1.0
        top_bm25 = max((h.scores.get("bm25", 0.0) for h in hits), default=0.0) or 1.0
        out = []
        for i, (h, row) in enumerate(zip(hits, best, strict=True)):
            text = fold_compact(h.chunk.text + h.chunk.context)
            x = {f"best_{k}": v for k, v in row.items()}
            x |= {
                "fused_rank": 1.0 / (1 + i),
                "fused_share": h.scores.get("rrf", h.score) / top_rrf,
                "dense": h.scores.get("dense", 0.0),
                "dense_rank": 1.0 / h.scores["dense_rank"] if "dense_rank" in h.scores else 0.0,
                "dense_translated": h.scores.get("dense_translated", 0.0),
                "bm25": h.scores.get("bm25", 0.0) / top_bm25,
                "bm25_rank": 1.0 / h.scores["bm25_rank"] if "bm25_rank" in h.scores else 0.0,
                "years": float(bool(query.years) and any(y in text for y in query.years)),
                "length": math.log1p(len(h.chunk.text)),
            }
            out.append(x)
        return out

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        """The hits best first by the passage model (ties keep the fused order)."""
        if self.model is None or len(hits) < 2:
            return list(hits)
        p = self.model.probabilities(self.features(question, hits))
        for h, score in zip(hits, p, strict=True):
            h.scores["rerank"] = float(score)
        order = sorted(range(len(hits)), key=lambda i: (-p[i], i))
        return [hits[i] for i in order]
