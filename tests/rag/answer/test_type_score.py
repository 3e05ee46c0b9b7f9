"""Whether a sentence holds an answer of the asked kind (lexical: no model)."""

from __future__ import annotations

import pytest

from rag.answer.candidates import Candidate, sentence_figures
from rag.answer.terms import Query
from rag.answer.type_score import asked_count, names, type_score


def score(question: str, sentence: str) -> float:
    c = Candidate(0, 0, len(sentence), sentence, quantities=sentence_figures(sentence))
    return type_score(Query.read(question, [sentence]), c)


def test_a_quantity_question_wants_a_figure_in_its_unit() -> None:
    question = "林芝一共建了多少个安置项目?"
    assert score(question, "实施安置项目12个,安置群众759户。") == 1.0
    assert score(question, "安置扶贫搬迁群众759户。") == 0.5  # a figure, but of households
    assert score(question, "2016年以来实施安置项目。") == 0.0  # a year is no figure


def test_a_date_question_wants_a_date() -> None:
    assert score("哪一年开始搬迁?", "搬迁从2016年开始。") == 1.0
    assert score("哪一年开始搬迁?", "搬迁工作全面展开。") == 0.0


def test_a_reason_question_wants_a_reason() -> None:
    assert score("为什么要搬迁?", "由于生存条件恶劣,群众整体搬迁。") == 1.0
    assert score("为什么要搬迁?", "群众整体搬迁。") == 0.3


def test_a_who_question_wants_the_name_that_did_what_is_asked() -> None:
    sentence = "齐扎拉作全区脱贫攻坚工作报告;丁业现主持会议。"
    assert score("会议是谁主持的?", sentence) == 1.0
    assert score("会议是谁主持的?", "会议顺利召开。") == 0.3  # no name at all


@pytest.mark.parametrize(
    ("question", "count"),
    [("“四个一批”是哪四个?", 4), ("三大主战场是哪几个市?", 3), ("两项措施是什么?", 2), ("有哪些措施?", 0)],
)
def test_asked_count(question: str, count: int) -> None:
    assert asked_count(question) == count


def test_a_list_question_wants_as_many_items_as_it_asks_for() -> None:
    assert score("“四个一批”是哪四个?", "扶持生产一批,搬迁安置一批,低保兜底一批,医疗救助一批。") == 1.0
    assert score("“四个一批”是哪四个?", "扶持生产一批,搬迁安置一批。") == 0.3


def test_names_leave_out_what_the_question_names() -> None:
    sentence = "拉萨市、昌都市和日喀则市完成搬迁。"
    found = names(sentence, "拉萨完成搬迁了吗?")
    assert "拉萨市" not in found and "日喀则市" in found
    assert names("书记联系班戈县和那曲市。", "书记联系的是哪个县?", head="县") == ["班戈县"]


def test_a_place_question_wants_a_place_name() -> None:
    assert score("填埋场在哪里?", "建成垃圾填埋场1个(曲水)。") == 1.0  # named in brackets
    assert score("填埋场在哪里?", "建成垃圾填埋场1个。") == 0.3
