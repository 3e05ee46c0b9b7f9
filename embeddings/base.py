"""The ``Embedder`` protocol every dense backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors.

    Attributes:
        name: Identifies the model (written to the index manifest).
        dim: Vector dimension.
    """

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries. Returns float32 ``(len(texts), dim)``, rows L2-normalised."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages. Returns float32 ``(len(texts), dim)``, rows L2-normalised."""
        ...
