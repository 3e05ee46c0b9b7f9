"""Citation precision/recall and quote exactness."""

from __future__ import annotations

import pytest

from eval.metrics.citations import CitedAnswer, citation_scores, quote_exact
from eval.metrics.retrieval import evidence_spans
from rag.types import Citation

DOC = "全市安置点268个,涉及9.9万人。拉萨市搬迁3.2万人。"
DOCS = {"a.txt": DOC}
SPANS = evidence_spans([("a.txt", "涉及9.9万人")], DOCS)  # 10..17


def cite(n: int, start: int, end: int, quote: str | None = None) -> Citation:
    return Citation(n, "a.txt", 0, start, end, DOC[start:end] if quote is None else quote)


def test_quote_exact() -> None:
    assert quote_exact(cite(1, 10, 17), DOCS)
    assert not quote_exact(cite(1, 10, 17, "涉及9.9萬人"), DOCS)  # traditional ≠ original text
    assert not quote_exact(cite(1, 10, 99, "涉及9.9万人"), DOCS)  # out of range
    assert not quote_exact(("zzz.txt", 0, 1, "全"), DOCS)


def test_precision_recall_exactness() -> None:
    rows = [
        # answered, 2 citations: one relevant, one not; one duplicate of the relevant one
        CitedAnswer([cite(1, 10, 17), cite(2, 18, 28), cite(3, 10, 17)], SPANS),
        # answered, only an irrelevant citation (with an inexact quote)
        CitedAnswer([cite(1, 18, 28, "拉萨")], SPANS),
        # abstained answerable item: citations count for exactness only
        CitedAnswer([cite(1, 0, 5)], SPANS, abstained=True),
        # unanswerable item answered anyway: excluded from precision/recall
        CitedAnswer([cite(1, 18, 28)], (), answerable=False),
    ]
    s = citation_scores(rows, DOCS)
    assert s["precision"] == pytest.approx(1 / 3)  # relevant cited: 1 of 3 (duplicate removed)
    assert s["recall"] == pytest.approx(1 / 2)  # 1 of 2 answered answerable items
    assert s["quote_exactness"] == pytest.approx(4 / 5)  # 5 distinct citations, 1 inexact


def test_no_citations_at_all() -> None:
    s = citation_scores([CitedAnswer([], SPANS)], DOCS)
    assert s["precision"] is None and s["quote_exactness"] is None
    assert s["recall"] == 0.0  # answered without a relevant citation
