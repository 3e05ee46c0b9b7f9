"""Numerals to exact values: digit strings with a power of ten, and Chinese numerals (worked out by hand)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest

import rag.numbers.numerals
from rag.numbers.numerals import cn_value, exact, parse_cn_int, shift, tidy


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers.numerals)
    assert result.attempted > 0 and result.failed == 0


def test_exact_values_beyond_the_decimal_context() -> None:
    # 32 significant digits times 10^8: more than the default 28-digit context, no rounding.
    assert str(exact("123456789012345678901234567890.12", 8)) == "12345678901234567890123456789012000000"
    assert str(exact("0.1", 4)) == "1000"
    assert str(exact("0.000")) == "0"


def test_tidy_drops_the_exponent_and_trailing_zeros() -> None:
    assert str(tidy(Decimal("9.9E+4"))) == "99000"
    assert str(tidy(Decimal("2.500"))) == "2.5"
    assert str(tidy(Decimal("10"))) == "10"  # zeros of the integer part stay


def test_shift_moves_the_decimal_point_exactly() -> None:
    assert shift(Decimal("180000000"), -6) == Decimal("180")
    assert shift(Decimal("7.063"), 9) == Decimal("7063000000")


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十", 10),
        ("十三", 13),
        ("二十二", 22),
        ("一百二十", 120),
        ("一百零五", 105),
        ("三千万", 30_000_000),
        ("一亿二千万", 120_000_000),
        ("两万", 20_000),
    ],
)
def test_chinese_integers(numeral: str, value: int) -> None:
    assert parse_cn_int(numeral) == value


@pytest.mark.parametrize("numeral", ["十三五", "七八", "百万", "千百", "万", "亿"])
def test_malformed_chinese_integers(numeral: str) -> None:
    assert parse_cn_int(numeral) is None


def test_chinese_values_before_a_unit() -> None:
    assert cn_value("二〇二〇", None, "年") == (Decimal(2020), True)
    assert cn_value("二〇二〇", None, "个") is None  # digit by digit is only a year
    assert cn_value("七八", None, "个") is None  # a vague range
    assert cn_value("一", None, "批") is None  # an idiom
    assert cn_value("一", "五", "%") == (Decimal("1.5"), False)
    assert cn_value("百", None, "个") is None  # a place word without a digit
    assert cn_value("五", None, "年") == (Decimal(5), False)
