"""The units and scales a quantity may carry, in Chinese and English, and when two units agree.

Units are normalised to a short canonical key: ``%``, ``元``, ``人`` (also 名, 位, people), ``户``,
``户次``, ``人次``, ``个``, ``年``, ``百分点`` (percentage points), ... or ``''``; each key has its English
wording here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Units that must match exactly: a bare 16.42 is not 16.42%.
STRICT_UNITS = frozenset({"%", "百分点"})

# Chinese units as they appear after a number (folded form) → canonical key.
CN_UNITS: dict[str, str] = {
    "个百分点": "百分点", "百分点": "百分点", "%": "%",
    "元": "元", "美元": "美元",
    "人次": "人次", "户次": "户次", "人": "人", "名": "人", "位": "人", "户": "户",
    "个": "个", "家": "家", "项": "项", "所": "所", "座": "座", "次": "次", "场": "场", "批": "批",
    "周年": "周年", "年": "年", "月": "月", "日": "日", "天": "天", "小时": "小时", "岁": "岁", "倍": "倍",
    "平方公里": "平方公里", "公里": "公里", "千米": "公里", "平方米": "平方米", "立方米": "立方米",
    "米": "米", "亩": "亩", "吨": "吨", "公斤": "公斤", "千克": "公斤",
    "千伏": "千伏", "千瓦": "千瓦", "兆瓦": "兆瓦",
}  # fmt: skip

# Currencies besides 元/美元: 5亿日圆 is yen, not 5亿 followed by a day (日).
CN_UNITS.update(
    {
        "日元": "日元", "日圆": "日元", "欧元": "欧元", "英镑": "英镑", "港元": "港元", "港币": "港元",
        "新台币": "新台币", "台币": "新台币", "韩元": "韩元", "澳元": "澳元", "卢布": "卢布",
    }
)  # fmt: skip

# Measure words that count things (2300多种 states its 种): the figure a headline states keeps them. After
# a Chinese numeral they are mostly idioms or "a …" (一部分, 一条龙, 一种方法), so digits only.
CLASSIFIERS: dict[str, str] = {
    w: w
    for w in ("种", "类", "条", "只", "头", "件", "辆", "艘", "架", "棵", "株", "张", "篇", "首", "届", "枚", "部",
              "本", "册", "套", "份", "幅", "支", "匹", "台")
}  # fmt: skip
CN_UNITS.update(CLASSIFIERS)

# After a Chinese numeral, % cannot follow and 位 is mostly the idiom N位一体 (五位一体, 三位一体).
CN_NUMERAL_UNITS = {k: v for k, v in CN_UNITS.items() if k not in ("%", "位") and k not in CLASSIFIERS}

# English units (lower case; spaces/hyphens written as they may appear) → canonical key.
EN_UNITS: dict[str, str] = {
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

# canonical unit → (singular, plural) English wording; a unit not here renders as the bare number.
EN_WORDS: dict[str, tuple[str, str]] = {
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

# Scales as powers of ten.
CN_SCALES = {"万亿": 12, "千万": 7, "百万": 6, "万": 4, "亿": 8, "千": 3}
EN_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12, "mn": 6, "bn": 9}

# The English words for large powers of ten, largest first (renders 1.8亿 as 180 million).
EN_BIG = ((12, "trillion"), (9, "billion"), (6, "million"))


def units_compatible(a: str, b: str) -> bool:
    """Whether two canonical units may describe the same quantity.

    The same unit, or one of them has none (``99000`` = ``9.9万人``); percent and percentage points only
    equal themselves.

    >>> units_compatible("人", ""), units_compatible("人", "户"), units_compatible("%", "")
    (True, False, False)
    """
    if a == b:
        return True
    if a in STRICT_UNITS or b in STRICT_UNITS:
        return False
    return not a or not b


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so that 人次 wins over 人 and "percentage points"
    over "percent"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
