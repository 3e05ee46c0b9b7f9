"""Candidate answer spans of a sentence."""

from __future__ import annotations

from rag.answer.spans import candidate_spans, span_f1
from rag.answer.terms import Query


def test_a_date_question_has_the_date_among_its_spans() -> None:
    query = Query.read("占旭刚什么时候入选国家举重队？", [])
    spans = {s.text: s for s in candidate_spans(query, "占旭刚1994年入选国家举重队。")}
    assert "1994年" in spans
    assert spans["1994年"].features["date_time"] == 1.0


def test_a_span_the_question_already_says_is_marked() -> None:
    query = Query.read("占旭刚什么时候入选国家举重队？", [])
    spans = {s.text: s for s in candidate_spans(query, "占旭刚1994年入选国家举重队。")}
    assert spans["占旭刚"].features["all_in_question"] == 1.0
    assert spans["1994年"].features["in_question"] == 0.0


def test_span_f1_folds_scripts_and_takes_the_best_gold() -> None:
    assert span_f1("趙盤", ["赵盘", "盘"]) == 1.0
    assert span_f1("赵", ["赵盘"]) == 2 / 3
    assert span_f1("钱", ["赵盘"]) == 0.0
