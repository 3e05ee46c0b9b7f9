"""Markers for claims the model left uncited: the passage that supports a sentence, if one does."""

from __future__ import annotations

from rag.answer.grounding import MARKER, sentences, unmarked_bigrams
from rag.numbers import find_quantities, numbers_grounded

# Share of a figure-less claim's character pairs one passage sentence must hold to be cited for it.
_SUPPORT = 0.6


def cite_missing(sentence: str, passages: dict[int, str]) -> str:
    """Give a sentence the model left without a marker the passage that supports it, if one does.

    Small models often answer right and forget the marker. A sentence stating figures cites the
    first passage holding all of them (the guard then checks them like any other); one without
    figures cites the passage with a sentence holding at least 60% of its character pairs (a
    paraphrase of that sentence). Otherwise it stays uncited and is dropped.

    >>> cite_missing("昌都搬迁了9.9万人。", {1: "拉萨", 2: "涉及9.9万人"})
    '昌都搬迁了9.9万人[2]。'
    >>> cite_missing("阿里电网结束了孤网运行。", {1: "林芝下雪。", 2: "阿里电网结束了孤网运行的历史。"})
    '阿里电网结束了孤网运行[2]。'
    """
    if MARKER.search(sentence):
        return sentence
    if find_quantities(sentence):
        n = next((n for n, p in passages.items() if not numbers_grounded(sentence, [p])), None)
    else:
        n = supporting_passage(sentence, passages)
    if n is None:
        return sentence
    body = sentence.rstrip()
    end = len(body) - len(body.rstrip("。！？!?."))
    return f"{body[: len(body) - end]}[{n}]{body[len(body) - end :]}{sentence[len(body) :]}"


def supporting_passage(claim: str, passages: dict[int, str]) -> int | None:
    """The passage with a sentence holding at least ``_SUPPORT`` of ``claim``'s character pairs, best first."""
    pairs = unmarked_bigrams(claim)
    if len(pairs) < 4:  # too short to tell a paraphrase from a coincidence
        return None
    best, best_share = None, _SUPPORT
    for n, passage in passages.items():
        for s in sentences(passage):
            share = len(pairs & unmarked_bigrams(s)) / len(pairs)
            if share >= best_share:
                best, best_share = n, share
    return best
