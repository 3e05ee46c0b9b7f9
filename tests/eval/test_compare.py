"""The side-by-side table of several eval runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.compare import load_runs, main
from rag.errors import InputError


def run(directory: Path, answerer: str, accuracy: float, p50: float) -> Path:
    group = {"n": 4, "answer_accuracy": accuracy, "ungrounded_figures": 0, "answer_p50_s": p50}
    report = {"answerer": answerer, "overall": group, "lang": {"zh-Hant": group}, "type": {"reason": group}}
    directory.mkdir(parents=True)
    (directory / "metrics.json").write_text(json.dumps(report), encoding="utf-8")
    return directory


def test_one_row_per_group_and_answerer(tmp_path: Path, capsys) -> None:
    a = run(tmp_path / "ext", "extractive", 0.25, 0.05)
    b = run(tmp_path / "llm", "llamacpp", 0.75, 12.5)
    md = tmp_path / "side.md"
    main([str(a), str(b), "--md", str(md)])
    lines = md.read_text(encoding="utf-8").splitlines()
    assert "| lang zh-Hant | extractive | 4 | 0.25 |" in "\n".join(lines)
    assert any(line.startswith("| type reason | llamacpp | 4 | 0.75 |") and "| 12.50 |" in line for line in lines)
    assert len(lines) == 2 + 3 * 2  # header, rule, three groups × two runs
    assert "answerers side by side" in capsys.readouterr().out


def test_two_runs_of_one_answerer_are_told_apart_and_a_missing_run_is_an_error(tmp_path: Path) -> None:
    runs = load_runs([run(tmp_path / "a", "hybrid", 0.5, 1.0), run(tmp_path / "b", "hybrid", 0.6, 1.0)])
    assert list(runs) == ["hybrid", f"hybrid ({tmp_path / 'b'})"]
    with pytest.raises(InputError, match="no metrics.json"):
        load_runs([tmp_path / "nothing"])
