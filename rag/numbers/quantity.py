"""Finding quantities in a text: ``Quantity`` and ``find_quantities``.

Matching runs on a per-character folded copy of the text (full-width → ASCII, traditional → simplified,
lower case) that has exactly the input's length, so offsets always index the ORIGINAL string:
``text[q.start:q.end] == q.text``. What counts as a number is in the package docstring (``rag.numbers``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from rag.fold import to_simplified
from rag.numbers.numerals import cn_value, exact, tidy
from rag.numbers.units import CN_NUMERAL_UNITS, CN_SCALES, CN_UNITS, EN_SCALES, EN_UNITS, alternation, units_compatible


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, found in a text.

    Attributes:
        value: The exact value with every scale applied (``9.9万`` → ``Decimal('99000')``).
        unit: Canonical unit key (``'%'``, ``'元'``, ``'人'``, ``'户'``, ``'户次'``, ``'年'``, ...) or ``''``.
        text: The matched span of the original text (``text[start:end]``).
        start: Start offset into the original text.
        end: End offset (exclusive).
        approx: ``'over'`` when 余/多 marks "more than" (``1.6万余人次``), else ``''``.
        is_year: True for calendar years (``2016年``, ``二〇二〇年``, a bare ``2020``).

    >>> q = find_quantities("涉及9.9万人")[0]
    >>> (q.value, q.unit, q.text, q.start, q.end)
    (Decimal('99000'), '人', '9.9万人', 2, 7)
    """

    value: Decimal
    unit: str
    text: str
    start: int
    end: int
    approx: str = ""
    is_year: bool = False

    def matches(self, other: Quantity) -> bool:
        """Same value and compatible units (approximation flags are ignored).

        >>> a, b = find_quantities("1.8亿元 / 180 million yuan")
        >>> a.matches(b)
        True
        """
        return self.value == other.value and units_compatible(self.unit, other.unit)


# --- folding that keeps offsets -------------------------------------------------------------------

_FULLWIDTH = range(0xFF01, 0xFF5F)


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    """Fold one character to one character (full-width → ASCII, traditional → simplified, lower)."""
    if ord(c) in _FULLWIDTH or c == "\u3000":
        c = unicodedata.normalize("NFKC", c)
    else:
        n = unicodedata.normalize("NFKC", c)
        # Kangxi radicals and CJK compatibility forms fold; circled/superscript digits must not
        # (① is a list marker and ² an exponent, not the number 1 or 2).
        if len(n) == 1 and not n.isdigit():
            c = n
    s = to_simplified(c)
    if len(s) == 1:
        c = s
    low = c.lower()
    return low if len(low) == 1 else c


def fold_same_length(text: str) -> str:
    """Fold ``text`` character by character so that offsets into the result index ``text``.

    >>> fold_same_length("９．９萬人")
    '9.9万人'
    """
    return "".join(_fold_char(c) for c in text)


# --- patterns -------------------------------------------------------------------------------------

_UNIT_RE = (
    rf"(?:[ \t]{{0,2}}(?P<cnunit>{alternation(CN_UNITS)})"
    rf"|[ \t]{{0,2}}(?P<enunit>{alternation(EN_UNITS)})(?![a-z]))"
)

# Arabic numbers: optional currency prefix, digits (3-digit groups or plain), optional decimals,
# 余/多, a Chinese or English scale, 余/多, a unit. 千 before 伏/瓦/米/克 is part of a unit (千伏 = kV).
_ARABIC = re.compile(
    r"(?<![a-z0-9])"
    r"(?:(?P<cur>rmb|cny|¥|￥)[ \t]?)?"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?P<frac>\.[0-9]+)?"
    r"(?P<a1>余|多)?"
    r"(?:[ \t]?(?P<cnscale>万亿|千万|百万|万|亿|千(?![伏瓦米克卡]))"
    rf"|[ \t]?(?P<enscale>{alternation(EN_SCALES)})(?![a-z]))?"
    r"(?P<a2>余|多)?"
    rf"{_UNIT_RE}?"
)

# Chinese numerals: only with a following unit (or 百分之 before), see the package docstring;
# not after 几/数 (几十美元, 数百万: vague amounts, not numbers).
_CHINESE = re.compile(
    r"(?<![几数])(?P<pct>百分之)?"
    r"(?P<cn>[零〇一二两三四五六七八九十百千万亿]+)(?:点(?P<cnfrac>[零〇一二两三四五六七八九]+))?"
    r"(?P<a1>余|多)?(?P<cnscale>万亿|万|亿)?(?P<a2>余|多)?"
    rf"(?P<cnunit>{alternation(CN_NUMERAL_UNITS)})?"
)

# Citation markers: [3], [1, 2], [1-3], ［2］ (folded to [2]), 【2】.
_CITATION = re.compile(r"[\[【]\s*[0-9]+(?:\s*[,、\-–]\s*[0-9]+)*\s*[\]】]")


# --- matches to quantities ------------------------------------------------------------------------


def _looks_like_year(num: str, frac: str | None, unit: str, scaled: bool) -> bool:
    if frac or scaled or not num.isdigit() or len(num) != 4:
        return False
    if unit == "年":
        return True
    return not unit and 1900 <= int(num) <= 2100


def _arabic(m: re.Match[str], folded: str) -> Quantity | None:
    """The quantity of an ``_ARABIC`` match on the folded text (its ``text`` is the folded span)."""
    end = m.end()
    if end < len(folded) and folded[end].isascii() and folded[end].isalpha():
        return None  # glued to Latin letters: 5G, 13th, 3D
    num, frac = m["num"].replace(",", ""), m["frac"] or ""
    exponent = CN_SCALES[m["cnscale"]] if m["cnscale"] else EN_SCALES[m["enscale"]] if m["enscale"] else 0
    unit = CN_UNITS[m["cnunit"]] if m["cnunit"] else EN_UNITS[m["enunit"]] if m["enunit"] else ""
    if m["cur"] and not unit:
        unit = "元"
    return Quantity(
        value=exact(num + frac, exponent),
        unit=unit,
        text=folded[m.start() : end],
        start=m.start(),
        end=end,
        approx="over" if m["a1"] or m["a2"] else "",
        is_year=_looks_like_year(m["num"], m["frac"], unit, bool(exponent)),
    )


def _chinese(m: re.Match[str], folded: str) -> Quantity | None:
    """The quantity of a ``_CHINESE`` match on the folded text, or None if it is not one."""
    if m["pct"]:  # 百分之十六点四二: the span stops after the numeral; no scale or unit applies
        unit, end, scale, approx = "%", m.end("cnfrac") if m["cnfrac"] else m.end("cn"), None, False
    else:
        if not m["cnunit"]:
            return None  # a Chinese numeral without a unit is a name or an idiom (十三五, 一是)
        unit, end, scale, approx = CN_UNITS[m["cnunit"]], m.end(), m["cnscale"], bool(m["a1"] or m["a2"])
    parsed = cn_value(m["cn"], m["cnfrac"], unit)
    if parsed is None:
        return None
    value, is_year = parsed
    value = exact(format(value, "f"), CN_SCALES[scale]) if scale else tidy(value)
    return Quantity(value, unit, folded[m.start() : end], m.start(), end, "over" if approx else "", is_year)


def find_quantities(text: str) -> list[Quantity]:
    """All quantities in ``text``, in order, non-overlapping; offsets index the original text.

    Citation markers (``[3]``) are skipped. See the package docstring for what counts.

    >>> [(q.text, str(q.value), q.unit) for q in find_quantities("安置点268个,涉及9.9萬人[1]")]
    [('268个', '268', '个'), ('9.9萬人', '99000', '人')]
    >>> [q.text for q in find_quantities("“十三五”期间, 五年来增长16.42%")]
    ['五年', '16.42%']
    """
    folded = fold_same_length(text)
    blocked = [m.span() for m in _CITATION.finditer(folded)]
    found: list[Quantity] = []
    for m in _ARABIC.finditer(folded):
        q = _arabic(m, folded)
        if q is not None:
            found.append(q)
    taken = blocked + [(q.start, q.end) for q in found]
    for m in _CHINESE.finditer(folded):
        q = _chinese(m, folded)
        if q is not None and not _overlaps(q.start, q.end, taken):
            found.append(q)
    found = [q for q in found if not _overlaps(q.start, q.end, blocked)]
    # Spans were matched on the folded copy; report the original characters.
    return sorted((_with_original_text(q, text) for q in found), key=lambda q: q.start)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _with_original_text(q: Quantity, text: str) -> Quantity:
    return Quantity(q.value, q.unit, text[q.start : q.end], q.start, q.end, q.approx, q.is_year)
