"""``rag eval``: run the pipeline over a gold set, score it, write the report, apply the gate.

Writes to the output directory: ``predictions.jsonl`` (the configured retrieval mode),
``predictions_<mode>.jsonl`` for baselines, ``metrics.json``, ``report.md`` and ``report.png``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from eval.gold import GoldItem, load_gold
from eval.metrics import latency_summary
from eval.report import fmt, metric_groups, write_chart, write_markdown
from eval.runner import predict_all
from eval.scoring import HEADLINE, HEADLINE_LABELS, score
from eval.thresholds import check, load_thresholds
from rag.errors import InputError
from rag.pipeline import Pipeline

MODES = ("hybrid", "bm25", "dense")


def select(items: list[GoldItem], limit: int | None = None, ids: list[str] | None = None) -> list[GoldItem]:
    """The items to run: those named by ``ids`` (in the gold file's order), then the first ``limit``.

    A subset keeps a run with a slow answerer (a local LLM on a shared CPU) short.

    Raises:
        InputError: An id the gold file does not hold, or a limit below 1.

    >>> from eval.gold import GoldItem
    >>> items = [GoldItem(id=i, question="q", lang="en", type="numeric", answers=["1"]) for i in "abc"]
    >>> [i.id for i in select(items, ids=["c", "a"])], [i.id for i in select(items, limit=2)]
    (['a', 'c'], ['a', 'b'])
    """
    if ids:
        unknown = sorted(set(ids) - {i.id for i in items})
        if unknown:
            raise InputError(f"the gold file has no item {', '.join(unknown)}")
        items = [i for i in items if i.id in set(ids)]
    if limit is not None:
        if limit < 1:
            raise InputError(f"--limit must be at least 1, got {limit}")
        items = items[:limit]
    return items


def documents(pipeline: Pipeline, items: list[GoldItem]) -> dict[str, str]:
    """The indexed texts by document id; every evidence document must be indexed."""
    docs = {d.doc_id: pipeline.document(d.doc_id).text for d in pipeline.documents()}
    missing = sorted({e.doc for item in items for e in item.evidence} - set(docs))
    if missing:
        raise InputError(f"the gold evidence names documents that are not in the index: {', '.join(missing)}")
    return docs


def evaluate(
    pipeline: Pipeline, items: list[GoldItem], modes: list[str], err: Console | None = None
) -> tuple[dict[str, list[dict]], dict[str, dict[str, Any]]]:
    """Predict and score each retrieval mode.

    Returns:
        Predictions and metrics, each keyed by mode.
    """
    docs = documents(pipeline, items)
    predictions: dict[str, list[dict]] = {}
    metrics: dict[str, dict[str, Any]] = {}
    for mode in modes:
        with Progress(
            TextColumn(f"eval {mode}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err or Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(mode, total=len(items))
            predictions[mode] = predict_all(
                pipeline, items, mode, lambda d, t, task=task: bar.update(task, completed=d)
            )
        metrics[mode] = score(items, predictions[mode], docs)
    return predictions, metrics


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def summary_table(metrics: dict[str, Any], title: str) -> Table:
    """Headline metrics overall and by language, for the console."""
    table = Table(title=title)
    table.add_column("group")
    for key in HEADLINE:
        table.add_column(HEADLINE_LABELS.get(key, key), justify="right")
    for name, values in metric_groups(metrics):
        table.add_row(name, *(fmt(values.get(k)) for k in HEADLINE))
    return table


def answer_figures(predictions: list[dict]) -> dict[str, Any]:
    """Per-answer figures beside the scores: seconds p50/p95, ungrounded figures, fallbacks.

    >>> answer_figures([{"timings": {"answer": 1.0}, "ungrounded_figures": 0}, {"timings": {"answer": 3.0}}])
    {'n': 2, 'answer_p50_s': 1.0, 'answer_p95_s': 3.0, 'ungrounded_figures': 0, 'fallbacks': 0}
    """
    seconds = [p["timings"]["answer"] for p in predictions if "answer" in p.get("timings", {})]
    stats = latency_summary([{"answer": s} for s in seconds]).get("answer", {})
    return {
        "n": len(predictions),
        "answer_p50_s": stats.get("p50"),
        "answer_p95_s": stats.get("p95"),
        "ungrounded_figures": sum(p.get("ungrounded_figures", 0) for p in predictions),
        "fallbacks": sum(bool(p.get("fell_back")) for p in predictions),
    }


def answer_line(report: dict[str, Any]) -> str:
    """One console line with the answer figures of the primary run."""
    a = report["answers"]
    p50, p95 = (fmt(a[k]) for k in ("answer_p50_s", "answer_p95_s"))
    return (
        f"{report['answerer']} answerer: {p50} s p50, {p95} s p95 per answer; "
        f"ungrounded figures {a['ungrounded_figures']}; fallbacks to extractive {a['fallbacks']}"
    )


def run_cli(
    gold: Path,
    out_dir: Path,
    config: Path | None,
    answerer: str | None,
    baselines: bool,
    thresholds: Path | None,
    out: Console,
    err: Console,
    index_dir: Path | None = None,
    limit: int | None = None,
    ids: list[str] | None = None,
    threads: int | None = None,
) -> int:
    """The body of ``rag eval``; returns the exit code (1 when the gate fails).

    ``index_dir`` replaces the configured index directory (built from the configured corpus when empty),
    so a gate run does not score whatever index the home holds. ``limit`` and ``ids`` run a subset
    (:func:`select`); ``threads`` sets ``answerer.n_threads`` (a local LLM's CPU threads).

    Raises:
        RagError: A malformed gold file, a missing index document, a bad config (harness errors).
    """
    items = select(load_gold(gold), limit, ids)
    floors = load_thresholds(thresholds) if thresholds else {}
    overrides: dict[str, Any] = {}
    if answerer:
        overrides["answerer"] = {"backend": answerer}
    if threads is not None:
        overrides.setdefault("answerer", {})["n_threads"] = threads
    if index_dir is not None:
        overrides["index"] = {"dir": str(index_dir.absolute())}
    pipeline = Pipeline.from_config(config, overrides)
    with Progress(
        TextColumn("building the index"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("index", total=None)
        pipeline.ensure_index(lambda d, t: bar.update(task, completed=d, total=t))
    primary = pipeline.settings.retrieval.mode
    modes = [primary] + [m for m in MODES if m != primary] if baselines else [primary]
    t = time.perf_counter()
    predictions, metrics = evaluate(pipeline, items, modes, err)
    seconds = time.perf_counter() - t

    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "predictions.jsonl", predictions[primary])
    for mode in modes[1:]:
        write_jsonl(out_dir / f"predictions_{mode}.jsonl", predictions[mode])
    for mode in modes:
        metrics[mode]["answers"] = answer_figures(predictions[mode])
    runs = {m: {k: v for k, v in metrics[m].items() if k != "items"} for m in modes}
    report = {
        "gold": str(gold),
        "seconds": round(seconds, 1),
        "mode": primary,
        "answerer": pipeline.settings.answerer.backend,
        "n_threads": pipeline.settings.answerer.n_threads,
        **runs[primary],
        "items": metrics[primary]["items"],
        "baselines": {m: runs[m] for m in modes[1:]},
    }
    (out_dir / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    write_markdown(
        out_dir / "report.md",
        f"Evaluation on {gold.name}",
        metrics[primary],
        runs,
        items,
        predictions[primary],
        seconds,
    )
    write_chart(out_dir / "report.png", metrics[primary])

    out.print(summary_table(metrics[primary], f"{gold.name}: {primary} retrieval, {report['answerer']} answerer"))
    for mode in modes[1:]:
        out.print(summary_table(metrics[mode], f"baseline: {mode} retrieval"))
    out.print(answer_line(report))
    out.print(f"{len(items)} items × {len(modes)} mode(s) in {seconds:.0f} s; report in {out_dir}/report.md")
    if not floors:
        return 0
    checks = check(metrics[primary], floors)
    gate = Table(title=f"gate: {thresholds}")
    for col in ("metric", "floor", "reached", ""):
        gate.add_column(col)
    for c in checks:
        gate.add_row(c.path, f"{c.floor:.2f}", fmt(c.value), "ok" if c.ok else "[red]BELOW[/red]")
    out.print(gate)
    failed = [c for c in checks if not c.ok]
    if failed:
        err.print(f"eval gate failed: {len(failed)} metric(s) below their floor: " + ", ".join(c.path for c in failed))
        return 1
    return 0
