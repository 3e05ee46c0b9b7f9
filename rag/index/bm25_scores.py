"""The query side of a saved bm25s index: its score matrix read from disk, summed per query.

bm25s builds and saves the index (``rag.index.bm25``); its format is an eager score matrix in CSC
form (``data``/``indices``/``indptr`` arrays and a JSON of parameters). A query's BM25 scores are
the sum of its tokens' columns, which is all a question needs. Importing bm25s pulls scipy.sparse
(≈ 0.3 s of every ``ask``), so the query path reads those arrays itself and sums them in the
order bm25s does; ``tests/rag/index/test_bm25_scores.py`` checks the scores equal bm25s's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# bm25s methods whose matrix alone gives the scores (bm25l and bm25+ add a non-occurrence term).
_METHODS = frozenset({"lucene", "robertson", "atire"})


class ScoreMatrix:
    """A saved bm25s score matrix, memory-mapped.

    Args:
        data: The matrix's non-zero scores, column by column.
        indices: The document of each score.
        indptr: Where each token's column starts in ``data``.
        num_docs: Documents in the index.
        dtype: The scores' dtype.
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, num_docs: int, dtype: str) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.num_docs, self.dtype = num_docs, np.dtype(dtype)

    @classmethod
    def load(cls, directory: Path) -> ScoreMatrix:
        """Read the matrix bm25s saved in ``directory``.

        Raises:
            OSError: A file is missing or unreadable.
            ValueError: The files are not a bm25s matrix this reader can score.
        """
        params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") not in _METHODS:
            raise ValueError(f"bm25s method {params.get('method')!r} is not one of {sorted(_METHODS)}")
        arrays = [np.load(directory / f"{name}.csc.index.npy", mmap_mode="r") for name in ("data", "indices", "indptr")]
        return cls(*arrays, num_docs=int(params["num_docs"]), dtype=params.get("dtype", "float32"))

    @property
    def n_tokens(self) -> int:
        """Tokens (columns) in the matrix."""
        return len(self.indptr) - 1

    def column_size(self, token_id: int) -> int:
        """How many documents hold the token (its column's non-zeros)."""
        return int(self.indptr[token_id + 1] - self.indptr[token_id])

    def scores(self, token_ids: list[int]) -> np.ndarray:
        """Every document's BM25 score for the query ``token_ids`` (repeats count again, as in bm25s).

        Args:
            token_ids: Vocabulary ids of the query's tokens.

        Returns:
            An array of ``num_docs`` scores.
        """
        out = np.zeros(self.num_docs, dtype=self.dtype)
        spans = [(int(self.indptr[t]), int(self.indptr[t + 1])) for t in token_ids]
        if spans:
            np.add.at(
                out,
                np.concatenate([self.indices[a:b] for a, b in spans]),
                np.concatenate([self.data[a:b] for a, b in spans]),
            )
        return out
