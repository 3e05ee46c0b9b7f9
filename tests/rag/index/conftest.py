"""Vectors for the index tests: clustered like real embeddings, small enough to stay fast."""

from __future__ import annotations

import numpy as np
import pytest

DIM = 32


def clustered(n: int, seed: int = 0, centres: int = 20) -> np.ndarray:
    """``n`` unit vectors around ``centres`` random directions (neighbours are close, as with e5)."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, DIM))
    x = c[rng.integers(0, centres, n)] + 0.5 * rng.normal(size=(n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def vectors() -> np.ndarray:
    return clustered(3000)


@pytest.fixture
def ids() -> np.ndarray:
    # Sparse, non-contiguous ids, as chunk ids become after deletions.
    return np.arange(3000, dtype=np.int64) * 7 + 3
