"""Folding text for matching: NFKC, traditional→simplified, lower-case.

Folding is for matching only. Stored text, quotes and offsets always stay original.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import opencc

_WS = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def fold(text: str) -> str:
    """Fold text for matching.

    Args:
        text: Any text.

    Returns:
        NFKC-normalised (full-width → half-width), simplified-Chinese, lower-case text.
        Its length may differ from the input's; never use it for offsets.
    """
    normal = unicodedata.normalize("NFKC", text)
    try:
        simplified = _t2s().convert(normal)
    except UnicodeEncodeError:  # lone surrogates cannot reach OpenCC; they match nothing anyway
        simplified = _t2s().convert(normal.encode("utf-8", "replace").decode("utf-8"))
    return simplified.lower()


def fold_compact(text: str) -> str:
    """Fold and remove all whitespace (the gold set's comparison form)."""
    return _WS.sub("", fold(text))


def to_traditional(text: str, keep: Iterable[str] = ()) -> str:
    """Convert simplified Chinese to traditional (for answers to traditional questions).

    Args:
        text: Any text.
        keep: Substrings to leave as they are wherever they occur (quotes of a source, byte for byte).

    Returns:
        The converted text.

    Example:
        >>> to_traditional("报告说“脱贫攻坚”[1]。", ["脱贫攻坚"])
        '報告說“脱贫攻坚”[1]。'
    """
    kept = sorted({k for k in keep if k}, key=len, reverse=True)
    if not kept:
        return _s2t().convert(text)
    parts = re.split("(" + "|".join(re.escape(k) for k in kept) + ")", text)
    # re.split with one group: the kept pieces are at the odd positions.
    return "".join(p if i % 2 else _s2t().convert(p) for i, p in enumerate(parts))


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified, leaving everything else alone."""
    return _t2s().convert(text)
