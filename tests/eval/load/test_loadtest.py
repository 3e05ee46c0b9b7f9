from __future__ import annotations

import pytest

from eval.load import loadtest


def test_the_load_script_refuses_other_hosts() -> None:
    with pytest.raises(SystemExit):
        loadtest.LoadRun("http://192.0.2.1:8000")


def test_a_run_without_a_single_answer_still_reports_and_fails() -> None:
    report = loadtest.LoadReport(errors=["connection refused"])
    text = loadtest.format_report(report, requests=4, concurrency=2)
    assert "p50 0.000  p95 0.000" in text and "RESULT: FAILED" in text
