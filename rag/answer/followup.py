"""Rewriting a follow-up (``那拉萨呢?``, ``And in Lhasa?``) into a standalone question."""

from __future__ import annotations

import re

from rag.answer import postags
from rag.segment import pos_cut

_ZH_FOLLOWUP = re.compile(
    r"^(?:那么?|那|还有|而)?\s*(?P<entity>[^，,。？?！!\s]{1,12}?)\s*(?:的呢|呢|又如何|怎么样|如何)\s*[？?]?$"
)
_EN_FOLLOWUP = re.compile(
    r"^(?:and|what about|how about)\s+(?:in|for|at)?\s*(?P<entity>[A-Za-z][\w' -]{0,40}?)\s*\??$", re.IGNORECASE
)


def _last_user_question(history: list[dict]) -> str | None:
    for turn in reversed(history):
        if turn.get("role") == "user" and isinstance(turn.get("content"), str) and turn["content"].strip():
            return turn["content"].strip()
    return None


def standalone_question(question: str, history: list[dict]) -> str:
    """The question to retrieve with: the follow-up rewritten, or the question unchanged.

    Args:
        question: The latest user message.
        history: Earlier turns (``role``/``content`` dicts), oldest first.

    Returns:
        A standalone question.

    Example:
        >>> standalone_question("那拉萨呢?", [{"role": "user", "content": "昌都搬迁了多少人?"}])
        '拉萨搬迁了多少人?'
    """
    previous = _last_user_question(history)
    if not previous:
        return question
    m = _ZH_FOLLOWUP.match(question.strip())
    if m:
        return _swap_zh(previous, m.group("entity"))
    m = _EN_FOLLOWUP.match(question.strip())
    if m:
        return _swap_en(previous, m.group("entity").strip())
    return question


def _swap_zh(previous: str, entity: str) -> str:
    words = list(pos_cut(previous))
    for i, w in enumerate(words):
        if w.flag in postags.FOLLOW_UP_SUBJECTS:
            return "".join(x.word for x in words[:i]) + entity + "".join(x.word for x in words[i + 1 :])
    return f"{entity}{previous}"


def _swap_en(previous: str, entity: str) -> str:
    # The last capitalised name after a preposition is the entity the question was about.
    names = list(re.finditer(r"\b(?:in|of|for|at|did)\s+((?:[A-Z][\w'-]*)(?:\s+[A-Z][\w'-]*)*)", previous))
    if names:
        span = names[-1].span(1)
        return previous[: span[0]] + entity + previous[span[1] :]
    return f"{previous.rstrip('?')} in {entity}?"
