"""Sentence-aware chunking with exact character offsets and section context.

A document is cut into sentences (Chinese 。！？；… and their half-width forms, and
line breaks), sentences are packed into chunks of about ``size`` characters with
about ``overlap`` characters of whole sentences repeated, and each chunk carries the
document title and its nearest section headings as ``context``. Context is used for
matching (embedded and indexed with the chunk) but never enters ``text`` or offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.config import ChunkerConfig
from rag.types import Chunk, Document

# Sentence ends: full-width and half-width forms, the ellipsis, and line breaks.
# A half-width '.' only ends a sentence when not between digits (9.9万 stays whole).
_SENT_END = re.compile(r"(?:[。！？；!?;]|…+|\.{3,}|(?<!\d)\.(?!\d))[”’」』）)\"']*|\n")
_OPENERS = "“‘「『《（(【"
_CLOSERS = "”’」』》）)】"
# Where a too-long sentence may be cut when it has no sentence end.
_SOFT_BREAK = re.compile(r"[，,、：:]")
# Characters that belong to a number or percentage; a hard cut never falls between two.
_NUMERIC = re.compile(r"[0-9０-９.．,，%％‰万亿千百萬億]")

_HEADING_MARK = re.compile(r"^\s*(?:[■●◆▲★]|#{1,6}\s)")
_HEADING_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百\d]+[章节部分篇]|[（(][一二三四五六七八九十]+[）)])"
)
_HEADING_MAX = 40
_FRONT_MATTER_LINES = 5


@dataclass(frozen=True)
class Span:
    """A unit of text ``[start, end)``: a trimmed sentence or a heading line (what ``split_units`` returns)."""

    start: int
    end: int
    heading_level: int = 0  # 0: body text; 1..3: a heading line of that level
    newline_after: bool = False


_Span = Span


def heading_level(line: str) -> int:
    """Classify a line as a heading.

    Args:
        line: One line of text, without its newline.

    Returns:
        1 for marked headings (``■ 拉萨市乡村振兴局``, ``# Title``), 2 for numbered
        ones (``一、…``, ``第二章``), 3 for other short lines without sentence
        punctuation, 0 for body text.
    """
    s = line.strip()
    if not s or len(s) > _HEADING_MAX:
        return 0
    if _HEADING_MARK.match(s):
        return 1
    if _HEADING_NUMBERED.match(s) and not re.search(r"[。；;]", s):
        return 2
    if re.search(r"[。！？；，,!?;：:]$", s) or re.search(r"[。！？；!?;]", s) or len(s) < 2:
        return 0
    if re.fullmatch(r"[\d\W_]+", s):  # page numbers, rules, ISSN lines
        return 0
    return 3


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield sentence spans of ``text[start:end]`` (one line), keeping quoted terms whole."""
    depth = 0
    last = start
    pos = start
    while pos < end:
        ch = text[pos]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        m = _SENT_END.match(text, pos, end) if depth == 0 else None
        if m and m.end() > pos:
            yield last, m.end()
            last = pos = m.end()
            continue
        pos += 1
    if last < end:
        yield last, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_units(text: str) -> list[Span]:
    """Cut text into trimmed sentence spans and heading lines, in order."""
    units: list[_Span] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, line_end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        s, e = _trim(text, line_start, line_end)
        if s == e:
            continue
        level = heading_level(text[s:e])
        if level:
            units.append(_Span(s, e, level, True))
            continue
        sents = [_trim(text, a, b) for a, b in _sentences(text, s, e)]
        sents = [(a, b) for a, b in sents if a < b]
        for i, (a, b) in enumerate(sents):
            units.append(_Span(a, b, 0, i == len(sents) - 1))
    return units


def _safe_cut(text: str, start: int, cut: int) -> int:
    """Move a hard cut left so it does not fall inside a number or percentage."""
    c = cut
    while c > start + 1 and _NUMERIC.match(text[c - 1]) and _NUMERIC.match(text[c]):
        c -= 1
    return c if c > start + 1 else cut


def _split_long(text: str, span: _Span, size: int) -> list[_Span]:
    """Split a sentence longer than ``size`` at commas, else at a number-safe hard cut."""
    out: list[_Span] = []
    start = span.start
    while span.end - start > size:
        window = text[start : start + size]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() >= size // 3]
        cut = start + breaks[-1] if breaks else _safe_cut(text, start, start + size)
        a, b = _trim(text, start, cut)
        if a < b:
            out.append(_Span(a, b))
        start = cut
    a, b = _trim(text, start, span.end)
    if a < b:
        out.append(_Span(a, b, 0, span.newline_after))
    return out


class Chunker:
    """Packs sentences into overlapping chunks with exact offsets.

    Args:
        config: Size, overlap and minimum size in characters.
    """

    def __init__(self, config: ChunkerConfig | None = None) -> None:
        self.config = config or ChunkerConfig()

    def settings(self) -> dict[str, int]:
        """The settings that change chunk boundaries (recorded in the index manifest)."""
        return {"size": self.config.size, "overlap": self.config.overlap, "min_size": self.config.min_size}

    def chunk(self, doc: Document, first_id: int = 0) -> list[Chunk]:
        """Chunk one document.

        Args:
            doc: The document; offsets index into ``doc.text``.
            first_id: The ``chunk_id`` of the first chunk; ids increase by one.

        Returns:
            Chunks in document order with ``doc.text[c.start:c.end] == c.text``.
        """
        text, size = doc.text, self.config.size
        headings: dict[int, str] = {}
        # The first few heading lines before any body text (article title, byline) describe
        # the whole document, so they stay in every chunk's context.
        front: list[str] = []
        seen_body = False
        groups: list[tuple[list[_Span], str]] = []
        current: list[_Span] = []

        def context() -> str:
            parts = [doc.title, *front] + [headings[k] for k in sorted(headings)]
            seen: list[str] = []
            for p in parts:
                if p and p not in seen:
                    seen.append(p)
            return " ".join(seen)

        for unit in split_units(text):
            if unit.heading_level:
                # A heading closes the running group so no chunk straddles two sections.
                if current:
                    groups.append((current, context()))
                    current = []
                heading = text[unit.start : unit.end].strip("■●◆▲★# ")
                if not seen_body and unit.heading_level == 3 and len(front) < _FRONT_MATTER_LINES:
                    front.append(heading)
                    continue
                headings = {k: v for k, v in headings.items() if k < unit.heading_level}
                headings[unit.heading_level] = heading
                continue
            seen_body = True
            current.extend(_split_long(text, unit, size) if unit.end - unit.start > size else [unit])
        if current:
            groups.append((current, context()))

        chunks: list[Chunk] = []
        for units, ctx in groups:
            for start, end in self._pack(units):
                chunks.append(Chunk(first_id + len(chunks), doc.doc_id, text[start:end], start, end, ctx))
        return chunks

    def _pack(self, units: list[_Span]) -> Iterator[tuple[int, int]]:
        """Greedy packing with whole-sentence overlap; yields (start, end) per chunk."""
        size, overlap, min_size = self.config.size, self.config.overlap, self.config.min_size
        i = 0
        n = len(units)
        while i < n:
            j = i
            while j + 1 < n and units[j + 1].end - units[i].start <= size:
                j += 1
            # A tail shorter than min_size joins this chunk rather than standing alone.
            if j + 1 < n and units[n - 1].end - units[j + 1].start < min_size:
                j = n - 1
            yield units[i].start, units[j].end
            if j + 1 >= n:
                return
            # Step back over whole sentences that fit in the overlap budget.
            k = j + 1
            while k - 1 > i and units[j].end - units[k - 1].start <= overlap:
                k -= 1
            i = k
