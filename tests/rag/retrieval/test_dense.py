from __future__ import annotations

import numpy as np

from rag.retrieval.base import BatchRetriever
from rag.retrieval.dense import DenseRetriever
from tests.fakes import ChunkTable, FakeEmbedder, FakeVectorIndex, chunk

TEXTS = {1: "昌都搬迁", 2: "拉萨收入", 3: "林芝旅游"}


def make(texts: dict[int, str] = TEXTS, known: set[int] | None = None) -> tuple[DenseRetriever, FakeEmbedder]:
    embedder = FakeEmbedder()
    index = FakeVectorIndex(embedder.dim)
    index.add(np.array(list(texts), np.int64), embedder.embed_passages(list(texts.values())))
    table = ChunkTable(chunk(i, t) for i, t in texts.items() if known is None or i in known)
    return DenseRetriever(embedder, index, table), embedder


def test_the_closest_passage_comes_first_with_its_score() -> None:
    retriever, _ = make()
    hits = retriever.retrieve("拉萨的收入", 2)
    assert hits[0].chunk.chunk_id == 2 and hits[0].score > hits[1].score


def test_a_batch_is_embedded_once_and_answers_per_query() -> None:
    retriever, embedder = make()
    assert isinstance(retriever, BatchRetriever)
    timings: dict[str, float] = {}
    first, second = retriever.retrieve_batch(["昌都", "林芝"], 1, timings)
    assert embedder.query_batches == [["昌都", "林芝"]]
    assert first[0].chunk.chunk_id == 1 and second[0].chunk.chunk_id == 3
    assert set(timings) == {"embed", "dense"}


def test_padding_and_chunks_gone_from_the_store_are_left_out() -> None:
    retriever, _ = make(known={1, 3})  # chunk 2 deleted since the snapshot
    hits = retriever.retrieve("拉萨", 10)  # more than the index holds: FAISS-style -1 padding
    assert sorted(h.chunk.chunk_id for h in hits) == [1, 3]


def test_an_empty_index_embeds_nothing() -> None:
    retriever, embedder = make(texts={})
    assert retriever.retrieve_batch(["昌都", "拉萨"], 5) == [[], []]
    assert embedder.query_batches == []
