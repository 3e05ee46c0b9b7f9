"""The ``Answerer`` protocol: turn a question and retrieved hits into a cited ``Answer``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from rag.types import Answer, Citation, Hit

# What every answerer says when the passages do not answer, in the question's script.
_ABSTENTION = {
    "en": "The documents do not say. The closest passages are listed as related, not as an answer.",
    "zh-Hant": "文件中沒有找到這個問題的答案。下面列出最相關的段落供參考，並非答案。",
    "zh-Hans": "文件中没有找到这个问题的答案。下面列出最相关的段落供参考，并非答案。",
}


def chunk_citation(n: int, hit: Hit) -> Citation:
    """Citation ``[n]`` of a whole retrieved passage."""
    c = hit.chunk
    return Citation(n, c.doc_id, c.chunk_id, c.start, c.end, c.text)


def abstention(lang: str, hits: list[Hit], related: int, timings: dict[str, float] | None = None) -> Answer:
    """The answer that says the documents do not say, listing the first ``related`` hits as related.

    Args:
        lang: ``zh-Hans`` | ``zh-Hant`` | ``en`` (anything else reads as simplified Chinese).
        hits: Retrieved passages, best first.
        related: How many of them to list.
        timings: Stage timings to carry.
    """
    listed = [chunk_citation(i + 1, h) for i, h in enumerate(hits[:related])]
    return Answer(_ABSTENTION.get(lang, _ABSTENTION["zh-Hans"]), [], True, listed, dict(timings or {}))


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
