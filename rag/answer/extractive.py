"""The extractive answerer: picks the sentence that answers, states it, and cites it.

No generative model is needed. The question's kind (quantity, date, who, list,
reason) is detected; every sentence of the top passages (``candidates``) is scored by how much of
the question it covers (its text plus the chunk's section context), by embedding
similarity to the question, and by whether it holds an answer of the asked kind (``type_score``).
The best sentence is stated with a short lead (the figure or date), sentences that
agree are cited together, and a close runner-up with a different figure is shown as
a disagreement (``assembly``). When nothing covers the question well enough, or the cited sentences
miss a subject, year or figure kind of the question (``rag.answer.subject``, as for generated answers), it
abstains.

English questions are matched through the dictionary translation (``rag.crosslingual``): each English
word becomes a group of Chinese alternatives found in the passages, and a sentence covers the word when it
holds any of them. The answer is stated in English, the figure converted exactly (9.9万人 → 99,000 people),
the Chinese quote kept as the source has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from embeddings.base import Embedder
from rag.answer import confidence, qtype, subject
from rag.answer.assembly import compose
from rag.answer.base import abstention
from rag.answer.candidates import Candidate, candidates, sentence_figures
from rag.answer.confidence import ConfidenceModel
from rag.answer.figures import figure_by_measure, lead, unit_compatible
from rag.answer.grounding import sentences
from rag.answer.span import KINDS as SPAN_KINDS
from rag.answer.span import SpanReader
from rag.answer.terms import Query, rarity
from rag.answer.type_score import type_score
from rag.fold import fold, fold_compact
from rag.profile import EMPTY, Profile
from rag.question import question_script
from rag.types import Answer, Hit


@dataclass(frozen=True)
class Draft:
    """An answer before the abstention decision: its sentence, its text (with no span headline yet), the
    decision's features, and what stating the span needs (the question as read, the sentences in order)."""

    best: Candidate | None
    answer: Answer | None
    features: dict[str, float]
    query: Query | None = None
    ordered: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True)
class ExtractiveSettings:
    """Weights and abstention thresholds (set on the dev set; see configs/default.yaml).

    ``confidence``: the learned abstention decision (``rag.answer.confidence``); None: the two floors
    ``min_coverage`` and ``min_score``. ``span``: the span reader that states a non-quantity
    answer's name, date or place before its quote (``rag.answer.span``, or a model:
    ``rag.answer.generative.reader``); None: the sentence is the headline.
    """

    max_passages: int = 5
    min_coverage: float = 0.4
    min_score: float = 0.4
    w_coverage: float = 0.45
    w_similarity: float = 0.25
    w_type: float = 0.2
    w_rank: float = 0.1
    context_discount: float = 0.8
    off_subject_penalty: float = 0.3
    fallback_margin: float = 0.05
    related: int = 3
    confidence: ConfidenceModel | None = None
    span: SpanReader | None = None


class ExtractiveAnswerer:
    """Answers by selecting and citing the answering span.

    Args:
        embedder: Scores sentence similarity to the question (None: lexical only).
        settings: Weights and thresholds.
        in_headings: Whether a term occurs in the corpus's titles or section headings. A name in the
            question that does (那曲) is the subject: a sentence without it in its text or context
            answers for another place, even when nothing retrieved is about that one. None: only the
            retrieved passages' headings count.
        profile: The corpus's domain profile (``rag.profile``): its units, head nouns and place names.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        settings: ExtractiveSettings | None = None,
        in_headings: Callable[[str], bool] | None = None,
        profile: Profile = EMPTY,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or ExtractiveSettings()
        self.in_headings = in_headings
        self.profile = profile

    # -- public API ---------------------------------------------------------------------------
    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``hits`` (see the module docstring)."""
        hits = hits[: self.settings.max_passages]
        lang = question_script(question)
        draft = self.draft(question, hits)
        if draft.answer is None or not self._confident(draft):
            return self._abstain(lang, hits)
        # The check every generated answer passes: the cited sentences name the question's subjects,
        # its years and a figure of the asked kind (a near miss for another city or year fails it).
        if subject.missing(question, draft.answer.citations, hits, self.in_headings, self.profile):
            return self._abstain(lang, hits)
        return self.stated(question, hits, draft)

    def draft(self, question: str, hits: list[Hit]) -> Draft:
        """The answer this answerer would give before deciding whether to abstain.

        Args:
            question: The question.
            hits: The passages (the first ``max_passages`` are read).

        Returns:
            The draft: the best sentence and its answer (None when nothing could be stated) and, for the
            abstention decision, the ``confidence`` features.
        """
        hits = hits[: self.settings.max_passages]
        question_vector = self._question_vector(question) if hits else None
        query, scored = self._score(question, hits, question_vector)
        best = self._pick(query, scored, hits)
        if best is None:
            return Draft(None, None, {})
        lang = question_script(question)
        x = confidence.features(
            query, best, scored, hits, lang == "en", self._passage_dense(question_vector, hits[best.hit_index])
        )
        ordered = [best] + [c for c in scored if c is not best]
        answer = compose(query, lang, hits, ordered, lambda c: self._measures(query, c, hits))
        return Draft(best, answer, x, query, ordered)

    def stated(self, question: str, hits: list[Hit], draft: Draft) -> Answer | None:
        """A draft's answer as it is given, its span headline read only now: a reader model takes longer
        than the abstention decision, and an abstention states no span.

        Args:
            question: The question.
            hits: The passages the draft was made from.
            draft: The draft (``draft``).

        Returns:
            The answer, or None when the draft has none.
        """
        if draft.answer is None:
            return None
        hits = hits[: self.settings.max_passages]
        lang = question_script(question)
        span = self._span(question, draft.query, draft.best) if lang != "en" else None
        if span is None:
            return draft.answer
        query = draft.query
        stated = compose(query, lang, hits, draft.ordered, lambda c: self._measures(query, c, hits), span)
        return stated or draft.answer

    def _span(self, question: str, query: Query, c: Candidate) -> str | None:
        """The exact span of the answering sentence that states the answer (None: no span is likely enough).

        Only a question that asks for one thing gets one: a quantity has its figure as the headline, a list
        is several spans, and a reason is a clause (on the public dev split the picked span of a
        why-question scores no better than its whole sentence: CMRC F1 0.46 against 0.47).
        """
        if self.settings.span is None or query.kind.kind not in SPAN_KINDS:
            return None
        found = self.settings.span.best(question, c.text)
        if found is None:
            return None
        text = c.text[found[0] : found[1]]
        return text if text.strip() and text.strip() != c.text.strip() else None

    def _confident(self, draft: Draft) -> bool:
        if self.settings.confidence is not None:
            return self.settings.confidence.accepts(draft.features)
        return draft.best.coverage >= self.settings.min_coverage and draft.best.score >= self.settings.min_score

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence, then the ``Answer``."""
        answer = self.answer(question, hits, history)
        yield from sentences(answer.text)  # an answer holds no line breaks (see assembly._inline)
        yield answer

    def sentence_scores(self, question: str, hits: list[Hit]) -> dict[tuple[int, int], float]:
        """This answerer's score of every sentence of ``hits``, for a generative prompt to keep the best.

        Args:
            question: The question.
            hits: The passages.

        Returns:
            ``(passage index, offset of the sentence in the passage's text)`` → score.
        """
        hits = hits[: self.settings.max_passages]
        _, scored = self._score(question, hits, self._question_vector(question) if hits else None)
        return {(c.hit_index, c.start - hits[c.hit_index].chunk.start): c.score for c in scored}

    # -- scoring ------------------------------------------------------------------------------
    def _score(
        self, question: str, hits: list[Hit], question_vector: np.ndarray | None
    ) -> tuple[Query, list[Candidate]]:
        found = candidates(hits)
        if not found:
            return Query.read(question, [], self.profile), []
        # Whitespace says nothing in Chinese and a PDF's line breaks split words (美\n\n丽乡村).
        folded = [fold_compact(c.text) for c in found]
        by_hit = [fold_compact(h.chunk.context) for h in hits]
        contexts = [by_hit[c.hit_index] for c in found]
        query = Query.read(question, folded + sorted(set(contexts)), self.profile)
        q_terms = query.terms
        # Anchors: names in the question that the retrieved passages, or any document of the corpus
        # (``in_headings``), use in titles or section headings (拉萨, 那曲 …). A sentence whose own text
        # and context lack an anchor is about another subject — the parallel-sections trap.
        headings = set(contexts)
        anchors = [
            t
            for t in q_terms
            if t.can_anchor
            and any(
                len(a) >= 2 and (any(a in ctx for ctx in headings) or (self.in_headings and self.in_headings(a)))
                for a in t.alternatives
            )
        ]
        query = replace(query, anchors=tuple(anchors))
        required = [t for t in q_terms if t.required]
        # Rarer question terms among the candidates tell them apart (Chamdo vs Lhasa sections).
        weights = {t: t.factor * w for t, w in rarity(q_terms, folded).items()}
        total = sum(weights.values()) or 1.0
        sims = self._similarities(question_vector, [c.text for c in found])
        for c, f, ctx, sim in zip(found, folded, contexts, sims, strict=True):
            in_text = sum(w for t, w in weights.items() if t.in_text(f))
            in_ctx = sum(w for t, w in weights.items() if not t.in_text(f) and t.in_text(ctx))
            c.coverage = (in_text + self.settings.context_discount * in_ctx) / total if q_terms else 0.0
            if any(not a.in_text(f) and not a.in_text(ctx) for a in anchors):
                c.coverage *= self.settings.off_subject_penalty
            if required and not any(t.in_text(f) or t.in_text(ctx) for t in required):
                c.coverage *= self.settings.off_subject_penalty
            c.similarity = sim
            c.quantities = sentence_figures(c.text)
            c.type_score = type_score(query, c)
            rank = 1.0 / (1 + c.hit_index)
            s = self.settings
            c.score = (
                s.w_coverage * c.coverage
                + s.w_similarity * max(0.0, min(1.0, (sim - 0.7) / 0.25))
                + s.w_type * c.type_score
                + s.w_rank * rank
            )
        return query, sorted(found, key=lambda c: -c.score)

    def _pick(self, query: Query, scored: list[Candidate], hits: list[Hit]) -> Candidate | None:
        """The answering sentence: the best one, or for a quantity question the best that states what is
        asked among those scored within ``fallback_margin`` of the top (None: abstain)."""
        if not scored or query.kind.kind != qtype.QUANTITY:
            return scored[0] if scored else None
        floor = scored[0].score - self.settings.fallback_margin
        return next((c for c in scored if c.score >= floor and self._measures(query, c, hits)), None)

    def _measures(self, query: Query, c: Candidate, hits: list[Hit]) -> bool:
        """Whether a sentence states a figure of what a quantity question asks (the answer, or a rival).

        It must hold a figure; of the asked unit when the question names one (多少个 is not
        answered by 户); stated next to what is measured when the sentence names that at all
        (``figures.figure_by_measure``); and, for a Chinese question, one of the question's common nouns
        in its text or context (发生率, GDP): a figure next to the right place and year but about
        something else is the near miss that abstention is for.
        """
        stated = [q for q in c.quantities if not q.is_year]
        if not stated:
            return False
        if query.kind.unit and not any(unit_compatible(query.kind.unit, q) for q in stated):
            return False
        figure = lead(query, c.text, c.quantities)
        if not figure_by_measure(query, c.text, figure):
            return False
        nouns = [t for t in query.terms if t.noun]
        if not nouns:
            return True
        text = fold(c.text) + "\n" + fold(hits[c.hit_index].chunk.context)
        return any(t.in_text(text) for t in nouns)

    def _passage_dense(self, question_vector: np.ndarray | None, hit: Hit) -> float | None:
        """The passage's embedding similarity to the question: its dense retrieval score, or computed when
        only BM25 found it (a missing score is no evidence against it)."""
        if "dense" in hit.scores or question_vector is None:
            return None
        return self._similarities(question_vector, [hit.chunk.text])[0]

    def _question_vector(self, question: str) -> np.ndarray | None:
        """The question's embedding, computed once per answer (None: no embedder)."""
        return None if self.embedder is None else self.embedder.embed_queries([fold(question)])[0]

    def _similarities(self, question_vector: np.ndarray | None, texts: list[str]) -> list[float]:
        if question_vector is None or self.embedder is None:
            return [0.0] * len(texts)
        p = self.embedder.embed_passages(texts)
        return (p @ question_vector).astype(float).tolist() if len(p) else []

    def _abstain(self, lang: str, hits: list[Hit]) -> Answer:
        return abstention(lang, hits, self.settings.related)
