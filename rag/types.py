"""Core value types shared by every stage of the pipeline.

Offsets are character offsets (Python ``str`` indices) into ``Document.text``,
the document exactly as decoded: ``doc.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A loaded source document.

    Attributes:
        doc_id: Stable id; the file name for files (``001_8849d19f1b0b6359.txt``).
        title: Human-readable title (first heading or line).
        text: The full text as decoded; never rewritten, offsets index into it.
        source: Where it came from (path or upload name).
        meta: Loader-specific metadata (format, encoding, ...).
    """

    doc_id: str
    title: str
    text: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document.

    Attributes:
        chunk_id: Integer id, unique within an index (also the FAISS id).
        doc_id: The owning document.
        text: ``document.text[start:end]``.
        start: Start character offset into the document text.
        end: End character offset (exclusive).
        context: Title and nearest section heading; used for matching only,
            never part of ``text`` or the offsets.
    """

    chunk_id: int
    doc_id: str
    text: str
    start: int
    end: int
    context: str = ""


@dataclass
class Hit:
    """A retrieved chunk with its fused score and each stage's score."""

    chunk: Chunk
    score: float
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation:
    """A numbered pointer at an exact span of a source document.

    Invariant: ``quote == documents[doc_id].text[start:end]``.
    """

    n: int
    doc_id: str
    chunk_id: int
    start: int
    end: int
    quote: str

    def to_dict(self, title: str | None = None) -> dict[str, Any]:
        """The JSON form the CLI and the API share (``source`` is the document id; ``title`` when given)."""
        out: dict[str, Any] = {"n": self.n, "source": self.doc_id}
        if title is not None:
            out["title"] = title
        return out | {"start": self.start, "end": self.end, "quote": self.quote}


@dataclass
class Answer:
    """What an answerer returns.

    Attributes:
        text: The answer; citations are marked inline as ``[1]``, ``[2]``.
        citations: The passages the answer rests on, numbered as in ``text``.
        abstained: True when the documents do not answer the question.
        related: Closest passages offered when abstaining (not claimed as support).
        timings: Seconds per stage.
        question: The (possibly rewritten) standalone question that was answered.
        confidence: How sure the answerer is that the answer is right (0..1), when it can say.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    related: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    question: str = ""
    confidence: float | None = None

    def to_dict(self, title_of: Callable[[str], str] | None = None) -> dict[str, Any]:
        """The JSON form the CLI and the API share.

        Args:
            title_of: Maps a document id to its title, added to every citation; no titles when None.
        """

        def cite(c: Citation) -> dict[str, Any]:
            return c.to_dict(title_of(c.doc_id) if title_of else None)

        return {
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [cite(c) for c in self.citations],
            "related": [cite(c) for c in self.related],
            "timings": self.timings,
            "question": self.question,
        }
