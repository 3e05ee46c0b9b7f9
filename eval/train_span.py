"""Fit the answer-span model (``rag/answer/models/span.json``) from the public QA training articles.

Examples: every question of the training split's articles (``eval.public_data``), given the sentence of
its paragraph that holds the gold span, and the default corpus's Chinese single-answer questions (dev and
retired sets) over their evidence quotes. Each candidate span of that sentence (``rag.answer.span``) is a
positive when it is a gold answer (or, when none is a candidate, the candidate of best CMRC F1 ≥ 0.5).
A pairwise logistic regression (scikit-learn, at training only: a positive against up to 40 of its
sentence's negatives) ranks them. The score threshold maximises the headline's out-of-fold F1 (5 folds
by article), where a question whose best span falls under it keeps the whole sentence as its headline.
The dev split's articles are scored the same way and reported; the held-out sets are never read. About
four minutes on 2 cores::

    python -m eval.train_span [--out rag/answer/models/span.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.metrics.answers import char_f1, exact_match
from eval.public_data import LICENCE, load_articles, split_of, stable_hash
from eval.training_data import PROVENANCE, default_corpus_items
from rag.answer import qtype
from rag.answer.span import KINDS, MODEL_PATH, Question, candidates, features, tokens
from rag.chunking import split_units

_MIN_F1 = 0.5
_C_GRID = (0.03, 0.1, 0.3)
_NEGATIVES = 40
_MIN_QUESTIONS = 5
_DEFAULT_WEIGHT = 3
_THRESHOLDS = 100  # score quantiles tried


@dataclass
class Example:
    """One question over its gold sentence: its candidates' features and texts, and the gold spans."""

    group: str  # the article, for folds
    sentence: str
    golds: tuple[str, ...]
    spans: list[str]
    names: list[list[str]]
    labels: list[int]


def example(group: str, question: str, sentence: str, golds: tuple[str, ...]) -> Example | None:
    """One question over its gold sentence (None when the sentence has no candidate)."""
    toks = tokens(sentence)
    cands = candidates(toks)
    if not cands:
        return None
    q = Question.read(question)
    spans = [sentence[toks[i].start : toks[j - 1].end] for i, j in cands]
    labels = [int(any(s.strip() == g for g in golds)) for s in spans]
    if not any(labels):
        f1 = [char_f1(s, golds) for s in spans]
        k = int(np.argmax(f1))
        if f1[k] >= _MIN_F1:
            labels[k] = 1
    return Example(group, sentence, golds, spans, [features(q, toks, i, j) for i, j in cands], labels)


def examples(split: str) -> list[Example]:
    """The examples of one split's public articles: every question over the sentence holding its span."""
    out = []
    for art in load_articles():
        if split_of(art) != split:
            continue
        for q in art.questions:
            para = art.paragraphs[q.paragraph]
            unit = next((u for u in split_units(para, headings=False) if u.start <= q.start < u.end), None)
            ex = unit and example(f"{art.source}:{art.id}", q.question, para[unit.start : unit.end], q.answers)
            if ex:
                out.append(ex)
    return out


def default_examples() -> list[Example]:
    """The default corpus's Chinese single-answer questions (dev and retired sets) over their evidence quotes.

    Only questions the answerer states a span for (``KINDS``); a quote that holds none of the gold
    answers is left out.
    """
    out = []
    for item in default_corpus_items():
        if item.lang == "en" or item.type in ("unanswerable", "numeric", "list", "reason"):
            continue
        if qtype.classify(item.question).kind not in KINDS:
            continue
        for ev in item.evidence:
            if any(a in ev.quote for a in item.answers):
                ex = example(f"default:{item.id}", item.question, ev.quote, tuple(item.answers))
                if ex:
                    out.append(ex)
                break
    return out


def _matrix(rows: list[Example], vocab: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices, y = [0], [], []
    for ex in rows:
        for names, label in zip(ex.names, ex.labels, strict=True):
            indices.extend(vocab[n] for n in names if n in vocab)
            indptr.append(len(indices))
            y.append(label)
    return csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, len(vocab))), np.array(y)


def _pairs(rows: list[Example], x, seed: int = 0):
    """Pairwise training rows: a positive's features minus a negative's, both ways (``_NEGATIVES`` a question)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    first, second, k = [], [], 0
    for ex in rows:
        n = len(ex.spans)
        pos = [k + i for i in range(n) if ex.labels[i]]
        neg = [k + i for i in range(n) if not ex.labels[i]]
        k += n
        if not pos or not neg:
            continue
        if len(neg) > _NEGATIVES:
            neg = sorted(rng.choice(neg, _NEGATIVES, replace=False).tolist())
        first += [pos[0]] * len(neg)
        second += neg
    d = x[first] - x[second]
    return sp.vstack([d, -d]), np.r_[np.ones(len(first)), np.zeros(len(first))]


def _fit(rows: list[Example], c: float) -> tuple[dict[str, int], np.ndarray]:
    """The vocabulary and weights of a pairwise logistic ranker over these examples."""
    from sklearn.linear_model import LogisticRegression

    # A signal seen in fewer than ``_MIN_QUESTIONS`` questions (a rare word beside a span) is noise.
    seen: Counter[str] = Counter(n for ex in rows for n in {n for names in ex.names for n in names})
    vocab = {n: i for i, n in enumerate(sorted(n for n, k in seen.items() if k >= _MIN_QUESTIONS))}
    x, y = _pairs(rows, _matrix(rows, vocab)[0])
    model = LogisticRegression(C=c, max_iter=3000, fit_intercept=False).fit(x, y)
    return vocab, model.coef_[0]


def _best(vocab: dict[str, int], w: np.ndarray, rows: list[Example]) -> list[tuple[float, str]]:
    """Per example: the best candidate's score and text."""
    scores = _matrix(rows, vocab)[0] @ w
    out, k = [], 0
    for ex in rows:
        n = len(ex.spans)
        i = int(np.argmax(scores[k : k + n]))
        out.append((float(scores[k + i]), ex.spans[i]))
        k += n
    return out


def headline_f1(rows: list[Example], best: list[tuple[float, str]], threshold: float) -> tuple[float, float]:
    """Mean EM and F1 of the headline: the best span at or above ``threshold``, else the sentence."""
    return _Headlines(rows, best).at(threshold)


class _Headlines:
    """Each example's EM and F1 with its best span and with its sentence, scored once for every threshold."""

    def __init__(self, rows: list[Example], best: list[tuple[float, str]]) -> None:
        self.scores = np.array([p for p, _ in best])
        pairs = zip(rows, best, strict=True)
        self.span = np.array([(exact_match(s, ex.golds), char_f1(s, ex.golds)) for ex, (_, s) in pairs])
        self.sentence = np.array([(exact_match(ex.sentence, ex.golds), char_f1(ex.sentence, ex.golds)) for ex in rows])

    def at(self, threshold: float) -> tuple[float, float]:
        em, f1 = np.where((self.scores >= threshold)[:, None], self.span, self.sentence).mean(axis=0)
        return float(em), float(f1)


def _folds(rows: list[Example], k: int = 5) -> list[int]:
    return [stable_hash(ex.group) % k for ex in rows]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    public, default, dev = examples("train"), default_examples(), examples("dev")
    # The default corpus's few questions count ``_DEFAULT_WEIGHT`` times: its report prose is not Wikipedia's.
    train = public + default * _DEFAULT_WEIGHT
    print(f"examples: public train {len(public)}, default corpus {len(default)}, public dev {len(dev)}")
    folds = _folds(train)
    best_c, best_oof, best_score = None, None, -1.0
    for c in _C_GRID:
        oof: list[tuple[float, str]] = [(0.0, "")] * len(train)
        for k in range(5):
            fit_rows = [ex for ex, f in zip(train, folds, strict=True) if f != k]
            held = [i for i, f in enumerate(folds) if f == k]
            vocab, w = _fit(fit_rows, c)
            for i, b in zip(held, _best(vocab, w, [train[i] for i in held]), strict=True):
                oof[i] = b
        score = headline_f1(train, oof, -np.inf)[1]
        print(f"C={c}: out-of-fold span F1 {score:.3f}")
        if score > best_score:
            best_c, best_oof, best_score = c, oof, score
    grid = sorted(set(np.quantile([p for p, _ in best_oof], np.linspace(0, 1, _THRESHOLDS)).round(3).tolist()))
    headlines = _Headlines(train, best_oof)
    threshold = max(grid, key=lambda t: headlines.at(t)[1])
    em, f1 = headlines.at(threshold)
    vocab, w = _fit(train, best_c)
    dev_em, dev_f1 = headline_f1(dev, _best(vocab, w, dev), threshold)
    sent_em, sent_f1 = headline_f1(dev, [(0.0, "")] * len(dev), 1.1)
    print(f"C={best_c} threshold {threshold:.3f}: out-of-fold EM {em:.3f} F1 {f1:.3f}")
    print(f"dev, gold sentence: span EM {dev_em:.3f} F1 {dev_f1:.3f}", end=" ")
    print(f"(whole sentence: EM {sent_em:.3f} F1 {sent_f1:.3f})")
    weights = {n: round(float(w[i]), 6) for n, i in sorted(vocab.items()) if abs(w[i]) > 1e-6}
    data = {
        "weights": weights,
        "threshold": threshold,
        "provenance": {
            "command": "python -m eval.train_span",
            "trained": datetime.date.today().isoformat(),
            "data": {
                "public-train": f"eval.public_data train articles, every question over its gold sentence: {LICENCE}",
                "default-dev": f"{PROVENANCE['default-dev']}: Chinese single-answer questions over their "
                f"evidence quotes, counted {_DEFAULT_WEIGHT} times",
            },
            "examples_by_source": {"public-train": len(public), "default-dev": len(default)},
            "C": best_c,
            "out_of_fold": {"headline_em": round(em, 4), "headline_f1": round(f1, 4)},
            "dev_gold_sentence": {"headline_em": round(dev_em, 4), "headline_f1": round(dev_f1, 4)},
        },
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(weights)} weights) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
