"""Citation markers in model output: normalise bracket styles, renumber, spot "not found" replies."""

from __future__ import annotations

import re

from rag.answer.grounding import MARKER, markers, sentences

# Any bracket style a model may use around citation numbers: [1] ［1］ 【1】 [1, 2] [1，2] [1、2].
_ANY_MARKER = re.compile(r"[\[［【]\s*(\d+(?:\s*[,，、;；]\s*\d+)*)\s*[\]］】]")
_REPEATED_MARKER = re.compile(r"(\[\d+\])(?:\s*\1)+")
# "[passage 1]", "(passage 2)", "资料1" as models sometimes cite instead of [n].
_WORDY_MARKER = re.compile(r"[\[(（]\s*(?:passage|资料|資料)\s*(\d+)\s*[\])）]", re.IGNORECASE)
_WORD = re.compile(r"\w")

# Ways a model says the passages do not answer (beyond the exact phrase it was asked to use).
NOT_FOUND_RE = re.compile(
    r"(?:文件|文档|資料|资料|材料|文檔|段落)(?:中|里|裡)?(?:并|並)?(?:没有|沒有|未|没|沒)(?:找到|提到|提及|说明|說明|包含|给出|給出)"
    r"|找不到(?:答案|相关|相關)|无法回答|無法回答|无法确定|無法確定|没有(?:相关|提供)|沒有(?:相關|提供)"
    r"|(?:cannot|can't|could not|couldn't|unable to) (?:find|answer|determine)"
    r"|(?:documents?|passages?) (?:do|does|did) not (?:say|mention|contain|state|provide)"
    r"|(?:no|not) (?:information|mention)",
    re.IGNORECASE,
)


def normalize_markers(text: str) -> str:
    """Rewrite every citation bracket style as ``[n]`` runs.

    Args:
        text: Raw model output.

    Returns:
        The text with ``【1】``, ``［1］``, ``[1, 2]``, ``[1，2]`` written as ``[1]``, ``[1][2]``, and
        a marker repeated back to back (``[1][1]``) written once.

    Example:
        >>> normalize_markers("见【1】和[2, 3]。")
        '见[1]和[2][3]。'
        >>> normalize_markers("About 99,000 people [passage 1].")
        'About 99,000 people [1].'
    """

    def expand(m: re.Match[str]) -> str:
        return "".join(f"[{int(n)}]" for n in re.split(r"\s*[,，、;；]\s*", m.group(1)))

    text = _WORDY_MARKER.sub(r"[\1]", text)
    return _REPEATED_MARKER.sub(r"\1", _ANY_MARKER.sub(expand, text))


def renumber_markers(text: str) -> tuple[str, list[int]]:
    """Renumber ``[n]`` markers 1, 2, ... in order of first use.

    Args:
        text: Text with ``[n]`` markers (prompt numbering).

    Returns:
        The renumbered text and ``order``: ``order[i]`` is the old number now written ``[i + 1]``.

    Example:
        >>> renumber_markers("A[3]。B[1][3]。")
        ('A[1]。B[2][1]。', [3, 1])
    """
    order = list(dict.fromkeys(markers(text)))
    new = {old: i + 1 for i, old in enumerate(order)}
    return MARKER.sub(lambda m: f"[{new[int(m.group(1))]}]", text), order


def says_not_found(text: str) -> bool:
    """Whether ``text`` (markers ignored) says the passages do not answer.

    >>> says_not_found("文件中没有找到答案。"), says_not_found("共9.9万人[1]。")
    (True, False)
    """
    return NOT_FOUND_RE.search(MARKER.sub("", text)) is not None


def claims(text: str) -> list[str]:
    """The sentences of normalised output that make a claim: "not found" remarks and pieces with no word
    beside their markers (a reply of only ``[2][1]``) removed."""
    return [x for x in sentences(text) if _WORD.search(MARKER.sub("", x)) and not says_not_found(x)]
