"""The ``hybrid`` answerer: the extractive answer when it is sure, the model's grounded answer otherwise.

The extractive answerer states figures exactly and abstains well on figure questions (the dev
set's unanswerable questions all ask for a figure); a small model adds answers to questions about
reasons and names, where a sentence has to be read rather than a figure found. Rule: a quantity or
date question gets the extractive answer or its abstention, and so does any question the
extractive answer is confident about (``confidence >= min_confidence``, when the answerer states
one); otherwise the model answers, and a model abstention, or a model answer that fails the
grounding checks, leaves the extractive answer (or its abstention).

So the two agree before a model answer stands where the extractive answerer abstains: the model's
cited sentences must hold the question's names, years and figure kind (``rag.answer.subject``;
the generative answerer, built without a fallback, abstains otherwise), and with
``answerer.verify`` the model must also say yes to "do these sentences answer the question?".
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.answer import qtype
from rag.answer.base import Answerer
from rag.types import Answer, Hit

_SURE_KINDS = frozenset({qtype.QUANTITY, qtype.DATE})


class HybridAnswerer:
    """Combines an extractive and a generative answerer (see the module docstring).

    Args:
        extractive: The extractive answerer.
        generative: A generative answerer built without a fallback (its abstention must be visible).
        min_confidence: Extractive confidence at which the model is not asked (when confidence is known).
    """

    def __init__(self, extractive: Answerer, generative: Answerer, min_confidence: float = 0.5) -> None:
        self.extractive = extractive
        self.generative = generative
        self.min_confidence = min_confidence

    def _sure(self, question: str, answer: Answer) -> bool:
        if qtype.classify(question).kind in _SURE_KINDS:
            return True
        confidence = getattr(answer, "confidence", None)
        return not answer.abstained and confidence is not None and confidence >= self.min_confidence

    @staticmethod
    def _pick(extractive: Answer, generated: Answer) -> Answer:
        if generated.abstained:
            extractive.timings = generated.timings | extractive.timings
            return extractive
        generated.timings = extractive.timings | generated.timings
        return generated

    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``hits`` (see the module docstring)."""
        first = self.extractive.answer(question, hits, history)
        if self._sure(question, first):
            return first
        return self._pick(first, self.generative.answer(question, hits, history))

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """The model's raw pieces when it is asked, then the chosen ``Answer`` (which replaces them)."""
        first = self.extractive.answer(question, hits, history)
        if self._sure(question, first):
            yield first
            return
        for piece in self.generative.stream(question, hits, history):
            yield self._pick(first, piece) if isinstance(piece, Answer) else piece
