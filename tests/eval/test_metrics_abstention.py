"""Abstention precision/recall (positive = unanswerable) and error rates."""

from __future__ import annotations

import pytest

from eval.metrics.abstention import abstention_scores


def test_confusion_counts() -> None:
    # 3 unanswerable: 2 abstained, 1 answered. 4 answerable: 1 abstained, 3 answered.
    pairs = [(True, True), (True, True), (True, False), (False, True), (False, False), (False, False), (False, False)]
    s = abstention_scores(pairs)
    assert s["precision"] == pytest.approx(2 / 3)  # 2 of 3 abstentions were right
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["false_abstention_rate"] == pytest.approx(1 / 4)
    assert s["wrong_answer_rate"] == pytest.approx(1 / 3)
    assert (s["n_answerable"], s["n_unanswerable"]) == (4, 3)


def test_empty_denominators_are_none() -> None:
    s = abstention_scores([(False, False), (False, False)])
    assert s["precision"] is None  # never abstained
    assert s["recall"] is None and s["wrong_answer_rate"] is None  # no unanswerable items
    assert s["false_abstention_rate"] == 0.0


def test_always_abstaining() -> None:
    s = abstention_scores([(True, True), (False, True)])
    assert (s["precision"], s["recall"], s["false_abstention_rate"]) == (0.5, 1.0, 1.0)
