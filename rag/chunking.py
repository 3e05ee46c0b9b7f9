"""Sentence-aware chunking with exact character offsets and section context.

A document is cut into sentences (Chinese 。！？；…, half-width marks used as sentence
punctuation, and line breaks), sentences are packed into chunks of about ``size``
characters with about ``overlap`` characters of whole sentences repeated, and each chunk
carries the document title and its nearest section headings as ``context``. Context is
used for matching (embedded and indexed with the chunk) but never enters ``text`` or
offsets. A document whose body has no sentence punctuation at all (a list of short lines,
a one-line English title page) is chunked with every line as body text, so that no
document yields zero chunks; one that would is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.config import ChunkerConfig, IngestConfig
from rag.errors import InputError, TooLargeError
from rag.types import Chunk, Document

_CLOSING = "”’」』）)\"'"
# Full-width sentence marks and ellipses always end a sentence.
_WIDE_END = re.compile(rf"(?:[。！？；]|…+|\.{{3,}})[{_CLOSING}]*")
# A half-width mark ends one only where it is sentence punctuation (see _ascii_end).
_ASCII_END = re.compile(rf"[.!?;][{_CLOSING}]*")
# Han and kana: a line holding any is Chinese (or Japanese) text.
_HAN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
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
    if _ends_latin_sentence(s):  # "The lake is 4,718 m high."
        return 0
    if re.fullmatch(r"[\d\W_]+", s):  # page numbers, rules, ISSN lines
        return 0
    return 3


def _ascii_end(text: str, pos: int, start: int, end: int, chinese: bool) -> int:
    """End of the sentence a half-width mark at ``pos`` closes, or 0 when it closes none.

    On a Chinese line the mark is sentence punctuation unless it is attached to a Latin
    word or number ("Wow! eye Taiwan", "e.g.", "3.5", "Python.org" stay inside their
    sentence), and a '.' that opens a Latin word (".NET" in 是个.NET的函式库) or precedes a digit
    ends none. On a line without Han characters (English) a mark ends a sentence before whitespace
    or the end of the line, except the '.' of an initial or abbreviation ("e.g.", "U.S.", "J. Smith").
    """
    m = _ASCII_END.match(text, pos, end)
    if not m:
        return 0
    mark, prev = text[pos], text[pos - 1] if pos > start else ""
    if chinese:
        attached = prev.isascii() and (prev.isalpha() or (mark == "." and prev.isdigit()))
        before_digit = mark == "." and pos + 1 < end and text[pos + 1].isdigit()
        opens_word = mark == "." and m.end() < end and text[m.end()].isascii() and text[m.end()].isalpha()
        return 0 if attached or before_digit or opens_word else m.end()
    if m.end() < end and not text[m.end()].isspace():
        return 0
    if mark == "." and prev.isalpha() and (pos - 1 == start or text[pos - 2] in " .\t("):
        return 0
    return m.end()


def _ends_latin_sentence(line: str) -> bool:
    """Whether a line without Han characters ends with a sentence mark."""
    s = line.rstrip(_CLOSING)
    return bool(s) and not _HAN.search(line) and _ascii_end(line, len(s) - 1, 0, len(line), False) == len(line)


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int, bool]]:
    """Yield sentence spans of ``text[start:end]`` (one line), keeping quoted terms whole.

    The flag says whether the span ends at a sentence mark (else at the line's end).
    """
    chinese = bool(_HAN.search(text, start, end))
    depth = 0
    last = start
    pos = start
    while pos < end:
        ch = text[pos]
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        stop = 0
        if depth == 0:
            m = _WIDE_END.match(text, pos, end)
            stop = m.end() if m else _ascii_end(text, pos, start, end, chinese) if ch in ".!?;" else 0
        if stop > pos:
            yield last, stop, True
            last = pos = stop
            continue
        pos += 1
    if last < end:
        yield last, end, False


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_units(text: str, *, headings: bool = True) -> list[Span]:
    """Cut text into trimmed sentence spans and heading lines, in order.

    Args:
        text: Any text.
        headings: False to read every line as body text.
    """
    return _split(text, headings)[0]


def _split(text: str, headings: bool) -> tuple[list[Span], bool]:
    """Units, and whether any body sentence ends at a sentence mark."""
    units: list[Span] = []
    punctuated = False
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, line_end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        s, e = _trim(text, line_start, line_end)
        if s == e:
            continue
        level = heading_level(text[s:e]) if headings else 0
        if level:
            units.append(Span(s, e, level, True))
            continue
        sents = []
        for a, b, marked in _sentences(text, s, e):
            punctuated = punctuated or marked
            a, b = _trim(text, a, b)
            if a < b:
                sents.append((a, b))
        for i, (a, b) in enumerate(sents):
            units.append(Span(a, b, 0, i == len(sents) - 1))
    return units, punctuated


def _safe_cut(text: str, start: int, cut: int) -> int:
    """Move a hard cut left so it does not fall inside a number or percentage."""
    c = cut
    while c > start + 1 and _NUMERIC.match(text[c - 1]) and _NUMERIC.match(text[c]):
        c -= 1
    return c if c > start + 1 else cut


def _split_long(text: str, span: Span, size: int) -> list[Span]:
    """Split a sentence longer than ``size`` at commas, else at a number-safe hard cut."""
    out: list[Span] = []
    start = span.start
    while span.end - start > size:
        window = text[start : start + size]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() >= size // 3]
        cut = start + breaks[-1] if breaks else _safe_cut(text, start, start + size)
        a, b = _trim(text, start, cut)
        if a < b:
            out.append(Span(a, b))
        start = cut
    a, b = _trim(text, start, span.end)
    if a < b:
        out.append(Span(a, b, 0, span.newline_after))
    return out


class Chunker:
    """Packs sentences into overlapping chunks with exact offsets.

    Args:
        config: Size, overlap and minimum size in characters.
        max_chunks: Refuse a document that would make more chunks (``ingest.max_chunks``).
    """

    def __init__(self, config: ChunkerConfig | None = None, max_chunks: int | None = None) -> None:
        self.config = config or ChunkerConfig()
        self.max_chunks = max_chunks or IngestConfig().max_chunks

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

        Raises:
            TooLargeError: More than ``max_chunks`` chunks.
            InputError: No indexable text (only whitespace).
        """
        text, size = doc.text, self.config.size
        headings: dict[int, str] = {}
        # The first few heading lines before any body text (article title, byline) describe
        # the whole document, so they stay in every chunk's context.
        front: list[str] = []
        seen_body = False
        groups: list[tuple[list[Span], str]] = []
        current: list[Span] = []

        def context() -> str:
            parts = [doc.title, *front] + [headings[k] for k in sorted(headings)]
            seen: list[str] = []
            for p in parts:
                if p and p not in seen:
                    seen.append(p)
            return " ".join(seen)

        units, punctuated = _split(text, True)
        if not punctuated or all(u.heading_level for u in units):
            # Short unpunctuated lines read as headings, but a document made only of such
            # lines (a list of figures, a title page) has no body to put under them.
            units = _split(text, False)[0]
        for unit in units:
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
        for spans, ctx in groups:
            for start, end in self._pack(spans):
                if len(chunks) == self.max_chunks:
                    raise TooLargeError(
                        f"refusing {doc.doc_id}: more than {self.max_chunks} chunks (limit ingest.max_chunks)",
                        "ingest.max_chunks",
                    )
                chunks.append(Chunk(first_id + len(chunks), doc.doc_id, text[start:end], start, end, ctx))
        if not chunks:
            raise InputError(f"{doc.doc_id}: no indexable text")
        return chunks

    def _pack(self, units: list[Span]) -> Iterator[tuple[int, int]]:
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
