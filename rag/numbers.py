"""Quantities in Chinese and English text: find them, compare them, render them in English.

Three users: the answer-accuracy metric (``9.9万`` = ``99,000`` = ``99000``), the grounding guard
(every number in an answer must occur in a cited passage) and the English renderer
(``1.8亿元`` → ``180 million yuan``).

Rules, in short:

* Values are exact ``Decimal`` s, built from the digit strings (never via ``float``), with the
  Chinese scales (万 = 10^4, 亿 = 10^8, 万亿 = 10^12, 千万, 百万, 千) and English ones
  (thousand, million, billion, trillion) applied: ``9.9万`` is exactly ``99000``.
* Units are normalised to a short canonical key: ``%``, ``元``, ``人`` (also 名, 位, people),
  ``户``, ``户次``, ``人次``, ``个``, ``年``, ``百分点`` (percentage points), ... or ``''``.
* Two quantities are equal when their values are equal and their units are compatible: the same
  unit, or one of them has none (``99000`` = ``9.9万人``). Percent and percentage points are strict:
  they only equal the same unit (``16.42`` ≠ ``16.42%``).
* Matching runs on a per-character folded copy of the text (full-width → ASCII, traditional →
  simplified, lower case) that has exactly the input's length, so offsets always index the
  ORIGINAL string: ``text[q.start:q.end] == q.text``.
* Not numbers: citation markers (``[3]``, ``［1, 2］``, ``【2】``); digits glued to Latin letters
  (``5G``, ``G318``, ``13th``); Chinese numerals that are names or idioms: a Chinese numeral counts
  only when a unit follows it (``五年``, ``一百二十个``, ``百分之十六点四二``), never a bare ``一``
  (一个, 一批 are idioms) nor bare place words (千百年, 百万农奴), and ``十三五`` is not well formed.
* Circled and superscript digits (①, ²) are not folded into digits: they are list markers and
  exponents, not quantities.
* Not supported (by design, to stay predictable): negative numbers, ranges as one quantity
  (``3-5万`` gives 3 and 5万), English number words (``five``), approximation prefixes (约, 近,
  about); the suffixes 余/多 (``19.3万余人次``, ``10多万``) are kept in the span and flagged
  ``approx='over'``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from rag.fold import to_simplified

__all__ = [
    "Quantity",
    "find_quantities",
    "numbers_grounded",
    "quantities_present",
    "render_english",
    "same_number",
    "units_compatible",
]


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


# Units that must match exactly: a bare 16.42 is not 16.42%.
_STRICT_UNITS = frozenset({"%", "百分点"})


def units_compatible(a: str, b: str) -> bool:
    """Whether two canonical units may describe the same quantity.

    >>> units_compatible("人", ""), units_compatible("人", "户"), units_compatible("%", "")
    (True, False, False)
    """
    if a == b:
        return True
    if a in _STRICT_UNITS or b in _STRICT_UNITS:
        return False
    return not a or not b


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
    """Fold ``text`` character by character so that offsets into the result index ``text``."""
    return "".join(_fold_char(c) for c in text)


# --- units ----------------------------------------------------------------------------------------

# Chinese units as they appear after a number (folded form) → canonical key.
_CN_UNITS: dict[str, str] = {
    "个百分点": "百分点", "百分点": "百分点", "%": "%",
    "元": "元", "美元": "美元",
    "人次": "人次", "户次": "户次", "人": "人", "名": "人", "位": "人", "户": "户",
    "个": "个", "家": "家", "项": "项", "所": "所", "座": "座", "次": "次", "场": "场", "批": "批",
    "周年": "周年", "年": "年", "月": "月", "日": "日", "天": "天", "小时": "小时", "岁": "岁", "倍": "倍",
    "平方公里": "平方公里", "公里": "公里", "千米": "公里", "平方米": "平方米", "立方米": "立方米",
    "米": "米", "亩": "亩", "吨": "吨", "公斤": "公斤", "千克": "公斤",
    "千伏": "千伏", "千瓦": "千瓦", "兆瓦": "兆瓦",
}  # fmt: skip

# English units (lower case; spaces/hyphens written as they may appear) → canonical key.
_EN_UNITS: dict[str, str] = {
    "percentage points": "百分点", "percentage point": "百分点", "percent": "%", "per cent": "%",
    "yuan": "元", "rmb": "元", "cny": "元", "us dollars": "美元", "usd": "美元",
    "household-times": "户次", "household times": "户次", "person-times": "人次", "person times": "人次",
    "household-time": "户次", "person-time": "人次",
    "households": "户", "household": "户", "people": "人", "persons": "人", "person": "人",
    "years": "年", "year": "年", "times": "次", "time": "次", "days": "天", "day": "天", "hours": "小时",
    "square kilometres": "平方公里", "square kilometers": "平方公里", "square km": "平方公里",
    "square metres": "平方米", "square meters": "平方米", "cubic metres": "立方米", "cubic meters": "立方米",
    "kilometres": "公里", "kilometers": "公里", "km": "公里", "metres": "米", "meters": "米",
    "mu": "亩", "tonnes": "吨", "tonne": "吨", "tons": "吨", "kg": "公斤",
    "kv": "千伏", "kw": "千瓦", "mw": "兆瓦",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    # Longest first so that 人次 wins over 人 and "percentage points" over "percent".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CN_SCALES = {"万亿": 12, "千万": 7, "百万": 6, "万": 4, "亿": 8, "千": 3}
_EN_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "mn": 6, "bn": 9}

_UNIT_RE = (
    rf"(?:[ \t]{{0,2}}(?P<cnunit>{_alternation(_CN_UNITS)})"
    rf"|[ \t]{{0,2}}(?P<enunit>{_alternation(_EN_UNITS)})(?![a-z]))"
)

# Arabic numbers: optional currency prefix, digits (3-digit groups or plain), optional decimals,
# 余/多, a Chinese or English scale, 余/多, a unit. 千 before 伏/瓦/米/克 is part of a unit (千伏 = kV).
_ARABIC = re.compile(
    r"(?<![a-z0-9])"
    r"(?:(?P<cur>rmb|cny|¥|￥)[ \t]?)?"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?P<frac>\.[0-9]+)?"
    r"(?P<a1>余|多)?"
    r"(?:[ \t]?(?P<cnscale>万亿|千万|百万|万|亿|千(?![伏瓦米克卡]))"
    rf"|[ \t]?(?P<enscale>{_alternation(_EN_SCALES)})(?![a-z]))?"
    r"(?P<a2>余|多)?"
    rf"{_UNIT_RE}?"
)

_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
# After a Chinese numeral, % cannot follow and 位 is mostly the idiom N位一体 (五位一体, 三位一体).
_CN_NUMERAL_UNITS = {k: v for k, v in _CN_UNITS.items() if k not in ("%", "位")}

# Chinese numerals: only with a following unit (or 百分之 before), see the module docstring;
# not after 几/数 (几十美元, 数百万: vague amounts, not numbers).
_CHINESE = re.compile(
    r"(?<![几数])(?P<pct>百分之)?"
    r"(?P<cn>[零〇一二两三四五六七八九十百千万亿]+)(?:点(?P<cnfrac>[零〇一二两三四五六七八九]+))?"
    r"(?P<a1>余|多)?(?P<cnscale>万亿|万|亿)?(?P<a2>余|多)?"
    rf"(?P<cnunit>{_alternation(_CN_NUMERAL_UNITS)})?"
)

# Citation markers: [3], [1, 2], [1-3], ［2］ (folded to [2]), 【2】.
_CITATION = re.compile(r"[\[【]\s*[0-9]+(?:\s*[,、\-–]\s*[0-9]+)*\s*[\]】]")


# --- parsing --------------------------------------------------------------------------------------


def _decimal(digits: str, exponent: int = 0) -> Decimal:
    """Exact Decimal of a plain digit string times 10**exponent, tidied (99000, not 9.9E+4)."""
    return _tidy(Decimal(f"{digits}E{exponent}"))


def _tidy(d: Decimal) -> Decimal:
    """Same value without an exponent or trailing fractional zeros: 9.9E+4 → 99000, 2.50 → 2.5.

    Exact: works on the digit tuple, never through the (rounding) decimal context.
    """
    sign, digits, exp = d.as_tuple()
    exp = int(exp)
    if not any(digits):
        return Decimal(0)
    if exp > 0:
        return Decimal((sign, digits + (0,) * exp, 0))
    while exp < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exp = digits[:-1], exp + 1
    return Decimal((sign, digits, exp))


def _parse_cn_int(s: str) -> int | None:
    """Value of a Chinese numeral (一百二十 → 120, 三千万 → 30000000) or None when malformed.

    Malformed: two non-zero digits in a row (十三五, 七八), place words without any digit.
    """
    total = section = 0
    num: int | None = None
    for c in s:
        if c in _CN_DIGITS:
            if num:  # a non-zero digit already pending: 十三五, 七八
                return None
            num = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            if num is None:
                if c != "十":  # 十三 = 13 is fine; 百万, 千百 alone are not numbers
                    return None
                num = 1
            section += num * _CN_SMALL[c]
            num = None
        elif c == "万":
            if num is None and section == 0:
                return None
            section = (section + (num or 0)) * 10_000
            num = None
        else:  # 亿
            if num is None and section == 0 and total == 0:
                return None
            total = (total + section + (num or 0)) * 100_000_000
            section, num = 0, None
    return total + section + (num or 0)


def _cn_value(cn: str, frac: str | None, unit: str | None) -> tuple[Decimal, bool] | None:
    """(value, is_year) for a Chinese numeral, or None when it is not a quantity."""
    digits_only = all(c in _CN_DIGITS for c in cn)
    if digits_only and len(cn) > 1:
        # Digit-by-digit numerals are years (二〇二〇年); 七八个 is a vague range, not a number.
        if len(cn) == 4 and unit == "年" and not frac:
            return Decimal("".join(str(_CN_DIGITS[c]) for c in cn)), True
        return None
    if cn == "一" and not frac:  # 一个, 一批, 一年: idioms far more often than counts
        return None
    if not any(c in _CN_DIGITS or c == "十" for c in cn):
        return None
    whole = _parse_cn_int(cn)
    if whole is None:
        return None
    if frac:
        return Decimal(f"{whole}.{''.join(str(_CN_DIGITS[c]) for c in frac)}"), False
    return Decimal(whole), False


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
    exponent = _CN_SCALES[m["cnscale"]] if m["cnscale"] else _EN_SCALES[m["enscale"]] if m["enscale"] else 0
    unit = _CN_UNITS[m["cnunit"]] if m["cnunit"] else _EN_UNITS[m["enunit"]] if m["enunit"] else ""
    if m["cur"] and not unit:
        unit = "元"
    return Quantity(
        value=_decimal(num + frac, exponent),
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
        unit, end, scale, approx = _CN_UNITS[m["cnunit"]], m.end(), m["cnscale"], bool(m["a1"] or m["a2"])
    parsed = _cn_value(m["cn"], m["cnfrac"], unit)
    if parsed is None:
        return None
    value, is_year = parsed
    value = _decimal(format(value, "f"), _CN_SCALES[scale]) if scale else _tidy(value)
    return Quantity(value, unit, folded[m.start() : end], m.start(), end, "over" if approx else "", is_year)


def find_quantities(text: str) -> list[Quantity]:
    """All quantities in ``text``, in order, non-overlapping; offsets index the original text.

    Citation markers (``[3]``) are skipped. See the module docstring for what counts.

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


# --- comparing ------------------------------------------------------------------------------------


def same_number(a: str, b: str) -> bool:
    """Whether two quantity strings state the same numbers (same count, pairwise equal, in order).

    >>> same_number("9.9万", "99,000"), same_number("9.9万人", "99000 people")
    (True, True)
    >>> same_number("9.9万", "9.9 million")
    False
    >>> same_number("1.8亿元", "180 million yuan"), same_number("16.42%", "16.42 percent")
    (True, True)
    """
    qa, qb = find_quantities(a), find_quantities(b)
    return bool(qa) and len(qa) == len(qb) and all(x.matches(y) for x, y in zip(qa, qb, strict=True))


def quantities_present(needle: str, haystack: str) -> bool:
    """Whether ``needle`` holds at least one quantity and every one of them occurs in ``haystack``.

    >>> quantities_present("9.9万人", "about 99,000 people were relocated")
    True
    >>> quantities_present("490户2275人", "2,275 people")
    False
    """
    wanted = find_quantities(needle)
    if not wanted:
        return False
    have = find_quantities(haystack)
    return all(any(w.matches(h) for h in have) for w in wanted)


# List ordinals: "1. ", "2) ", "3、" at the start of a line, or "(1)" / "（1）" anywhere.
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*•·][ \t]*)?$")


def _is_list_ordinal(q: Quantity, text: str) -> bool:
    if q.unit or q.approx or not q.text.isdigit() or len(q.text) > 2:
        return False
    before, after = text[: q.start], text[q.end : q.end + 1]
    if before[-1:] in ("(", "（") and after in (")", "）"):
        return True
    return after in (".", ")", "、", "．", "）") and _LINE_START.search(before) is not None


def numbers_grounded(answer: str, passages: list[str]) -> list[str]:
    """The numbers in ``answer`` that no passage supports (an empty list means grounded).

    A number is supported when some passage holds an equal quantity (value equality with
    万/亿/million/billion scaling; percent only by percent). Citation markers and list ordinals
    in the answer are ignored. Returns the unsupported spans as they appear in the answer.

    >>> numbers_grounded("1. About 99,000 people [1], 16.42% [2].", ["搬迁9.9万人", "增长16.42%"])
    []
    >>> numbers_grounded("共9.9万户、12%", ["搬迁9.9万人", "增长12个百分点"])
    ['9.9万户', '12%']
    """
    have = [h for p in passages for h in find_quantities(p)]
    return [
        q.text
        for q in find_quantities(answer)
        if not _is_list_ordinal(q, answer) and not any(q.matches(h) for h in have)
    ]


# --- rendering ------------------------------------------------------------------------------------

# canonical unit → (singular, plural) English wording; "" = render the bare number.
_EN_WORDS: dict[str, tuple[str, str]] = {
    "人": ("person", "people"), "户": ("household", "households"),
    "户次": ("household-time", "household-times"), "人次": ("person-time", "person-times"),
    "元": ("yuan", "yuan"), "美元": ("US dollar", "US dollars"), "年": ("year", "years"),
    "次": ("time", "times"), "天": ("day", "days"), "小时": ("hour", "hours"),
    "百分点": ("percentage point", "percentage points"), "公里": ("km", "km"),
    "平方公里": ("square km", "square km"), "平方米": ("square metres", "square metres"),
    "立方米": ("cubic metres", "cubic metres"), "米": ("metres", "metres"), "亩": ("mu", "mu"),
    "吨": ("tonne", "tonnes"), "公斤": ("kg", "kg"), "千伏": ("kV", "kV"), "千瓦": ("kW", "kW"),
    "兆瓦": ("MW", "MW"),
}  # fmt: skip

_BIG = ((12, "trillion"), (9, "billion"), (6, "million"))


def _shift(d: Decimal, places: int) -> Decimal:
    """``d`` times 10**places, exactly (no context rounding)."""
    sign, digits, exp = d.as_tuple()
    return Decimal((sign, digits, int(exp) + places))


def _plain(d: Decimal, grouping: bool = True) -> str:
    """Decimal as plain digits without exponent or trailing fractional zeros (99000, 13,741.44)."""
    s = format(d, ",f" if grouping else "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def _english_number(d: Decimal) -> str:
    for places, word in _BIG:
        if abs(d) >= _decimal("1", places):
            return f"{_plain(_shift(d, -places))} {word}"
    return _plain(d)


def render_english(q: Quantity) -> str:
    """The quantity in English, exactly (Decimal arithmetic).

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
    words = _EN_WORDS.get(q.unit)
    if words is None:
        return prefix + number
    return f"{prefix}{number} {words[0] if q.value == 1 else words[1]}"
