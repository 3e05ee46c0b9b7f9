"""Whether a sentence holds an answer of the kind the question asks for (a figure, a date, a name, a list).

``type_score`` is one of the extractive answerer's scores: 1.0 for a sentence that holds what is asked,
lower for one that may (a bare count for a question in people), 0.5 when the kind says nothing.
"""

from __future__ import annotations

import re

from rag.answer import postags, qtype
from rag.answer.candidates import Candidate
from rag.answer.figures import unit_matches
from rag.answer.terms import Query
from rag.fold import fold
from rag.segment import pos_cut

_YEAR_OR_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")

_REASON_CUES = re.compile(r"因为|由于|为了|旨在|目的|确保|以便|从而|所以|因此|是.{0,12}的")

_LIST_CUES = re.compile(r"、|一是|二是|；|;")

_LIST_SEPARATORS = re.compile(r"[、，,；;]")

_CN_DIGITS = "一二三四五六七八九十"

_COUNT_ASKED = re.compile(r"(?<![一二三四五六七八九十百])([二三四五六七八九两])(?:个|大|项|条|类|种|笔|带|批)")

_PLACE_HEADS = frozenset({"县", "市", "区", "村", "乡", "镇", "省", "地区"})

_ADMIN_SUFFIX = re.compile(r"(?:市|县|区|省|州|镇|乡|村|地区)$")
_BRACKETED_NAME = re.compile(r"[（(][\u4e00-\u9fff、]{2,24}[)）]")


def names(text: str, question: str, head: str = "", flags: frozenset[str] = postags.NAMES) -> list[str]:
    """Proper nouns (people, places, bodies) in ``text`` that the question does not already name.

    Args:
        text: A sentence.
        question: The question (names it already holds are not answers).
        head: Keep only names ending with this noun (班戈县 for 哪个县); '' keeps all.
        flags: The jieba tags that count as names (``rag.answer.postags``).

    Returns:
        The names in order, as jieba segments them (folded).
    """
    q = fold(question)

    def named_by_question(word: str) -> bool:  # 拉萨市 is the 拉萨 of the question
        base = _ADMIN_SUFFIX.sub("", word)
        return word in q or (len(base) >= 2 and base in q)

    return [
        w.word
        for w in pos_cut(fold(text))
        if w.flag in flags and len(w.word) >= 2 and not named_by_question(w.word) and w.word.endswith(head)
    ]


def type_score(query: Query, c: Candidate) -> float:
    """How well the sentence ``c`` (its ``quantities`` set) holds an answer of the kind ``query`` asks for.

    Args:
        query: The question as the answerer reads it.
        c: The candidate sentence.

    Returns:
        A score in [0, 1].
    """
    kind, question = query.kind, query.text
    if kind.kind == qtype.QUANTITY:
        figures = [q for q in c.quantities if not q.is_year]
        if not figures:
            return 0.0
        # A bare count (500万非贫困人口) may answer, but a figure in the asked unit is the likelier answer.
        return 1.0 if not kind.unit or any(unit_matches(kind.unit, q) for q in figures) else 0.5
    if kind.kind == qtype.DATE:
        return 1.0 if _YEAR_OR_DATE.search(c.text) else 0.0
    if kind.kind == qtype.LIST:
        return _list_score(kind, c.text, question)
    if kind.kind == qtype.REASON:
        return 1.0 if _REASON_CUES.search(c.text) else 0.3
    if kind.kind == qtype.PLACE:
        # a place name, or one named in brackets after what is there (填埋场1个(曲水))
        return 1.0 if names(c.text, question, flags=postags.PLACES) or _BRACKETED_NAME.search(c.text) else 0.3
    if kind.kind == qtype.WHO and kind.head:
        return 1.0 if names(c.text, question, kind.head) else 0.3
    if kind.kind == qtype.WHO:
        found = names(c.text, question, flags=postags.WHO)
        if not found:
            return 0.3
        # "是谁主持的": the answer is the name that does it (丁业现主持会议), not any name nearby.
        acts = [a for t in query.terms if t.required for a in t.alternatives]
        if not acts:
            return 1.0
        f = fold(c.text)
        return 1.0 if any(re.search(re.escape(n) + r"\w{0,3}?" + re.escape(a), f) for n in found for a in acts) else 0.6
    return 0.5


def _list_score(kind: qtype.QuestionType, text: str, question: str) -> float:
    """How well a sentence enumerates what a list question asks.

    "Which cities" wants several names ending in (or tagged as) that noun; "which four" wants at least
    four items, counted by the separators between them (、，；).
    """
    if kind.head:
        found = set(names(text, question, flags=postags.PLACES if kind.head in _PLACE_HEADS else postags.NAMES))
        return 1.0 if len(found) >= 2 else 0.5 if found else 0.2
    items = len(_LIST_SEPARATORS.findall(text)) + 1
    wanted = asked_count(question)
    if wanted:
        return 1.0 if items >= wanted else 0.3
    return 1.0 if _LIST_CUES.search(text) else 0.3


def asked_count(question: str) -> int:
    """The number of items a list question asks for (哪四个 → 4, 三大主战场是哪几个 → 3), 0 when unsaid.

    >>> asked_count("“四个一批”是哪四个?"), asked_count("三大主战场是哪几个市?"), asked_count("有哪些?")
    (4, 3, 0)
    """
    m = _COUNT_ASKED.search(fold(question))
    return _CN_DIGITS.index(m.group(1).replace("两", "二")) + 1 if m else 0
