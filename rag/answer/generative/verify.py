"""The yes/no check (``answerer.verify``): does the cited text answer the question? asked of the model itself.

A small model that is shown five passages tends to answer from the nearest one even when it
answers another question (one-shot it invents answers to unanswerable ones). Asked afterwards,
with only the question and the sentences its answer cites, it says so far more reliably. The
check is one short prompt and a reply of a token or two. It keeps the answering system text, so a
llama.cpp server's cached prefix stays warm for the next question; a "not found" reply (what that
text asks for when nothing answers) counts as no. A reply that is neither yes nor no does not
overrule the answer.
"""

from __future__ import annotations

import re

from rag.answer.generative.markers import says_not_found
from rag.answer.generative.prompt import Prompt, defuse, escape_fence, instructions, lang_key, passage_block
from rag.types import Citation, Hit

MAX_TOKENS = 4  # "是" / "Yes" is one token; a few more leave room for a leading quote or space

_ASK = {
    "zh": "问题：{question}\n上面的资料是否明确回答了这个问题？只回答“是”或“否”。",
    "en": "Question: {question}\nDo the passages above clearly answer this question? Answer yes or no.",
}
_YES = re.compile(r"^(?:是|对|能|有|yes|y\b|true)", re.IGNORECASE)
_NO = re.compile(r"^(?:否|不|没|沒|无|無|no\b|not\b|false)", re.IGNORECASE)
_LEAD = re.compile(r"^[\s\"'“”‘’「」『』*：:.,，。]+")


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
    by_id = {h.chunk.chunk_id: h for h in hits}
    shown = [(by_id[c.chunk_id], c.quote) for c in citations if c.chunk_id in by_id]
    block = passage_block(lang, [h for h, _ in shown], [q for _, q in shown], control_tokens)
    ask = _ASK[lang_key(lang)].format(question=escape_fence(defuse(question, control_tokens)).strip())
    return Prompt(
        system=instructions(lang),
        user=f"{block}\n\n{ask}",
        hits=[h for h, _ in shown],
        passages=[q for _, q in shown],
        lang=lang,
        max_tokens=MAX_TOKENS,
    )


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
