"""The ``VectorIndex`` protocol every dense engine implements."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    """Inner-product search over L2-normalised vectors keyed by int64 chunk ids."""

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors (float32 ``(n, dim)``) under ``ids`` (int64 ``(n,)``)."""
        ...

    def remove(self, ids: np.ndarray) -> int:
        """Remove vectors by id. Returns how many were removed."""
        ...

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by inner product. Returns ``(scores, ids)``, each ``(n, k)``; missing slots have id -1."""
        ...

    def ids(self) -> np.ndarray:
        """All stored ids (int64)."""
        ...

    def copy(self) -> VectorIndex:
        """An index a writer may change while readers search this one (FAISS: a clone; Milvus: itself)."""
        ...

    def save(self, directory: Path) -> None:
        """Write atomically into ``directory``."""
        ...
