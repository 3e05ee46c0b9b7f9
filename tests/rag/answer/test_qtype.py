"""What a question asks for: kind, the unit of a quantity, the noun of a which-question."""

from __future__ import annotations

import pytest

from rag.answer import qtype
from rag.profile import load_profile


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("昌都搬迁了多少人?", "人"),
        ("日喀则脱贫人口收入年均增速有多少?", "%"),  # 增速 comes last: a rate, not money
        ("西藏贫困人口2019年的纯收入是多少?", "元"),  # 纯收入 comes last: money, not people
        ("西藏区党委常委会每年最少要专题研究几次脱贫工作?", "次"),
        ("How much did Chamdo budget in 2021 for follow-up support to relocated residents?", "元"),
        ("How many poor villages in Shigatse exited poverty?", "个"),
        ("What was Lhasa's urbanisation rate in 2019?", "%"),
        ("What was the dropout ratio of rural schools in 2018?", "%"),
        ("What total area of farmland did the county irrigate?", ""),  # a quantity, of no unit the rules know
        ("What was the length of the new county roads?", ""),
        ("How much credit did the banks extend to herders?", "元"),  # a possessive, not "the", before the measure
        ("拉萨用了几年完成搬迁?", "年"),
        ("这几年全县新修了多少条公路?", ""),  # 这几年 names the period, not the unit asked
        ("林芝集中了全市百分之多少的贫困人口?", "%"),  # the question word asks a share, of people
        ("Of the funding, what share came from bank loans?", "%"),  # a share of money, not money
    ],
)
def test_the_unit_is_read_from_the_measured_noun(question: str, unit: str) -> None:
    got = qtype.classify(question)
    assert got.kind == qtype.QUANTITY
    assert got.unit == unit


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("區黨委書記親自包聯的是哪個縣?", "县"),
        ("西藏脱贫攻坚的三大主战场是哪几个市?", "市"),
        ("Which county did the Party secretary adopt?", "县"),
        ("2017年西藏脫貧攻堅工作會議是誰主持的?", ""),
    ],
)
def test_which_questions_name_the_noun_of_the_answer(question: str, head: str) -> None:
    assert qtype.classify(question).head == head


@pytest.mark.parametrize("question", ["Where is Lhasa's city-level landfill located?", "拉萨的市级垃圾填埋场建在哪里?"])
def test_where_questions_ask_for_a_place(question: str) -> None:
    assert qtype.classify(question).kind == qtype.PLACE


def test_a_place_question_prefers_a_sentence_naming_a_place() -> None:
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.types import Chunk, Hit

    text = "拉萨市级垃圾填埋场的建设和运营管理水平不断提高。建成市级垃圾填埋场1个(曲水),县级垃圾填埋场4个。"
    hit = Hit(Chunk(0, "d.txt", text, 0, len(text), "拉萨市"), 1.0)
    answer = ExtractiveAnswerer().answer("拉萨的市级垃圾填埋场建在哪里?", [hit])
    assert "曲水" in answer.text


def test_genre_units_and_head_nouns_come_from_the_profile() -> None:
    tibet = load_profile("tibet")  # the default corpus's
    assert qtype.classify("林芝培训了多少人次?", tibet).unit == "人次"
    assert qtype.classify("林芝培训了多少人次?").unit == "人"  # the empty profile knows only the general unit
    assert qtype.classify("Which prefecture relocated the most people?", tibet).head == "市"
    assert qtype.classify("Which prefecture relocated the most people?").head == ""
    assert qtype.classify("Which counties exited poverty first?").head == "县"  # a general head noun
