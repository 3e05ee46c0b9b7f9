"""The metrics against the real gold sets (dev and held-out): every quote resolves, every numeric answer is grounded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metrics.answers import answer_correct
from eval.metrics.retrieval import evidence_spans, score_retrieval
from rag.numbers import find_quantities, numbers_grounded

ROOT = Path(__file__).resolve().parents[2]
GOLD = [
    json.loads(line)
    for name in ("dev.jsonl", "heldout.jsonl")
    for line in (ROOT / "eval/gold" / name).read_text(encoding="utf-8").splitlines()
    if line
]
CORPUS = ROOT / "data/corpus"


def test_numeric_gold_answers_are_grounded_in_their_evidence() -> None:
    # Catches parsing gaps on real text, e.g. "投资 36.4 亿元" (a space before the scale).
    # Bare digit alternates such as "36.4" (for 36.4 亿元) are lenient substring forms, not values.
    failures = []
    for item in GOLD:
        quotes = [e["quote"] for e in item["evidence"]]
        for answer in item["answers"]:
            if answer.replace(".", "").isdigit() and any(answer in q for q in quotes):
                continue
            if find_quantities(answer) and numbers_grounded(answer, quotes):
                failures.append((item["id"], answer))
    assert failures == []


def test_an_answer_quoting_the_evidence_is_correct_for_numeric_items() -> None:
    for item in GOLD:
        if item["type"] == "numeric":
            text = "；".join(e["quote"] for e in item["evidence"])
            assert answer_correct(item, text, abstained=False), item["id"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_every_quote_resolves_and_a_perfect_ranking_scores_one() -> None:
    docs = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    for item in GOLD:
        if item["type"] == "unanswerable":
            assert item["evidence"] == []
            continue
        spans = evidence_spans(item["evidence"], docs)
        assert spans, item["id"]
        ranked = [(s.doc, s.start, s.end, s.quote) for s in spans]  # the evidence itself, ranked first
        scores = score_retrieval(ranked, spans)
        assert scores["recall@1"] == 1.0 and scores["mrr@10"] == 1.0, item["id"]
