"""Writing the eval report: tables a person reads at a glance, the worst items, and a chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.gold import GoldItem

COLUMNS = (
    ("n", "n"),
    ("answer_accuracy", "accuracy"),
    ("lead_accuracy", "lead acc."),
    ("recall@1", "R@1"),
    ("recall@5", "R@5"),
    ("recall@10", "R@10"),
    ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"),
    ("char_f1", "F1"),
    ("abstention_recall", "abst. recall"),
    ("false_abstention_rate", "false abst."),
    ("citation_precision", "cit. prec."),
    ("citation_recall", "cit. recall"),
    ("quote_exactness", "quotes exact"),
    ("ungrounded_figures", "ungrounded fig."),
    ("answer_p50_s", "answer p50 s"),
    ("answer_p95_s", "answer p95 s"),
)


def fmt(value: Any) -> str:
    """A metric as a table cell: two decimals, ``–`` for no data."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def metric_groups(metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(row name, metrics)``: overall, then each lang, then each type."""
    rows = [("overall", metrics["overall"])]
    rows += [(f"lang {k}", v) for k, v in metrics["lang"].items()]
    rows += [(f"type {k}", v) for k, v in metrics["type"].items()]
    return rows


def metrics_table(metrics: dict[str, Any]) -> str:
    """Markdown table: overall, each lang and each type as rows."""
    head = "| group | " + " | ".join(label for _, label in COLUMNS) + " |"
    rule = "|---" * (len(COLUMNS) + 1) + "|"
    body = [
        "| " + name + " | " + " | ".join(fmt(m.get(key)) for key, _ in COLUMNS) + " |"
        for name, m in metric_groups(metrics)
    ]
    return "\n".join([head, rule, *body])


def baselines_table(runs: dict[str, dict[str, Any]]) -> str:
    """Markdown table of headline metrics per retrieval mode, by language."""
    keys = ("answer_accuracy", "recall@5", "mrr@10", "citation_precision", "abstention_recall")
    langs = sorted({lang for m in runs.values() for lang in m["lang"]})
    head = "| mode | group | " + " | ".join(keys) + " |"
    rule = "|---" * (len(keys) + 2) + "|"
    body = []
    for mode, m in runs.items():
        for group, values in [("overall", m["overall"])] + [(lang, m["lang"][lang]) for lang in langs]:
            body.append(f"| {mode} | {group} | " + " | ".join(fmt(values.get(k)) for k in keys) + " |")
    return "\n".join([head, rule, *body])


def latency_table(latency: dict[str, dict[str, float]]) -> str:
    head = "| stage | n | p50 ms | p95 ms |\n|---|---|---|---|"
    body = [f"| {s} | {v['n']} | {v['p50'] * 1000:.1f} | {v['p95'] * 1000:.1f} |" for s, v in latency.items()]
    return "\n".join([head, *body])


def worst_items(items: list[GoldItem], predictions: list[dict], metrics: dict[str, Any], limit: int = 12) -> str:
    """The wrong answers with what was retrieved, to learn from."""
    by_id = {row["id"]: row for row in metrics["items"]}
    out = []
    for item, pred in zip(items, predictions, strict=True):
        row = by_id[item.id]
        if row["correct"] or len(out) >= limit:
            continue
        gold = " / ".join(item.answers[:3]) or "(unanswerable: should abstain)"
        lines = [
            f"### {item.id} ({item.lang}, {item.type}) {item.question}",
            f"- gold: {gold}",
            f"- answer{' (abstained)' if pred['abstained'] else ''}: {pred['answer'][:300]}",
            f"- first relevant passage at: {_first_relevant(row)}",
        ]
        lines += [
            f"  {i}. {p['source']} [{p['start']}:{p['end']}] {p.get('text', '')[:90]}"
            for i, p in enumerate(pred["retrieved"][:3], 1)
        ]
        out.append("\n".join(lines))
    return "\n\n".join(out) or "No wrong answers."


def _first_relevant(row: dict[str, Any]) -> str:
    if not row["answerable"]:
        return "n/a"
    if row.get("recall@1"):
        return "rank 1"
    if row.get("recall@5"):
        return "rank 2–5"
    if row.get("recall@10"):
        return "rank 6–10"
    return "not in the top 10"


def write_markdown(
    path: Path,
    title: str,
    metrics: dict[str, Any],
    runs: dict[str, dict[str, Any]],
    items: list[GoldItem],
    predictions: list[dict],
    seconds: float,
) -> None:
    """Write ``report.md``."""
    parts = [f"# {title}", f"{metrics['overall']['n']} items, {seconds:.0f} s.", "## Metrics", metrics_table(metrics)]
    if len(runs) > 1:
        parts += ["## Baselines (same answerer)", baselines_table(runs)]
    parts += [
        "## Latency per stage",
        latency_table(metrics["latency"]),
        "## Wrong answers",
        worst_items(items, predictions, metrics),
    ]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def write_chart(path: Path, metrics: dict[str, Any]) -> None:
    """Write ``report.png``: accuracy and Recall@5 by lang and by type, and latency per stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [(f"{k}", v) for k, v in metrics["lang"].items()] + [(f"{k}", v) for k, v in metrics["type"].items()]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
    x = range(len(groups))
    acc = [g[1].get("answer_accuracy") or 0 for g in groups]
    r5 = [g[1].get("recall@5") or 0 for g in groups]
    ax1.bar([i - 0.2 for i in x], acc, width=0.4, label="answer accuracy")
    ax1.bar([i + 0.2 for i in x], r5, width=0.4, label="Recall@5")
    ax1.set_xticks(list(x), [g[0] for g in groups], rotation=30, ha="right")
    ax1.set_ylim(0, 1)
    ax1.set_title("By language and question type (answerable items)")
    ax1.legend()
    stages = [(k, v) for k, v in metrics["latency"].items() if k != "total"]
    ax2.barh([k for k, _ in stages], [v["p50"] * 1000 for _, v in stages], label="p50")
    ax2.barh(
        [k for k, _ in stages],
        [(v["p95"] - v["p50"]) * 1000 for _, v in stages],
        left=[v["p50"] * 1000 for _, v in stages],
        alpha=0.4,
        label="p95",
    )
    ax2.set_xlabel("ms")
    ax2.set_title("Latency per stage")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
