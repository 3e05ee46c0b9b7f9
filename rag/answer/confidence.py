"""The extractive answerer's abstention decision, learned: how likely its best sentence answers.

Two hand-set floors (term coverage 0.4, combined score 0.4) used to decide; a question reworded away
from the source's words falls under the coverage floor even when its best sentence answers it. A
logistic model over the best sentence's signals (coverage, embedding similarity, kind match, its
passage's rank, its lead over the runner-up) and the question's language and length says instead how
likely the drafted answer is right (one-hot question kinds were tried: they fit the training folds and
lose on the held-out ones); the answerer abstains below a threshold chosen on the training
data. ``python -m eval.train_confidence`` fits it from the public QA training split and the default
corpus's dev sets and writes ``models/confidence.json`` with the data's provenance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.candidates import Candidate
from rag.answer.terms import Query
from rag.types import Hit

MODEL_PATH = Path(__file__).parent / "models" / "confidence.json"


def features(
    query: Query,
    best: Candidate,
    scored: list[Candidate],
    hits: list[Hit],
    english: bool,
    passage_dense: float | None = None,
) -> dict[str, float]:
    """The signals the model reads, for the drafted answer's sentence ``best``.

    Args:
        query: The question as the answerer read it.
        best: The sentence the answer states.
        scored: All candidates, best first by the answerer's score.
        hits: The passages read (their retrieval scores: dense cosine, BM25, fused).
        english: Whether the question is English (its terms are dictionary translations).
        passage_dense: The best sentence's passage's embedding similarity when retrieval gave it none
            (found by BM25 alone); None: its dense retrieval score.

    Returns:
        Feature name → value.
    """
    runner_up = next((c.score for c in scored if c is not best), 0.0)
    scores = hits[best.hit_index].scores
    top_bm25 = max((h.scores.get("bm25", 0.0) for h in hits), default=0.0) or 1.0
    x = {
        "passage_dense": scores.get("dense", 0.0) if passage_dense is None else passage_dense,
        "passage_bm25": scores.get("bm25", 0.0) / top_bm25,
        "sentence_length": math.log1p(len(best.text)),
        "coverage": best.coverage,
        "similarity": best.similarity,
        "type_score": best.type_score,
        "score": best.score,
        "passage_rank": 1.0 / (1 + best.hit_index),
        "lead": best.score - runner_up,
        "english": float(english),
        "terms": math.log1p(len(query.terms)),
    }
    return x


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic model of "the drafted answer is right", and the threshold below which to abstain.

    Args:
        weights: Feature name → coefficient (features the model does not name are ignored).
        intercept: The model's intercept.
        threshold: The probability below which the answerer abstains.
        provenance: Where the model comes from (data, counts, command), as written by the trainer.
    """

    weights: Mapping[str, float]
    intercept: float
    threshold: float
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ConfidenceModel:
        """Read a model file written by ``eval.train_confidence``."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            dict(data["weights"]), float(data["intercept"]), float(data["threshold"]), data.get("provenance", {})
        )

    def probability(self, x: Mapping[str, float]) -> float:
        """The model's probability that the answer with features ``x`` is right."""
        z = self.intercept + sum(w * x.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def accepts(self, x: Mapping[str, float]) -> bool:
        """Whether to answer (the probability reaches the threshold)."""
        return self.probability(x) >= self.threshold

    def to_json(self) -> str:
        """The model file's text."""
        body = {
            "weights": dict(self.weights),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "provenance": dict(self.provenance),
        }
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
