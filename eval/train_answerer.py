"""Train the extractive answerer's models and write ``rag/answer/models/scorer.json``.

Data: the public train split (``eval.public_data``, retrieval over its own corpus) and the default
corpus's dev set (``eval/gold/dev.jsonl``) train the models; the public dev split and the dev set
calibrate the abstention threshold (the probability that maximises accuracy, abstentions included).

Steps: every question is retrieved through the real pipeline and its top passages' sentences are
featurised by the answerer (``ExtractiveAnswerer.featurize``), cached under ``out/train_answerer/``
(``--refresh`` recomputes). Then three logistic regressions are fitted (scikit-learn, training only):

* sentence: P(the sentence holds the gold answer), over the candidate features;
* abstain: P(the best sentence answers), over the question features (``features.question_features``);
* span: P(a span of the best sentence is the gold span), over the span features (``rag.answer.spans``);
* passage: P(a fused candidate passage holds the answer), over ``LearnedReranker.features``, for the
  re-ranker; Recall@1/5 with and without it are reported on the calibration groups.

Usage: ``python -m eval.train_answerer [--refresh] [--out rag/answer/models/scorer.json]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.gold import GoldItem, load_gold
from eval.metrics import answer_correct
from eval.public_data import LICENCE, build_split
from eval.public_eval import split_pipeline
from rag.answer import spans as span_mod
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.features import add_derived, question_features
from rag.answer.model import DEFAULT_MODEL, AnswerModels, Logistic
from rag.answer.rerank_model import LearnedReranker
from rag.config import REPO_ROOT
from rag.fold import fold_compact
from rag.pipeline import Pipeline

CACHE = REPO_ROOT / "out" / "train_answerer"
RERANKED = 20  # fused candidates the re-ranker orders
TRAIN_GROUPS = ("public-train", "dev")
CALIBRATION_GROUPS = ("public-dev", "dev")


def _positive(item: GoldItem, text: str) -> bool:
    if not item.answerable:
        return False
    if answer_correct({"answers": item.answers, "type": item.type, "answer_mode": item.answer_mode}, text, False):
        return True
    # A long gold answer spans sentences: a sentence inside it answers too.
    f = fold_compact(text)
    return len(f) >= 6 and any(f in fold_compact(a) for a in item.answers)


def collect(group: str, pipeline: Pipeline, items: list[GoldItem]) -> list[dict[str, Any]]:
    """Features and labels of every candidate sentence (and span) of every item."""
    answerer = pipeline.answerer
    assert isinstance(answerer, ExtractiveAnswerer)
    reranker = LearnedReranker(model=None, in_headings=pipeline.index.in_headings)
    rows = []
    for k, item in enumerate(items):
        fused = pipeline.search(item.question, RERANKED)
        hits = fused[: answerer.settings.max_passages]
        query, found = answerer.featurize(item.question, hits)
        cands = [{"x": c.features, "y": int(_positive(item, c.text)), "text": c.text} for c in found]
        spans = []
        if item.answerable and query.kind.kind in span_mod.SPAN_KINDS:
            for i, c in enumerate(found):
                if cands[i]["y"]:
                    spans += [
                        {"c": i, "x": s.features, "f1": span_mod.span_f1(s.text, item.answers)}
                        for s in span_mod.candidate_spans(query, c.text)
                    ]
            # What a headline of the whole sentence scores, for calibrating when to state a span.
            for c in cands:
                c["f1"] = span_mod.span_f1(c["text"], item.answers)
        rows.append(
            {
                "id": item.id,
                "group": group,
                "lang": item.lang,
                "answerable": item.answerable,
                "candidates": cands,
                "spans": spans,
                "answers": item.answers,
                # the fused candidates, for the passage re-ranker
                "passages": {
                    "x": reranker.features(item.question, fused),
                    "y": [int(_positive(item, h.chunk.text)) for h in fused],
                },
            }
        )
        if k % 50 == 0:
            print(f"  {group}: {k}/{len(items)}", flush=True)
    return rows


def _group_data(group: str) -> tuple[Pipeline, list[GoldItem]]:
    if group == "dev":
        pipeline = Pipeline.from_config(None)
        pipeline.ensure_index()
        return pipeline, load_gold(REPO_ROOT / "eval" / "gold" / "dev.jsonl")
    split = build_split(group.split("-")[1])
    return split_pipeline(split), split.items


def load_rows(refresh: bool) -> list[dict[str, Any]]:
    """All groups' rows, from the cache unless ``refresh``."""
    rows: list[dict[str, Any]] = []
    CACHE.mkdir(parents=True, exist_ok=True)
    for group in ("public-train", "public-dev", "dev"):
        path = CACHE / f"{group}.jsonl"
        if path.exists() and not refresh:
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            continue
        t = time.perf_counter()
        pipeline, items = _group_data(group)
        out = collect(group, pipeline, items)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
        print(f"{group}: {len(out)} questions in {time.perf_counter() - t:.0f} s", flush=True)
        rows += out
    return rows


def fit(names: list[str], x: np.ndarray, y: np.ndarray, c: float = 1.0, balanced: bool = False) -> Logistic:
    """A standardised L2 logistic regression (scikit-learn), as the numpy ``Logistic``."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
    lr.fit((x - mean) / scale, y)
    return Logistic(tuple(names), mean, scale, lr.coef_[0], float(lr.intercept_[0]))


def _matrix(names: list[str], dicts: list[dict[str, float]]) -> np.ndarray:
    return np.array([[d.get(n, 0.0) for n in names] for d in dicts], dtype=float)


def question_rows(rows: list[dict], sentence: Logistic) -> list[tuple[dict, dict[str, float], int]]:
    """(row, question features, label: the top-ranked sentence answers) of rows with candidates."""
    out = []
    for r in rows:
        if not r["candidates"]:
            out.append((r, {}, 0))
            continue
        p = sentence.probabilities([c["x"] for c in r["candidates"]])
        order = np.argsort(-p, kind="stable")

        class _C:  # the candidate shape question_features reads
            def __init__(self, x: dict) -> None:
                self.features = x

        ranked = [_C(r["candidates"][i]["x"]) for i in order]
        q = question_features(ranked, [float(p[i]) for i in order])  # type: ignore[arg-type]
        out.append((r, q, int(r["candidates"][order[0]]["y"])))
    return out


def calibrate(probs: np.ndarray, answerable: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """The threshold maximising accuracy (a right answer above it, an abstention on an unanswerable below)."""
    best = (0.0, -1.0)
    for t in np.unique(np.concatenate([probs, [0.0, 1.0]])):
        acc = np.mean(np.where(probs >= t, right == 1, answerable == 0))
        if acc > best[1] + 1e-12:
            best = (float(t), float(acc))
    # Halfway to the next probability above: the decision does not sit on a training value.
    above = probs[probs > best[0]]
    return (best[0] + float(above.min())) / 2 if len(above) and best[0] > 0 else best[0], best[1]


def calibrate_span(span: Logistic, sentence: Logistic, rows: list[dict]) -> tuple[float, float]:
    """The span probability above which stating the span beats stating the sentence (mean headline F1),
    over the rows whose top-ranked sentence answers; returns it and the F1 gained."""
    options = []  # (best span's probability, its F1, the sentence's F1)
    for r in rows:
        if not r["candidates"] or not r["spans"]:
            continue
        p = sentence.probabilities([c["x"] for c in r["candidates"]])
        top = int(np.argmax(p))
        mine = [s for s in r["spans"] if s["c"] == top]
        if not mine:
            continue
        q = span.probabilities([s["x"] for s in mine])
        k = int(np.argmax(q))
        options.append((float(q[k]), mine[k]["f1"], r["candidates"][top].get("f1", 0.0)))
    if not options:
        return 1.0, 0.0
    probs = np.array([o[0] for o in options])
    base = float(np.mean([o[2] for o in options]))
    best = (1.0, base)
    for t in np.unique(probs):
        f1 = float(np.mean([o[1] if o[0] >= t else o[2] for o in options]))
        if f1 > best[1] + 1e-12:
            best = (float(t), f1)
    return best[0], best[1] - base


def train(rows: list[dict]) -> tuple[AnswerModels, dict[str, Any]]:
    """Fit the sentence, abstention and span models and calibrate the threshold."""
    for r in rows:  # cached rows may predate a derived feature: recompute them all
        add_derived([c["x"] for c in r["candidates"]])
    train_rows = [r for r in rows if r["group"] in TRAIN_GROUPS]
    cands = [c for r in train_rows for c in r["candidates"]]
    names = sorted({k for c in cands for k in c["x"]})
    sentence = fit(names, _matrix(names, [c["x"] for c in cands]), np.array([c["y"] for c in cands]), c=0.5)

    q_train = question_rows(train_rows, sentence)
    q_names = sorted({k for _, q, _ in q_train for k in q})
    keep = [(q, y) for _, q, y in q_train if q]
    abstain = fit(q_names, _matrix(q_names, [q for q, _ in keep]), np.array([y for _, y in keep]), c=0.3)

    calib = [r for r in rows if r["group"] in CALIBRATION_GROUPS]
    q_cal = question_rows(calib, sentence)
    probs = np.array([abstain.probabilities([q])[0] if q else 0.0 for _, q, _ in q_cal])
    answerable = np.array([int(r["answerable"]) for r, _, _ in q_cal])
    right = np.array([y for _, _, y in q_cal])
    threshold, accuracy = calibrate(probs, answerable, right)
    abstain = Logistic(abstain.names, abstain.mean, abstain.scale, abstain.weights, abstain.bias, threshold)

    spans = [s for r in train_rows for s in r["spans"]]
    s_names = sorted({k for s in spans for k in s["x"]})
    span = fit(s_names, _matrix(s_names, [s["x"] for s in spans]), np.array([int(s["f1"] >= 0.6) for s in spans]))
    span_threshold, span_gain = calibrate_span(span, sentence, calib)
    span = Logistic(span.names, span.mean, span.scale, span.weights, span.bias, span_threshold)
    report = {
        "sentence_candidates": len(cands),
        "questions_train": len(train_rows),
        "questions_calibration": len(calib),
        "calibrated_threshold": round(threshold, 4),
        "calibration_accuracy": round(accuracy, 4),
        "span_candidates": len(spans),
        "span_threshold": round(span_threshold, 4),
        "span_headline_f1_gain": round(span_gain, 4),
    }
    return AnswerModels(sentence, abstain, span), report


def train_passages(rows: list[dict]) -> tuple[Logistic, dict[str, Any]]:
    """Fit the passage model; Recall@1/5 of the fused order and the re-ranked one on the calibration groups."""
    train_rows = [r for r in rows if r["group"] in TRAIN_GROUPS]
    xs = [x for r in train_rows for x in r["x"]]
    names = sorted({k for x in xs for k in x})
    model = fit(names, _matrix(names, xs), np.array([y for r in train_rows for y in r["y"]]), balanced=True)
    report: dict[str, Any] = {}
    for group in CALIBRATION_GROUPS:
        rs = [r for r in rows if r["group"] == group and r["x"]]
        for name, order in (("fused", lambda r: list(range(len(r["y"])))), ("reranked", lambda r: _order(model, r))):
            for k in (1, 5):
                hits = [any(r["y"][i] for i in order(r)[:k]) for r in rs]
                report[f"{group} {name} R@{k}"] = round(float(np.mean(hits)), 4) if hits else None
    return model, report


def _order(model: Logistic, r: dict) -> list[int]:
    p = model.probabilities(r["x"])
    return sorted(range(len(p)), key=lambda i: (-p[i], i))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="recompute the cached features")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    t = time.perf_counter()
    rows = load_rows(args.refresh)
    models, report = train(rows)
    passage, retrieval = train_passages([r["passages"] | r for r in rows if r["answerable"]])
    report["retrieval"] = retrieval
    data = {
        "meta": {
            "trained_by": "python -m eval.train_answerer",
            "data": "public train split (eval/public_data.py) + eval/gold/dev.jsonl; calibrated on public dev + dev",
            "licence": LICENCE,
            **report,
        },
        "sentence": models.sentence.to_dict(),
        "abstain": models.abstain.to_dict(),
    }
    if models.span is not None:
        data["span"] = models.span.to_dict()
    data["passage"] = passage.to_dict()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    print(f"wrote {args.out} in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
