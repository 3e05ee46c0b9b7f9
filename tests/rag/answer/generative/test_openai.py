"""The openai backend against a real OpenAI-compatible server: xllamacpp's, on a loopback port, with SmolLM2."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rag.answer.generative.llamacpp import start_server
from rag.answer.generative.openai import OpenAIAnswerer
from rag.errors import ModelError
from rag.types import Answer
from tests.rag.answer.generative.data import hits, settings
from tests.rag.answer.generative.smollm import smollm_path

Q = "How many people were relocated in Chamdo?"
KEY = "test-key"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    server = start_server(smollm_path(), n_threads=1, n_ctx=1024, api_key=KEY)
    yield server
    del server  # stopped here, not during interpreter shutdown


def _client(server: Any, key: str = KEY) -> OpenAIAnswerer:
    return OpenAIAnswerer(
        f"{server.listening_address}/v1", "smollm", key, max_new_tokens=12, max_passages=2, sentences_per_passage=1
    )


@pytest.mark.slow
def test_answers_and_streams_over_http(server: Any) -> None:
    client = _client(server)
    prompt = client.build_prompt(Q, hits())
    assert prompt is not None and client.generate_text(prompt).strip()
    items = list(client.stream(Q, hits()))
    assert isinstance(items[-1], Answer) and len(items) > 2 and all(isinstance(p, str) for p in items[:-1])


@pytest.mark.slow
def test_a_wrong_key_is_a_model_error(server: Any) -> None:
    client = _client(server, "wrong")
    prompt = client.build_prompt(Q, hits())
    assert prompt is not None
    with pytest.raises(ModelError, match="401"):
        client.generate_text(prompt)


def test_no_server_is_a_model_error() -> None:
    client = OpenAIAnswerer("http://127.0.0.1:9/v1", "m", timeout=2)  # port 9 (discard) is not an HTTP server
    prompt = client.build_prompt(Q, hits())
    assert prompt is not None
    with pytest.raises(ModelError, match="127.0.0.1:9"):
        client.generate_text(prompt)


def test_base_url_is_required(tmp_path) -> None:
    with pytest.raises(ModelError, match="answerer.base_url"):
        OpenAIAnswerer.from_settings(settings(tmp_path, "openai", "m"))
