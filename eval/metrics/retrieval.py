"""Retrieval quality: which passages are relevant, Recall@k, MRR@k and nDCG@k.

Relevance (gold README): a passage is relevant when it contains a gold quote, or covers at least
half of a quote's character span. Quotes are verbatim substrings of the corpus files; a quote may
occur several times, and every occurrence counts as a span.

Choices where the spec is silent:

* Recall@k is a hit rate: 1.0 when at least one relevant passage is in the top k, else 0.0;
  averaged over answerable items it is "the share of items with a relevant passage in the top k".
* The ranked list is de-duplicated before ranking (same source and span, or identical text): a
  repeated passage neither earns a second gain nor pushes others down.
* nDCG uses binary gains; the ideal DCG assumes ``min(k, R)`` relevant passages at the top, where
  R is ``n_relevant`` when the caller knows it (e.g. the number of relevant chunks in the index, see
  ``count_relevant``), else the larger of the number of distinct evidence spans (overlapping spans
  merged) and the number of relevant passages actually retrieved in the top k, so nDCG ≤ 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "EvidenceSpan",
    "Passage",
    "count_relevant",
    "dedupe",
    "evidence_spans",
    "is_relevant",
    "mrr_at_k",
    "ndcg_at_k",
    "recall_at_k",
    "relevance_flags",
    "score_retrieval",
    "to_passage",
]


class Passage(NamedTuple):
    """A retrieved or cited passage: ``text == docs[source][start:end]`` when offsets are exact."""

    source: str
    start: int
    end: int
    text: str


class EvidenceSpan(NamedTuple):
    """One occurrence of a gold quote in a document."""

    doc: str
    start: int
    end: int
    quote: str


def to_passage(obj: Any) -> Passage:
    """A ``Passage`` from a 4-tuple, a ``rag.types`` Chunk, Hit or Citation, or a dict.

    >>> to_passage(("a.txt", 0, 2, "西藏"))
    Passage(source='a.txt', start=0, end=2, text='西藏')
    >>> to_passage({"doc_id": "a.txt", "start": 0, "end": 2, "quote": "西藏"}).text
    '西藏'
    """
    if isinstance(obj, Passage):
        return obj
    if isinstance(obj, tuple):
        return Passage(*obj)
    if isinstance(obj, Mapping):
        source = obj.get("source", obj.get("doc_id", obj.get("doc")))
        return Passage(source, obj["start"], obj["end"], obj.get("text", obj.get("quote", "")))
    chunk = getattr(obj, "chunk", obj)  # a Hit wraps a Chunk
    text = chunk.text if hasattr(chunk, "text") else chunk.quote  # Chunk.text / Citation.quote
    return Passage(chunk.doc_id, chunk.start, chunk.end, text)


def _evidence_pair(e: Any) -> tuple[str, str]:
    return (e["doc"], e["quote"]) if isinstance(e, Mapping) else (e[0], e[1])


def evidence_spans(evidence: Iterable[Any], docs: Mapping[str, str]) -> list[EvidenceSpan]:
    """Every occurrence of every gold quote, located in the document texts.

    Args:
        evidence: ``{"doc", "quote"}`` dicts (as in ``dev.jsonl``) or ``(doc, quote)`` pairs.
        docs: Document id → full text.

    Raises:
        ValueError: a quote does not occur in its document (a broken gold item; fail loudly).

    >>> [s[:3] for s in evidence_spans([{"doc": "a", "quote": "9.9万人"}], {"a": "共9.9万人，又9.9万人"})]
    [('a', 1, 6), ('a', 8, 13)]
    """
    spans: list[EvidenceSpan] = []
    for e in evidence:
        doc, quote = _evidence_pair(e)
        text = docs.get(doc)
        if text is None or not quote:
            raise ValueError(f"gold evidence refers to a missing document or empty quote: {doc!r}")
        start = text.find(quote)
        if start == -1:
            raise ValueError(f"gold quote not found in {doc}: {quote[:40]!r}")
        while start != -1:
            spans.append(EvidenceSpan(doc, start, start + len(quote), quote))
            start = text.find(quote, start + 1)
    return spans


def is_relevant(passage: Any, spans: Sequence[EvidenceSpan]) -> bool:
    """Relevant: contains a quote, or (same document) covers at least half of a quote's span.

    >>> spans = [EvidenceSpan("a", 10, 20, "0123456789")]
    >>> is_relevant(("a", 15, 40, "x"), spans), is_relevant(("a", 16, 40, "x"), spans)
    (True, False)
    >>> is_relevant(("b", 0, 30, "...0123456789..."), spans)
    True
    """
    p = to_passage(passage)
    for s in spans:
        if s.quote in p.text:
            return True
        overlap = min(p.end, s.end) - max(p.start, s.start)
        if p.source == s.doc and overlap > 0 and 2 * overlap >= s.end - s.start:
            return True
    return False


def dedupe(passages: Iterable[Any]) -> list[Passage]:
    """Keep the first of passages repeated by source and span, or by identical text.

    >>> [p.start for p in dedupe([("a", 0, 5, "x"), ("a", 0, 5, "x"), ("b", 9, 10, "x"), ("a", 5, 9, "y")])]
    [0, 5]
    """
    seen_spans: set[tuple[str, int, int]] = set()
    seen_texts: set[str] = set()
    out: list[Passage] = []
    for obj in passages:
        p = to_passage(obj)
        if (p.source, p.start, p.end) in seen_spans or p.text in seen_texts:
            continue
        seen_spans.add((p.source, p.start, p.end))
        seen_texts.add(p.text)
        out.append(p)
    return out


def relevance_flags(passages: Iterable[Any], spans: Sequence[EvidenceSpan]) -> list[bool]:
    """Relevance of each passage of the de-duplicated ranked list, best first.

    >>> relevance_flags([("a", 0, 9, "共9.9万人"), ("a", 0, 9, "共9.9万人"), ("b", 0, 2, "拉萨")],
    ...                 [EvidenceSpan("a", 1, 6, "9.9万人")])
    [True, False]
    """
    return [is_relevant(p, spans) for p in dedupe(passages)]


def count_relevant(candidates: Iterable[Any], spans: Sequence[EvidenceSpan]) -> int:
    """How many distinct candidate passages (e.g. all chunks of an index) are relevant.

    >>> chunks = [("a", 0, 5, "甲"), ("a", 3, 9, "乙"), ("a", 20, 30, "丙")]
    >>> count_relevant(chunks, [EvidenceSpan("a", 2, 6, "????")])
    2
    """
    return sum(relevance_flags(candidates, spans))


def recall_at_k(flags: Sequence[bool], k: int) -> float:
    """Hit rate at k: 1.0 when any of the top k is relevant, else 0.0.

    >>> recall_at_k([False, True], 1), recall_at_k([False, True], 5), recall_at_k([], 5)
    (0.0, 1.0, 0.0)
    """
    return 1.0 if any(flags[:k]) else 0.0


def mrr_at_k(flags: Sequence[bool], k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within the top k (0.0 if none).

    >>> mrr_at_k([False, False, True]), mrr_at_k([False, False, True], k=2)
    (0.3333333333333333, 0.0)
    """
    for rank, relevant in enumerate(flags[:k], 1):
        if relevant:
            return 1.0 / rank
    return 0.0


def _dcg(gains: Iterable[bool]) -> float:
    return sum(1.0 / math.log2(rank + 1) for rank, g in enumerate(gains, 1) if g)


def ndcg_at_k(flags: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """nDCG@k with binary gains; the ideal ranking has ``min(k, R)`` relevant passages on top.

    R is ``n_relevant``, raised to the number of relevant passages in the top k if that is larger
    (so the score never exceeds 1). With ``n_relevant=None``, R is that count alone.

    >>> ndcg_at_k([False, True], k=10, n_relevant=1)   # (1/log2 3) / (1/log2 2)
    0.6309297535714575
    >>> ndcg_at_k([True, False], k=10, n_relevant=2)   # 1 / (1 + 1/log2 3)
    0.6131471927654584
    """
    top = list(flags[:k])
    r = max(n_relevant or 0, sum(top))
    if r == 0:
        return 0.0
    return _dcg(top) / _dcg([True] * min(k, r))


def _distinct_span_count(spans: Sequence[EvidenceSpan]) -> int:
    """Number of evidence spans once overlapping spans in the same document are merged."""
    count, last = 0, None
    for s in sorted(spans, key=lambda s: (s.doc, s.start)):
        if last is None or s.doc != last[0] or s.start >= last[1]:
            count += 1
            last = (s.doc, s.end)
        else:
            last = (s.doc, max(last[1], s.end))
    return count


def score_retrieval(
    passages: Iterable[Any],
    spans: Sequence[EvidenceSpan],
    ks: Sequence[int] = (1, 5, 10),
    n_relevant: int | None = None,
) -> dict[str, float]:
    """Recall@k for each k, MRR@10 and nDCG@10 for one answerable item.

    ``n_relevant`` defaults to the number of distinct evidence spans (see the module docstring).

    >>> spans = [EvidenceSpan("a", 1, 6, "9.9万人")]
    >>> score_retrieval([("b", 0, 2, "拉萨"), ("a", 0, 9, "共9.9万人")], spans, ks=(1, 5))
    {'recall@1': 0.0, 'recall@5': 1.0, 'mrr@10': 0.5, 'ndcg@10': 0.6309297535714575}
    """
    flags = relevance_flags(passages, spans)
    scores = {f"recall@{k}": recall_at_k(flags, k) for k in ks}
    scores["mrr@10"] = mrr_at_k(flags, 10)
    r = n_relevant if n_relevant is not None else _distinct_span_count(spans)
    scores["ndcg@10"] = ndcg_at_k(flags, 10, r)
    return scores
