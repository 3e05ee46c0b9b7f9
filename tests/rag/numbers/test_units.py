"""Unit tables and unit compatibility."""

from __future__ import annotations

import doctest
import re

import pytest

import rag.numbers.units
from rag.numbers.units import CN_NUMERAL_UNITS, CN_UNITS, EN_UNITS, EN_WORDS, alternation, units_compatible


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers.units)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("人", "人", True),
        ("人", "", True),
        ("", "元", True),
        ("人", "户", False),
        ("%", "", False),  # a bare 16.42 is not 16.42%
        ("", "百分点", False),
        ("%", "百分点", False),
        ("%", "%", True),
    ],
)
def test_units_compatible(a: str, b: str, expected: bool) -> None:
    assert units_compatible(a, b) is expected


def test_english_units_and_wordings_use_the_chinese_keys() -> None:
    keys = set(CN_UNITS.values())
    assert set(EN_UNITS.values()) <= keys
    assert set(EN_WORDS) <= keys


def test_no_percent_or_wei_after_a_chinese_numeral() -> None:
    assert "%" not in CN_NUMERAL_UNITS and "位" not in CN_NUMERAL_UNITS
    assert CN_NUMERAL_UNITS["人次"] == "人次"


def test_alternation_prefers_the_longest_unit() -> None:
    pattern = re.compile(alternation(["人", "人次", "percent", "percentage points"]))
    assert pattern.match("人次").group() == "人次"
    assert pattern.match("percentage points").group() == "percentage points"
