"""The grounding guard: an answer may only state figures its cited passages hold.

Runs on every answerer's output. Each ``[n]`` must point at a passage that was given;
each number in the answer must occur (after folding and numeric normalisation) in a
passage it cites. Sentences that break either rule are dropped; if nothing is left,
the answer becomes an abstention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.numbers import numbers_grounded

MARKER = re.compile(r"\[(\d+)\]")  # a citation marker as every answerer writes it
# Sentence ends in Chinese and English answers; the marker run after an end stays with its sentence.
# A quotation (“…”) is kept whole: a 。 inside quoted speech does not end the answer's sentence.
_SENTENCE = re.compile(r"(?:“[^”\n]*”|[^。！？!?\n“])+(?:[。！？!?]|\n|$)(?:\s*\[\d+\])*|“[^\n]*")


@dataclass
class GroundingResult:
    """The repaired text and what was dropped."""

    text: str
    dropped: list[str]
    ungrounded_numbers: list[str]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, each keeping the run of markers after its end.

    >>> sentences("共9.9万人[1]。另有12万人[2]。")
    ['共9.9万人[1]。', '另有12万人[2]。']
    """
    return [m.group() for m in _SENTENCE.finditer(text)]


def markers(text: str) -> list[int]:
    """The citation numbers used in ``text``, in order of appearance."""
    return [int(m) for m in MARKER.findall(text)]


def ground(text: str, passages: dict[int, str]) -> GroundingResult:
    """Keep only the sentences whose markers and numbers are supported.

    Args:
        text: The answer with ``[n]`` markers.
        passages: Citation number → passage text, for the passages that were given.

    Returns:
        The kept text (possibly empty) and the dropped sentences.

    Example:
        >>> ground("共9.9万人[1]。另有12万人[1]。", {1: "涉及9.9万人"}).text
        '共9.9万人[1]。'
    """
    kept: list[str] = []
    dropped: list[str] = []
    bad_numbers: list[str] = []
    for sentence in sentences(text):
        if not sentence.strip():
            continue
        cited = markers(sentence)
        if any(n not in passages for n in cited):
            dropped.append(sentence)
            continue
        body = MARKER.sub("", sentence)
        # A sentence without a marker cites no passage: any figure in it is ungrounded.
        missing = numbers_grounded(body, [passages[n] for n in cited])
        if missing:
            bad_numbers.extend(missing)
            dropped.append(sentence)
            continue
        kept.append(sentence)
    return GroundingResult("".join(kept).strip(), dropped, bad_numbers)
