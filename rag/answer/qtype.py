"""What a question asks for: a quantity, a date, a person or body, several items, a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.fold import fold
from rag.profile import EMPTY, Profile
from rag.question import question_script

QUANTITY, DATE, WHO, PLACE, LIST, REASON, FACT = "quantity", "date", "who", "place", "list", "reason", "fact"
# 几 that asks (几年, 几个), not the 几 of 这几年/近几年 (these last years), which names a period.
ASKING_JI = r"(?<![这近前头])几"

_RULES: list[tuple[str, re.Pattern[str]]] = [
    (REASON, re.compile(r"为什么|为何|为啥|原因|why\b|how come|什么目的|为了什么|目的是")),
    (DATE, re.compile(r"哪一?年|哪天|何时|什么时候|几月|哪一天|when\b|what year|what date|on what date|which year")),
    (LIST, re.compile(r"哪些|哪几|各是|分别|哪[两三四五六七八九十]|which (?:two|three|four|five)|what are the|list\b")),
    (
        QUANTITY,
        re.compile(
            r"多少|几[个人户家项所万亿年次%]|多大|多高|多长|比例"
            r"|how (?:many|much)|what (?:percentage|share|proportion|rate|ratio)"
            r"|what (?:total|overall|average|combined) "
            r"|what (?:was|is|were|are) (?:the )?(?:[\w'-]+ ){0,5}?(?:income|number|amount|total|rate|ratio|percentage"
            r"|share|population|investment|funding|budget|cost|output|value|growth|length|area|mileage)s?\b"
        ),
    ),
    (PLACE, re.compile(r"在哪里|在哪儿|在哪|什么地方|何处|哪个地方|\bwhere\b")),
    (
        WHO,
        re.compile(r"谁|哪位|什么名字|叫什么|哪个(?:部门|单位|机构|县|村|市)|哪个|\bwho\b|\bwhich\b|\bwhat\b"),
    ),
]

# Units a quantity question may name, mapped to the unit the answer should carry. A genre's own units
# (households, person-times) are the profile's (``Profile.unit_hints``).
_UNIT_HINTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"资金|投资|投了|收入|经费|预算|贷款|元|钱|金额|funding|fund|invest|income|yuan|money|spent|cost|budget|loan"
            r"|credit|subsid|grant|revenue|spending|expenditure|capital|wage|salar"
        ),
        "元",
    ),
    (re.compile(r"率|比例|百分|增速|percent|percentage|rate|ratio|share|proportion"), "%"),
    (
        re.compile(
            r"多少人|几人|人口|劳动力|患者|干部|people|persons|population|residents|tourists|workers|cadres"
            r"|officials|officers|doctors|teachers|students|farmers|herders|volunteers|members"
        ),
        "人",
    ),
    (re.compile(ASKING_JI + r"年|多少年|how many years"), "年"),
    (re.compile(r"几次|多少次|how many times"), "次"),
    (
        re.compile(
            r"多少个|几个|项目|个数|number of"
            r"|(?:villages|counties|districts|townships|towns|projects|sites|schools|enterprises|cooperatives)\b"
        ),
        "个",
    ),
]

# A question word that asks for a percentage whatever the rest measures.
_ASKS_PERCENT = re.compile(
    r"百分之(?:多少|几)|百分比是?多少|\b(?:what|which) (?:percentage|share|proportion|fraction)s?\b"
)

# "Which county / city / village …": the answer is a name that ends with (or is a place of) that noun.
_HEAD = re.compile(r"哪(?:一|几|[两二三四五六七八九十])?个?(县|市|区|村|乡|镇|省|地区|部门|单位|机构|企业)")
_EN_HEAD = re.compile(r"\bwhich ([a-z]+)\b")
# English head nouns (singular) → the Chinese one; a domain's own (prefecture → 市) are ``Profile.heads``.
_EN_HEADS = {"county": "县", "city": "市", "village": "村", "township": "乡", "town": "镇", "department": "部门"}


@dataclass(frozen=True)
class QuestionType:
    """The kind of answer a question wants.

    Attributes:
        kind: One of the module's kinds.
        unit: For quantities, the unit the answer should carry ('' when open).
        head: For "which county/city …" questions, the noun the answer names ('' otherwise).
    """

    kind: str
    unit: str = ""
    head: str = ""


def classify(question: str, profile: Profile = EMPTY) -> QuestionType:
    """Classify a question (simplified, traditional or English).

    Args:
        question: The question text.
        profile: The corpus's domain profile: its units and head nouns join the general ones.

    Returns:
        Its ``QuestionType``.

    Example:
        >>> classify("昌都搬迁了多少人?")
        QuestionType(kind='quantity', unit='人', head='')
    """
    q = fold(question)
    kind = next((k for k, rx in _RULES if rx.search(q)), FACT)
    unit = ""
    if kind == QUANTITY:
        # Chinese names what it measures last (收入年均增速 asks a rate, not money), English first
        # (how much … budget for … residents asks money): that hint wins.
        last = question_script(question) != "en"
        # The profile's units come first: a tie goes to the more specific (户次 over 户, household-times).
        hints = [(h.pattern, h.unit) for h in profile.unit_hints] + _UNIT_HINTS
        found = [(m.end() if last else -m.start(), -i, u) for i, (rx, u) in enumerate(hints) for m in rx.finditer(q)]
        unit = max(found)[2] if found else ""
        if _ASKS_PERCENT.search(q):
            unit = "%"  # the question word asks for it (百分之多少的贫困人口 asks a share of people)
    head = ""
    if kind in (WHO, LIST, FACT):
        m = _HEAD.search(q)
        if m:
            head = m.group(1)
        else:
            heads = _EN_HEADS | profile.heads
            head = next((heads[w] for w in map(_singular, _EN_HEAD.findall(q)) if w in heads), "")
    return QuestionType(kind, unit, head)


def _singular(word: str) -> str:
    """counties → county, towns → town (enough for head nouns)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word
