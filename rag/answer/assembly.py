"""Putting an extractive answer together: the sentences that agree, a rival figure, the wording, citations.

The best sentence is stated with a short lead (the figure), sentences of other passages that agree are
cited with it, and a close runner-up with a different figure is shown as a disagreement. English answers
state the figure converted exactly (9.9万人 → 99,000 people) and keep the Chinese quote as the source has it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answer.candidates import Candidate
from rag.answer.figures import lead
from rag.answer.grounding import ground, markers
from rag.answer.terms import Query
from rag.fold import to_traditional
from rag.numbers import Quantity, render_english
from rag.retrieval import near_duplicate
from rag.types import Answer, Citation, Hit

_LINE_BREAK = re.compile(r"[ \t]*\r?\n\s*")

_UNCORROBORATED_SHARE = 0.8  # a rival's score and coverage share against an answer one passage states


def compose(
    query: Query,
    lang: str,
    hits: list[Hit],
    candidates: list[Candidate],
    measures: Callable[[Candidate], bool],
    span: str | None = None,
) -> Answer | None:
    """The answer from the best candidate (``candidates[0]``), or None when grounding leaves nothing.

    Args:
        query: The question as the answerer reads it.
        lang: The question's script (``en``, ``zh-Hans``, ``zh-Hant``): the answer's language.
        hits: The passages the candidates come from.
        candidates: Scored sentences, the chosen one first.
        measures: Whether a sentence states a figure of what is asked (the answerer's check for a rival).
        span: The exact answer inside the best sentence (a name, a date), stated first when the answer has
            no lead figure.

    Returns:
        The grounded answer, citing only the passages its text marks.
    """
    best = candidates[0]
    figure = lead(query, best.text, best.quantities)
    agreeing = [best] + [
        c
        for c in candidates[1:]
        if c.hit_index != best.hit_index
        # the same sentence elsewhere, or another sentence stating the same figure; a near copy with
        # another figure (1万人 / 11万人) disagrees
        and (figure is None or _states(c, figure))
        and (near_duplicate(c.text, best.text, 0.6) or (figure and c.coverage >= best.coverage * 0.8))
    ]
    # One citation per passage: the first (best) sentence taken from it.
    cited: list[Candidate] = []
    for c in agreeing:
        if all(c.hit_index != x.hit_index for x in cited):
            cited.append(c)
    rival = _rival(query, best, figure, candidates, cited, measures)
    citations = [_citation(i + 1, hits[c.hit_index], c) for i, c in enumerate(cited)]
    marks = "".join(f"[{i + 1}]" for i in range(len(cited)))
    parts = _statement(lang, figure, best.text, marks, span)
    if rival is not None:
        citations.append(_citation(len(citations) + 1, hits[rival.hit_index], rival))
        parts += _rival_statement(lang, rival.text, f"[{len(citations)}]")
    # Only the system's own words are converted: a quote stays the source's, byte for byte (converting a
    # source that is already traditional turns 秘書長 into the variant 祕書長).
    quoted = [_inline(c.text) for c in cited + ([rival] if rival is not None else [])] + ([span] if span else [])
    text = to_traditional(parts, quoted) if lang == "zh-Hant" else parts
    checked = ground(text, {c.n: c.quote for c in citations})
    if not checked.text:
        return None
    used = set(markers(checked.text))
    return Answer(checked.text, [c for c in citations if c.n in used], False, [], {})


def _states(c: Candidate, figure: Quantity) -> bool:
    """Whether the sentence states this figure (by value and unit: 1万人 is not in 11万人)."""
    return any(q.value == figure.value and q.unit == figure.unit for q in c.quantities)


def _rival(
    query: Query,
    best: Candidate,
    figure: Quantity | None,
    candidates: list[Candidate],
    cited: list[Candidate],
    measures: Callable[[Candidate], bool],
) -> Candidate | None:
    """A close runner-up from another passage that answers the question itself with another figure.

    It must pass the same checks as the answer (``measures``), and its own lead figure must be of the
    answer's unit and differ in value: a sentence that merely holds some other number is not a
    disagreement. An answer only one passage states is uncorroborated: a sentence made to echo the
    question (an uploaded claim) outscores every real one, so against it a looser runner-up counts.
    """
    if figure is None:
        return None
    score_share, coverage_share = (0.92, 0.95) if len(cited) > 1 else (_UNCORROBORATED_SHARE, _UNCORROBORATED_SHARE)
    for c in candidates[1:6]:
        if any(c.hit_index == x.hit_index for x in cited) or c.score < best.score * score_share:
            continue
        if c.coverage < best.coverage * coverage_share or not measures(c):
            continue
        other = lead(query, c.text, c.quantities)
        if other is not None and other.unit == figure.unit and other.value != figure.value:
            return c
    return None


def _inline(sentence: str) -> str:
    """The sentence on one line: a line break inside it (a PDF's layout) would split the claim from its mark."""
    return _LINE_BREAK.sub("", sentence).rstrip("。；;，, ")


def _statement(lang: str, lead: Quantity | None, sentence: str, marks: str, span: str | None = None) -> str:
    sentence = _inline(sentence)
    if lang == "en":
        if lead is not None:
            # "more than 16,000" already says how exact it is.
            about = "" if lead.approx else "About "
            return f"{about}{render_english(lead)} ({lead.text}){marks}. The source says: “{sentence}”{marks}."
        return f"The documents say: “{sentence}”{marks}."
    if lead is not None:
        return f"{lead.text}{marks}。原文：{sentence}{marks}。"
    if span:
        return f"{span}{marks}。原文：{sentence}{marks}。"
    return f"{sentence}{marks}。"


def _rival_statement(lang: str, sentence: str, mark: str) -> str:
    sentence = _inline(sentence)
    if lang == "en":
        return f" Another passage gives a different figure: “{sentence}”{mark}."
    return f"另有资料给出不同的数字：{sentence}{mark}。"


def _citation(n: int, hit: Hit, c: Candidate) -> Citation:
    return Citation(n, hit.chunk.doc_id, hit.chunk.chunk_id, c.start, c.end, c.text)
