"""Latency percentiles per pipeline stage.

Percentiles use the nearest-rank method: the p-th percentile of n sorted values is the value at
rank ``ceil(p/100 * n)`` (1-based). It always returns an observed timing, never an interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["latency_summary", "percentile"]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (``0 < p <= 100``).

    >>> percentile([5, 1, 4, 2, 3], 50), percentile(list(range(1, 21)), 95), percentile([7], 95)
    (3, 19, 7)
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


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
