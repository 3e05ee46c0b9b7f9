"""The extractive answerer: picks the sentence that answers, states it, and cites it.

No generative model is needed. Every sentence of the top passages is a candidate; a learned model
(``rag.answer.model``, trained by ``eval.train_answerer`` on public reading-comprehension data and the dev
set) scores each from the signals of ``rag.answer.features``: how much of the question it covers (its
text and its chunk's headings), its embedding similarity to the question, its BM25 among the candidates,
its passage's retrieval scores, whether it holds an answer of the asked kind and unit. A second model
reads the best candidates' scores and decides whether to answer at all; its probability is the answer's
``confidence``, and the threshold was calibrated on the dev data. The best sentence is stated with a
short headline (the figure, or the exact name, date or place: ``rag.answer.spans``), sentences that agree
are cited together, and a close runner-up with a different figure is shown as a disagreement.

English questions are matched through the dictionary translation (``rag.crosslingual``). The answer is
stated in English, the figure converted exactly (9.9万人 → 99,000 people), the Chinese quote kept as the
source has it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from embeddings.base import Embedder
from rag.answer.base import abstention
from rag.answer.features import question_features, score_candidates
from rag.answer.figures import figure_by_measure, lead, unit_compatible
from rag.answer.grounding import ground, markers, sentences
from rag.answer.model import AnswerModels, load_models
from rag.answer.sentences import Candidate, candidates
from rag.answer.spans import best_span
from rag.answer.terms import Query
from rag.fold import fold, fold_compact, to_traditional
from rag.numbers import Quantity, render_english
from rag.question import question_script
from rag.retrieval import near_duplicate
from rag.types import Answer, Citation, Hit

_LINE_BREAK = re.compile(r"[ \t]*\r?\n\s*")


@dataclass(frozen=True)
class ExtractiveSettings:
    """Passages read, the model file and an optional threshold override.

    Attributes:
        max_passages: Passages whose sentences are candidates.
        model: The models' JSON file ('' or None: the shipped ``rag/answer/models/scorer.json``).
        threshold: Abstain below this answer probability (None: the model's calibrated threshold).
        related: Passages listed with an abstention.
        embed_sentences: Embed every candidate sentence for its similarity to the question. Off by
            default: ~40 sentence embeddings per question cost more CPU than the signal was worth on
            this machine; the passage's dense score stands in (the shipped model was trained so).
    """

    max_passages: int = 5
    model: str | None = None
    threshold: float | None = None
    related: int = 3
    embed_sentences: bool = False


class ExtractiveAnswerer:
    """Answers by selecting and citing the answering span.

    Args:
        embedder: Scores sentence similarity to the question (None: lexical only).
        settings: Passages, model, threshold.
        in_headings: Whether a term occurs in the corpus's titles or section headings. A name in the
            question that does is the subject: a sentence without it in its text or context answers for
            another subject (a feature of the model). None: only the retrieved passages' headings count.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        settings: ExtractiveSettings | None = None,
        in_headings: Callable[[str], bool] | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or ExtractiveSettings()
        self.in_headings = in_headings
        self._models: AnswerModels | None = None

    @property
    def models(self) -> AnswerModels:
        """The learned models (read on first use)."""
        if self._models is None:
            self._models = load_models(self.settings.model or None)
        return self._models

    @property
    def threshold(self) -> float:
        t = self.settings.threshold
        return self.models.abstain.threshold if t is None else t

    # -- public API ---------------------------------------------------------------------------
    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``hits`` (see the module docstring)."""
        hits = hits[: self.settings.max_passages]
        lang = question_script(question)
        query, ranked, confidence = self.rank(question, hits)
        if not ranked or confidence < self.threshold:
            return self._abstain(lang, hits, confidence if ranked else 0.0)
        answer = self._compose(query, lang, hits, ranked)
        answer.confidence = round(confidence, 4)
        return answer

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence, then the ``Answer``."""
        answer = self.answer(question, hits, history)
        yield from sentences(answer.text)  # an answer holds no line breaks (see _inline)
        yield answer

    # -- scoring ------------------------------------------------------------------------------
    def featurize(self, question: str, hits: list[Hit]) -> tuple[Query, list[Candidate]]:
        """The question read against the passages, and every candidate sentence with its features."""
        found = candidates(hits)
        if not found:
            return Query.read(question, []), []
        # Whitespace says nothing in Chinese and a PDF's line breaks split words (美\n\n丽乡村).
        folded = [fold_compact(c.text) for c in found]
        headings = {fold_compact(h.chunk.context) for h in hits}
        query = Query.read(question, folded + sorted(headings))
        # Anchors: names in the question that the retrieved passages, or any document of the corpus
        # (``in_headings``), use in titles or section headings. A sentence whose own text and context
        # lack one is about another subject — the parallel-sections trap.
        anchors = [
            t
            for t in query.terms
            if t.can_anchor
            and any(
                len(a) >= 2 and (any(a in ctx for ctx in headings) or (self.in_headings and self.in_headings(a)))
                for a in t.alternatives
            )
        ]
        query = replace(query, anchors=tuple(anchors))
        sims = self._similarities(question, [c.text for c in found])
        score_candidates(query, found, hits, sims, anchors, question_script(question) == "en")
        return query, found

    def rank(self, question: str, hits: list[Hit]) -> tuple[Query, list[Candidate], float]:
        """Candidates best first by the sentence model, and the probability that the best one answers."""
        query, found = self.featurize(question, hits)
        if not found:
            return query, [], 0.0
        p = self.models.sentence.probabilities([c.features for c in found])
        for c, score in zip(found, p, strict=True):
            c.score = float(score)
        ranked = sorted(found, key=lambda c: -c.score)
        q = question_features(ranked, [c.score for c in ranked])
        return query, ranked, float(self.models.abstain.probabilities([q])[0])

    def _measures(self, query: Query, c: Candidate) -> bool:
        """Whether a sentence states a figure of what a quantity question asks: a figure, of the asked unit
        when the question names one, next to what is measured when the sentence names that."""
        figures = [q for q in c.quantities if not q.is_year]
        if not figures:
            return False
        if query.kind.unit and not any(unit_compatible(query.kind.unit, q) for q in figures):
            return False
        return figure_by_measure(query, c.text, lead(query, c.text, c.quantities))

    def _similarities(self, question: str, texts: list[str]) -> list[float]:
        if self.embedder is None or not self.settings.embed_sentences:
            return [0.0] * len(texts)
        q = self.embedder.embed_queries([fold(question)])[0]
        p = self.embedder.embed_passages(texts)
        return (p @ q).astype(float).tolist() if len(p) else []

    # -- composing ----------------------------------------------------------------------------
    def _compose(self, query: Query, lang: str, hits: list[Hit], candidates: list[Candidate]) -> Answer:
        best = candidates[0]
        figure = lead(query, best.text, best.quantities)
        agreeing = [best] + [
            c
            for c in candidates[1:]
            if c.hit_index != best.hit_index
            # the same sentence elsewhere, or another sentence stating the same figure; a near copy with
            # another figure (1万人 / 11万人) disagrees
            and (figure is None or _states(c, figure))
            and (near_duplicate(c.text, best.text, 0.6) or (figure and c.coverage >= best.coverage * 0.8))
        ]
        # One citation per passage: the first (best) sentence taken from it.
        cited: list[Candidate] = []
        for c in agreeing:
            if all(c.hit_index != x.hit_index for x in cited):
                cited.append(c)
        rival = _rival(query, best, figure, candidates, cited, lambda c: self._measures(query, c))
        citations = [_citation(i + 1, hits[c.hit_index], c) for i, c in enumerate(cited)]
        marks = "".join(f"[{i + 1}]" for i in range(len(cited)))
        span = best_span(self.models.span, query, best.text) if figure is None else None
        parts = _statement(lang, figure, span.text if span else None, best.text, marks)
        if rival is not None:
            citations.append(_citation(len(citations) + 1, hits[rival.hit_index], rival))
            parts += _rival_statement(lang, rival.text, f"[{len(citations)}]")
        text = _join(lang, parts)
        checked = ground(text, {c.n: c.quote for c in citations})
        if not checked.text:
            return self._abstain(lang, hits)
        used = set(markers(checked.text))
        return Answer(checked.text, [c for c in citations if c.n in used], False, [], {})

    def _abstain(self, lang: str, hits: list[Hit], confidence: float = 0.0) -> Answer:
        answer = abstention(lang, hits, self.settings.related)
        answer.confidence = round(confidence, 4)
        return answer


def _states(c: Candidate, figure: Quantity) -> bool:
    """Whether the sentence states this figure (by value and unit: 1万人 is not in 11万人)."""
    return any(q.value == figure.value and q.unit == figure.unit for q in c.quantities)


def _rival(
    query: Query,
    best: Candidate,
    figure: Quantity | None,
    candidates: list[Candidate],
    cited: list[Candidate],
    measures: Callable[[Candidate], bool],
) -> Candidate | None:
    """A close runner-up from another passage that answers the question itself with another figure.

    It must pass the same checks as the answer (``measures``), and its own lead figure must be of the
    answer's unit and differ in value: a sentence that merely holds some other number is not a
    disagreement.
    """
    if figure is None:
        return None
    for c in candidates[1:6]:
        if any(c.hit_index == x.hit_index for x in cited) or c.score < best.score * 0.92:
            continue
        if c.coverage < best.coverage * 0.95 or not measures(c):
            continue
        other = lead(query, c.text, c.quantities)
        if other is not None and other.unit == figure.unit and other.value != figure.value:
            return c
    return None


def _inline(sentence: str) -> str:
    """The sentence on one line: a line break inside it (a PDF's layout) would split the claim from its mark."""
    return _LINE_BREAK.sub("", sentence).rstrip("。；;，, ")


# An answer is pieces of the system's own words (converted to traditional for a traditional question)
# and pieces of the source (quoted as they stand: converting them again would write variant characters).
Pieces = list[tuple[str, bool]]  # (text, is the source's)


def _statement(lang: str, lead: Quantity | None, span: str | None, sentence: str, marks: str) -> Pieces:
    sentence = _inline(sentence)
    if lang == "en":
        if lead is not None:
            # "more than 16,000" already says how exact it is.
            about = "" if lead.approx else "About "
            return [
                (f"{about}{render_english(lead)} (", False),
                (lead.text, True),
                (f"){marks}. The source says: “", False),
                (sentence, True),
                (f"”{marks}.", False),
            ]
        if span:
            return [(span, True), (f"{marks}. The source says: “", False), (sentence, True), (f"”{marks}.", False)]
        return [("The documents say: “", False), (sentence, True), (f"”{marks}.", False)]
    head = lead.text if lead is not None else span
    if head:
        return [(head, True), (f"{marks}。原文：", False), (sentence, True), (f"{marks}。", False)]
    return [(sentence, True), (f"{marks}。", False)]


def _rival_statement(lang: str, sentence: str, mark: str) -> Pieces:
    sentence = _inline(sentence)
    if lang == "en":
        return [(" Another passage gives a different figure: “", False), (sentence, True), (f"”{mark}.", False)]
    return [("另有资料给出不同的数字：", False), (sentence, True), (f"{mark}。", False)]


def _join(lang: str, pieces: Pieces) -> str:
    if lang != "zh-Hant":
        return "".join(t for t, _ in pieces)
    return "".join(t if source else to_traditional(t) for t, source in pieces)


def _citation(n: int, hit: Hit, c: Candidate) -> Citation:
    return Citation(n, hit.chunk.doc_id, hit.chunk.chunk_id, c.start, c.end, c.text)
