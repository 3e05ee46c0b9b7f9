"""The llamacpp backend on a real (tiny) GGUF model: loading, answering, streaming, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer.generative.llamacpp import LlamaCppAnswerer
from rag.errors import ModelError
from rag.types import Answer
from tests.rag.answer.generative.data import hits, settings
from tests.rag.answer.generative.smollm import smollm_path

Q = "How many people were relocated in Chamdo?"


@pytest.fixture(scope="module")
def smollm() -> Iterator[LlamaCppAnswerer]:
    answerer = LlamaCppAnswerer(
        smollm_path(), n_threads=1, context_length=1024, max_new_tokens=12, max_passages=2, sentences_per_passage=1
    )
    yield answerer
    answerer.close()


@pytest.mark.slow
def test_answers_through_the_guard(smollm: LlamaCppAnswerer) -> None:
    prompt = smollm.build_prompt(Q, hits())
    assert prompt is not None
    raw = smollm.generate_text(prompt)
    assert isinstance(raw, str) and raw.strip()  # the model wrote something
    answer = smollm.finish(raw, prompt, hits(), {}, Q)
    if not answer.abstained:  # whatever it wrote, what survives cites passages it was given
        assert answer.citations and all(c.chunk_id in {h.chunk.chunk_id for h in prompt.hits} for c in answer.citations)


@pytest.mark.slow
def test_a_prompt_can_cap_its_reply_for_the_yes_no_check(smollm: LlamaCppAnswerer) -> None:
    prompt = smollm.build_prompt(Q, hits())
    assert prompt is not None
    full = smollm.server.handle_chat_completions(smollm._request(prompt, False))["usage"]["completion_tokens"]
    prompt.max_tokens = 2
    capped = smollm.server.handle_chat_completions(smollm._request(prompt, False))["usage"]["completion_tokens"]
    assert capped <= 2 < full


@pytest.mark.slow
def test_a_span_read_by_the_model_is_a_piece_of_the_sentence_or_the_rankers(smollm: LlamaCppAnswerer) -> None:
    from rag.answer.generative.reader import ModelSpanReader

    class Ranker:
        def best(self, question: str, sentence: str) -> tuple[int, int, float] | None:
            return 0, 2, 0.5

    sentence = "昌都市共搬迁9.9万人，涉及11个县区。"
    start, end, score = ModelSpanReader(smollm, Ranker()).best("昌都搬迁了多少人?", sentence)
    # whatever the tiny model writes: its own words at their offsets, or the ranker's span
    assert (start, end, score) == (0, 2, 0.5) or (score == 1.0 and 0 <= start < end <= len(sentence))


@pytest.mark.slow
def test_stream_yields_tokens_then_the_answer(smollm: LlamaCppAnswerer) -> None:
    items = list(smollm.stream(Q, hits()))
    assert isinstance(items[-1], Answer)
    assert len(items) > 2 and all(isinstance(p, str) and p for p in items[:-1])  # token by token, not one block
    assert items[-1].timings["first_token"] <= items[-1].timings["generate"]


@pytest.mark.slow
def test_closing_the_stream_early_leaves_the_server_usable(smollm: LlamaCppAnswerer) -> None:
    stream = smollm.stream(Q, hits())
    assert isinstance(next(stream), str)
    stream.close()
    prompt = smollm.build_prompt(Q, hits())
    assert prompt is not None and isinstance(smollm.generate_text(prompt), str)


def test_not_a_gguf_file_is_a_model_error(tmp_path: Path) -> None:
    pytest.importorskip("xllamacpp")
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF but not really")
    with pytest.raises(ModelError, match="cannot load GGUF model"):
        LlamaCppAnswerer(bad)


def test_model_not_installed_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="rag models install qwen2.5-1.5b"):
        LlamaCppAnswerer.from_settings(settings(tmp_path, "llamacpp", None))
