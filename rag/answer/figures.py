"""Which figure of a sentence answers a quantity question, and whether it measures what is asked."""

from __future__ import annotations

import re

from rag.answer import qtype
from rag.answer.terms import YEAR, Query
from rag.numbers import Quantity, fold_same_length

_DIGIT = re.compile(r"\d")

# Clauses of a sentence: the answer to "how much X" sits in the clause that names X.
_CLAUSE = re.compile(r"[^，,；;、：:（）()—]+")


_YEAR_WEIGHT = 6

_MEASURED_WEIGHT = 3

# The year a figure is stated for: right before it (2015年的1499元, 2020年底达到12975元).
_YEAR_OF_FIGURE = re.compile(r"((?:19|20)\d{2})年(?:底|末|初)?(?:的|为|是|达到|达|共|有|实现)?$")

_BARE_COUNT = re.compile(r"[万亿千百萬億]|\d{3}")
_COUNT_UNITS = frozenset({"人", "户", "个", "次", "人次", "户次"})


def unit_matches(unit: str, q: Quantity) -> bool:
    if unit == "%":
        return q.unit == "%"
    return q.unit.endswith(unit) or unit in q.text


def unit_compatible(unit: str, q: Quantity) -> bool:
    """The figure has the asked unit, or is a bare count, whose unit is the noun that follows (500万非贫困人口).

    A bare count must look like one: scaled (500万) or of three digits at least; a lone 0 or 3 is part of
    something else (降至0, “1+3”模式).
    """
    bare_count = not q.unit and unit in _COUNT_UNITS and bool(_BARE_COUNT.search(q.text))
    return unit_matches(unit, q) or bare_count


def lead(query: Query, text: str, quantities: list[Quantity]) -> Quantity | None:
    """The figure that answers a quantity question.

    Of the sentence's figures in the asked unit, the one whose clause (the stretch between commas
    and enumeration marks) holds most of the question's words, whose year is the year asked
    (从2015年的1499元增加到2019年的9328元: the year right before a figure), then the one nearest a
    question word.
    """
    kind = query.kind
    if kind.kind != qtype.QUANTITY:
        return None
    figures = [q for q in quantities if not q.is_year]
    if kind.unit:
        figures = (
            [q for q in figures if unit_matches(kind.unit, q)]
            or [q for q in figures if unit_compatible(kind.unit, q)]
            or figures
        )
    # Reports state figures in digits; a Chinese numeral is often part of a name (四个不摘).
    figures = [q for q in figures if _DIGIT.search(q.text)] or figures
    if len(figures) < 2:
        return figures[0] if figures else None
    f = fold_same_length(text)
    # Single characters (人, 钱) and years match everywhere in such a sentence; they place nothing.
    terms = [
        a
        for t in query.terms
        for a in t.alternatives
        if (len(a) > 1 or a in query.measured) and not YEAR.fullmatch(a)  # 村 of "how many villages" counts
    ]
    years = query.years
    wanted = query.measured
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]

    def rank(q: Quantity) -> tuple[float, int]:
        a, b = next(((a, b) for a, b in clauses if a <= q.start < b), (0, len(text)))
        clause = f[a:b]
        words = sum(min(len(t), 4) * (_MEASURED_WEIGHT if t in wanted else 1) for t in terms if t in clause)
        year = _YEAR_OF_FIGURE.search(f[max(a, q.start - 12) : q.start])
        if years and year:
            words += _YEAR_WEIGHT if year.group(1) in years else -_YEAR_WEIGHT
        spots = [m.start() for t in terms for m in re.finditer(re.escape(t), clause)]
        distance = min((abs(a + p - q.start) for p in spots), default=len(text))
        return (-words, distance)

    return min(figures, key=rank)


def figure_by_measure(query: Query, text: str, figure: Quantity | None) -> bool:
    """False when the sentence names what is measured, but not in or just before the clause of ``figure``
    (the sentence's ``lead``).

    "资助大学生1.16万人次，…，生态岗位…" does not count ecological jobs: the figure counts students.
    """
    if figure is None:
        return True
    f = fold_same_length(text)
    wanted = {w for w in query.measured if len(w) > 1 and w in f}
    if not wanted:
        return True
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    i = next((k for k, (a, b) in enumerate(clauses) if a <= figure.start < b), 0)
    window = f[clauses[max(0, i - 1)][0] : clauses[i][1]] if clauses else f
    return any(w in window for w in wanted)
