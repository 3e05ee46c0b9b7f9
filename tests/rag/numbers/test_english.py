"""Rendering quantities in English, exactly."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rag.numbers.english
from rag.numbers import find_quantities, render_english


def test_doctests() -> None:
    result = doctest.testmod(rag.numbers.english)
    assert result.attempted > 0 and result.failed == 0


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
