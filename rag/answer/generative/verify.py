"""Checks a model makes of an answer: does the cited text answer the question?

Two short prompts, both keeping the answering system text first (so a llama.cpp server's cached
prefix stays warm for the next question):

* The yes/no check (``answerer.verify``, on the model's own answer): only the question and the
  sentences the answer cites, "do they answer it?", a reply of a token or two. A small model shown
  five passages tends to answer from the nearest one even when it answers another question; asked
  afterwards it says so more reliably. A "not found" reply counts as no; a reply that is neither
  yes nor no does not overrule the answer.
* The answer-again check (:func:`answer_check_prompt`, the hybrid's check of an extractive answer):
  the answering prompt itself over only the cited sentences, and only the reply's first few tokens
  read: the model either starts an answer or writes the "not found" text its instructions ask for.
  Asked yes/no of extractive near misses (another measure's figure) and right answers alike, the
  1.5B model said yes to all six Chinese probes; asked to answer from the same sentences it
  refused the misses, but also right answers whose sentence is long or does not name the place
  (9 of 55 right extractive answers on the dev set, where yes/no refused none).
"""

from __future__ import annotations

import re
from typing import Literal

from rag.answer.generative.markers import says_not_found
from rag.answer.generative.prompt import (
    Prompt,
    defuse,
    escape_fence,
    instructions,
    lang_key,
    passage_block,
    user_message,
)
from rag.types import Citation, Hit

Check = Literal["answer", "yesno"]  # the answer-again check or the yes/no check
MAX_TOKENS = 4  # "是" / "Yes" is one token; a few more leave room for a leading quote or space
# Enough to read "文件中没有找到…" / "I cannot find…" (4 and 3 tokens), or to see an answer begin.
ANSWER_CHECK_TOKENS = 8

_ASK = {
    "zh": "问题：{question}\n上面的资料是否明确回答了这个问题？只回答“是”或“否”。",
    "en": "Question: {question}\nDo the passages above clearly answer this question? Answer yes or no.",
}
_YES = re.compile(r"^(?:是|对|能|有|yes|y\b|true)", re.IGNORECASE)
_NO = re.compile(r"^(?:否|不|没|沒|无|無|no\b|not\b|false)", re.IGNORECASE)
_LEAD = re.compile(r"^[\s\"'“”‘’「」『』*：:.,，。]+")


def _cited(citations: list[Citation], hits: list[Hit]) -> list[tuple[Hit, str]]:
    """(passage, quote) for each citation of a passage in ``hits``."""
    by_id = {h.chunk.chunk_id: h for h in hits}
    return [(by_id[c.chunk_id], c.quote) for c in citations if c.chunk_id in by_id]


def _check_prompt(lang: str, shown: list[tuple[Hit, str]], user: str, max_tokens: int) -> Prompt:
    """A check's prompt: the answering system text (its cached prefix stays warm), ``user`` over ``shown``."""
    return Prompt(
        system=instructions(lang),
        user=user,
        hits=[h for h, _ in shown],
        passages=[q for _, q in shown],
        lang=lang,
        max_tokens=max_tokens,
    )


def verification_prompt(
    question: str, lang: str, citations: list[Citation], hits: list[Hit], control_tokens: list[str]
) -> Prompt:
    """The check's prompt: the answering system text, the cited sentences fenced as passages, the question.

    Args:
        question: The question answered.
        lang: Its script (``zh-Hans`` | ``zh-Hant`` | ``en``).
        citations: The answer's citations; each quote is shown as passage ``[n]`` with its heading.
        hits: The passages the answer came from (their headings).
        control_tokens: The tokenizer's control tokens, broken up in untrusted text.

    Returns:
        A prompt whose reply is at most :data:`MAX_TOKENS` tokens.
    """
    shown = _cited(citations, hits)
    block = passage_block(lang, [h for h, _ in shown], [q for _, q in shown], control_tokens)
    ask = _ASK[lang_key(lang)].format(question=escape_fence(defuse(question, control_tokens)).strip())
    return _check_prompt(lang, shown, f"{block}\n\n{ask}", MAX_TOKENS)


def reads_yes(reply: str) -> bool | None:
    """The model's verdict: True (yes), False (no, or "not found"), None (neither).

    >>> reads_yes("是。"), reads_yes(" No"), reads_yes("文件中没有找到答案。"), reads_yes("[1]")
    (True, False, False, None)
    """
    text = _LEAD.sub("", reply)
    if _NO.match(text) or says_not_found(text):
        return False
    if _YES.match(text):
        return True
    return None


def answer_check_prompt(
    question: str, lang: str, citations: list[Citation], hits: list[Hit], control_tokens: list[str]
) -> Prompt:
    """The answer-again check's prompt: the answering prompt over only the cited sentences.

    Args:
        question: The question answered.
        lang: Its script (``zh-Hans`` | ``zh-Hant`` | ``en``).
        citations: The answer's citations; each quote is shown as passage ``[n]`` with its heading.
        hits: The passages the answer came from (their headings).
        control_tokens: The tokenizer's control tokens, broken up in untrusted text.

    Returns:
        A prompt whose reply is cut at :data:`ANSWER_CHECK_TOKENS` tokens (read by :func:`reads_found`).
    """
    shown = _cited(citations, hits)
    user = user_message(lang, question, [h for h, _ in shown], [q for _, q in shown], control_tokens)
    return _check_prompt(lang, shown, user, ANSWER_CHECK_TOKENS)


def reads_found(reply: str) -> bool | None:
    """Whether the start of an answer-again reply found an answer: False ("not found"), True, None (empty).

    >>> reads_found("9.9万人[1]"), reads_found("文件中没有找到"), reads_found("I cannot find the"), reads_found(" ")
    (True, False, False, None)
    """
    text = _LEAD.sub("", reply)
    if not text.strip():
        return None
    return not says_not_found(text)
