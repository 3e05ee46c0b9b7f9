"""Whether an answer's cited sentences are about what the question asks: its names, years and figure kind.

A generated answer can be grounded (every figure it states is in the sentence it cites) and still
answer another question: a region's figure for a city, another year's figure, a reason given for a
neighbouring county. The cheap check, with no model call: every name of the question that names a
subject of the corpus (a proper noun that a document title or section heading uses, as the
extractive answerer's anchors: 拉萨, 那曲) must be in a cited sentence, in the heading of its
passage, or earlier in that passage (``全市…`` after the city was named); a quantity question's
years must be there too, and a quantity or date question needs a cited sentence holding a figure
of the asked kind (of the asked unit, when it names one) and one of the question's common nouns
(what is measured: GDP, 经费); an English question's counted thing must be there in any case.
The generative answerers hand an answer that fails to their fallback (the extractive answer, or
its abstention), so the model is overruled only where the extractive answerer abstains or
answers itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answer import qtype
from rag.answer.figures import unit_compatible
from rag.answer.terms import Query, measured
from rag.fold import fold_compact
from rag.numbers import find_quantities
from rag.profile import EMPTY, Profile
from rag.types import Citation, Hit

# A time that is not a calendar year: a century, a decade, a month or a day (七十年代, 8世纪, 6月, 5日).
_PERIOD = re.compile(
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})世纪|(?:\d0|[一二三四五六七八九]十)年代|\d{1,2}[月日]|[一二三四五六七八九十]{1,3}月"
)


def cited_texts(citations: list[Citation], hits: list[Hit]) -> list[str]:
    """Each citation's quote, its passage's text before it and its heading (folded, without whitespace)."""
    chunks = {h.chunk.chunk_id: h.chunk for h in hits}
    out = []
    for c in citations:
        chunk = chunks.get(c.chunk_id)
        before = chunk.text[: max(0, c.start - chunk.start)] if chunk else ""
        out.append("\n".join(fold_compact(x) for x in (c.quote, before, chunk.context if chunk else "")))
    return out


def missing(
    question: str,
    citations: list[Citation],
    hits: list[Hit],
    in_headings: Callable[[str], bool] | None = None,
    profile: Profile = EMPTY,
    stated: str = "",
) -> list[str]:
    """What the question asks about that the answer's cited sentences do not hold.

    Args:
        question: The question answered.
        citations: The answer's citations (their quotes are the sentences that hold the claims).
        hits: The passages given to the answerer (headings; an English question's terms are
            rendered in their words).
        in_headings: Whether a folded term is a title or heading word of the corpus
            (``Pipeline.in_headings``); None: only the given passages' headings count.
        profile: The corpus's domain profile (units, place names) the question is read with.
        stated: The answer's own text without citation markers, when it was written by a model
            (``unit``: it states only figures of another unit than asked, see ``wrong_unit``).

    Returns:
        The names and years not found, ``figure`` (a quantity question's cited sentences state no
        figure of the asked unit), ``unit`` and ``date``; empty when the answer is on the subject.

    Example:
        >>> from rag.types import Chunk
        >>> hit = Hit(Chunk(1, "d", "全区共搬迁26.6万人。", 0, 12, "西藏自治区易地扶贫搬迁"), 1.0)
        >>> cited = [Citation(1, "d", 1, 0, 12, "全区共搬迁26.6万人。")]
        >>> missing("昌都搬迁了多少人?", cited, [hit], in_headings={"昌都"}.__contains__)
        ['昌都']
    """
    texts = cited_texts(citations, hits)
    if not texts:
        return ["citation"]
    headings = [fold_compact(h.chunk.context) for h in hits]
    query = Query.read(question, [fold_compact(h.chunk.text) for h in hits] + headings, profile)

    def names_a_subject(alternative: str) -> bool:
        # A word jieba merely tags as a name (惠及, 包联) names no document or section: not a subject.
        return len(alternative) >= 2 and (
            any(alternative in h for h in headings) or (in_headings is not None and in_headings(alternative))
        )

    gaps = [
        t.alternatives[0]
        for t in query.terms
        if t.can_anchor and any(names_a_subject(a) for a in t.alternatives) and not any(t.in_text(x) for x in texts)
    ]
    required = [t for t in query.terms if t.required]  # the counted thing, what the person did
    if required and not any(t.in_text(x) for t in required for x in texts):
        gaps.append(required[0].alternatives[0] if required[0].alternatives else "subject")
    kind = query.kind
    if kind.kind == qtype.QUANTITY:
        # Another year's figure; in other questions a year names an event (the 2017 meeting).
        gaps += sorted(y for y in query.years if not any(y in x for x in texts))
        # What is measured (GDP, 经费, 发生率): a figure beside the right place and year but of another
        # measure is the near miss, as the extractive answerer's own check has it.
        # The word before 多少 names it (总投资多少, 发生率是多少); a compound counts by its head too
        # (纯收入 → 收入), as Chinese compounds end with what they are. A verb there (惠及多少) names nothing.
        nouns = [t for t in query.terms if t.noun]
        noun_words = {a for t in nouns for a in t.alternatives}
        words = {w for w in measured(question, after=False) if w in noun_words}
        if (nouns and not any(t.in_text(x) for t in nouns for x in texts)) or (
            words and not any(w in x or (len(w) > 2 and w[-2:] in x) for w in words for x in texts)
        ):
            gaps.append("measure")
    if kind.kind in (qtype.QUANTITY, qtype.DATE):
        figures = [q for c in citations for q in find_quantities(c.quote)]
        if kind.kind == qtype.DATE and not (
            any(q.is_year for q in figures) or any(_PERIOD.search(fold_compact(c.quote)) for c in citations)
        ):
            gaps.append("date")
        if kind.kind == qtype.QUANTITY and not any(
            not q.is_year and (not kind.unit or unit_compatible(kind.unit, q)) for q in figures
        ):
            gaps.append("figure")
        if kind.kind == qtype.QUANTITY and _off_unit(kind, stated):
            gaps.append("unit")
    return gaps


def wrong_unit(question: str, text: str, profile: Profile = EMPTY) -> bool:
    """Whether an answer to a quantity question that names a unit states figures, none of them in it.

    The cited sentence can hold the asked figure while the model states another of its figures: a
    rate answered with an income (发生率为2855元). Years are no figures here; an answer with no
    figure at all is left to the other checks.

    Args:
        question: The question answered.
        text: The answer's text, without citation markers.
        profile: The corpus's domain profile (its unit words).

    Returns:
        True when the answer states only figures of another unit.

    Example:
        >>> wrong_unit("林芝的贫困发生率有多高?", "林芝的贫困发生率为2855元。")
        True
        >>> wrong_unit("林芝的贫困发生率有多高?", "从16.42%降至0。")
        False
    """
    kind = qtype.classify(question, profile)
    return kind.kind == qtype.QUANTITY and _off_unit(kind, text)


def _off_unit(kind: qtype.QuestionType, text: str) -> bool:
    """``text`` states figures (not years), none of them in the quantity question's asked unit."""
    if not kind.unit:
        return False
    figures = [q for q in find_quantities(text) if not q.is_year]
    return bool(figures) and not any(unit_compatible(kind.unit, q) for q in figures)
