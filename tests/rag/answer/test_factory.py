from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rag.answer.factory import make_answerer
from rag.config import REPO_ROOT, load_settings
from rag.errors import ModelError


def test_extractive_path_imports_no_model_runtime() -> None:
    code = (
        "import sys\n"
        "from rag.answer.factory import make_answerer\n"
        "from rag.config import load_settings\n"
        "make_answerer(load_settings(None), None)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'xllamacpp') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("backend", "message"), [("llamacpp", "rag models install"), ("openai", "base_url")])
def test_generative_backends_are_chosen_by_name(backend: str, message: str, tmp_path: Path) -> None:
    settings = load_settings(None, {"home": str(tmp_path), "answerer": {"backend": backend}})
    with pytest.raises(ModelError, match=message):
        make_answerer(settings, None)


def test_openai_backend_gets_the_extractive_fallback(tmp_path: Path) -> None:
    from rag.answer.extractive import ExtractiveAnswerer

    settings = load_settings(
        None, {"home": str(tmp_path), "answerer": {"backend": "openai", "base_url": "http://127.0.0.1:9/v1"}}
    )
    assert isinstance(make_answerer(settings, None).fallback, ExtractiveAnswerer)
    settings.answerer.fallback = "abstain"
    assert make_answerer(settings, None).fallback is None


def test_hybrid_checks_by_default_with_short_prompts(tmp_path: Path) -> None:
    from rag.answer.hybrid import HybridAnswerer

    settings = load_settings(
        None,
        {
            "home": str(tmp_path),
            "answerer": {"backend": "hybrid", "hybrid_model": "openai", "base_url": "http://127.0.0.1:9/v1"},
        },
    )
    hybrid = make_answerer(settings, None)
    assert isinstance(hybrid, HybridAnswerer) and hybrid.policy == "check"
    model = hybrid.generative
    assert hybrid.check == "yesno"
    assert (model.max_passages, model.sentences_per_passage, model.max_sentence_chars) == (3, 2, 100)
    assert model.fallback is None  # its abstention must reach the hybrid
    assert model.sentence_ranker == hybrid.extractive.sentence_scores  # the prompt keeps its best sentences


@pytest.mark.parametrize("backend", ["extractive", "hybrid"])
def test_a_model_headline_reads_spans_with_the_model_and_falls_back_to_the_ranker(backend: str, tmp_path: Path) -> None:
    from rag.answer.generative.reader import ModelSpanReader
    from rag.answer.span import SpanModel

    answerer = {"backend": backend, "headline": "model", "hybrid_model": "openai", "base_url": "http://127.0.0.1:9/v1"}
    built = make_answerer(load_settings(None, {"home": str(tmp_path), "answerer": answerer}), None)
    extractive = built if backend == "extractive" else built.extractive
    reader = extractive.settings.span
    assert isinstance(reader, ModelSpanReader) and isinstance(reader.fallback, SpanModel)
    if backend == "hybrid":
        assert reader.model is built.generative  # one model answers, checks and reads
