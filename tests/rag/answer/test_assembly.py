"""Putting an extractive answer together from scored candidates (hand-built, no retrieval)."""

from __future__ import annotations

from rag.answer.assembly import compose
from rag.answer.candidates import Candidate, sentence_figures
from rag.answer.terms import Query
from rag.types import Answer, Chunk, Hit

QUESTION = "昌都搬迁了多少人?"


def passage(i: int, text: str) -> tuple[Hit, Candidate]:
    hit = Hit(Chunk(i, f"d{i}.txt", text, 0, len(text), "昌都市"), 1.0)
    c = Candidate(i, 0, len(text), text, coverage=1.0, score=1.0 - i / 100, quantities=sentence_figures(text))
    return hit, c


def answer(question: str, *texts: str, measures: bool = True, lang: str = "") -> Answer | None:
    hits, found = zip(*(passage(i, t) for i, t in enumerate(texts)), strict=True)
    lang = lang or ("en" if question.isascii() else "zh-Hans")
    return compose(Query.read(question, list(texts)), lang, list(hits), list(found), lambda c: measures)


def test_passages_that_state_the_figure_are_cited_together() -> None:
    a = answer(QUESTION, "昌都涉及搬迁群众9.9万人。", "昌都全市搬迁贫困群众9.9万人。")
    assert a.text == "9.9万人[1][2]。原文：昌都涉及搬迁群众9.9万人[1][2]。"
    assert [(c.n, c.doc_id, c.quote) for c in a.citations] == [
        (1, "d0.txt", "昌都涉及搬迁群众9.9万人。"),
        (2, "d1.txt", "昌都全市搬迁贫困群众9.9万人。"),
    ]


def test_a_close_runner_up_with_another_figure_is_shown_as_a_disagreement() -> None:
    a = answer(QUESTION, "昌都涉及搬迁群众9.9万人。", "昌都已完成搬迁7211人。")
    assert a.text == "9.9万人[1]。原文：昌都涉及搬迁群众9.9万人[1]。另有资料给出不同的数字：昌都已完成搬迁7211人[2]。"
    assert [c.doc_id for c in a.citations] == ["d0.txt", "d1.txt"]


def test_a_runner_up_that_does_not_measure_what_is_asked_is_no_rival() -> None:
    a = answer(QUESTION, "昌都涉及搬迁群众9.9万人。", "昌都已完成搬迁7211人。", measures=False)
    assert "另有资料" not in a.text and len(a.citations) == 1


def test_an_english_answer_states_the_figure_in_english_and_quotes_the_source() -> None:
    a = answer("How many people were relocated in Chamdo?", "昌都涉及搬迁群众9.9万人。")
    assert a.text == "About 99,000 people (9.9万人)[1]. The source says: “昌都涉及搬迁群众9.9万人”[1]."


def test_a_traditional_answer_converts_its_own_words_and_keeps_the_quotes_as_the_sources_have_them() -> None:
    source = "聯合國秘書長訪問山峰村，村民增收1.5萬元。"  # s2t would write 祕書長 and 山峯 here
    rival = "山峰村村民增收1.2万元。"  # a simplified source stays simplified
    a = answer("山峰村村民增收多少元?", source, rival, lang="zh-Hant")
    assert a.text == f"1.5萬元[1]。原文：{source.rstrip('。')}[1]。另有資料給出不同的數字：{rival.rstrip('。')}[2]。"
    assert [c.quote for c in a.citations] == [source, rival]
