"""The ``Answerer`` protocol: turn a question and retrieved hits into a cited ``Answer``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from rag.types import Answer, Hit


@runtime_checkable
class Answerer(Protocol):
    """Answers from the given hits only; cites them as ``[n]`` (1-based, in hit order)."""

    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer a standalone question from ``hits``.

        Args:
            question: The (already rewritten) standalone question.
            hits: Retrieved passages, best first.
            history: Earlier turns as ``{"role", "content"}`` dicts.

        Returns:
            The answer with citations, or an abstention listing related passages.
        """
        ...

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield text pieces as they are produced, then the final ``Answer``."""
        ...
