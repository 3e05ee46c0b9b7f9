"""The corpus's subjects: which terms are document titles or section headings (the answerer's subject check)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from rag.fold import fold_compact


class Headings:
    """Answers whether a (folded) term occurs in any document title or section heading of the index.

    The answerer asks this of names in a question (那曲, 林芝): a name the corpus uses as a subject must be in
    an answering sentence's text or context, even when no retrieved passage is about it. The folded headings
    are gathered once per index generation, answers are remembered.

    Args:
        contexts: Every distinct chunk context (``Store.distinct_contexts``).
        generation: The index generation the contexts belong to (a change drops what was gathered).
    """

    def __init__(self, contexts: Callable[[], Iterable[str]], generation: Callable[[], object]) -> None:
        self._contexts, self._generation = contexts, generation
        self._gathered: tuple[object, str, dict[str, bool]] | None = None
        self._lock = threading.Lock()

    def __call__(self, term: str) -> bool:
        """Whether ``term`` is in a title or heading."""
        if not term:
            return False
        generation = self._generation()
        with self._lock:
            if self._gathered is None or self._gathered[0] != generation:
                self._gathered = (generation, "\n".join(fold_compact(c) for c in self._contexts()), {})
            _, text, answers = self._gathered
            if term not in answers:
                answers[term] = term in text
            return answers[term]
