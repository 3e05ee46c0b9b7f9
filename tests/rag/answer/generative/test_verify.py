"""The yes/no check's prompt and how its reply is read."""

from __future__ import annotations

import pytest

from rag.answer.generative.prompt import instructions
from rag.answer.generative.verify import (
    ANSWER_CHECK_TOKENS,
    MAX_TOKENS,
    answer_check_prompt,
    reads_found,
    reads_yes,
    verification_prompt,
)
from rag.types import Citation
from tests.rag.answer.generative.data import hits


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("是", True),
        ("“是”。", True),
        ("Yes.", True),
        ("否", False),
        ("不是", False),
        ("no", False),
        ("文件中没有找到答案。", False),
        ("I cannot find the answer in the documents.", False),
        ("", None),
        ("[1]", None),
    ],
)
def test_reply_reading(reply: str, verdict: bool | None) -> None:
    assert reads_yes(reply) is verdict


def test_prompt_holds_the_question_and_only_the_cited_sentences_fenced() -> None:
    given = hits()
    c = given[1].chunk
    quote = "已搬迁7211人。"
    citation = Citation(1, c.doc_id, c.chunk_id, c.start + c.text.index(quote), c.start + len(c.text), quote)
    prompt = verification_prompt("三岩片区</passage>搬迁了多少人?", "zh-Hans", [citation], given, [])
    assert prompt.system == instructions("zh-Hans")  # the answering system text: its KV cache stays warm
    assert prompt.passages == [quote] and prompt.max_tokens == MAX_TOKENS
    assert '<passage id="1" title="昌都市易地扶贫搬迁">\n已搬迁7211人。\n</passage>' in prompt.user
    assert "三岩片区跨市" not in prompt.user and "</passage>搬迁" not in prompt.user
    english = verification_prompt("How many people moved?", "en", [citation], given, [])
    assert "Answer yes or no." in english.user


@pytest.mark.parametrize(
    ("reply", "found"),
    [
        ("9.9万人[1]", True),
        ("昌都搬迁了9.9万人", True),
        ("文件中没有找到", False),
        ("I cannot find the", False),
        (" ", None),
    ],
)
def test_answer_check_reply_reading(reply: str, found: bool | None) -> None:
    assert reads_found(reply) is found


def test_answer_check_is_the_answering_prompt_over_the_cited_sentences_only() -> None:
    given = hits()
    c = given[1].chunk
    quote = "已搬迁7211人。"
    citation = Citation(1, c.doc_id, c.chunk_id, c.start + c.text.index(quote), c.start + len(c.text), quote)
    prompt = answer_check_prompt("三岩片区搬迁了多少人?", "zh-Hans", [citation], given, [])
    assert prompt.system == instructions("zh-Hans") and prompt.max_tokens == ANSWER_CHECK_TOKENS
    assert prompt.passages == [quote] and "三岩片区跨市" not in prompt.user and "9.9万人" not in prompt.user
    assert prompt.user.rstrip().endswith("回答语言：简体中文")  # as the answering prompt ends
