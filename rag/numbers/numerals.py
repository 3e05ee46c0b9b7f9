"""Numerals to exact values: digit strings with a power of ten, and Chinese numerals (一百二十, 二〇二〇).

Values are exact ``Decimal`` s built from the digit strings, never via ``float`` and never through the
(rounding) decimal context: ``9.9万`` is exactly ``99000``.
"""

from __future__ import annotations

from decimal import Decimal

CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}


def exact(digits: str, exponent: int = 0) -> Decimal:
    """Exact Decimal of a plain digit string times 10**exponent, tidied (99000, not 9.9E+4).

    >>> exact("9.9", 4), exact("2.50")
    (Decimal('99000'), Decimal('2.5'))
    """
    return tidy(Decimal(f"{digits}E{exponent}"))


def tidy(d: Decimal) -> Decimal:
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


def shift(d: Decimal, places: int) -> Decimal:
    """``d`` times 10**places, exactly (no context rounding)."""
    sign, digits, exp = d.as_tuple()
    return Decimal((sign, digits, int(exp) + places))


def parse_cn_int(s: str) -> int | None:
    """Value of a Chinese numeral (一百二十 → 120, 三千万 → 30000000) or None when malformed.

    Malformed: two non-zero digits in a row (十三五, 七八), place words without any digit.

    >>> parse_cn_int("一百二十"), parse_cn_int("三千万"), parse_cn_int("十三五")
    (120, 30000000, None)
    """
    total = section = 0
    num: int | None = None
    for c in s:
        if c in CN_DIGITS:
            if num:  # a non-zero digit already pending: 十三五, 七八
                return None
            num = CN_DIGITS[c]
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


def cn_value(cn: str, frac: str | None, unit: str | None) -> tuple[Decimal, bool] | None:
    """(value, is_year) of a Chinese numeral before ``unit``, or None when it is not a quantity.

    Args:
        cn: The numeral's integer part (一百二十, 二〇二〇).
        frac: The digits after 点, if any.
        unit: The canonical unit after it.

    Returns:
        None for digit-by-digit numerals that are not a year (七八个: a vague range), a lone 一 (一个, 一批:
        idioms far more often than counts), place words without a digit and malformed numerals.

    >>> cn_value("二〇二〇", None, "年"), cn_value("十六", "四二", "%"), cn_value("一", None, "个")
    ((Decimal('2020'), True), (Decimal('16.42'), False), None)
    """
    digits_only = all(c in CN_DIGITS for c in cn)
    if digits_only and len(cn) > 1:
        # Digit-by-digit numerals are years (二〇二〇年); 七八个 is a vague range, not a number.
        if len(cn) == 4 and unit == "年" and not frac:
            return Decimal("".join(str(CN_DIGITS[c]) for c in cn)), True
        return None
    if cn == "一" and not frac:  # 一个, 一批, 一年: idioms far more often than counts
        return None
    if not any(c in CN_DIGITS or c == "十" for c in cn):
        return None
    whole = parse_cn_int(cn)
    if whole is None:
        return None
    if frac:
        return Decimal(f"{whole}.{''.join(str(CN_DIGITS[c]) for c in frac)}"), False
    return Decimal(whole), False
