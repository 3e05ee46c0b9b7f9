"""Latency percentiles per pipeline stage: the one percentile of the project (eval, benchmarks, load tools).

Percentiles use the nearest-rank method (numpy's ``inverted_cdf``): the p-th percentile of n sorted values
is the value at rank ``ceil(p/100 * n)`` (1-based). It always returns an observed timing, never an
interpolation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ["latency_summary", "percentile"]


def percentile(values: Sequence[float], p: float, empty: float | None = None) -> float:
    """Nearest-rank percentile of ``values``.

    Args:
        values: Observations, in any order.
        p: The percentile, ``0 < p <= 100``.
        empty: Returned for no values (a report line); None raises instead.

    Returns:
        One of the values, as a float.

    Raises:
        ValueError: ``p`` out of range, or no values and no ``empty``.

    >>> percentile([5, 1, 4, 2, 3], 50), percentile(list(range(1, 21)), 95), percentile([7], 95)
    (3.0, 19.0, 7.0)
    >>> percentile([], 95, empty=0.0)
    0.0
    """
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p}")
    if not len(values):
        if empty is None:
            raise ValueError("percentile of no values")
        return empty
    return float(np.percentile(np.asarray(values, dtype=np.float64), p, method="inverted_cdf"))


def latency_summary(
    timings: Iterable[Mapping[str, float]], percentiles: Sequence[float] = (50, 95)
) -> dict[str, dict[str, float]]:
    """Per stage: count, mean and the requested percentiles, from one timing dict per request.

    A stage missing from some dicts is summarised over the dicts that have it.

    >>> s = latency_summary([{"retrieve": 0.1, "answer": 1.0}, {"retrieve": 0.3}])
    >>> s["retrieve"]
    {'n': 2, 'mean': 0.2, 'p50': 0.1, 'p95': 0.3}
    >>> s["answer"]
    {'n': 1, 'mean': 1.0, 'p50': 1.0, 'p95': 1.0}
    """
    by_stage: dict[str, list[float]] = {}
    for t in timings:
        for stage, seconds in t.items():
            by_stage.setdefault(stage, []).append(seconds)
    out: dict[str, dict[str, float]] = {}
    for stage, values in by_stage.items():
        summary: dict[str, float] = {"n": len(values), "mean": sum(values) / len(values)}
        for p in percentiles:
            summary[f"p{p:g}"] = percentile(values, p)
        out[stage] = summary
    return out
