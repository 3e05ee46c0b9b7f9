"""Near-duplicate removal: passages that repeat one another (reposted notices, overlapping chunks)."""

from __future__ import annotations

from rag.fold import fold_compact
from rag.types import Hit


def bigrams_or_whole(text: str) -> set[str]:
    """The character bigrams of the folded, space-free text (the text itself when shorter than two).

    Not grounding's ``unmarked_bigrams``: a one-character passage must equal itself; a passage's ``[n]`` is text.
    """
    s = fold_compact(text)
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def overlap(a: set[str], b: set[str]) -> float:
    """Shared bigrams as a share of the smaller set."""
    return len(a & b) / max(1, min(len(a), len(b)))


def near_duplicate(a: str, b: str, threshold: float) -> bool:
    """True when two passages share at least ``threshold`` of the smaller one's character bigrams.

    Example:
        >>> near_duplicate("昌都搬迁9.9万人。", "昌都搬迁9.9万人", 0.8), near_duplicate("昌都搬迁", "拉萨收入", 0.8)
        (True, False)
    """
    return overlap(bigrams_or_whole(a), bigrams_or_whole(b)) >= threshold


class Deduper:
    """Keeps the first of each group of near-duplicate hits.

    Args:
        threshold: Bigram overlap (of the smaller passage) from which two passages count as one.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def dedupe(self, hits: list[Hit], limit: int | None = None) -> list[Hit]:
        """``hits`` in order without those that nearly repeat an earlier kept one.

        Args:
            hits: Best first.
            limit: Stop once this many are kept (None: go through all).
        """
        kept: list[Hit] = []
        kept_grams: list[set[str]] = []
        for hit in hits:
            grams = bigrams_or_whole(hit.chunk.text)
            if any(overlap(grams, g) >= self.threshold for g in kept_grams):
                continue
            kept.append(hit)
            kept_grams.append(grams)
            if limit is not None and len(kept) >= limit:
                break
        return kept
