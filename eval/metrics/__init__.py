"""Evaluation metrics, one concern per module.

* ``answers``: answer accuracy (gold README rule, numeric equivalence), lead accuracy (the first
  sentence alone), CMRC2018 EM / F1 (of the whole answer or of its headline).
* ``retrieval``: passage relevance, Recall@k (hit rate), MRR@10, nDCG@10.
* ``abstention``: abstention precision/recall, false-abstention and wrong-answer rates.
* ``citations``: citation precision/recall, quote exactness.
* ``latency``: per-stage p50/p95 (nearest rank).
* ``aggregate``: overall / by ``lang`` / by ``type`` breakdowns.
"""

from eval.metrics.abstention import abstention_scores
from eval.metrics.aggregate import breakdown, group_by, mean
from eval.metrics.answers import (
    answer_correct,
    answer_matches,
    char_f1,
    exact_match,
    first_sentence,
    headline_scores,
    strip_citation_markers,
)
from eval.metrics.citations import CitedAnswer, citation_scores, quote_exact
from eval.metrics.latency import latency_summary, percentile
from eval.metrics.retrieval import (
    EvidenceSpan,
    Passage,
    count_relevant,
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

__all__ = [
    "CitedAnswer",
    "EvidenceSpan",
    "Passage",
    "abstention_scores",
    "answer_correct",
    "answer_matches",
    "breakdown",
    "char_f1",
    "citation_scores",
    "count_relevant",
    "dedupe",
    "evidence_spans",
    "exact_match",
    "first_sentence",
    "group_by",
    "headline_scores",
    "is_relevant",
    "latency_summary",
    "mean",
    "mrr_at_k",
    "ndcg_at_k",
    "percentile",
    "quote_exact",
    "recall_at_k",
    "relevance_flags",
    "score_retrieval",
    "strip_citation_markers",
    "to_passage",
]
