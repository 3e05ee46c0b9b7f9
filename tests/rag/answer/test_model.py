"""The numpy evaluation of the learned models' JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.answer.model import Logistic, load_models


def test_probability_is_the_logistic_of_the_standardised_score() -> None:
    m = Logistic(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([2.0, -1.0]), 0.5)
    # z = 2·(3−1)/2 − 1·1 + 0.5 = 1.5
    p = m.probabilities([{"a": 3.0, "b": 1.0}])
    assert p[0] == pytest.approx(1 / (1 + np.exp(-1.5)))


def test_a_feature_the_row_lacks_counts_as_zero_and_an_unknown_one_is_ignored() -> None:
    m = Logistic(("a",), np.zeros(1), np.ones(1), np.array([1.0]), 0.0)
    assert m.probabilities([{"b": 5.0}])[0] == pytest.approx(0.5)


def test_models_round_trip_through_json(tmp_path) -> None:
    m = Logistic(("a",), np.zeros(1), np.ones(1), np.array([0.25]), -0.5, threshold=0.4)
    path = tmp_path / "scorer.json"
    path.write_text(json.dumps({"sentence": m.to_dict(), "abstain": m.to_dict()}), encoding="utf-8")
    loaded = load_models(path)
    assert loaded.abstain.threshold == pytest.approx(0.4)
    assert loaded.span is None
    assert loaded.sentence.probabilities([{"a": 2.0}])[0] == pytest.approx(0.5)


def test_the_shipped_models_name_their_data_and_licence() -> None:
    meta = load_models().meta or {}
    assert "CC BY-SA" in meta["licence"]
    assert "eval.train_answerer" in meta["trained_by"]
