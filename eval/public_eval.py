"""Evaluate the real pipeline on the public-data examples (``eval.public_data``).

Retrieval runs over the split's own corpus, indexed in a directory of its own under
``$RAG_HOME/public/<split>-<key>`` (the key names the embedder, chunker and index settings; the directory
is re-used, an unchanged corpus costs nothing to re-ingest), through ``rag.pipeline.Pipeline`` as
``rag ask`` does. The gold harness scores it (containment accuracy, Recall@k, abstention on the near-miss
unanswerables, false abstention, citations), and beside that CMRC-style exact match and character F1 of
the answer's headline (its first sentence) against the gold spans.

Writes ``predictions.jsonl``, ``metrics.json`` (the ``rag eval`` shape: ``python -m eval.compare`` reads
it), ``gold.jsonl`` (the split's items; CC BY-SA, see ``eval.public_data.LICENCE``) and ``report.md``.

With ``--english`` the split's questions are asked in their English versions instead
(``eval.translate_questions``: machine-translated by the local model; items without one are left out).

Usage: ``python -m eval.public_eval --split dev [--english] [--limit N] [--answerer NAME] [--out out/public-dev]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from eval.gold import GoldItem
from eval.harness import answer_figures, evaluate, select, write_jsonl
from eval.metrics import breakdown, headline_scores, mean
from eval.public_data import LICENCE, PUBLIC_DIR, SPLITS, PublicSplit, build_split, gold_rows, load_articles
from eval.report import fmt, metric_groups, write_markdown
from eval.translate_questions import english_items, load_translations
from rag.config import ConfigError, Settings, load_settings
from rag.errors import InputError, RagError
from rag.pipeline import Pipeline

KEYS = (
    "n",
    "answer_accuracy",
    "headline_em",
    "headline_f1",
    "recall@1",
    "recall@5",
    "abstention_recall",
    "false_abstention_rate",
    "citation_precision",
)
LABELS = {
    "answer_accuracy": "acc",
    "headline_em": "head EM",
    "headline_f1": "head F1",
    "recall@1": "R@1",
    "recall@5": "R@5",
    "abstention_recall": "abst.rec",
    "false_abstention_rate": "false abst",
    "citation_precision": "cit.prec",
}


def index_dir(settings: Settings, split_name: str) -> Path:
    """The split's index directory: one per split and per embedder/chunker/index settings.

    An index built with other settings cannot be opened with these (its manifest says so), so they name
    the directory instead of failing the run.
    """
    index = settings.index.model_dump(exclude={"dir"})
    what = {"embedder": settings.embedder.model_dump(), "chunker": settings.chunker.model_dump(), "index": index}
    key = hashlib.sha1(json.dumps(what, sort_keys=True).encode()).hexdigest()[:10]
    return settings.home_dir / "public" / f"{split_name}-{key}"


def split_pipeline(settings: Settings, split: PublicSplit, err: Console | None = None) -> Pipeline:
    """A pipeline whose index holds exactly the split's corpus (documents that changed are re-ingested).

    Args:
        settings: The configuration (its index directory is replaced by :func:`index_dir`'s).
        split: The split whose documents are indexed.
        err: Where to say what the ingest changed.
    """
    directory = index_dir(settings, split.name)
    own = settings.model_copy(update={"index": settings.index.model_copy(update={"dir": str(directory)})})
    pipeline = Pipeline(own)
    report = pipeline.ingest_documents(split.documents, replace_all=True)
    if err is not None and (report.added or report.updated or report.removed):
        note = f"public {split.name} index {directory}: {report.summary()}"
        err.print(note, markup=False, highlight=False, soft_wrap=True)
    return pipeline


def add_headline_scores(items: list[GoldItem], predictions: list[dict[str, Any]], metrics: dict[str, Any]) -> None:
    """Add headline EM/F1 (answerable items) to the metrics: per item, overall, by lang and by type."""
    rows = []
    for item, pred, row in zip(items, predictions, metrics["items"], strict=True):
        if item.answerable:
            scores = headline_scores(pred["answer"], item.answers, bool(pred["abstained"]))
            row |= scores
            rows.append({"lang": item.lang, "type": item.type} | scores)
    table = breakdown(rows, lambda group: {k: mean(r[k] for r in group) for k in ("headline_em", "headline_f1")})
    metrics["overall"] |= table["overall"]["all"]
    for key in ("lang", "type"):
        for name, values in table[key].items():
            metrics[key][name] |= values


def headline_table(metrics: dict[str, Any], title: str) -> Table:
    """The public-data figures, overall and by language and type, for the console."""
    table = Table(title=title)
    for col in ("group", *(LABELS.get(k, k) for k in KEYS)):
        table.add_column(col, justify="left" if col == "group" else "right")
    for name, values in metric_groups(metrics):
        table.add_row(name, *(fmt(values.get(k)) for k in KEYS))
    return table


def headline_markdown(metrics: dict[str, Any]) -> str:
    """The same table as markdown (appended to ``report.md``)."""
    head = "| group | " + " | ".join(LABELS.get(k, k) for k in KEYS) + " |"
    body = [f"| {n} | " + " | ".join(fmt(v.get(k)) for k in KEYS) + " |" for n, v in metric_groups(metrics)]
    return "\n".join([head, "|---" * (len(KEYS) + 1) + "|", *body])


def run(
    split: PublicSplit,
    settings: Settings,
    out_dir: Path,
    limit: int | None = None,
    out: Console | None = None,
    err: Console | None = None,
) -> dict[str, Any]:
    """Evaluate one split over its own corpus and write the outputs.

    Args:
        split: The examples (``eval.public_data.build_split``).
        settings: The configuration (answerer, embedder, retrieval); the index directory is the split's.
        out_dir: Where the outputs go.
        limit: Ask only the first N items (the corpus stays whole).
        out: Console for the tables.
        err: Console for progress and notes.

    Returns:
        The report written to ``metrics.json``.
    """
    # A log file gets the whole table, not 80 columns of it.
    out = out or Console(width=None if sys.stdout.isatty() else 160)
    err = err or Console(stderr=True)
    items = select(split.items, limit)
    t = time.perf_counter()
    pipeline = split_pipeline(settings, split, err)
    index_seconds = time.perf_counter() - t
    mode = pipeline.settings.retrieval.mode
    t = time.perf_counter()
    predictions, metrics = evaluate(pipeline, items, [mode], err)
    seconds = time.perf_counter() - t
    preds, m = predictions[mode], metrics[mode]
    add_headline_scores(items, preds, m)
    m["answers"] = answer_figures(preds)
    report = {
        "split": split.name,
        "licence": LICENCE,
        "seconds": round(seconds, 1),
        "index_seconds": round(index_seconds, 1),
        "mode": mode,
        "answerer": pipeline.settings.answerer.backend,
        "corpus": pipeline.counts() | {"directory": str(pipeline.settings.index_dir)},
        **m,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "predictions.jsonl", preds)
    write_jsonl(out_dir / "gold.jsonl", gold_rows(items))
    (out_dir / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    title = f"Public data, {split.name} split"
    write_markdown(out_dir / "report.md", title, m, {mode: m}, items, preds, seconds)
    with (out_dir / "report.md").open("a", encoding="utf-8") as f:
        f.write(f"\n## Headline (first sentence) vs the gold spans\n\n{headline_markdown(m)}\n\nData: {LICENCE}.\n")
    counts = report["corpus"]
    out.print(headline_table(m, f"public {split.name}: {mode} retrieval, {report['answerer']} answerer"))
    out.print(
        f"{len(items)} questions over {counts['documents']} documents / {counts['chunks']} chunks; "
        f"{seconds:.0f} s asking, {index_seconds:.0f} s indexing; report in {out_dir}/report.md"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code (2 on bad input or config, one line on stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--answerer", default=None, help="answerer backend (answerer.backend)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads of a local LLM (answerer.n_threads)")
    parser.add_argument("--config", type=Path, default=None, help="YAML config (default: the built-in defaults)")
    parser.add_argument(
        "--profile", default="", help="domain profile (default: none; the public corpus is not the default's)"
    )
    parser.add_argument("--data", type=Path, default=PUBLIC_DIR, help=f"the public QA files (default: {PUBLIC_DIR})")
    parser.add_argument("--english", action="store_true", help="ask the questions' English versions")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: out/public-SPLIT[-en])")
    args = parser.parse_args(argv)
    err = Console(stderr=True)
    overrides: dict[str, Any] = {"profile": args.profile}
    if args.answerer:
        overrides["answerer"] = {"backend": args.answerer}
    if args.threads is not None:
        overrides.setdefault("answerer", {})["n_threads"] = args.threads
    try:
        settings = load_settings(args.config, overrides)
        split = build_split(args.split, load_articles(args.data))
        if args.english:
            items = english_items(split.items, load_translations(args.split))
            if not items:
                hint = f"python -m eval.translate_questions --split {args.split}"
                raise InputError(f"no English questions stored for the {args.split} split: {hint}")
            split = replace(split, items=items)
        default_out = Path(f"out/public-{args.split}{'-en' if args.english else ''}")
        run(split, settings, args.out or default_out, args.limit, err=err)
    except (RagError, ConfigError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return getattr(exc, "exit_code", 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
