"""The grounding guard: an answer may only state figures its cited passages hold.

Runs on every answerer's output. Each ``[n]`` must point at a passage that was given;
each number in the answer must occur (after folding and numeric normalisation) in a
passage it cites. Sentences that break either rule are dropped; if nothing is left,
the answer becomes an abstention.

Two helpers serve generated answers after the check: :func:`claim_span` finds the sentence of
a cited passage that holds a claim (so a citation quotes that sentence, not the whole chunk; the
sentences the extractive answerer reads, a line a PDF broke mid-sentence joined to the next),
and :func:`state_figures_in_english` writes each figure of an English answer in English, exactly,
with the passage's Chinese figure kept beside it (``99,000 people (9.9万人)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.candidates import sentence_spans
from rag.fold import fold
from rag.numbers import Quantity, find_quantities, numbers_grounded, render_english

MARKER = re.compile(r"\[(\d+)\]")  # a citation marker as every answerer writes it
# Sentence ends in Chinese and English answers; the marker run after an end stays with its sentence. A
# quotation closed on its line is one piece: a 。 inside quoted speech does not end the sentence around it.
_QUOTED = r"“[^”\n]*”|「[^」\n]*」|『[^』\n]*』|\"[^\"\n]*\""
# A quotation that ends with a sentence end ("…。”") ends the sentence too.
_SENTENCE = re.compile(rf"(?:{_QUOTED}|[^。！？!?\n])+?(?:[。！？!?]|\n|$|(?<=[。！？!?][”」』\"]))(?:\s*\[\d+\])*")


@dataclass
class GroundingResult:
    """The repaired text and what was dropped."""

    text: str
    dropped: list[str]
    ungrounded_numbers: list[str]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, each keeping the run of markers after its end.

    >>> sentences("共9.9万人[1]。另有12万人[2]。")
    ['共9.9万人[1]。', '另有12万人[2]。']
    >>> sentences("文件说：“已完成。共9.9万人。”[1] 此外“未闭合。")
    ['文件说：“已完成。共9.9万人。”[1]', ' 此外“未闭合。']
    """
    return [m.group() for m in _SENTENCE.finditer(text)]


def markers(text: str) -> list[int]:
    """The citation numbers used in ``text``, in order of appearance."""
    return [int(m) for m in MARKER.findall(text)]


def ground(text: str, passages: dict[int, str]) -> GroundingResult:
    """Keep only the sentences whose markers and numbers are supported.

    Args:
        text: The answer with ``[n]`` markers.
        passages: Citation number → passage text, for the passages that were given.

    Returns:
        The kept text (possibly empty) and the dropped sentences.

    Example:
        >>> ground("共9.9万人[1]。另有12万人[1]。", {1: "涉及9.9万人"}).text
        '共9.9万人[1]。'
    """
    kept: list[str] = []
    dropped: list[str] = []
    bad_numbers: list[str] = []
    for sentence in sentences(text):
        if not sentence.strip():
            continue
        cited = markers(sentence)
        if any(n not in passages for n in cited):
            dropped.append(sentence)
            continue
        body = MARKER.sub("", sentence)
        # A sentence without a marker cites no passage: any figure in it is ungrounded.
        missing = numbers_grounded(body, [passages[n] for n in cited])
        if missing:
            bad_numbers.extend(missing)
            dropped.append(sentence)
            continue
        kept.append(sentence)
    return GroundingResult("".join(kept).strip(), dropped, bad_numbers)


# A Chinese figure: digits or numerals with a scale or unit written in Chinese (9.9万人, 13741.44元).
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _figures(text: str) -> list[Quantity]:
    """The quantities of ``text`` that are figures, not list ordinals (``1. ``, ``(2)``)."""
    # numbers_grounded skips list ordinals: what it reports against no passage at all are the figures.
    real = set(numbers_grounded(text, []))
    return [q for q in find_quantities(text) if q.text in real]


def unmarked_bigrams(text: str) -> set[str]:
    """The character pairs of folded ``text`` without whitespace and markers (a cheap overlap measure).

    Not dedupe's ``bigrams_or_whole``: an answer's ``[n]`` must not count as shared text; a short text has no pair.
    """
    folded = re.sub(r"\s+", "", fold(MARKER.sub("", text)))
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def claim_span(claim: str, passage: str, hint: str = "") -> tuple[int, int]:
    """The span of ``passage`` that holds ``claim``: the passage sentence(s) stating its figures.

    The sentence holding the most of the claim's figures wins, ties broken by shared character
    pairs with the claim (and with ``hint``, the question, for an English claim over a Chinese
    passage); when the figures are spread over several sentences the span runs from the first to
    the last of them. Headings never hold a claim.

    Args:
        claim: An answer sentence (markers may be left in).
        passage: The cited passage text.
        hint: Extra text to match on (the question).

    Returns:
        ``(start, end)`` offsets into ``passage``; the whole passage when it has no sentence.

    Example:
        >>> p = "昌都概况。全市涉及贫困人口9.9万人。另有12万人受益。"
        >>> s, e = claim_span("共搬迁9.9万人[1]。", p); p[s:e]
        '全市涉及贫困人口9.9万人。'
    """
    units = sentence_spans(passage)
    if not units:
        return 0, len(passage)
    body = MARKER.sub("", claim)
    wanted = _figures(body)
    pairs = unmarked_bigrams(body) | unmarked_bigrams(hint)

    def holds(unit: tuple[int, int]) -> list[int]:
        have = find_quantities(passage[unit[0] : unit[1]])
        return [i for i, w in enumerate(wanted) if any(w.matches(h) for h in have)]

    held = [holds(u) for u in units]
    overlap = [len(pairs & unmarked_bigrams(passage[s:e])) for s, e in units]
    best = max(range(len(units)), key=lambda i: (len(held[i]), overlap[i], -i))
    start, end = units[best]
    missing = set(range(len(wanted))) - set(held[best])
    for i, unit in enumerate(units):
        if missing & set(held[i]):
            missing -= set(held[i])
            start, end = min(start, unit[0]), max(end, unit[1])
    return start, end


def state_figures_in_english(sentence: str, passages: list[str]) -> str:
    """Write every figure of an English answer sentence in English with its Chinese form kept.

    A figure copied in Chinese (``9.9万人``) becomes ``99,000 people (9.9万人)``; a figure the model
    already converted (``99,000 people``) gets the passage's Chinese figure in brackets after it,
    when that one differs in form. Run it after :func:`ground`: only grounded figures are rewritten,
    and each rewriting states the same value, so the sentence stays grounded.

    Args:
        sentence: One English answer sentence.
        passages: The passages it cites.

    Returns:
        The sentence with its figures stated both ways.

    Example:
        >>> state_figures_in_english("About 9.9万人 were relocated [1].", ["涉及9.9万人"])
        'About 99,000 people (9.9万人) were relocated [1].'
        >>> state_figures_in_english("About 99,000 people [1].", ["涉及9.9万人"])
        'About 99,000 people (9.9万人) [1].'
        >>> state_figures_in_english("About 99,000 people (9.9万人) [1].", ["涉及9.9万人"])
        'About 99,000 people (9.9万人) [1].'
    """
    have = [h for p in passages for h in find_quantities(p)]
    out: list[str] = []
    pos = 0
    for q in _figures(sentence):
        if q.is_year:
            continue
        before = sentence[max(0, q.start - 1) : q.start]
        after = sentence[q.end : q.end + 40]
        if _CJK.search(q.text):
            if before in ("(", "（"):
                continue  # already the kept Chinese form after an English one
            out += [sentence[pos : q.start], f"{render_english(q)} ({q.text})"]
            pos = q.end
            continue
        source = next((h for h in have if q.matches(h) and _CJK.search(h.text)), None)
        if source is None or re.match(r"\s*[(（]" + re.escape(source.text), after):
            continue
        out += [sentence[pos : q.end], f" ({source.text})"]
        pos = q.end
    out.append(sentence[pos:])
    return "".join(out)
