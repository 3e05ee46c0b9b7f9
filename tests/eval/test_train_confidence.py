"""Fitting the abstention model: the threshold that maximises the harness's accuracy, and a separable fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eval.train_confidence import Example, best_threshold, fit


def test_the_threshold_answers_the_right_drafts_and_abstains_on_the_rest() -> None:
    p = np.array([0.9, 0.8, 0.3, 0.2])
    right = np.array([True, True, False, False])
    answerable = np.array([True, True, False, False])
    assert best_threshold(p, right, answerable) == (0.8, 1.0)


def test_abstaining_on_an_answerable_question_earns_nothing() -> None:
    p, right = np.array([0.9, 0.6]), np.array([True, False])
    # the wrong draft answers an answerable question: answering it or abstaining is wrong alike
    assert best_threshold(p, right, np.array([True, True]))[1] == 0.5
    # it answers a question the documents cannot answer: abstaining there is right
    assert best_threshold(p, right, np.array([True, False])) == (0.9, 1.0)


def test_a_separable_signal_is_learned() -> None:
    rng = np.random.default_rng(0)
    examples = []
    for i in range(80):
        good = i % 2 == 0
        x = {"coverage": float(rng.uniform(0.6, 1.0) if good else rng.uniform(0.0, 0.4)), "noise": float(rng.uniform())}
        examples.append(Example("synthetic", x, right=good, answerable=good or i % 4 == 1))
    model, figures = fit(examples, seeds=1)
    assert model.weights["coverage"] > 0
    assert model.accepts({"coverage": 0.9, "noise": 0.5}) and not model.accepts({"coverage": 0.1, "noise": 0.5})
    # the ceiling: the 20 wrong drafts of answerable questions are wrong whether answered or not
    assert figures["examples"] == 80 and figures["out_of_fold_accuracy_at_threshold"] == 0.75


def test_the_default_corpus_sets_are_files_or_folders_of_gold_files(tmp_path: Path) -> None:
    from eval.training_data import DEFAULT_SETS, default_corpus_files

    (tmp_path / "retired").mkdir()
    for name in ("retired/b.jsonl", "retired/a.jsonl", "retired/notes.md", "dev.jsonl"):
        (tmp_path / name).write_text("", encoding="utf-8")
    sets = [tmp_path / "dev.jsonl", tmp_path / "retired"]
    assert [p.relative_to(tmp_path).as_posix() for p in default_corpus_files(sets)] == [
        "dev.jsonl",
        "retired/a.jsonl",
        "retired/b.jsonl",
    ]
    assert all(p.name != "heldout.jsonl" for p in default_corpus_files(DEFAULT_SETS))  # the live set is never read
