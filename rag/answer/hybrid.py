"""The ``hybrid`` answerer: the extractive answer checked by the model, the model's answer where it abstains.

The extractive answerer states figures exactly and finds the sentence that matches the question,
but on unseen questions it accepts near misses: another city's figure, another measure, another
year. A small model shown only the sentences the answer cites and the question can tell some of
them (:mod:`rag.answer.generative.verify`: one short prompt, a reply of a few tokens). So, with
``answerer.hybrid_policy: check`` (the default):

* every extractive answer that is not an abstention is put to the model
  (:meth:`~rag.answer.generative.base.GenerativeAnswerer.judge`, ``answerer.hybrid_check``:
  ``yesno``, "do the cited sentences answer it?", or ``answer``, answering again from only them);
  a clear "no" (or "not found") turns it into the abstention, anything else keeps it (figure
  questions too: the near misses are figures). On the dev set ``yesno`` turned one answer, a wrong
  one, into an abstention, and ``answer`` refused 9 of 55 right ones (the 1.5B model refuses
  when a sentence is long or does not name the place); on near-miss probes ``yesno`` said yes to
  all of them, ``answer`` refused the misses: the check is a setting for a stronger model;
* where the extractive answerer abstains, the model answers (its grounding and subject checks,
  built without a fallback so its abstention shows); its grounded answer stands, else the abstention.

``hybrid_policy: confident`` is the earlier rule, kept for comparison: a quantity or date question,
or an extractive answer with ``confidence >= min_confidence``, keeps the extractive answer unchecked;
otherwise the model answers, and a model abstention leaves the extractive answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Literal, Protocol

from rag.answer import qtype
from rag.answer.base import Answerer, abstention
from rag.answer.generative.verify import Check
from rag.question import question_script
from rag.types import Answer, Hit

_SURE_KINDS = frozenset({qtype.QUANTITY, qtype.DATE})
RELATED = 3  # passages offered with an abstention, as the other answerers do
Policy = Literal["check", "confident"]


class Verifier(Answerer, Protocol):
    """A generative answerer that can also judge another answer (``GenerativeAnswerer``)."""

    def judge(self, question: str, answer: Answer, hits: list[Hit], check: Check = "yesno") -> bool | None:
        """True when ``answer``'s cited sentences answer ``question``, False when not, None when unclear."""
        ...


class HybridAnswerer:
    """Combines an extractive and a generative answerer (see the module docstring).

    Args:
        extractive: The extractive answerer.
        generative: A generative answerer built without a fallback (its abstention must be visible).
        min_confidence: ``confident`` policy: extractive confidence at which the model is not asked.
        policy: ``check`` (the model checks the extractive answer) or ``confident`` (the earlier rule).
        check: How the model checks: ``answer`` (answering again from the cited sentences) or ``yesno``.
    """

    def __init__(
        self,
        extractive: Answerer,
        generative: Verifier,
        min_confidence: float = 0.5,
        policy: Policy = "check",
        check: Check = "yesno",
    ) -> None:
        self.extractive = extractive
        self.generative = generative
        self.min_confidence = min_confidence
        self.policy = policy
        self.check = check

    def _sure(self, question: str, answer: Answer) -> bool:
        """``confident`` policy: whether ``answer`` stands without asking the model."""
        if qtype.classify(question).kind in _SURE_KINDS:
            return True
        confidence = getattr(answer, "confidence", None)
        return not answer.abstained and confidence is not None and confidence >= self.min_confidence

    def _checked(self, question: str, hits: list[Hit], answer: Answer) -> Answer:
        """``answer`` when the model does not clearly say no to it, else the abstention."""
        t = time.perf_counter()
        verdict = self.generative.judge(question, answer, hits, self.check)
        timings = answer.timings | {"verify": time.perf_counter() - t}
        if verdict is False:
            return abstention(question_script(question), hits, RELATED, timings)
        answer.timings = timings
        return answer

    def _asks_model(self, question: str, first: Answer) -> bool:
        """Whether the model writes an answer (rather than checking or keeping ``first``)."""
        return first.abstained if self.policy == "check" else not self._sure(question, first)

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
        if self._asks_model(question, first):
            return self._pick(first, self.generative.answer(question, hits, history))
        if self.policy == "check":
            return self._checked(question, hits, first)
        return first

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """The model's raw pieces when it writes the answer, then the chosen ``Answer`` (which replaces them)."""
        first = self.extractive.answer(question, hits, history)
        if not self._asks_model(question, first):
            yield self._checked(question, hits, first) if self.policy == "check" else first
            return
        for piece in self.generative.stream(question, hits, history):
            yield self._pick(first, piece) if isinstance(piece, Answer) else piece
