"""Fitting the re-ranker: Recall@k of an order, and a pairwise fit that learns a separating signal."""

from __future__ import annotations

import numpy as np

from eval.train_reranker import Question, fit, recall


def _question(answer_at: int, n: int = 6, seed: int = 0) -> Question:
    rng = np.random.default_rng(seed)
    feats = [
        {"signal": float(i == answer_at) + 0.1 * float(rng.uniform()), "noise": float(rng.uniform())} for i in range(n)
    ]
    return Question(feats, [i == answer_at for i in range(n)])


def test_recall_counts_questions_whose_answer_is_in_the_first_k() -> None:
    qs = [_question(0), _question(3), Question([{"signal": 0.0}], [False])]  # the last has no answer: not counted
    assert recall(qs, None, 1) == 0.5 and recall(qs, None, 4) == 1.0
    assert recall(qs, {"signal": 1.0}, 1) == 1.0


def test_the_pairwise_fit_weights_the_signal_that_separates_answers() -> None:
    qs = [_question(i % 6, seed=i) for i in range(40)]
    weights, strength = fit(qs, strengths=(0.1, 1.0), folds=4)
    assert weights["signal"] > abs(weights["noise"])
    assert recall(qs, weights, 1) == 1.0 and strength in (0.1, 1.0)
