"""Side by side: the answerers of several ``rag eval`` runs, by language and question type.

Each run is an output directory of ``rag eval --answerer NAME --out DIR`` (its ``metrics.json``).
The table has one row per (group, run): accuracy, lead accuracy, abstention recall, false
abstention, citation precision, ungrounded figures and seconds per answer (p50/p95), as scored by
:mod:`eval.scoring`. Run: ``python -m eval.compare out/extractive out/llamacpp out/hybrid [--md FILE]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.report import fmt, metric_groups
from eval.scoring import HEADLINE_LABELS
from rag.errors import InputError

KEYS = (
    "n",
    "answer_accuracy",
    "lead_accuracy",
    "abstention_recall",
    "false_abstention_rate",
    "citation_precision",
    "ungrounded_figures",
    "answer_p50_s",
    "answer_p95_s",
)


def load_runs(dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """Each run's metrics by label: its answerer, with the directory when an earlier run has that answerer.

    Raises:
        InputError: A directory without ``metrics.json``.
    """
    runs: dict[str, dict[str, Any]] = {}
    for d in dirs:
        path = d / "metrics.json"
        if not path.is_file():
            raise InputError(f"{d} holds no metrics.json: run `rag eval --out {d}` first")
        report = json.loads(path.read_text(encoding="utf-8"))
        label = report.get("answerer", d.name)
        runs[f"{label} ({d})" if label in runs else label] = report
    return runs


def rows(runs: dict[str, dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """``(group, run, cells)`` for every group any run has, runs in the order given.

    >>> one = {"overall": {"n": 2, "answer_accuracy": 0.5}, "lang": {"en": {"n": 2}}, "type": {}}
    >>> [(g, r, c[1]) for g, r, c in rows({"a": one, "b": one | {"lang": {}}})]
    [('overall', 'a', '0.50'), ('overall', 'b', '0.50'), ('lang en', 'a', '–'), ('lang en', 'b', '–')]
    """
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for label, metrics in runs.items():
        for group, values in metric_groups(metrics):
            groups.setdefault(group, {})[label] = values
    return [
        (group, label, [fmt(by_run.get(label, {}).get(k)) for k in KEYS])
        for group, by_run in groups.items()
        for label in runs
    ]


def markdown(runs: dict[str, dict[str, Any]]) -> str:
    """The table as markdown."""
    head = "| group | answerer | " + " | ".join(HEADLINE_LABELS.get(k, k) for k in KEYS) + " |"
    rule = "|---" * (len(KEYS) + 2) + "|"
    return "\n".join([head, rule, *(f"| {g} | {r} | " + " | ".join(c) + " |" for g, r, c in rows(runs))])


def main(argv: list[str] | None = None) -> None:
    """Print the side-by-side table (and write it as markdown with ``--md``)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="rag eval output directories")
    parser.add_argument("--md", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    runs = load_runs(args.runs)
    table = Table(title="answerers side by side")
    for col in ("group", "answerer", *(HEADLINE_LABELS.get(k, k) for k in KEYS)):
        table.add_column(col)
    for group, label, cells in rows(runs):
        table.add_row(group, label, *cells)
    Console().print(table)
    if args.md:
        args.md.write_text(markdown(runs) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
