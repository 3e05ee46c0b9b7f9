"""The answerer's learned models, evaluated with numpy from a small JSON file.

``eval.train_answerer`` fits them (scikit-learn, training only) and writes ``rag/answer/models/scorer.json``:
for each model the feature names, the standardisation (mean, scale), the logistic-regression weights and
bias, and for the abstention model the probability threshold calibrated on the dev data. The query path
only reads the JSON: no scikit-learn at answer time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "scorer.json"


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: p = σ(w · (x − mean) / scale + b)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, d: dict) -> Logistic:
        return cls(
            tuple(d["features"]),
            np.asarray(d["mean"], dtype=float),
            np.asarray(d["scale"], dtype=float),
            np.asarray(d["weights"], dtype=float),
            float(d["bias"]),
            float(d.get("threshold", 0.5)),
        )

    def to_dict(self) -> dict:
        return {
            "features": list(self.names),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "weights": [round(float(x), 6) for x in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 6),
        }

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Feature dicts as a matrix in the model's column order (a missing feature is 0)."""
        return np.array([[r.get(n, 0.0) for n in self.names] for r in rows], dtype=float).reshape(-1, len(self.names))

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        """P(positive) of each feature dict."""
        if not rows:
            return np.zeros(0)
        z = ((self.matrix(rows) - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class AnswerModels:
    """The sentence scorer, the abstention model, the span picker and the passage re-ranker."""

    sentence: Logistic
    abstain: Logistic
    span: Logistic | None = None
    passage: Logistic | None = None
    meta: dict | None = None


def load_models(path: str | Path | None = None) -> AnswerModels:
    """The models of ``path`` (None: the shipped ``models/scorer.json``), cached per path."""
    return _load(str(Path(path) if path else DEFAULT_MODEL))


@lru_cache(maxsize=4)
def _load(path: str) -> AnswerModels:
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def opt(key: str) -> Logistic | None:
        return Logistic.from_dict(data[key]) if key in data else None

    return AnswerModels(
        Logistic.from_dict(data["sentence"]),
        Logistic.from_dict(data["abstain"]),
        opt("span"),
        opt("passage"),
        data.get("meta"),
    )
