"""Nearest-rank latency percentiles."""

from __future__ import annotations

import pytest

from eval.metrics.latency import latency_summary, percentile


def test_nearest_rank() -> None:
    values = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.8, 0.6, 1.0]  # 0.1 .. 1.0 shuffled
    assert percentile(values, 50) == 0.5  # rank ceil(5) = 5
    assert percentile(values, 95) == 1.0  # rank ceil(9.5) = 10
    assert percentile(values, 10) == 0.1
    assert percentile(values, 100) == 1.0
    assert percentile([3.0, 1.0], 50) == 1.0  # rank ceil(1.0) = 1: no interpolation


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 0)


def test_summary_per_stage_with_missing_stages() -> None:
    timings = [{"retrieve": 0.2, "answer": 2.0}, {"retrieve": 0.4}, {"retrieve": 0.1, "answer": 1.0}]
    s = latency_summary(timings)
    assert s["retrieve"]["n"] == 3 and s["answer"]["n"] == 2
    assert s["retrieve"]["p50"] == 0.2 and s["retrieve"]["p95"] == 0.4
    assert s["answer"]["p50"] == 1.0 and s["answer"]["p95"] == 2.0
    assert s["answer"]["mean"] == pytest.approx(1.5)


def test_a_report_line_may_ask_for_a_value_when_nothing_was_measured() -> None:
    assert percentile([], 95, empty=0.0) == 0.0
    assert percentile([2.0], 95, empty=0.0) == 2.0
