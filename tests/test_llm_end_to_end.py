"""End to end with the real local LLM (Qwen2.5-1.5B GGUF through llama.cpp): ``ask`` and the API (slow).

Needs the ``llm`` extra and ``rag models install qwen2.5-1.5b`` (``make setup-llm``); skipped otherwise.
Retrieval uses the installed e5 model over the three small documents, so no corpus-sized index is built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.config import load_settings
from rag.errors import ModelError
from rag.pipeline import Pipeline
from tests.conftest import SMALL_DOCS
from tests.service.conftest import Server, run_server, write_small_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config: installed e5 and Qwen, the small corpus, an index of its own, the llamacpp answerer."""
    pytest.importorskip("xllamacpp")
    from embeddings.models import install
    from rag.answer.generative.gguf_models import resolve_gguf

    settings = load_settings(None)
    try:
        resolve_gguf("qwen2.5-1.5b", settings.models_dir)
    except ModelError:
        pytest.skip("the local LLM is not installed: make setup-llm")
    install("multilingual-e5-small", settings.models_dir, progress=False)
    root = tmp_path_factory.mktemp("llm-e2e")
    corpus = write_small_corpus(root / "corpus")
    path = root / "config.yaml"
    path.write_text(f"corpus: {corpus}\nindex:\n  dir: {root / 'index'}\nanswerer:\n  n_threads: 1\n", encoding="utf-8")
    return path


def test_ask_answers_with_the_model_and_exact_citations(llm_config: Path) -> None:
    code = "import sys; from rag.cli import ask_main; sys.argv[0] = 'ask'; ask_main()"
    args = ["--answerer", "llamacpp", "--json", "--config", str(llm_config), "昌都搬迁了多少人?"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=1800, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"] and "9.9万" in data["answer"]
    assert "fallback" not in data["timings"]  # the model's own answer, not the extractive one
    assert data["citations"]
    for c in data["citations"]:
        assert SMALL_DOCS[c["source"]][c["start"] : c["end"]] == c["quote"]
        assert len(c["quote"]) < len(SMALL_DOCS[c["source"]])  # a sentence, not the whole document
    assert any("9.9万人" in c["quote"] for c in data["citations"])


@pytest.fixture(scope="module")
def llm_server(llm_config: Path) -> Iterator[Server]:
    pipeline = Pipeline.from_config(llm_config, {"answerer": {"backend": "llamacpp"}})
    # Loaded before serving, and no warm-up questions (each would be a model answer): on a busy machine
    # either takes longer than the server's readiness wait.
    pipeline.ensure_index()
    answerer = pipeline.answerer
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("service.state.WARM_UP", ())
        yield from run_server(pipeline, pipeline.settings.path(pipeline.settings.corpus))
    answerer.close()


def test_api_answers_with_the_model(llm_server: Server) -> None:
    with httpx.Client(base_url=llm_server.url, timeout=1800) as client:
        r = client.post("/v1/ask", json={"question": "拉萨建档立卡人口2020年人均纯收入有多少?", "top_k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["abstained"] and "13741.44" in body["answer"]
    for c in body["citations"]:
        assert SMALL_DOCS[c["source"]][c["start"] : c["end"]] == c["quote"]
