"""Grouping and averaging helpers: report overall, by ``lang`` and by ``type``.

The gold README asks for every metric by language and by question type as well as overall,
since an average hides the English and traditional-character questions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

__all__ = ["breakdown", "group_by", "mean", "ratio"]

T = TypeVar("T")
R = TypeVar("R")


def _key_of(item: Any, key: str) -> Any:
    return item[key] if isinstance(item, Mapping) else getattr(item, key)


def group_by(items: Iterable[T], key: str | Callable[[T], Any]) -> dict[str, list[T]]:
    """Items grouped by a field name (dict key or attribute) or a key function, in first-seen order.

    >>> group_by([{"lang": "en", "x": 1}, {"lang": "zh-Hans", "x": 2}, {"lang": "en", "x": 3}], "lang")
    {'en': [{'lang': 'en', 'x': 1}, {'lang': 'en', 'x': 3}], 'zh-Hans': [{'lang': 'zh-Hans', 'x': 2}]}
    """
    groups: dict[str, list[T]] = {}
    for item in items:
        k = key(item) if callable(key) else _key_of(item, key)
        groups.setdefault(str(k), []).append(item)
    return groups


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that are not ``None`` (``None`` when there are none).

    >>> mean([1.0, 0.0, None, True]), mean([None])
    (0.6666666666666666, None)
    """
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def ratio(num: int, den: int) -> float | None:
    """``num / den``, or ``None`` when ``den`` is 0 (no data, not a score of 0).

    >>> ratio(1, 4), ratio(0, 0)
    (0.25, None)
    """
    return num / den if den else None


def breakdown(
    items: Iterable[T], summarise: Callable[[list[T]], R], keys: Iterable[str] = ("lang", "type")
) -> dict[str, dict[str, R]]:
    """``summarise`` applied overall and to each group of each key.

    >>> rows = [{"lang": "en", "type": "numeric", "ok": 1}, {"lang": "zh-Hant", "type": "numeric", "ok": 0}]
    >>> breakdown(rows, lambda rs: mean(r["ok"] for r in rs))
    {'overall': {'all': 0.5}, 'lang': {'en': 1.0, 'zh-Hant': 0.0}, 'type': {'numeric': 0.5}}
    """
    rows = list(items)
    out: dict[str, dict[str, R]] = {"overall": {"all": summarise(rows)}}
    for key in keys:
        out[key] = {name: summarise(group) for name, group in group_by(rows, key).items()}
    return out
