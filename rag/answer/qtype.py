"""What a question asks for: a quantity, a date, a person or body, several items, a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.fold import fold

QUANTITY, DATE, WHO, LIST, REASON, FACT = "quantity", "date", "who", "list", "reason", "fact"

_RULES: list[tuple[str, re.Pattern[str]]] = [
    (REASON, re.compile(r"为什么|为何|为啥|原因|why\b|how come|什么目的|想干什么|为了什么|目的是")),
    (DATE, re.compile(r"哪一?年|哪天|何时|什么时候|几月|哪一天|when\b|what year|what date|on what date|which year")),
    (LIST, re.compile(r"哪些|哪几|各是|分别|哪[两三四五六七八九十]|which (?:two|three|four|five)|what are the|list\b")),
    (
        QUANTITY,
        re.compile(
            r"多少|几[个人户家项所万亿年次%]|多大|多高|多长|比例"
            r"|how (?:many|much)|what (?:percentage|share|proportion|rate)"
        ),
    ),
    (
        WHO,
        re.compile(
            r"谁|哪位|什么名字|叫什么|哪个(?:部门|单位|机构|县|村|市)|哪个|\bwho\b|\bwhich\b|\bwhere\b|\bwhat\b"
        ),
    ),
]

# Units a quantity question may name, mapped to the unit the answer should carry.
_UNIT_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"户次|household.?times?"), "户次"),
    (re.compile(r"person.?times?|man.?times?"), "人次"),
    (
        re.compile(
            r"资金|投资|投了|收入|经费|预算|贷款|元|钱|金额|funding|fund|invest|income|yuan|money|spent|cost|budget|loan"
        ),
        "元",
    ),
    (re.compile(r"率|比例|百分|增速|percent|percentage|rate|share|proportion"), "%"),
    (re.compile(r"多少户|几户|households?|families"), "户"),
    (
        re.compile(
            r"多少人|几人|人次|人口|劳动力|患者|干部|people|persons|population|residents|tourists|workers|cadres"
        ),
        "人",
    ),
    (re.compile(r"几年|多少年|how many years"), "年"),
    (
        re.compile(
            r"多少个|几个|项目|个数|几次|多少次|number of"
            r"|(?:villages|counties|districts|townships|towns|projects|sites|schools|enterprises|cooperatives)\b"
        ),
        "个",
    ),
]


@dataclass(frozen=True)
class QuestionType:
    """The kind of answer a question wants, and for quantities the expected unit ('' when open)."""

    kind: str
    unit: str = ""


def classify(question: str) -> QuestionType:
    """Classify a question (simplified, traditional or English).

    Args:
        question: The question text.

    Returns:
        Its ``QuestionType``.

    Example:
        >>> classify("昌都搬迁了多少人?")
        QuestionType(kind='quantity', unit='人')
    """
    q = fold(question)
    kind = next((k for k, rx in _RULES if rx.search(q)), FACT)
    unit = ""
    if kind == QUANTITY:
        unit = next((u for rx, u in _UNIT_HINTS if rx.search(q)), "")
    return QuestionType(kind, unit)
