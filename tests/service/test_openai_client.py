"""The official ``openai`` client, a client nobody here wrote, against the real server."""

from __future__ import annotations

import re

import openai
import pytest

from tests.conftest import SMALL_DOCS
from tests.service.conftest import KEYS, Server

QUESTION = "昌都搬迁了多少人?"
# Both relocation figures of changdu.txt answer the question; the tiny test model may pick either.
FIGURE = re.compile(r"9\.9万人|7211人")


@pytest.fixture
def oai(server: Server) -> openai.OpenAI:
    # No key is configured on this server; the client insists on one, any value does.
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=60)


def check_citations(content: str, citations: list[dict]) -> None:
    """Every marker has a citation and every citation quotes its source document exactly."""
    assert citations, "an answer without citations"
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", content)}
    assert markers, content
    assert markers <= {c["n"] for c in citations}
    for c in citations:
        assert set(c) >= {"n", "source", "title", "start", "end", "quote"}
        # The fixture's own text, not anything the service computed, is the reference.
        assert SMALL_DOCS[c["source"]][c["start"] : c["end"]] == c["quote"]


def test_models_lists_one_model(oai: openai.OpenAI) -> None:
    ids = [m.id for m in oai.models.list()]
    assert ids == ["rag-zh"]


def test_non_streaming_answer_has_markers_and_citations(oai: openai.OpenAI) -> None:
    resp = oai.chat.completions.create(
        model="my-model", messages=[{"role": "user", "content": QUESTION}], temperature=0.2, user="someone"
    )
    assert resp.object == "chat.completion"
    assert resp.model == "my-model"  # echoed
    content = resp.choices[0].message.content
    assert resp.choices[0].finish_reason == "stop"
    assert FIGURE.search(content)
    citations = resp.model_extra["citations"]
    check_citations(content, citations)
    assert any(c["source"] == "changdu.txt" for c in citations)


def test_streaming_answer_ends_with_citations(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": QUESTION}], stream=True)
    chunks = list(stream)
    assert len(chunks) >= 3  # role, at least one piece, the final chunk
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert all("citations" not in (c.model_extra or {}) for c in chunks[:-1])
    check_citations(text, last.model_extra["citations"])
    assert FIGURE.search(text)
    # The streamed text is the same answer the non-streaming call gives.
    plain = oai.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": QUESTION}])
    assert text == plain.choices[0].message.content == last.model_extra["answer"]


def test_multi_turn_follow_up_uses_history(server: Server) -> None:
    import httpx

    body = {
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "9.9万人[1]。"},
            {"role": "user", "content": "那拉萨呢?"},
        ]
    }
    r = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    # /v1/ask reports the standalone question it answered: the follow-up rewritten with the history.
    r = httpx.post(
        f"{server.url}/v1/ask",
        json={"question": "那拉萨呢?", "history": [{"role": "user", "content": QUESTION}]},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert r.json()["question"] == "拉萨搬迁了多少人?"


def test_client_errors_are_typed(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        oai.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": "   "}])
    assert exc.value.status_code == 400
    assert "empty" in exc.value.message
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(model="rag-zh", messages=[])


def test_wrong_key_is_authentication_error(keyed_server: Server) -> None:
    bad = openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as exc:
        bad.models.list()
    assert exc.value.status_code == 401
    good = openai.OpenAI(base_url=f"{keyed_server.url}/v1", api_key=KEYS[0], max_retries=0, timeout=60)
    resp = good.chat.completions.create(model="rag-zh", messages=[{"role": "user", "content": QUESTION}])
    check_citations(resp.choices[0].message.content, resp.model_extra["citations"])
