"""Fit the extractive answerer's abstention model (``rag/answer/models/confidence.json``).

Examples: the questions of ``eval.training_data`` (public QA training articles over their own index,
the default corpus's dev sets; with ``--english`` also the public questions' machine-translated English
versions, ``eval.translate_questions``), answered by the extractive answerer with no abstention. A draft is a
positive when the harness would count it correct, a negative when it is wrong or the question has no
answer in the documents; drafts the subject check would refuse anyway are left out, as are questions
with no draft. A logistic regression (scikit-learn, at training only; answering reads the JSON) is
fitted on all of them, its regularisation chosen by out-of-fold accuracy; the threshold maximises the
harness's accuracy over out-of-fold probabilities (5 folds), so it is not set on predictions the
model has fitted. Takes about 5 minutes on 2 cores (most of it indexing the public articles)::

    python -m eval.train_confidence [--out rag/answer/models/confidence.json]

Held-out sets (``eval/gold/heldout.jsonl``) are never read.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.gold import GoldItem
from eval.metrics.answers import answer_correct
from eval.training_data import DEFAULT_SETS, PROVENANCE, default_corpus_files, default_training, public_training
from eval.translate_questions import ENGLISH_PROVENANCE, english_items, load_translations
from rag.answer import subject
from rag.answer.confidence import MODEL_PATH, ConfidenceModel
from rag.config import REPO_ROOT
from rag.pipeline import Pipeline

SOURCES = ("public-train", "public-train-en", "default-dev")


@dataclass
class Example:
    """One drafted answer: its features, whether it is right, whether the question has an answer."""

    source: str
    features: dict[str, float]
    right: bool
    answerable: bool


def drafts(pipe: Pipeline, items: Iterable[GoldItem], source: str) -> list[Example]:
    """The examples of ``items`` answered through ``pipe`` (its retrieval, its extractive answerer)."""
    from rag.answer.factory import extractive_answerer

    answerer = extractive_answerer(pipe.settings, pipe.embedder, pipe.in_headings, confidence=False)
    out = []
    for item in items:
        hits = pipe.search(item.question)
        d = answerer.draft(item.question, hits)
        if d.answer is None:
            continue
        if subject.missing(
            item.question, d.answer.citations, hits[: answerer.settings.max_passages], pipe.in_headings, pipe.profile
        ):
            continue
        row = {"type": item.type, "answers": item.answers, "answer_mode": item.answer_mode}
        answerable = item.type != "unanswerable" and bool(item.answers)
        text = answerer.stated(item.question, hits, d).text  # as answered: with its span headline
        out.append(Example(source, d.features, answerable and answer_correct(row, text, False), answerable))
    return out


def best_threshold(p: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """The probability threshold that maximises the harness's accuracy over these drafts.

    Answering a right draft is correct; abstaining is correct only where the question has no answer.

    Returns:
        The threshold and the accuracy it gives.
    """
    candidates = np.unique(np.concatenate([[0.0], p]))
    accuracy = [np.mean(np.where(p >= t, right, ~answerable)) for t in candidates]
    k = int(np.argmax(accuracy))
    return float(candidates[k]), float(accuracy[k])


def fit(
    examples: list[Example], folds: int = 5, seeds: int = 3, strengths: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)
) -> tuple[ConfidenceModel, dict]:
    """Fit the model and its threshold; the regularisation strength is the one with the best out-of-fold accuracy.

    Args:
        examples: The drafts.
        folds: Folds for the out-of-fold probabilities the threshold is chosen on.
        seeds: Fold assignments averaged when comparing strengths.
        strengths: Candidate inverse regularisation strengths (scikit-learn's ``C``).

    Returns:
        The model (no provenance yet) and the training figures.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    names = sorted(examples[0].features)
    x = np.array([[e.features[n] for n in names] for e in examples])
    y = np.array([e.right for e in examples])
    answerable = np.array([e.answerable for e in examples])

    def out_of_fold(c: float, seed: int) -> np.ndarray:
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        return cross_val_predict(LogisticRegression(C=c, max_iter=2000), x, y, cv=cv, method="predict_proba")[:, 1]

    by_strength = {
        c: np.mean([best_threshold(out_of_fold(c, s), y, answerable)[1] for s in range(seeds)]) for c in strengths
    }
    strength = max(strengths, key=lambda c: (by_strength[c], -c))
    threshold, accuracy = best_threshold(out_of_fold(strength, 0), y, answerable)
    model = LogisticRegression(C=strength, max_iter=2000).fit(x, y)
    # the hand-set floors (coverage and score 0.4) on the same drafts, for comparison
    floors = np.array([e.features.get("coverage", 0) >= 0.4 and e.features.get("score", 0) >= 0.4 for e in examples])
    figures = {
        "examples": len(examples),
        "right": int(y.sum()),
        "unanswerable": int((~answerable).sum()),
        "C": strength,
        "out_of_fold_accuracy_at_threshold": round(accuracy, 4),
        "floors_accuracy": round(float(np.mean(np.where(floors, y, ~answerable))), 4),
    }
    weights = {n: float(w) for n, w in zip(names, model.coef_[0], strict=True)}
    return ConfidenceModel(weights, float(model.intercept_[0]), threshold), figures


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--reranker", choices=("none", "learned"), default=None, help="retrieval.reranker (default: the config's)"
    )
    parser.add_argument(
        "--sets",
        type=Path,
        nargs="+",
        default=list(DEFAULT_SETS),
        help="the default corpus's gold files or folders (default: the dev set and eval/gold/retired/)",
    )
    parser.add_argument(
        "--english",
        action="store_true",
        help="add the public questions' English versions (eval/data; off: they lowered out-of-fold accuracy)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    overrides = {"retrieval": {"reranker": args.reranker}} if args.reranker else None
    public, items = public_training(overrides)
    examples = drafts(public, items, "public-train")
    if args.english:
        examples += drafts(public, english_items(items, load_translations("train")), "public-train-en")
    examples += drafts(*default_training(overrides, args.sets), "default-dev")
    model, figures = fit(examples)
    provenance = {
        "command": " ".join(
            ["python -m eval.train_confidence"]
            + ([f"--reranker {args.reranker}"] if args.reranker else [])
            + (["--sets", *map(str, args.sets)] if args.sets != list(DEFAULT_SETS) else [])
            + (["--english"] if args.english else [])
        ),
        "trained": datetime.date.today().isoformat(),
        "data": PROVENANCE | ({"public-train-en": ENGLISH_PROVENANCE} if args.english else {}),
        "default_files": [str(f.resolve().relative_to(REPO_ROOT)) for f in default_corpus_files(args.sets)],
        "examples_by_source": {s: sum(e.source == s for e in examples) for s in SOURCES},
        **figures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    model = ConfidenceModel(model.weights, model.intercept, model.threshold, provenance)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"wrote {args.out}: threshold {model.threshold:.3f}; {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
