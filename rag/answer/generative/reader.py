"""The model as a span reader: it copies out the words of the answering sentence that answer the question.

The extractive answerer picks and cites the sentence; its headline states the exact span before the
quote (``赵盘[1]。原文：…``). The linear span ranker (:mod:`rag.answer.span`) reads that span from
word tags and the words beside the question's wh-word. A small chat model shown only the question and
that one sentence reads it better: on 60 public dev questions, given their gold sentences, qwen2.5-1.5b
scored CMRC exact match 0.62 and F1 0.78 where the ranker scored 0.48 and 0.64 (about 1.5 s a question
on 2 cores). The reply is used only where it is a piece of the sentence, found at its offsets, so the
headline stays the source's words however the model (or an instruction planted in the sentence) writes;
anything else falls back to the ranker.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from rag.answer.generative.markers import says_not_found
from rag.answer.generative.prompt import Prompt, defuse, escape_fence
from rag.answer.span import SpanReader
from rag.errors import ModelError
from rag.fold import fold
from rag.question import question_script

log = logging.getLogger(__name__)

MAX_TOKENS = 24  # a name, a date, a place: a few tokens; a reply cut here that is no piece is not used
_SYSTEM = "你是阅读理解助手。根据给出的句子回答问题：只从句子中原样摘抄最短的答案片段，不加任何解释或标点。"
_USER = "句子：<sentence>{sentence}</sentence>\n问题：{question}"
_MARKS = r"[\s\"'“”‘’「」『』*：:.,，。、；;!！?？]+"  # quotes and stops a reply wraps its span in
_EDGE = re.compile(f"^{_MARKS}|{_MARKS}$")


class Generator(Protocol):
    """What the reader needs of a generative answerer (``GenerativeAnswerer``)."""

    control_tokens: list[str]

    def render(self, prompt: Prompt) -> None:
        """Fill ``prompt.text`` for backends that tokenize a string."""
        ...

    def generate_text(self, prompt: Prompt) -> str:
        """The model's reply to ``prompt``."""
        ...


def reader_prompt(question: str, sentence: str, control_tokens: list[str]) -> Prompt:
    """The prompt: the reading instruction, the sentence fenced as untrusted text, the question.

    Args:
        question: The question.
        sentence: The answering sentence (document text).
        control_tokens: The tokenizer's control tokens, broken up in the untrusted text.

    Returns:
        A prompt whose reply is at most :data:`MAX_TOKENS` tokens.
    """

    def safe(text: str) -> str:
        return escape_fence(defuse(text, control_tokens)).strip()

    user = _USER.format(sentence=safe(sentence), question=safe(question))
    return Prompt(
        system=_SYSTEM,
        user=user,
        hits=[],
        passages=[sentence],
        lang=question_script(question),
        max_tokens=MAX_TOKENS,
    )


def locate(reply: str, sentence: str) -> tuple[int, int] | None:
    """Where the model's reply stands in ``sentence``, as offsets (None: it is no piece of it).

    The reply may be in the other script (the question's): matched on folded text when folding keeps
    the sentence's length, so the offsets still index the sentence as written.

    >>> locate("「趙盤」。", "該片由趙盤執導"), locate("赵盘", "該片由趙盤執導"), locate("张三", "該片由趙盤執導")
    ((3, 5), (3, 5), None)
    """
    lines = reply.strip().splitlines()
    text = _EDGE.sub("", lines[0]) if lines else ""
    if not text or says_not_found(text):
        return None
    k = sentence.find(text)
    if k >= 0:
        return k, k + len(text)
    folded, wanted = fold(sentence), fold(text)
    k = folded.find(wanted) if len(folded) == len(sentence) else -1
    return (k, k + len(wanted)) if k >= 0 and wanted else None


class ModelSpanReader:
    """The answer span as the model reads it, the ranker's where the model's reply is no piece of the sentence.

    Args:
        model: A generative answerer (its model answers the reading prompt).
        fallback: The reader used where the model's reply cannot be placed (None: no span then).
    """

    def __init__(self, model: Generator, fallback: SpanReader | None = None) -> None:
        self.model = model
        self.fallback = fallback

    def best(self, question: str, sentence: str) -> tuple[int, int, float] | None:
        """``(start, end, score)`` of the answer span in ``sentence``: the model's reply (score 1.0) or the
        fallback's answer.

        A failed generation falls back too: the headline adds to an answer that stands without it.
        """
        prompt = reader_prompt(question, sentence, self.model.control_tokens)
        try:
            self.model.render(prompt)
            found = locate(self.model.generate_text(prompt), sentence)
        except ModelError as exc:
            log.warning("the model could not read the span (%s): the ranker's span is used", exc)
            found = None
        if found is not None:
            return found[0], found[1], 1.0
        return self.fallback.best(question, sentence) if self.fallback is not None else None
