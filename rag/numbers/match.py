"""Comparing the quantities of two texts: the answer metric's equality and the grounding guard."""

from __future__ import annotations

import re

from rag.numbers.quantity import Quantity, find_quantities


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
