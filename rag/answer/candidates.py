"""Answer candidates: the sentences of the retrieved passages, each with the figures it states.

A short unpunctuated line reads as a heading and is no candidate; a line a PDF's layout broke mid-sentence
is joined to the next; quantities in quotation marks are names, not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rag.chunking import split_units
from rag.fold import fold_compact
from rag.numbers import Quantity, find_quantities
from rag.types import Hit

# A line of 20+ characters ending inside a sentence (on a character, a digit or an opening quote).
_BROKEN_LINE = re.compile(r".{19}[\w“‘「『(（、，,]$", re.DOTALL)

_SENTENCE_PIECE = re.compile(r"\d|[、，,]")

_QUOTED = re.compile(r"“[^”]{1,20}”|「[^」]{1,20}」|『[^』]{1,20}』")


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


def candidates(hits: list[Hit]) -> list[Candidate]:
    """The sentences of ``hits`` (unscored), in passage order.

    Args:
        hits: The retrieved passages.

    Returns:
        One candidate per sentence of 6+ characters that is not a heading; offsets index the document.
    """
    out = []
    for i, hit in enumerate(hits):
        c = hit.chunk
        for start, end in sentence_spans(c.text):
            text = c.text[start:end]
            if len(fold_compact(text)) >= 6:
                out.append(Candidate(i, c.start + start, c.start + end, text))
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    r"""The body sentences of a passage's ``text``, headings left out, as ``(start, end)`` offsets into it.

    The one reading of a passage's sentences that the extractive candidates, a generative prompt's
    sentences and a claim's citation share.

    Example:
        >>> t = "■ 拉萨\n投资36.4亿元实施第二批43个村居“美\n\n丽乡村”建设试点。"
        >>> [t[s:e] for s, e in sentence_spans(t)]
        ['投资36.4亿元实施第二批43个村居“美\n\n丽乡村”建设试点。']
    """
    # A short unpunctuated line reads as a heading; one with figures or enumeration marks is a
    # piece of a sentence the chunk (or the PDF's layout) cut: keep it as body text.
    units = [
        replace(u, heading_level=0) if u.heading_level == 3 and _SENTENCE_PIECE.search(text[u.start : u.end]) else u
        for u in split_units(text)
    ]
    out = []
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
            and _BROKEN_LINE.search(text[units[k].start : units[k].end])
        ):
            k += 1
            end = units[k].end
        k += 1
        if not unit.heading_level:
            out.append((unit.start, end))
    return out


def sentence_figures(text: str) -> list[Quantity]:
    """The quantities of a sentence that can be statistics: not those inside quotation marks, which are
    names (“五个一批”, “十三五”, “两不愁三保障”).

    >>> [q.text for q in sentence_figures("实施“五个一批”工程,74个县区摘帽")]
    ['74个']
    """
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    return [q for q in find_quantities(text) if not any(a <= q.start and q.end <= b for a, b in quoted)]
