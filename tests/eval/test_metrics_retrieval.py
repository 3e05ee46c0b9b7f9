"""Relevance, Recall@k (hit rate), MRR@10, nDCG@10."""

from __future__ import annotations

import math

import pytest

from eval.metrics.retrieval import (
    EvidenceSpan,
    Passage,
    dedupe,
    evidence_spans,
    is_relevant,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    relevance_flags,
    score_retrieval,
    to_passage,
)
from rag.types import Chunk, Citation, Hit

# The quote 涉及9.9万人 (7 characters) occurs at 13..20 and 27..34.
DOC_A = "前言。全市安置点268个,涉及9.9万人。后记。再述:涉及9.9万人。"
DOCS = {"a.txt": DOC_A, "b.txt": "拉萨市搬迁3.2万人。"}
QUOTE = "涉及9.9万人"


def test_evidence_spans_every_occurrence() -> None:
    spans = evidence_spans([{"doc": "a.txt", "quote": QUOTE}], DOCS)
    assert [(s.start, s.end) for s in spans] == [(13, 20), (27, 34)]
    assert all(DOC_A[s.start : s.end] == QUOTE for s in spans)


def test_evidence_spans_missing_quote_fails_loudly() -> None:
    with pytest.raises(ValueError):
        evidence_spans([("a.txt", "不存在的引文")], DOCS)
    with pytest.raises(ValueError):
        evidence_spans([("zzz.txt", QUOTE)], DOCS)


SPANS = [EvidenceSpan("a.txt", 13, 20, QUOTE), EvidenceSpan("a.txt", 27, 34, QUOTE)]


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        (("a.txt", 3, 22, DOC_A[3:22]), True),  # contains the quote
        (("a.txt", 16, 26, DOC_A[16:26]), True),  # covers 4 of 7 characters
        (("a.txt", 17, 26, DOC_A[17:26]), False),  # covers 3 of 7: less than half
        (("a.txt", 23, 30, DOC_A[23:30]), False),  # 3 of the second occurrence
        (("a.txt", 23, 31, DOC_A[23:31]), True),  # 4 of the second occurrence
        (("b.txt", 13, 20, "拉萨市搬迁3.2"), False),  # same offsets, other document
        (("c.txt", 0, 9, "见:涉及9.9万人"), True),  # contains the quote text, any source
    ],
)
def test_is_relevant(passage: tuple, expected: bool) -> None:
    assert is_relevant(passage, SPANS) is expected


def test_dedupe_by_span_or_text() -> None:
    ranked = [
        ("a.txt", 0, 3, "前言。"),
        ("a.txt", 0, 3, "前言。"),  # same span
        ("b.txt", 5, 8, "前言。"),  # same text elsewhere
        ("a.txt", 3, 9, "全市安置点2"),
    ]
    assert [(p.source, p.start) for p in dedupe(ranked)] == [("a.txt", 0), ("a.txt", 3)]


def test_duplicates_do_not_shift_ranks() -> None:
    relevant = ("a.txt", 10, 22, DOC_A[10:22])
    other = ("b.txt", 0, 5, "拉萨市搬迁")
    flags = relevance_flags([other, other, other, relevant, relevant], SPANS)
    assert flags == [False, True]
    assert mrr_at_k(flags) == 0.5
    assert recall_at_k(flags, 1) == 0.0 and recall_at_k(flags, 2) == 1.0


def test_recall_is_a_hit_rate_and_handles_short_lists() -> None:
    assert recall_at_k([True, True, True], 10) == 1.0  # not 3/|relevant|
    assert recall_at_k([False, True], 10) == 1.0  # fewer than k results
    assert recall_at_k([False] * 3, 10) == 0.0
    assert recall_at_k([], 1) == 0.0


def test_mrr_cut_off_at_k() -> None:
    flags = [False] * 10 + [True]
    assert mrr_at_k(flags, 10) == 0.0
    assert mrr_at_k(flags, 11) == pytest.approx(1 / 11)
    assert mrr_at_k([False, False, False, True]) == 0.25


def test_ndcg_values() -> None:
    log2 = math.log2
    # relevant at ranks 2 and 3, two relevant available: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3)
    assert ndcg_at_k([False, True, True], 10, n_relevant=2) == pytest.approx((1 / log2(3) + 0.5) / (1 + 1 / log2(3)))
    # perfect ranking
    assert ndcg_at_k([True, True, False], 10, n_relevant=2) == pytest.approx(1.0)
    # 3 relevant available but only 1 retrieved at rank 1: 1 / (1 + 1/log2 3 + 1/2)
    assert ndcg_at_k([True], 10, n_relevant=3) == pytest.approx(1 / (1 + 1 / log2(3) + 0.5))
    # ideal capped at k: with k=1, one relevant at rank 1 is perfect however many exist
    assert ndcg_at_k([True, False], 1, n_relevant=5) == pytest.approx(1.0)
    # more relevant retrieved than announced: R is raised, score stays ≤ 1
    assert ndcg_at_k([True, True], 10, n_relevant=1) == pytest.approx(1.0)
    assert ndcg_at_k([], 10, n_relevant=2) == 0.0
    assert ndcg_at_k([False], 10, n_relevant=0) == 0.0


def test_score_retrieval_end_to_end() -> None:
    spans = evidence_spans([("a.txt", QUOTE)], DOCS)  # two occurrences → R = 2
    ranked = [
        ("b.txt", 0, 11, DOCS["b.txt"]),
        ("b.txt", 0, 11, DOCS["b.txt"]),  # duplicate, removed
        ("a.txt", 23, 35, DOC_A[23:35]),  # holds the second occurrence
    ]
    scores = score_retrieval(ranked, spans, ks=(1, 5, 10))
    assert scores["recall@1"] == 0.0
    assert scores["recall@5"] == 1.0 and scores["recall@10"] == 1.0
    assert scores["mrr@10"] == 0.5
    assert scores["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_to_passage_adapts_pipeline_types() -> None:
    chunk = Chunk(7, "a.txt", DOC_A[3:22], 3, 22)
    assert to_passage(chunk) == Passage("a.txt", 3, 22, DOC_A[3:22])
    assert to_passage(Hit(chunk, 0.5)) == Passage("a.txt", 3, 22, DOC_A[3:22])
    citation = Citation(1, "a.txt", 7, 14, 21, QUOTE)
    assert to_passage(citation) == Passage("a.txt", 14, 21, QUOTE)
