from __future__ import annotations

import numpy as np
import pytest

from rag.config import RetrievalConfig
from rag.errors import InputError
from rag.index.bm25 import BM25Index
from rag.retrieval.dedupe import Deduper
from rag.retrieval.fusion import RRFFuser
from rag.retrieval.hybrid import HybridRetriever, build_retriever, candidate_window
from rag.retrieval.rerank import NoReranker
from rag.retrieval.route import QueryTranslator, Router
from rag.segment import tokens
from rag.types import Hit
from tests.fakes import ChunkTable, FakeEmbedder, FakeRetriever, FakeVectorIndex, chunk

A, B, C = chunk(1, "昌都搬迁9.9万人"), chunk(2, "拉萨人均纯收入13741元"), chunk(3, "林芝旅游游客")
REPEAT = chunk(4, "昌都搬迁9.9万人。")


class Reverse:
    """A reranker that puts the last candidate first (so its effect on the cut is visible)."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def rerank(self, question: str, hits: list[Hit]) -> list[Hit]:
        self.seen = [h.chunk.chunk_id for h in hits]
        return hits[::-1]


def hybrid(dense: list, bm25: list, reranker=None, config: RetrievalConfig | None = None) -> HybridRetriever:
    config = config or RetrievalConfig()
    vocabulary = BM25Index([0], [tokens("昌都")])
    return HybridRetriever(
        {"dense": FakeRetriever(dense), "bm25": FakeRetriever(bm25)},
        Router(QueryTranslator(vocabulary, enabled=False), config),
        {"zh": RRFFuser(config.rrf_k), "en": RRFFuser(config.en_rrf_k)},
        Deduper(config.dedupe_threshold),
        reranker or NoReranker(),
        config,
    )


def test_both_retrievers_are_fused_with_their_stage_scores() -> None:
    timings: dict[str, float] = {}
    hits = hybrid([A, B], [B, C]).search("拉萨收入", 3, timings)
    assert [h.chunk.chunk_id for h in hits] == [2, 3, 1]  # BM25 weighs twice dense: its second beats dense's first
    assert hits[0].scores["dense_rank"] == 2.0 and hits[0].scores["bm25_rank"] == 1.0
    assert {"fold", "dense", "bm25", "fuse"} <= set(timings) and "rerank" not in timings


def test_a_mode_runs_only_its_retriever() -> None:
    r = hybrid([A], [C])
    assert [h.chunk.chunk_id for h in r.search("问题", 5, mode="bm25")] == [3]
    assert r.retrievers["dense"].queries == []
    with pytest.raises(InputError, match="unknown retrieval mode"):
        r.search("问题", 5, mode="sparse")


def test_near_duplicates_are_removed_before_the_cut() -> None:
    hits = hybrid([A, REPEAT, B], []).search("昌都", 2)
    assert [h.chunk.chunk_id for h in hits] == [1, 2]


def test_the_reranker_sees_the_deduplicated_window_and_the_cut_follows_it() -> None:
    reranker = Reverse()
    timings: dict[str, float] = {}
    hits = hybrid([A, REPEAT, B, C], [], reranker).search("昌都", 2, timings)
    assert reranker.seen == [1, 2, 3]  # more than top_k: the candidates, without the repeat
    assert [h.chunk.chunk_id for h in hits] == [3, 2] and "rerank" in timings


def test_the_candidate_window_bounds_what_is_deduplicated() -> None:
    many = [chunk(100 + i, f"第{i}段：" + "昌都搬迁9.9万人" * 3) for i in range(candidate_window(2))]  # all repeats
    hits = hybrid(many + [B], []).search("昌都", 2)
    assert [h.chunk.chunk_id for h in hits] == [100]  # B lies beyond the window: fewer hits, not a deeper search


def test_built_from_config_an_english_question_batches_its_dense_searches() -> None:
    embedder = FakeEmbedder()
    texts = {1: "昌都搬迁9.9万人", 2: "拉萨人均纯收入"}
    dense = FakeVectorIndex(embedder.dim)
    dense.add(np.array(list(texts), np.int64), embedder.embed_passages(list(texts.values())))
    lexical = BM25Index(list(texts), [tokens(t) for t in texts.values()])
    r = build_retriever(ChunkTable(chunk(i, t) for i, t in texts.items()), dense, lexical, embedder, RetrievalConfig())
    r.router.translator.lexicon = None  # the bundled dictionary: Chamdo → 昌都
    timings: dict[str, float] = {}
    hits = r.search("Chamdo relocation", 2, timings)
    assert len(embedder.query_batches) == 1 and len(embedder.query_batches[0]) == 2  # English + its rendering
    assert hits[0].chunk.chunk_id == 1 and "dense_translated" in hits[0].scores
    assert {"translate", "embed", "dense", "bm25"} <= set(timings)
