"""A quantity in English words, exactly: ``1.8亿元`` → ``180 million yuan``."""

from __future__ import annotations

from decimal import Decimal

from rag.numbers.numerals import exact, shift
from rag.numbers.quantity import Quantity
from rag.numbers.units import EN_BIG, EN_WORDS


def _plain(d: Decimal, grouping: bool = True) -> str:
    """Decimal as plain digits without exponent or trailing fractional zeros (99000, 13,741.44)."""
    s = format(d, ",f" if grouping else "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _english_number(d: Decimal) -> str:
    for places, word in EN_BIG:
        if abs(d) >= exact("1", places):
            return f"{_plain(shift(d, -places))} {word}"
    return _plain(d)


def render_english(q: Quantity) -> str:
    """The quantity in English, exactly (Decimal arithmetic).

    >>> from rag.numbers import find_quantities
    >>> [render_english(q) for q in find_quantities("9.9万人 1.8亿元 70.63亿元 3.84万户 16.42% 268个")]
    ['99,000 people', '180 million yuan', '7.063 billion yuan', '38,400 households', '16.42%', '268']
    >>> [render_english(q) for q in find_quantities("9.4萬戶次 1.6万余人次 2016年 5年 3倍")]
    ['94,000 household-times', 'more than 16,000 person-times', '2016', '5 years', '3-fold']
    """
    prefix = "more than " if q.approx == "over" else ""
    if q.is_year:
        return prefix + _plain(q.value, grouping=False)
    if q.unit == "%":
        return f"{prefix}{_plain(q.value)}%"
    if q.unit == "倍":
        return f"{prefix}{_plain(q.value)}-fold"
    number = _english_number(q.value)
    words = EN_WORDS.get(q.unit)
    if words is None:
        return prefix + number
    return f"{prefix}{number} {words[0] if q.value == 1 else words[1]}"
