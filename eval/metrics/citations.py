"""Citation quality: are the cited passages relevant, and are their quotes exact?

* Precision: share of cited passages that are relevant (``retrieval.is_relevant``), pooled over
  all citations of answerable items that were answered (micro average). Unanswerable items are
  left out: a system answering them is already counted by the abstention metrics.
* Recall: share of answerable, answered items whose citations include a relevant passage.
* Quote exactness: share of all citations (every item) with ``quote == docs[doc_id][start:end]``.

A citation repeated within one answer (same span or text) is counted once.
Empty denominators give ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.metrics.aggregate import ratio
from eval.metrics.retrieval import EvidenceSpan, dedupe, is_relevant, to_passage

__all__ = ["CitedAnswer", "citation_scores", "quote_exact"]


@dataclass(frozen=True)
class CitedAnswer:
    """One item's answer as the citation metrics need it.

    Attributes:
        citations: ``rag.types.Citation`` objects, ``(doc_id, start, end, quote)`` tuples or dicts.
        spans: The item's gold evidence spans (``retrieval.evidence_spans``); empty if unanswerable.
        answerable: False for ``type == "unanswerable"`` items.
        abstained: Whether the system abstained.
    """

    citations: Sequence[Any] = field(default_factory=tuple)
    spans: Sequence[EvidenceSpan] = field(default_factory=tuple)
    answerable: bool = True
    abstained: bool = False


def quote_exact(citation: Any, docs: Mapping[str, str]) -> bool:
    """Whether the citation's quote is exactly the document text at its offsets.

    >>> quote_exact(("a", 1, 3, "9.9"), {"a": "共9.9万"}), quote_exact(("a", 1, 4, "9.9"), {"a": "共9.9万"})
    (False, True)
    """
    p = to_passage(citation)
    text = docs.get(p.source)
    return text is not None and 0 <= p.start <= p.end <= len(text) and text[p.start : p.end] == p.text


def citation_scores(rows: Iterable[CitedAnswer], docs: Mapping[str, str]) -> dict[str, float | None]:
    """Citation precision, recall and quote exactness over many items.

    >>> docs = {"a": "共9.9万人。拉萨"}
    >>> spans = [EvidenceSpan("a", 1, 6, "9.9万人")]
    >>> rows = [CitedAnswer([("a", 1, 6, "9.9万人"), ("a", 7, 9, "拉萨")], spans),
    ...         CitedAnswer([("a", 7, 9, "拉萨")], spans),
    ...         CitedAnswer([("a", 7, 9, "错")], (), answerable=False)]
    >>> s = citation_scores(rows, docs)
    >>> s["precision"], s["recall"], s["quote_exactness"]
    (0.3333333333333333, 0.5, 0.75)
    """
    cited = relevant = answered = supported = n_quotes = exact = 0
    for row in rows:
        citations = dedupe(row.citations)
        n_quotes += len(citations)
        exact += sum(quote_exact(c, docs) for c in citations)
        if not row.answerable or row.abstained:
            continue
        flags = [is_relevant(c, row.spans) for c in citations]
        cited += len(flags)
        relevant += sum(flags)
        answered += 1
        supported += any(flags)
    return {
        "precision": ratio(relevant, cited),
        "recall": ratio(supported, answered),
        "quote_exactness": ratio(exact, n_quotes),
    }
