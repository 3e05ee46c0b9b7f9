"""Routing by the question's language: which retriever searches with which query, and the fusion weights.

A Chinese question (either script, folded to simplified) runs dense and BM25 on its own words. An English
question cannot match the Chinese BM25 index word for word, so it is translated by dictionary
(``rag.crosslingual``): BM25 runs on the weighted Chinese terms, and the dense index is searched twice, with
the English question and with its Chinese rendering (``dense_translated``). Each language has its own
fusion weights and RRF constant in ``RetrievalConfig``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rag.config import RetrievalConfig
from rag.crosslingual.lexicon import AnyLexicon
from rag.crosslingual.translate import Translation, Vocabulary, translate
from rag.fold import fold
from rag.question import question_script

DENSE, LEXICAL = "dense", "bm25"
MODES = {"hybrid": (DENSE, LEXICAL), "dense": (DENSE,), "bm25": (LEXICAL,)}


class QueryTranslator:
    """Translates English questions into Chinese terms the corpus uses.

    Args:
        vocabulary: The lexical index (which terms the corpus holds, and how often).
        enabled: ``retrieval.translate_english``.
        lexicon: The dictionary with the profile's place names (``lexicon.with_places``); CC-CEDICT alone when None.
    """

    def __init__(self, vocabulary: Vocabulary, enabled: bool = True, lexicon: AnyLexicon | None = None) -> None:
        self.vocabulary, self.enabled, self.lexicon = vocabulary, enabled, lexicon

    def applies(self, question: str) -> bool:
        """Whether the question takes the English route."""
        return self.enabled and question_script(question) == "en"

    def translate(self, question: str) -> Translation | None:
        """The dictionary translation of an English question; None for Chinese, when off, or an empty index."""
        if not self.applies(question) or not len(self.vocabulary):  # type: ignore[arg-type]
            return None
        return translate(question, self.vocabulary, self.lexicon)


@dataclass(frozen=True)
class Stage:
    """One search of a route: ``retriever`` (a name) runs ``query``, or ``terms`` when they are given."""

    name: str
    retriever: str
    query: str
    terms: dict[str, float] | None = None


@dataclass
class Route:
    """How one question is searched.

    Attributes:
        language: ``en`` (the translated route) or ``zh``.
        stages: Searches in a fixed order (fusion ties keep it).
        weights: Each stage's fusion weight.
    """

    language: str
    stages: list[Stage] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)


class Router:
    """Plans the searches for a question.

    Args:
        translator: The English route's translator.
        config: Fusion weights per language.
    """

    def __init__(self, translator: QueryTranslator, config: RetrievalConfig) -> None:
        self.translator, self.config = translator, config

    def weights(self, question: str) -> dict[str, float]:
        """Each stage's fusion weight for this question's language."""
        c = self.config
        if self.translator.applies(question):
            return {
                DENSE: c.en_dense_weight,
                LEXICAL: c.en_bm25_weight,
                "dense_translated": c.en_dense_translated_weight,
            }
        return {DENSE: c.dense_weight, LEXICAL: c.bm25_weight}

    def route(self, question: str, mode: str, timings: dict[str, float]) -> Route:
        """The stages for a question in a retrieval mode.

        Args:
            question: The question as asked.
            mode: ``hybrid``, ``dense`` or ``bm25``.
            timings: Gets ``fold`` and (English) ``translate`` seconds.
        """
        t = time.perf_counter()
        folded = fold(question)
        timings["fold"] = time.perf_counter() - t
        t = time.perf_counter()
        translation = self.translator.translate(question)
        if translation is not None:
            timings["translate"] = time.perf_counter() - t
        route = Route("en" if self.translator.applies(question) else "zh", weights=self.weights(question))
        wanted = MODES[mode]
        if DENSE in wanted:
            route.stages.append(Stage(DENSE, DENSE, folded))
            if translation is not None and translation.concepts:
                route.stages.append(Stage("dense_translated", DENSE, translation.rendering()))
        if LEXICAL in wanted:
            terms = translation.weighted_terms() if translation is not None else None
            route.stages.append(Stage(LEXICAL, LEXICAL, folded, terms))
        return route
