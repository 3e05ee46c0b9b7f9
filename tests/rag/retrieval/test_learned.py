"""The learned passage re-ranker: its features, its order, the shipped weights."""

from __future__ import annotations

from rag.config import RetrievalConfig
from rag.retrieval.learned import MODEL_PATH, LearnedReranker, features
from rag.retrieval.rerank import Reranker, make_reranker
from rag.types import Chunk, Hit

QUESTION = "昌都2019年易地扶贫搬迁了多少人?"


def hits() -> list[Hit]:
    texts = ["拉萨市旅游收入增长。", "2019年昌都易地扶贫搬迁9.9万人。", "易地扶贫搬迁安置点建设。"]
    return [
        Hit(Chunk(i, f"d{i}.txt", t, 0, len(t), ""), 1.0 / (60 + i), {"rrf": 1.0 / (60 + i), "bm25": 3.0 - i})
        for i, t in enumerate(texts)
    ]


def test_a_passage_holding_the_questions_terms_covers_more_of_it() -> None:
    x = features(QUESTION, hits())
    assert x[1]["coverage"] > x[2]["coverage"] > x[0]["coverage"]
    assert x[1]["year"] == 1.0 and x[2]["year"] == 0.0
    assert x[1]["name_missing"] == 0.0 and x[2]["name_missing"] == 1.0  # 昌都 is not in the third
    assert [round(f["fused_rank"], 3) for f in x] == [1.0, 0.5, 0.333]


def test_the_model_orders_by_its_score_and_english_questions_keep_fusions_order() -> None:
    reranker = LearnedReranker({"coverage": 1.0})
    assert isinstance(reranker, Reranker)
    assert [h.chunk.chunk_id for h in reranker.rerank(QUESTION, hits())] == [1, 2, 0]
    english = "How many people were relocated in Chamdo in 2019?"
    assert [h.chunk.chunk_id for h in reranker.rerank(english, hits())] == [0, 1, 2]


def test_the_shipped_weights_read_only_features_it_computes() -> None:
    reranker = make_reranker(RetrievalConfig(reranker="learned"))
    assert isinstance(reranker, LearnedReranker)
    assert set(reranker.weights) == set(features(QUESTION, hits())[0])
    assert reranker.provenance["command"] == "python -m eval.train_reranker"
    assert LearnedReranker.load(MODEL_PATH).weights == reranker.weights
