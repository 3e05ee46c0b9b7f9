"""Validating user questions before any work is done."""

from __future__ import annotations

import re
import unicodedata

from rag.errors import InputError

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def validate_question(question: object, max_chars: int) -> str:
    """Check a question and return it stripped.

    Args:
        question: What the user sent.
        max_chars: Longest accepted question.

    Returns:
        The question without surrounding whitespace.

    Raises:
        InputError: Not a string, empty, too long, holding control characters, or in a
            script other than Chinese or English.
    """
    if not isinstance(question, str):
        raise InputError("the question must be a string")
    q = question.strip()
    if not q:
        raise InputError("the question is empty")
    if len(q) > max_chars:
        raise InputError(f"the question is {len(q)} characters long; the limit is {max_chars}")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in q):
        raise InputError("the question contains control characters")
    if any(unicodedata.category(ch) == "Cs" for ch in q):
        raise InputError("the question contains invalid Unicode (lone surrogates)")
    letters = [ch for ch in q if ch.isalpha()]
    ours = sum(1 for ch in letters if _CJK.match(ch) or _LATIN.match(ch))
    if not ours or ours < len(letters) / 2:
        raise InputError("questions must be in Chinese (simplified or traditional) or English")
    return q


def question_script(question: str) -> str:
    """The language of a question: ``zh-Hans``, ``zh-Hant`` or ``en``."""
    from rag.fold import to_simplified

    cjk = _CJK.findall(question)
    if not cjk:
        return "en"
    if len(_LATIN.findall(question)) > 2 * len(cjk):
        return "en"
    return "zh-Hant" if to_simplified(question) != question else "zh-Hans"
