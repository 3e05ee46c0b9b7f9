from __future__ import annotations

from rag.index.bm25 import BM25Index
from rag.retrieval.base import LexicalIndex
from rag.retrieval.lexical import LexicalRetriever
from rag.segment import tokens
from tests.fakes import ChunkTable, chunk

TEXTS = {10: "昌都搬迁9.9万人", 11: "拉萨人均纯收入", 12: "林芝旅游游客"}


def make() -> LexicalRetriever:
    index = BM25Index(list(TEXTS), [tokens(t) for t in TEXTS.values()])
    assert isinstance(index, LexicalIndex)
    return LexicalRetriever(index, ChunkTable(chunk(i, t) for i, t in TEXTS.items()))


def test_words_of_the_query_find_their_passage_only() -> None:
    hits = make().retrieve("拉萨收入", 5)
    assert [h.chunk.chunk_id for h in hits] == [11] and hits[0].score > 0


def test_weighted_terms_rank_by_weight_and_ignore_unknown_terms() -> None:
    hits = make().retrieve_terms({"昌都": 1.0, "拉萨": 0.1, "火星": 5.0}, 5)
    assert [h.chunk.chunk_id for h in hits] == [10, 11]


def test_no_known_word_finds_nothing() -> None:
    assert make().retrieve("火星", 5) == []
