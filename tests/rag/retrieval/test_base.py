from __future__ import annotations

from rag.retrieval.base import ChunkCache, hits_from
from tests.fakes import ChunkTable, chunk


class Counting(ChunkTable):
    """A chunk table recording which ids each lookup asked for."""

    def __init__(self, chunks) -> None:
        super().__init__(chunks)
        self.asked: list[list[int]] = []

    def __call__(self, ids):
        ids = list(ids)
        self.asked.append(ids)
        return super().__call__(ids)


def test_hits_keep_the_ranking_and_drop_ids_the_store_lost() -> None:
    table = ChunkTable([chunk(1, "甲"), chunk(3, "丙")])
    hits = hits_from([3, 2, 1], [0.9, 0.8, 0.7], table)
    assert [(h.chunk.chunk_id, h.score) for h in hits] == [(3, 0.9), (1, 0.7)]


def test_the_cache_asks_the_store_only_for_chunks_it_has_not_seen() -> None:
    store = Counting([chunk(i, f"第{i}段") for i in range(5)])
    cache = ChunkCache(store, size=3)
    assert set(cache([0, 1, 9])) == {0, 1}
    assert set(cache([1, 2, 9])) == {1, 2}
    assert store.asked == [[0, 1, 9], [2, 9]]  # an unknown id is asked again: it may have been added since
    cache([3])  # over the size: 0, the least recently used, is dropped
    assert set(cache([0, 1])) == {0, 1} and store.asked[-1] == [0]
