"""Comparing quantities: same_number, quantities_present and the grounding check (numbers_grounded)."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings

import rag.numbers.match
from rag.numbers import numbers_grounded, quantities_present, same_number
from tests.rag.numbers.strategies import TEXTS


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers.match)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("9.9万", "99,000", True),
        ("9.9万", "99000", True),
        ("9.9萬人", "99,000 people", True),
        ("9.9万", "9.9 million", False),  # 9,900,000 ≠ 99,000
        ("9.9万", "9.9", False),
        ("1.8亿元", "180 million yuan", True),
        ("1.8亿", "180 million", True),
        ("1.8亿元", "1.8 billion yuan", False),
        ("70.63亿元", "7.063 billion yuan", True),
        ("16.42%", "16.42 percent", True),
        ("16.42%", "16.42％", True),
        ("16.42%", "16.42", False),  # percent only equals percent
        ("3.2个百分点", "3.2%", False),
        ("9.9万人", "99000户", False),  # both units given and different
        ("五年", "5 years", True),
        ("2020年", "2020", True),
        ("490户2275人", "490 households and 2,275 people", True),
        ("490户2275人", "2275人", False),
        ("十三五", "135", False),
        ("abc", "abc", False),  # no quantity at all
    ],
)
def test_same_number(a: str, b: str, expected: bool) -> None:
    assert same_number(a, b) is expected


def test_quantities_present() -> None:
    assert quantities_present("9.9万人", "共搬迁约99,000人(9.9万人)")
    assert quantities_present("1.6万余人次", "more than 16,000 person-times")
    assert not quantities_present("9.9万", "共9.9 million")
    assert not quantities_present("班戈县", "班戈县")  # nothing numeric to compare


# --- numbers_grounded -----------------------------------------------------------------------------

PASSAGES = [
    "2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人",
    "到2020年，建档立卡人口人均纯收入从2015年的2982元增加到13741.44元，年均增长率达到35.74%",
    "累计整合脱贫攻坚资金70.63亿元",
]


def test_grounded_answer_with_scaling_and_markers() -> None:
    answer = "Since 2016, 268 sites were built for about 99,000 people [1]; funding was 7.063 billion yuan [3]."
    assert numbers_grounded(answer, PASSAGES) == []


def test_ungrounded_numbers_are_reported_in_order() -> None:
    answer = "共9.8万人[1]，收入13741.44元，增长35.74个百分点，资金70.63亿元"
    assert numbers_grounded(answer, PASSAGES) == ["9.8万人", "35.74个百分点"]


def test_number_only_in_a_citation_marker_is_ignored() -> None:
    assert numbers_grounded("搬迁了9.9万人[3]", PASSAGES) == []
    assert numbers_grounded("搬迁了9.9万人", ["见[3]"]) == ["9.9万人"]  # a marker supports nothing


def test_list_ordinals_are_ignored() -> None:
    answer = "1. 安置点268个\n2) 9.9万人\n(3) 2982元\n- 4、13741.44元"
    assert numbers_grounded(answer, PASSAGES) == []


def test_ordinal_like_number_mid_sentence_is_checked() -> None:
    assert numbers_grounded("共有7. 安置点", PASSAGES) == ["7"]


def test_percent_needs_percent_support() -> None:
    assert numbers_grounded("增长35.74%", ["增长35.74"]) == ["35.74%"]
    assert numbers_grounded("增长35.74 percent", PASSAGES) == []


def test_years_must_be_grounded_too() -> None:
    assert numbers_grounded("自2017年以来", PASSAGES) == ["2017年"]
    assert numbers_grounded("since 2015", PASSAGES) == []


def test_traditional_answer_against_simplified_passage() -> None:
    assert numbers_grounded("涉及9.9萬人、268個安置點", PASSAGES) == []


# --- render_english -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_text_grounds_its_own_numbers(text: str) -> None:
    assert numbers_grounded(text, [text]) == []
