"""Finding quantities: forms, Chinese numerals, what is not a number, offsets into the original text.

Expected values are worked out by hand (9.9万 = 9.9 × 10^4 = 99000, and so on).
"""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rag.numbers.quantity
from rag.numbers import find_quantities
from tests.rag.numbers.strategies import TEXTS


def spans(text: str) -> list[tuple[str, str, str]]:
    return [(q.text, str(q.value), q.unit) for q in find_quantities(text)]


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers.quantity)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("涉及建档立卡贫困人口9.9万人", [("9.9万人", "99000", "人")]),
        ("覆盖3.84万户", [("3.84万户", "38400", "户")]),
        ("整合资金1.8亿元", [("1.8亿元", "180000000", "元")]),
        ("累计62.8萬", [("62.8萬", "628000", "")]),
        ("增长率达到35.74%,", [("35.74%", "35.74", "%")]),
        ("about 99,000 people", [("99,000 people", "99000", "人")]),
        ("180 million yuan", [("180 million yuan", "180000000", "元")]),
        ("7.063 billion", [("7.063 billion", "7063000000", "")]),
        ("从2982元增加到13741.44元", [("2982元", "2982", "元"), ("13741.44元", "13741.44", "元")]),
        ("贫困村1127个", [("1127个", "1127", "个")]),
        ("16.42 percent", [("16.42 percent", "16.42", "%")]),
        ("覆盖建檔立卡貧困戶9.4萬戶次", [("9.4萬戶次", "94000", "户次")]),
        ("19.3萬余人次", [("19.3萬余人次", "193000", "人次")]),
        ("10多万元", [("10多万元", "100000", "元")]),
        ("投资 36.4 亿元", [("36.4 亿元", "3640000000", "元")]),
        ("39 户 205 名", [("39 户", "39", "户"), ("205 名", "205", "人")]),
        ("1.2万亿元", [("1.2万亿元", "1200000000000", "元")]),
        ("下降3.2个百分点", [("3.2个百分点", "3.2", "百分点")]),
        ("500千伏线路", [("500千伏", "500", "千伏")]),
        ("RMB 1.8 billion", [("RMB 1.8 billion", "1800000000", "元")]),
        ("2,982 yuan", [("2,982 yuan", "2982", "元")]),
    ],
)
def test_find_quantities_forms(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("五年来", [("五年", "5", "年")]),
        ("一百二十个", [("一百二十个", "120", "个")]),
        ("两个维护", [("两个", "2", "个")]),
        ("百分之十六点四二", [("百分之十六点四二", "16.42", "%")]),
        ("三千多万人", [("三千多万人", "30000000", "人")]),
        ("二〇二〇年", [("二〇二〇年", "2020", "年")]),
        ("第二十二次会议", [("二十二次", "22", "次")]),
    ],
)
def test_chinese_numerals(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "“十三五”期间",  # a plan's name, not 13 or 135
        "十三五规划",
        "一个都不能少",  # lone 一 is an idiom
        "摆脱了千百年的绝对贫困",
        "百万农奴",
        "五位一体",
        "几十美元",
        "5G网络",
        "G318国道",
        "the 13th Five-Year Plan",
        "七八个",  # a vague range
        "见[3]",  # citation marker
        "见［12］和【4】",
        "①②",  # circled digits are list markers
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("耗资5亿日圆", [("5亿日圆", "500000000", "日元")]),  # yen, not 5亿 and a day (日)
        ("植物資源2300多種", [("2300多種", "2300", "种")]),  # the measure word stays with its count
        ("只有3支车队", [("3支", "3", "支")]),  # 3 teams: no longer a bare 3 that equals 第3名
    ],
)
def test_currencies_and_measure_words(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize("text", ["一部分群众", "一条龙服务", "一种方法"])
def test_a_chinese_numeral_before_a_measure_word_is_no_count(text: str) -> None:
    assert spans(text) == []


def test_years() -> None:
    qs = find_quantities("2016年以来, in 2020, 5年")
    assert [(q.text, q.is_year) for q in qs] == [("2016年", True), ("2020", True), ("5年", False)]
    assert qs[0].unit == "年" and qs[1].unit == ""


def test_approx_flag() -> None:
    assert [q.approx for q in find_quantities("1.6万余人次 与 1.6万人次")] == ["over", ""]


def test_offsets_index_the_original_full_width_text() -> None:
    text = "收入１２，３４５．６７元，增长１６．４２％［１］"
    qs = find_quantities(text)
    assert [(q.start, q.end) for q in qs] == [(2, 12), (15, 21)]
    assert [text[q.start : q.end] for q in qs] == ["１２，３４５．６７元", "１６．４２％"]
    assert [q.value for q in qs] == [Decimal("12345.67"), Decimal("16.42")]


def test_mixed_width_punctuation() -> None:
    assert spans("9.9万人，16.42％;２，９８２元") == [
        ("9.9万人", "99000", "人"),
        ("16.42％", "16.42", "%"),
        ("２，９８２元", "2982", "元"),
    ]


def test_values_are_exact_decimals() -> None:
    (q,) = find_quantities("0.1万")
    assert q.value == Decimal("1000") and str(q.value) == "1000"
    # 30 significant digits: beyond the default 28-digit decimal context, still exact.
    (big,) = find_quantities("123456789012345678901234567890.12亿")
    assert str(big.value) == "12345678901234567890123456789012000000"
    (third,) = find_quantities("0.3 billion")
    assert str(third.value) == "300000000"


@settings(max_examples=400, deadline=None)
@given(TEXTS | st.text(max_size=60))
def test_offsets_are_exact_and_ordered(text: str) -> None:
    last_end = 0
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
        assert last_end <= q.start < q.end
        assert isinstance(q.value, Decimal)
        last_end = q.end
