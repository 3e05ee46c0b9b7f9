"""Abstention quality: does the system decline exactly when the corpus does not hold the answer?

The positive class is "unanswerable". Rates whose denominator is empty are ``None`` (not 0.0),
so a report shows "no data" rather than a misleading score.
"""

from __future__ import annotations

from collections.abc import Iterable

from eval.metrics.aggregate import ratio

__all__ = ["abstention_scores"]


def abstention_scores(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | None]:
    """Abstention precision/recall and the two error rates.

    Args:
        pairs: ``(unanswerable, abstained)`` per item.

    Returns:
        ``precision``: share of abstentions that were on unanswerable items;
        ``recall``: share of unanswerable items the system abstained on;
        ``false_abstention_rate``: share of answerable items it abstained on;
        ``wrong_answer_rate``: share of unanswerable items it answered anyway (= 1 - recall);
        plus the counts ``n_answerable`` and ``n_unanswerable``.

    >>> s = abstention_scores([(True, True), (True, False), (False, True), (False, False), (False, False)])
    >>> s["precision"], s["recall"], s["false_abstention_rate"], s["wrong_answer_rate"]
    (0.5, 0.5, 0.3333333333333333, 0.5)
    >>> abstention_scores([(False, False)])["precision"] is None
    True
    """
    tp = fp = fn = tn = 0
    for unanswerable, abstained in pairs:
        if unanswerable:
            tp, fn = (tp + 1, fn) if abstained else (tp, fn + 1)
        else:
            fp, tn = (fp + 1, tn) if abstained else (fp, tn + 1)
    return {
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "false_abstention_rate": ratio(fp, fp + tn),
        "wrong_answer_rate": ratio(fn, tp + fn),
        "n_answerable": float(fp + tn),
        "n_unanswerable": float(tp + fn),
    }
