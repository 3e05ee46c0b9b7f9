"""A few seconds of the soak (eval/load/soak.py) against the tiny-model server: its loop, bounds and report."""

from __future__ import annotations

import os

from eval.load.soak import SoakRun, format_soak, soak_ok
from tests.service.conftest import Server


def test_soak_runs_bounded_and_reports(server: Server) -> None:
    run = SoakRun(server.url, pid=os.getpid())  # the fixture's server runs in this process
    report = run.soak(seconds=20, max_requests=60, concurrency=4)
    text = format_soak(report, 4)
    assert report.sent == 60, text  # the request bound stopped it, long before the time bound
    assert soak_ok(report), text
    assert report.uploads >= 1 and report.deletes >= 1, text
    assert {"ask", "stream", "upload"} <= set(report.latencies), text
    assert report.rss["start"] and report.rss["end"], text
    for part in ("p50", "p95", "p99", "errors: 0", "server RSS", "RESULT: OK"):
        assert part in text
