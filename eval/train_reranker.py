"""Fit the learned passage re-ranker (``rag/retrieval/models/reranker.json``).

For each answerable question of ``eval.training_data`` (public QA training articles over their own
index, the default corpus's dev sets), the fused candidates (fusion's order, no
re-ranking) are read with ``rag.retrieval.learned.features``; a passage is a positive when it holds a
gold answer. A logistic regression without intercept is fitted on feature differences, answering minus
non-answering passage of the same question (pairwise ranking), its regularisation chosen by the
Recall@1 of held-out questions (5 folds by question). Takes about 2 minutes on 2 cores::

    python -m eval.train_reranker [--out rag/retrieval/models/reranker.json]

It prints Recall@1/5 with fusion's order and with the fitted model on the training questions. Held-out
sets (``eval/gold/heldout.jsonl``) are never read.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.gold import GoldItem
from eval.metrics.answers import answer_matches
from eval.training_data import PROVENANCE, default_training, public_training
from rag.pipeline import Pipeline
from rag.retrieval.learned import MODEL_PATH, LearnedReranker, features

CANDIDATES = 30  # what the re-ranker sees for top_k 5 (rag.retrieval.hybrid.candidate_window)
_PAIRS = (3, 20)  # answering × non-answering passages paired per question


@dataclass
class Question:
    """One question's candidates: their features and whether each holds a gold answer."""

    features: list[dict[str, float]]
    answering: list[bool]


def questions(pipe: Pipeline, items: Iterable[GoldItem]) -> list[Question]:
    """The answerable ``items``' candidates in fusion's order (``pipe`` must not re-rank)."""
    out = []
    for item in items:
        if item.type == "unanswerable" or not item.answers:
            continue
        hits = pipe.search(item.question, top_k=CANDIDATES)
        answering = [any(answer_matches(a, h.chunk.text) for a in item.answers) for h in hits]
        out.append(Question(features(item.question, hits, pipe.profile), answering))
    return out


def recall(qs: list[Question], weights: dict[str, float] | None, k: int) -> float:
    """Recall@k over the questions with an answering candidate (None: fusion's order)."""
    found = [q for q in qs if any(q.answering)]
    if not found:
        return 0.0
    hits = 0
    for q in found:
        order = range(len(q.answering))
        if weights is not None:
            s = [sum(w * x.get(n, 0.0) for n, w in weights.items()) for x in q.features]
            order = sorted(order, key=lambda i: (-s[i], i))
        hits += any(q.answering[i] for i in list(order)[:k])
    return hits / len(found)


def _pairs(qs: list[Question], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for q in qs:
        x = np.array([[f[n] for n in names] for f in q.features])
        pos = [i for i, a in enumerate(q.answering) if a][: _PAIRS[0]]
        neg = [i for i, a in enumerate(q.answering) if not a][: _PAIRS[1]]
        for p in pos:
            for n in neg:
                rows += [x[p] - x[n], x[n] - x[p]]
                labels += [1, 0]
    return np.array(rows), np.array(labels)


def fit(qs: list[Question], strengths: tuple[float, ...] = (0.01, 0.1, 1.0), folds: int = 5) -> tuple[dict, float]:
    """The weights, and the regularisation strength chosen by held-out Recall@1.

    Args:
        qs: The training questions.
        strengths: Candidate inverse regularisation strengths (scikit-learn's ``C``).
        folds: Question folds.
    """
    from sklearn.linear_model import LogisticRegression

    names = sorted(qs[0].features[0])

    def weights(train: list[Question], c: float) -> dict[str, float]:
        x, y = _pairs(train, names)
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(x, y)
        return dict(zip(names, map(float, model.coef_[0]), strict=True))

    fold_of = np.arange(len(qs)) % folds
    held_out = {
        c: np.mean(
            [
                recall(
                    [q for q, f in zip(qs, fold_of, strict=True) if f == k],
                    weights([q for q, f in zip(qs, fold_of, strict=True) if f != k], c),
                    1,
                )
                for k in range(folds)
            ]
        )
        for c in strengths
    }
    strength = max(strengths, key=lambda c: (held_out[c], -c))
    return weights(qs, strength), strength


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    fused = {"retrieval": {"reranker": "none"}}
    public = questions(*public_training(fused))
    default = questions(*default_training(fused))
    qs = public + default
    weights, strength = fit(qs)
    figures = {
        "questions": {"public-train": len(public), "default-dev": len(default)},
        "C": strength,
        "recall@1": {"fused": round(recall(qs, None, 1), 4), "reranked": round(recall(qs, weights, 1), 4)},
        "recall@5": {"fused": round(recall(qs, None, 5), 4), "reranked": round(recall(qs, weights, 5), 4)},
    }
    provenance = {
        "command": "python -m eval.train_reranker",
        "trained": datetime.date.today().isoformat(),
        "data": PROVENANCE,
        **figures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(LearnedReranker(weights, provenance=provenance).to_json(), encoding="utf-8")
    print(f"wrote {args.out}: {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
