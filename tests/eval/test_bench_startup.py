"""The startup benchmark's report: figures against their targets (no process is timed here)."""

from __future__ import annotations

from eval.bench_startup import report, summary


def _result(zh: float, en: float, torch: float, rss: float, ready: float, idle: float) -> dict:
    return {
        "runs": 3,
        "load_average": [0.5, 0.5, 0.5],
        "ask": {
            "wall_seconds": {"zh": summary([zh]), "en": summary([en]), "torch": summary([torch])},
            "cpu_seconds": {"zh": summary([zh / 2]), "en": summary([en / 2]), "torch": summary([torch])},
            "peak_rss_mb": {"zh": rss, "en": rss - 10, "torch": 400.0},
            "in_process_seconds": {"zh": summary([0.2]), "en": summary([0.3])},
        },
        "serve": {"ready_seconds": summary([ready]), "ready_cpu_seconds": summary([ready]), "idle_rss_mb": idle},
    }


def test_summary_is_min_and_median() -> None:
    assert summary([3.0, 1.0, 2.0, 10.0]) == {"min": 1.0, "median": 2.5}


def test_every_target_met_is_marked_so() -> None:
    result = _result(zh=1.0, en=1.2, torch=2.0, rss=500, ready=3.0, idle=600)
    lines = report(result)
    assert not [line for line in lines if "misses" in line]
    assert result["figures"]["ask_vs_import_torch"] == 0.5
    assert result["figures"]["ask_vs_import_torch_cpu"] == 0.25
    assert result["figures"]["english_minus_chinese_seconds"] == 0.2


def test_each_missed_target_is_named() -> None:
    lines = report(_result(zh=2.0, en=3.0, torch=1.0, rss=900, ready=9.0, idle=800))
    missed = [line.split(":")[0] for line in lines if "misses" in line]
    assert missed == [
        "cold ask, Chinese",
        "first English − first Chinese",
        "ask peak RSS",
        "rag serve ready",
        "rag serve idle RSS",
    ]
