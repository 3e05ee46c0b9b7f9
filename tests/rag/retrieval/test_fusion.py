from __future__ import annotations

import pytest

from rag.retrieval.fusion import RRFFuser, make_fuser, rrf
from rag.types import Hit
from tests.fakes import chunk


def test_rrf_adds_weighted_reciprocal_ranks() -> None:
    fused = dict(rrf({"a": [1, 2], "b": [2, 3]}, {"a": 2.0}, 10))
    assert fused[1] == pytest.approx(2 / 11)
    assert fused[2] == pytest.approx(2 / 12 + 1 / 11)
    assert fused[3] == pytest.approx(1 / 12)


def test_rrf_weight_zero_silences_a_stage() -> None:
    assert rrf({"a": [5, 6], "b": [7]}, {"b": 0.0}, 60)[-1] == (7, 0.0)


def test_rrf_fuser_carries_every_stage_score_and_rank() -> None:
    a, b = chunk(1, "甲"), chunk(2, "乙")
    fused = RRFFuser(60).fuse({"dense": [Hit(a, 0.9), Hit(b, 0.5)], "bm25": [Hit(b, 7.0)]}, {})
    assert [h.chunk.chunk_id for h in fused] == [2, 1]
    top = fused[0]
    assert top.score == top.scores["rrf"] == pytest.approx(1 / 62 + 1 / 61)
    assert top.scores == {"rrf": top.score, "dense": 0.5, "dense_rank": 2.0, "bm25": 7.0, "bm25_rank": 1.0}
    assert fused[1].scores == {"rrf": pytest.approx(1 / 61), "dense": 0.9, "dense_rank": 1.0}


def test_fuser_factory_knows_rrf_only() -> None:
    assert isinstance(make_fuser("rrf", 20), RRFFuser) and make_fuser("rrf", 20).k == 20
    with pytest.raises(ValueError, match="unknown fusion"):
        make_fuser("convex", 20)
