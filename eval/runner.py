"""Running the pipeline over gold items and recording what it did (one prediction per item)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from eval.gold import GoldItem
from rag.answer.grounding import MARKER, markers, sentences
from rag.errors import RagError
from rag.numbers import numbers_grounded
from rag.pipeline import Pipeline
from rag.types import Answer

RETRIEVED_K = 10


def ungrounded_figures(answer: Answer) -> int:
    """Figures in the answer that no quote of the citations their sentence carries states.

    >>> from rag.types import Citation
    >>> ungrounded_figures(Answer("共9.9万人[1]。另有12万人[1]。", [Citation(1, "d", 0, 0, 6, "涉及9.9万人")]))
    1
    """
    if answer.abstained:
        return 0
    quotes = {c.n: c.quote for c in answer.citations}
    return sum(
        len(numbers_grounded(MARKER.sub("", s), [quotes[n] for n in markers(s) if n in quotes]))
        for s in sentences(answer.text)
    )


def predict(pipeline: Pipeline, item: GoldItem, mode: str | None = None) -> dict[str, Any]:
    """Ask one gold question and record the answer, citations, retrieved passages and timings.

    Args:
        pipeline: The pipeline under test.
        item: The gold item.
        mode: Retrieval mode override (``hybrid`` | ``dense`` | ``bm25``).

    Returns:
        A ``predictions.jsonl`` row: ``retrieved`` is the ranked top 10 passages handed to
        the answerer's stage, offsets into the file's decoded text.
    """
    t = time.perf_counter()
    try:
        answer, hits = pipeline.ask(item.question, top_k=RETRIEVED_K, mode=mode)
    except RagError as exc:  # a question the system refuses is a wrong answer, not a harness error
        return {
            "id": item.id,
            "question": item.question,
            "answer": "",
            "abstained": True,
            "error": str(exc),
            "citations": [],
            "retrieved": [],
            "timings": {"total": time.perf_counter() - t},
        }
    timings = dict(answer.timings) | {"total": time.perf_counter() - t}
    return {
        "id": item.id,
        "question": item.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "confidence": answer.confidence,
        "ungrounded_figures": ungrounded_figures(answer),
        "fell_back": bool(answer.timings.get("fallback")),
        "citations": [c.to_dict() for c in answer.citations],
        "retrieved": [
            {
                "source": h.chunk.doc_id,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "score": h.score,
                "text": h.chunk.text,
            }
            for h in hits[:RETRIEVED_K]
        ],
        "timings": timings,
    }


def predict_all(
    pipeline: Pipeline,
    items: list[GoldItem],
    mode: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Predict every item in order, reporting (done, total) after each."""
    rows = []
    for i, item in enumerate(items, 1):
        rows.append(predict(pipeline, item, mode))
        if progress:
            progress(i, len(items))
    return rows
