"""Fusing several retrievers' rankings into one (weighted reciprocal rank fusion)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rag.types import Hit


class Fuser(Protocol):
    """Merges named rankings into one."""

    def fuse(self, rankings: dict[str, list[Hit]], weights: dict[str, float]) -> list[Hit]:
        """One ranking from several.

        Args:
            rankings: Each stage's hits, best first, in a fixed stage order (ties keep first-seen order).
            weights: Each stage's weight (missing = 1).

        Returns:
            Hits best first; ``score`` is the fused score and ``scores`` holds it (under the fuser's
            name) then each stage's score and 1-based rank (``dense``, ``dense_rank``, ...).
        """
        ...


def rrf(rankings: dict[str, Sequence[int]], weights: dict[str, float], k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion.

    Args:
        rankings: Each stage's chunk ids, best first.
        weights: Each stage's weight (missing = 1).
        k: The RRF constant; larger flattens the rank discount.

    Returns:
        ``(chunk_id, fused score)`` best first; ties keep first-seen order.

    Example:
        >>> rrf({"a": [1, 2], "b": [2]}, {}, 60)[0][0]
        2
    """
    fused: dict[int, float] = {}
    for name, ids in rankings.items():
        w = weights.get(name, 1.0)
        for rank, cid in enumerate(ids):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


class RRFFuser:
    """Weighted reciprocal rank fusion: rank-based, so unnormalised scores (BM25, cosine) mix safely.

    Args:
        k: The RRF constant.
    """

    name = "rrf"

    def __init__(self, k: int) -> None:
        self.k = k

    def fuse(self, rankings: dict[str, list[Hit]], weights: dict[str, float]) -> list[Hit]:
        fused = rrf({name: [h.chunk.chunk_id for h in hits] for name, hits in rankings.items()}, weights, self.k)
        by_stage = {
            name: {h.chunk.chunk_id: (h, rank + 1) for rank, h in enumerate(hits)} for name, hits in rankings.items()
        }
        out = []
        for cid, score in fused:
            scores = {self.name: score}
            chunk = None
            for name, by_id in by_stage.items():
                if cid in by_id:
                    hit, rank = by_id[cid]
                    chunk = chunk or hit.chunk
                    scores[name], scores[f"{name}_rank"] = hit.score, float(rank)
            out.append(Hit(chunk, score, scores))
        return out


FUSERS = {"rrf": RRFFuser}


def make_fuser(name: str, k: int) -> Fuser:
    """The fuser called ``name`` (``retrieval.fusion``) with RRF constant ``k``.

    Raises:
        ValueError: An unknown name.
    """
    if name not in FUSERS:
        raise ValueError(f"unknown fusion '{name}'; known: {', '.join(FUSERS)}")
    return FUSERS[name](k)
