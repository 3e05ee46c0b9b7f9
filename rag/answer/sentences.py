"""The candidate sentences of retrieved passages, and whether each holds an answer of the asked kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import jieba.posseg as pseg

from rag.answer import qtype
from rag.answer.figures import unit_matches
from rag.answer.terms import NAME_FLAGS, Query
from rag.chunking import split_units
from rag.fold import fold, fold_compact
from rag.numbers import Quantity, find_quantities
from rag.types import Hit

YEAR_OR_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")

_REASON_CUES = re.compile(r"因为|由于|为了|旨在|目的|确保|以便|从而|所以|因此|是.{0,12}的")

_LIST_CUES = re.compile(r"、|一是|二是|；|;")

_LIST_SEPARATORS = re.compile(r"[、，,；;]")

_CN_DIGITS = "一二三四五六七八九十"

_COUNT_ASKED = re.compile(r"(?<![一二三四五六七八九十百])([二三四五六七八九两])(?:个|大|项|条|类|种|笔|带|批)")

_PLACE_HEADS = frozenset({"县", "市", "区", "村", "乡", "镇", "省", "地区"})

PLACE_FLAGS = frozenset({"ns", "nr", "nrt", "nz"})  # jieba tags many place names nr

# A line of 20+ characters ending inside a sentence (on a character, a digit or an opening quote).
_BROKEN_LINE = re.compile(r".{19}[\w“‘「『(（、，,]$", re.DOTALL)

_ADMIN_SUFFIX = re.compile(r"(?:市|县|区|省|州|镇|乡|村|地区)$")
_BRACKETED_NAME = re.compile(r"[（(][\u4e00-\u9fff、]{2,24}[)）]")
_QUOTED = re.compile(r"“[^”]{1,20}”|「[^」]{1,20}」|『[^』]{1,20}』")

_SENTENCE_PIECE = re.compile(r"\d|[、，,]")

WHO_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt"})  # 谁 asks for a person or a body, not a place


@dataclass
class Candidate:
    """A sentence of a retrieved passage, scored."""

    hit_index: int
    start: int  # offsets into the document text
    end: int
    text: str
    coverage: float = 0.0
    similarity: float = 0.0
    type_score: float = 0.0
    score: float = 0.0
    quantities: list[Quantity] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)


def candidates(hits: list[Hit]) -> list[Candidate]:
    """The body sentences of the passages (headings and scraps of under 6 characters left out)."""
    out = []
    for i, hit in enumerate(hits):
        c = hit.chunk
        # A short unpunctuated line reads as a heading; one with figures or enumeration marks is a
        # piece of a sentence the chunk (or the PDF's layout) cut: keep it as body text.
        units = [
            replace(u, heading_level=0)
            if u.heading_level == 3 and _SENTENCE_PIECE.search(c.text[u.start : u.end])
            else u
            for u in split_units(c.text)
        ]
        k = 0
        while k < len(units):
            unit, end = units[k], units[k].end
            # A long line that stops mid-sentence was broken by the PDF's layout (村居“美\n\n丽乡村…):
            # the sentence goes on in the next body line.
            while (
                not unit.heading_level
                and units[k].newline_after
                and k + 1 < len(units)
                and not units[k + 1].heading_level
                and _BROKEN_LINE.search(c.text[units[k].start : units[k].end])
            ):
                k += 1
                end = units[k].end
            k += 1
            text = c.text[unit.start : end]
            if len(fold_compact(text)) < 6 or unit.heading_level:
                continue
            out.append(Candidate(i, c.start + unit.start, c.start + end, text))
    return out


def names(text: str, question: str, head: str = "", flags: frozenset[str] = NAME_FLAGS) -> list[str]:
    """Proper nouns (people, places, bodies) in ``text`` that the question does not already name.

    Args:
        text: A sentence.
        question: The question (names it already holds are not answers).
        head: Keep only names ending with this noun (班戈县 for 哪个县); '' keeps all.
        flags: The jieba tags that count as names.
    """
    q = fold(question)

    def named_by_question(word: str) -> bool:  # 拉萨市 is the 拉萨 of the question
        base = _ADMIN_SUFFIX.sub("", word)
        return word in q or (len(base) >= 2 and base in q)

    return [
        w.word
        for w in pseg.cut(fold(text))
        if w.flag in flags and len(w.word) >= 2 and not named_by_question(w.word) and w.word.endswith(head)
    ]


def type_score(query: Query, c: Candidate) -> float:
    kind, question = query.kind, query.text
    if kind.kind == qtype.QUANTITY:
        figures = [q for q in c.quantities if not q.is_year]
        if not figures:
            return 0.0
        # A bare count (500万非贫困人口) may answer, but a figure in the asked unit is the likelier answer.
        return 1.0 if not kind.unit or any(unit_matches(kind.unit, q) for q in figures) else 0.5
    if kind.kind == qtype.DATE:
        return 1.0 if YEAR_OR_DATE.search(c.text) else 0.0
    if kind.kind == qtype.LIST:
        return _list_score(kind, c.text, question)
    if kind.kind == qtype.REASON:
        return 1.0 if _REASON_CUES.search(c.text) else 0.3
    if kind.kind == qtype.PLACE:
        # a place name, or one named in brackets after what is there (填埋场1个(曲水))
        return 1.0 if names(c.text, question, flags=PLACE_FLAGS) or _BRACKETED_NAME.search(c.text) else 0.3
    if kind.kind == qtype.WHO and kind.head:
        return 1.0 if names(c.text, question, kind.head) else 0.3
    if kind.kind == qtype.WHO:
        found = names(c.text, question, flags=WHO_FLAGS)
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
        found = set(names(text, question, flags=PLACE_FLAGS if kind.head in _PLACE_HEADS else NAME_FLAGS))
        return 1.0 if len(found) >= 2 else 0.5 if found else 0.2
    items = len(_LIST_SEPARATORS.findall(text)) + 1
    wanted = _asked_count(question)
    if wanted:
        return 1.0 if items >= wanted else 0.3
    return 1.0 if _LIST_CUES.search(text) else 0.3


def _asked_count(question: str) -> int:
    """The number of items a list question asks for (哪四个 → 4, 三大主战场是哪几个 → 3), 0 when unsaid."""
    m = _COUNT_ASKED.search(fold(question))
    return _CN_DIGITS.index(m.group(1).replace("两", "二")) + 1 if m else 0


def figures(text: str) -> list[Quantity]:
    """The quantities of a sentence that can be statistics: not those inside quotation marks, which are
    names (“五个一批”, “十三五”, “两不愁三保障”)."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    return [q for q in find_quantities(text) if not any(a <= q.start and q.end <= b for a, b in quoted)]
