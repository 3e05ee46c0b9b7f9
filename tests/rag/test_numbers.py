"""Tests for rag.numbers: finding, comparing, grounding and rendering quantities.

Expected values are worked out by hand (9.9万 = 9.9 × 10^4 = 99000, and so on).
"""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rag.numbers
from rag.numbers import find_quantities, numbers_grounded, quantities_present, render_english, same_number


def spans(text: str) -> list[tuple[str, str, str]]:
    return [(q.text, str(q.value), q.unit) for q in find_quantities(text)]


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers)
    assert result.attempted > 0 and result.failed == 0


# --- find_quantities ------------------------------------------------------------------------------


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


# --- same_number / quantities_present -------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("9.9万人", "99,000 people"),
        ("1.8亿元", "180 million yuan"),
        ("70.63亿元", "7.063 billion yuan"),
        ("3.84万户", "38,400 households"),
        ("9.4萬戶次", "94,000 household-times"),
        ("16.42%", "16.42%"),
        ("268个", "268"),
        ("13741.44元", "13,741.44 yuan"),
        ("19.3万余人次", "more than 193,000 person-times"),
        ("644亿元", "64.4 billion yuan"),
        ("647.68億元", "64.768 billion yuan"),
        ("1.2万亿元", "1.2 trillion yuan"),
        ("59万", "590,000"),
        ("2016年", "2016"),
        ("五年", "5 years"),
        ("1年", "1 year"),
        ("1人", "1 person"),
        ("3.2个百分点", "3.2 percentage points"),
        ("0.5万元", "5,000 yuan"),
    ],
)
def test_render_english(text: str, english: str) -> None:
    (q,) = find_quantities(text)
    assert render_english(q) == english


# --- properties -----------------------------------------------------------------------------------

PIECES = list("0123456789０１２３４５６７８９.,，．%％万亿萬億千百十一二两三五零〇余多人户戶个個元年次名点之 ")
PIECES += ["人次", "户次", "百分点", "million", "billion", "yuan", "people", "[1]", "［2］", "十三五", "昌都", "G", "x"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS | st.text(max_size=60))
def test_offsets_are_exact_and_ordered(text: str) -> None:
    last_end = 0
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
        assert last_end <= q.start < q.end
        assert isinstance(q.value, Decimal)
        last_end = q.end


CN_UNITS = ["", "人", "户", "户次", "人次", "元", "%", "个", "次", "年", "百分点"]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["", "万", "亿"]),
    st.sampled_from(CN_UNITS),
)
def test_english_rendering_round_trips(digits: int, decimals: int, scale: str, unit: str) -> None:
    number = str(Decimal(digits).scaleb(-decimals))
    (q,) = find_quantities(f"共{number}{scale}{unit}，")
    (back,) = find_quantities(render_english(q))
    assert back.value == q.value
    assert q.matches(back)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_text_grounds_its_own_numbers(text: str) -> None:
    assert numbers_grounded(text, [text]) == []
