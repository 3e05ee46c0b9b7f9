"""Scoring predictions against gold items: every headline metric, overall, by lang and by type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval.gold import GoldItem
from eval.metrics import (
    CitedAnswer,
    abstention_scores,
    answer_correct,
    breakdown,
    char_f1,
    citation_scores,
    evidence_spans,
    exact_match,
    first_sentence,
    latency_summary,
    mean,
    percentile,
    score_retrieval,
    strip_citation_markers,
)

HEADLINE = (
    "answer_accuracy",
    "lead_accuracy",
    "recall@5",
    "mrr@10",
    "citation_precision",
    "abstention_recall",
    "false_abstention_rate",
    "ungrounded_figures",
    "answer_p50_s",
    "answer_p95_s",
)
HEADLINE_LABELS = {
    "answer_accuracy": "acc",
    "lead_accuracy": "lead acc",
    "recall@5": "R@5",
    "mrr@10": "MRR@10",
    "citation_precision": "cit.prec",
    "abstention_recall": "abst.rec",
    "false_abstention_rate": "false abst",
    "ungrounded_figures": "ungr.fig",
    "answer_p50_s": "p50 s",
    "answer_p95_s": "p95 s",
}


def _gold_dict(item: GoldItem) -> dict[str, Any]:
    return {"answers": item.answers, "answer_mode": item.answer_mode, "type": item.type}


def item_scores(item: GoldItem, pred: Mapping[str, Any], docs: Mapping[str, str]) -> dict[str, Any]:
    """Per-item figures the aggregate metrics are built from."""
    spans = evidence_spans([(e.doc, e.quote) for e in item.evidence], docs) if item.answerable else []
    text = strip_citation_markers(pred["answer"])
    row: dict[str, Any] = {
        "id": item.id,
        "lang": item.lang,
        "type": item.type,
        "answerable": item.answerable,
        "abstained": bool(pred["abstained"]),
        "correct": answer_correct(_gold_dict(item), pred["answer"], bool(pred["abstained"])),
        "spans": spans,
        "citations": [(c["source"], c["start"], c["end"], c["quote"]) for c in pred["citations"]],
        "timings": pred.get("timings", {}),
        "ungrounded_figures": pred.get("ungrounded_figures", 0),
    }
    if item.answerable:
        passages = [(p["source"], p["start"], p["end"], p.get("text", "")) for p in pred["retrieved"]]
        row |= score_retrieval(passages, spans)
        lead = first_sentence(pred["answer"])
        row["lead_correct"] = answer_correct(_gold_dict(item), lead, bool(pred["abstained"]))
        row["char_f1"] = char_f1(text, item.answers) if not pred["abstained"] else 0.0
        row["exact_match"] = exact_match(text, item.answers) if not pred["abstained"] else 0.0
    return row


def summarise(rows: list[dict[str, Any]], docs: Mapping[str, str]) -> dict[str, Any]:
    """Aggregate per-item rows into the metric set of one group."""
    answerable = [r for r in rows if r["answerable"]]
    out: dict[str, Any] = {"n": len(rows), "n_answerable": len(answerable)}
    out["answer_accuracy"] = mean(r["correct"] for r in answerable)
    out["accuracy_all"] = mean(r["correct"] for r in rows)
    out["lead_accuracy"] = mean(r.get("lead_correct") for r in answerable)
    for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "char_f1", "exact_match"):
        out[key] = mean(r.get(key) for r in answerable)
    ab = abstention_scores((not r["answerable"], r["abstained"]) for r in rows)
    out["abstention_precision"] = ab["precision"]
    out["abstention_recall"] = ab["recall"]
    out["false_abstention_rate"] = ab["false_abstention_rate"]
    cit = citation_scores(
        (CitedAnswer(r["citations"], r["spans"], r["answerable"], r["abstained"]) for r in rows), docs
    )
    out["citation_precision"] = cit["precision"]
    out["citation_recall"] = cit["recall"]
    out["quote_exactness"] = cit["quote_exactness"]
    out["ungrounded_figures"] = sum(r["ungrounded_figures"] for r in rows)
    # Seconds the answerer took per answer (the "answer" stage; retrieval is reported per stage).
    seconds = [r["timings"]["answer"] for r in rows if "answer" in r["timings"]]
    out["answer_p50_s"] = percentile(seconds, 50) if seconds else None
    out["answer_p95_s"] = percentile(seconds, 95) if seconds else None
    return out


def score(items: list[GoldItem], predictions: list[Mapping[str, Any]], docs: Mapping[str, str]) -> dict[str, Any]:
    """All metrics: ``{"overall": {...}, "lang": {lang: {...}}, "type": {type: {...}}, "latency": {...}}``.

    Args:
        items: Gold items.
        predictions: One per item, same order (``eval.runner.predict`` rows).
        docs: Document id → text, for evidence spans and quote exactness.
    """
    rows = [item_scores(item, pred, docs) for item, pred in zip(items, predictions, strict=True)]
    table = breakdown(rows, lambda group: summarise(group, docs))
    return {
        "overall": table["overall"]["all"],
        "lang": table["lang"],
        "type": table["type"],
        "latency": latency_summary(r["timings"] for r in rows),
        "items": [{k: v for k, v in r.items() if k not in ("spans", "citations", "timings")} for r in rows],
    }
