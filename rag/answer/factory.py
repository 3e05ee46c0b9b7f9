"""Builds the configured answerer: ``answerer.backend`` → class, imported only when chosen.

The extractive path imports no model runtime (transformers, torch, xllamacpp).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from embeddings.base import Embedder
from rag.answer.base import Answerer
from rag.config import Settings
from rag.errors import ModelError
from rag.profile import load_profile

if TYPE_CHECKING:
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.answer.generative.reader import Generator

# backend name → "module:class" of a generative answerer with ``from_settings(settings, fallback)``.
GENERATIVE = {
    "seq2seq": "rag.answer.generative.seq2seq:Seq2SeqAnswerer",
    "causal": "rag.answer.generative.causal:CausalAnswerer",
    "llamacpp": "rag.answer.generative.llamacpp:LlamaCppAnswerer",
    "openai": "rag.answer.generative.openai:OpenAIAnswerer",
}
BACKENDS = ("extractive", "hybrid", *GENERATIVE)


def extractive_answerer(
    settings: Settings,
    embedder: Embedder | None,
    in_headings: Callable[[str], bool] | None = None,
    confidence: bool = True,
) -> ExtractiveAnswerer:
    """The extractive answerer with the configured abstention decision and domain profile.

    ``confidence=False`` leaves out the learned decision whatever the config says (its trainer drafts
    answers with the floors' settings).
    """
    from rag.answer.confidence import ConfidenceModel
    from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings
    from rag.answer.span import SpanModel

    cfg = settings.answerer
    learned = ConfidenceModel.load() if confidence and cfg.abstention == "learned" else None
    return ExtractiveAnswerer(
        embedder,
        ExtractiveSettings(
            max_passages=cfg.max_passages,
            min_coverage=cfg.min_coverage,
            min_score=cfg.min_score,
            confidence=learned,
            span=SpanModel() if cfg.headline in ("span", "model") else None,
        ),
        in_headings,
        load_profile(settings.profile),
    )


def generative_answerer(
    settings: Settings,
    backend: str,
    fallback: Answerer | None,
    in_headings: Callable[[str], bool] | None = None,
    ranker: Answerer | None = None,
) -> Answerer:
    """A generative answerer by backend name (``in_headings``: the corpus's heading words, for the subject check;
    ``ranker``: the extractive answerer whose sentence scores choose the prompt's sentences).

    Raises:
        ModelError: Unknown backend, or the model cannot be found or loaded.
    """
    if backend not in GENERATIVE:
        raise ModelError(f"unknown answerer backend '{backend}' (expected one of {', '.join(BACKENDS)})")
    module, cls = GENERATIVE[backend].split(":")
    answerer = getattr(importlib.import_module(module), cls).from_settings(settings, fallback)
    return wire_generative(answerer, settings, in_headings, ranker)


def wire_generative(
    answerer: Answerer,
    settings: Settings,
    in_headings: Callable[[str], bool] | None = None,
    ranker: Answerer | None = None,
) -> Answerer:
    """Set what every generative backend shares (``GenerativeAnswerer``), so no backend's from_settings repeats it.

    Args:
        answerer: A generative answerer, however built.
        settings: The configuration (the verify flag, the sentence limit, the profile).
        in_headings: The corpus's heading words, for the subject check.
        ranker: The extractive answerer whose sentence scores choose the prompt's sentences (it reads the
            passages anyway); None keeps term matching.

    Returns:
        ``answerer``.
    """
    answerer.verify = settings.answerer.verify
    answerer.max_sentence_chars = settings.answerer.max_sentence_chars
    answerer.sentence_margin = settings.answerer.sentence_margin
    answerer.in_headings = in_headings
    answerer.profile = load_profile(settings.profile)
    if ranker is not None:
        answerer.sentence_ranker = ranker.sentence_scores
    return answerer


def make_answerer(
    settings: Settings, embedder: Embedder | None, in_headings: Callable[[str], bool] | None = None
) -> Answerer:
    """The answerer named by ``settings.answerer.backend``.

    Args:
        settings: The configuration.
        embedder: Shared with the extractive answerer for sentence similarity.
        in_headings: Whether a term is a title or heading word of the corpus (the extractive answerer's
            subject check; see ``Pipeline.in_headings``).

    Returns:
        An ``Answerer``.

    Raises:
        ModelError: A generative model cannot be found or loaded.
    """
    cfg = settings.answerer
    extractive = extractive_answerer(settings, embedder, in_headings)
    if not cfg.uses_model:
        return extractive
    # The model: the backend's own, or hybrid_model's for the hybrid (and for the spans of extractive answers).
    own = cfg.backend not in ("extractive", "hybrid")
    fallback = extractive if own and cfg.fallback == "extractive" else None
    model = generative_answerer(settings, cfg.backend if own else cfg.hybrid_model, fallback, in_headings, extractive)
    if cfg.headline == "model":
        _read_spans_with(extractive, model)
    if cfg.backend == "extractive":
        return extractive
    if cfg.backend == "hybrid":
        from rag.answer.hybrid import HybridAnswerer

        return HybridAnswerer(extractive, model, policy=cfg.hybrid_policy, check=cfg.hybrid_check)
    return model


def _read_spans_with(extractive: ExtractiveAnswerer, model: Generator) -> None:
    """The extractive answerer's spans read by ``model`` (``headline: model``), its ranker the fallback.

    Set after both are built: the generative answerer ranks its prompt's sentences with the extractive one.
    """
    from rag.answer.generative.reader import ModelSpanReader

    settings = extractive.settings
    extractive.settings = replace(settings, span=ModelSpanReader(model, settings.span))
