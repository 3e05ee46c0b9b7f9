from __future__ import annotations

import pytest

from rag.config import RetrievalConfig
from rag.retrieval.rerank import NoReranker, Reranker, make_reranker
from rag.types import Hit
from tests.fakes import chunk


def test_the_default_reranker_keeps_the_order() -> None:
    hits = [Hit(chunk(i, f"段落{i}"), 1.0 / (i + 1)) for i in range(3)]
    reranker = make_reranker(RetrievalConfig())
    assert isinstance(reranker, NoReranker) and isinstance(reranker, Reranker)
    assert reranker.rerank("问题", hits) == hits


def test_an_unknown_reranker_is_refused_by_the_config() -> None:
    with pytest.raises(ValueError, match="reranker"):
        RetrievalConfig(reranker="cross-encoder")
