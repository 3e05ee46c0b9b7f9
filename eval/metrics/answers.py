"""Answer accuracy (the gold README's rule) and CMRC2018-style exact match / character F1.

Accuracy, per ``eval/gold/README.md``:

* fold both sides (NFKC, traditional → simplified, no whitespace, lower case: ``rag.fold.fold_compact``);
* a gold answer matches when it occurs in the folded answer text, or when it holds quantities and
  the answer holds equal ones (``rag.numbers``: ``9.9万`` = ``99,000``; ``1.8亿元`` = ``180 million yuan``);
* ``answer_mode`` ``any``: one gold answer suffices; ``all``: every one must match (list questions);
* unanswerable items are correct only when the system abstained; abstaining on an answerable item is wrong.

Two choices where the README is silent:

* Citation markers (``[1]``) are removed from the answer first, so a marker never "answers" a number.
* A substring hit whose gold answer starts or ends with a digit must not sit inside a longer number:
  gold ``9.5%`` does not occur in ``99.5%``, nor ``9328`` in ``19328``, nor ``99`` in ``99,000``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rag.fold import fold, fold_compact
from rag.numbers import quantities_present

__all__ = [
    "answer_correct",
    "answer_matches",
    "char_f1",
    "exact_match",
    "first_sentence",
    "headline_scores",
    "strip_citation_markers",
]

_MARKER = re.compile(r"\s*[\[［【]\s*[0-9０-９]+(?:\s*[,，、\-–]\s*[0-9０-９]+)*\s*[\]］】]")


def strip_citation_markers(text: str) -> str:
    """Remove inline citation markers such as ``[1]``, ``[1, 2]``, ``［3］``, ``【4】``.

    >>> strip_citation_markers("共9.9万人[1]，增长16.42%［2］。")
    '共9.9万人，增长16.42%。'
    """
    return _MARKER.sub("", text)


def _inside_number(hay: str, start: int, end: int) -> bool:
    """Whether hay[start:end] is glued to digits (or a decimal point / 3-digit group) of a longer number."""
    before, after = hay[:start], hay[end:]
    needle = hay[start:end]
    if needle[:1].isdigit():
        if before[-1:].isdigit() or (before[-1:] == "." and before[-2:-1].isdigit()):
            return True
        lead = re.match(r"[0-9]+", needle)
        if before[-1:] == "," and before[-2:-1].isdigit() and lead and len(lead.group()) == 3:
            return True
    if needle[-1:].isdigit():
        if after[:1].isdigit() or (after[:1] == "." and after[1:2].isdigit()):
            return True
        if re.match(r",[0-9]{3}(?![0-9])", after):
            return True
    return False


def _occurs(needle: str, hay: str) -> bool:
    start = hay.find(needle)
    while start != -1:
        if not _inside_number(hay, start, start + len(needle)):
            return True
        start = hay.find(needle, start + 1)
    return False


def answer_matches(gold: str, answer_text: str) -> bool:
    """Whether one gold answer is found in the answer text (folded substring or equal quantities).

    >>> answer_matches("9.9萬人", "共搬迁9.9万人[1]"), answer_matches("1.8亿元", "about 180 million yuan")
    (True, True)
    >>> answer_matches("9.9万", "9.9 million"), answer_matches("9.5%", "99.5%")
    (False, False)
    """
    text = strip_citation_markers(answer_text)
    needle = fold_compact(gold)
    if needle and _occurs(needle, fold_compact(text)):
        return True
    return quantities_present(gold, text)


_OPENING, _CLOSING = "“「『", "”」』"
_SENTENCE_END_OR_QUOTE = re.compile(r"[。！？!?“「『”」』]|\.(?=\s|$)")


def first_sentence(answer_text: str) -> str:
    """The answer's first sentence, citation markers removed: what a reader takes as the answer.

    Scoring it alone ("lead accuracy") is stricter than the README rule, which also accepts a gold
    answer that only occurs in a quoted source sentence after a wrong headline figure.

    >>> first_sentence("9.9万人[1]。原文：……涉及9.9万人[1]。")
    '9.9万人。'
    >>> first_sentence("About 99,000 people (9.9万人)[1]. The source says: “…”[1].")
    'About 99,000 people (9.9万人).'
    >>> first_sentence("提出“两不愁。三保障”的要求[1]。原文：……")
    '提出“两不愁。三保障”的要求。'
    """
    text = strip_citation_markers(answer_text).strip()
    depth = 0
    for m in _SENTENCE_END_OR_QUOTE.finditer(text):
        mark = m.group()
        if mark in _OPENING:
            depth += 1
        elif mark in _CLOSING:
            depth = max(0, depth - 1)
        elif depth == 0:  # a 。 inside a quoted term (“…。”) does not end the sentence
            return text[: m.end()]
    return text


def answer_correct(item: Mapping[str, Any], answer_text: str, abstained: bool) -> bool:
    """Whether an answer to a gold item is correct (README rule; ``item`` is a ``dev.jsonl`` object).

    >>> item = {"type": "list", "answers": ["93%", "99.5%", "95%"], "answer_mode": "all"}
    >>> answer_correct(item, "分别为93%、99.5%和95%", abstained=False)
    True
    >>> answer_correct(item, "分别为93%和99.5%", abstained=False)
    False
    >>> answer_correct({"type": "unanswerable", "answers": []}, "", abstained=True)
    True
    """
    answers = list(item.get("answers") or [])
    if item.get("type") == "unanswerable" or not answers:
        return abstained
    if abstained:
        return False
    hits = (answer_matches(g, answer_text) for g in answers)
    return all(hits) if item.get("answer_mode", "any") == "all" else any(hits)


# --- CMRC2018-style EM and F1 ---------------------------------------------------------------------

# Non-CJK runs are cut into numbers (inner "." and "," kept: 9.9, 99,000), "%" and word runs;
# everything else (punctuation, whitespace, symbols) separates tokens and is dropped.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|%|[^\W_]+")


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def _segments(text: str) -> list[str]:
    """CMRC2018 "mixed segmentation" of folded text: every CJK character is a token.

    Folded first (NFKC, t2s, lower case). CMRC2018 tokenises the non-CJK runs with NLTK's
    ``word_tokenize``; ``_TOKEN`` is a dependency-free stand-in that agrees on numbers, ``%`` and
    Latin words. Punctuation is removed, as with CMRC's ``rm_punc=True``.
    """
    out: list[str] = []
    run: list[str] = []
    for c in fold(text):
        if _is_cjk(c):
            out.extend(_TOKEN.findall("".join(run)))
            run = []
            out.append(c)
        else:
            run.append(c)
    out.extend(_TOKEN.findall("".join(run)))
    return out


def _longest_common_substring(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common contiguous run of tokens (CMRC2018's ``find_lcs``)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def char_f1(prediction: str, golds: Sequence[str]) -> float:
    """CMRC2018 F1: max over gold answers of the F1 of the longest common *substring*.

    As in the official CMRC2018 script (``find_lcs``), the overlap is the longest common
    contiguous run of tokens, not the longest common subsequence. Tokens are CJK characters and
    non-CJK words/numbers of the folded text, punctuation removed. No gold answers → 0.0.

    >>> char_f1("搬迁9.9万人。", ["9.9万人"])   # 搬 迁 9.9 万 人 vs 9.9 万 人: P=3/5, R=1
    0.75
    >>> char_f1("班戈縣", ["班戈县", "班戈"]), char_f1("昌都", ["拉萨"])
    (1.0, 0.0)
    """
    pred = _segments(prediction)
    scores = [0.0]
    for gold in golds:
        ref = _segments(gold)
        overlap = _longest_common_substring(ref, pred)
        if overlap:
            # 2PR/(P+R) with P = o/|pred|, R = o/|ref| simplifies to 2o/(|pred|+|ref|).
            scores.append(2 * overlap / (len(pred) + len(ref)))
    return max(scores)


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """CMRC2018 exact match: 1.0 when the folded, punctuation-free token sequences are equal.

    >>> exact_match("“百千万亿”", ["百千万亿"]), exact_match("9.9萬人。", ["9.9万人"])
    (1.0, 1.0)
    >>> exact_match("9.9万人", ["9.9万"])
    0.0
    """
    pred = _segments(prediction)
    return 1.0 if any(pred == _segments(g) for g in golds) else 0.0


def headline_scores(answer_text: str, golds: Sequence[str], abstained: bool) -> dict[str, float]:
    """CMRC2018 exact match and F1 of the answer's headline (its first sentence) against the gold spans.

    The headline is what states the answer ("9.9万人[1]。原文：…" → "9.9万人。"); an abstention, or an
    answer with no headline, scores 0 on both.

    Args:
        answer_text: The system's answer.
        golds: The gold spans (any one may match).
        abstained: Whether the system abstained.

    Returns:
        ``{"headline_em": ..., "headline_f1": ...}``.

    >>> headline_scores("赵盘[1]。原文：……由赵盘执导[1]。", ["赵盘"], abstained=False)
    {'headline_em': 1.0, 'headline_f1': 1.0}
    >>> headline_scores("文件中没有找到这个问题的答案。", ["赵盘"], abstained=True)
    {'headline_em': 0.0, 'headline_f1': 0.0}
    """
    head = "" if abstained else first_sentence(answer_text)
    if not head:
        return {"headline_em": 0.0, "headline_f1": 0.0}
    return {"headline_em": exact_match(head, golds), "headline_f1": char_f1(head, golds)}
