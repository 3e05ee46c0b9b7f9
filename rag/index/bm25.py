"""Lexical index: BM25 (bm25s) over jieba tokens of folded text.

bm25s builds and saves the index; questions are scored from its saved matrix without importing it
(``rag.index.bm25_scores``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rag.atomic import fsync_dir, write_text_atomic
from rag.index.bm25_scores import ScoreMatrix

DIRNAME = "bm25"


class BM25Index:
    """BM25 over pre-tokenised chunks, rebuilt whole on change (bm25s has no incremental add).

    Args:
        ids: Chunk ids, aligned with ``token_lists``.
        token_lists: Each chunk's tokens (see ``rag.segment.tokens``).
    """

    def __init__(self, ids: list[int], token_lists: list[list[str]]) -> None:
        self._ids = np.asarray(ids, dtype=np.int64)
        self._model: Any = None  # the bm25s model, kept from a build until it is saved
        self._matrix: ScoreMatrix | None = None
        self._vocab: dict[str, int] = {}
        if len(ids):
            self._fit(token_lists)

    def _fit(self, token_lists: list[list[str]]) -> None:
        import bm25s

        vocab: dict[str, int] = {}
        corpus_ids = [[vocab.setdefault(t, len(vocab)) for t in toks] for toks in token_lists]
        model = bm25s.BM25()
        # bm25s adds "" to the vocabulary it is given; a copy keeps ours to the corpus's tokens
        model.index(bm25s.tokenization.Tokenized(ids=corpus_ids, vocab=dict(vocab)), show_progress=False)
        self._model, self._vocab = model, vocab
        m = model.scores
        self._matrix = ScoreMatrix(m["data"], m["indices"], m["indptr"], int(m["num_docs"]), model.dtype)

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query_tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k chunks by BM25. Returns ``(scores, ids)``; chunks scoring 0 are left out."""
        known = [self._vocab[t] for t in query_tokens if t in self._vocab]
        if self._matrix is None or not known:
            return self._top(None, k)
        return self._top(self._matrix.scores(known), k)

    def _top(self, scores: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the k best chunks, best first, leaving out zero scores (None: no match)."""
        if scores is None:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return scores[top].astype(np.float32), self._ids[top]

    def document_frequency(self, token: str) -> int:
        """How many chunks contain ``token`` (0 when the corpus never uses it)."""
        tid = self._vocab.get(token)
        if self._matrix is None or tid is None:
            return 0
        return self._matrix.column_size(tid)

    def __contains__(self, token: object) -> bool:
        return token in self._vocab

    def search_weighted(self, weighted_tokens: dict[str, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k chunks by a weighted sum of per-token BM25 scores (weighted query terms, e.g. translations).

        Args:
            weighted_tokens: Token → weight; tokens the corpus does not hold are ignored.
            k: How many chunks at most.

        Returns:
            ``(scores, ids)`` best first; chunks scoring 0 are left out.
        """
        known = [(self._vocab[t], w) for t, w in weighted_tokens.items() if t in self._vocab and w > 0]
        if self._matrix is None or not known:
            return self._top(None, k)
        scores = np.zeros(len(self._ids), dtype=np.float64)
        for tid, w in known:
            scores += w * self._matrix.scores([tid])
        return self._top(scores, k)

    def save(self, directory: Path) -> None:
        """Write the bm25s arrays (no pickle) and ids into ``directory/bm25`` atomically."""
        target = directory / DIRNAME
        tmp = Path(tempfile.mkdtemp(prefix=".bm25.", dir=directory))
        try:
            if self._model is None and len(self._ids):
                raise ValueError("only a BM25 index built in this process can be saved (a loaded one is on disk)")
            if self._model is not None:
                self._model.save(str(tmp), show_progress=False)
            write_text_atomic(tmp / "ids.json", json.dumps(self._ids.tolist()))
            write_text_atomic(tmp / "vocab.json", json.dumps(self._vocab, ensure_ascii=False))
            old = directory / f".{DIRNAME}.old"
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            fsync_dir(directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read ``directory/bm25``; raises ``ValueError`` when missing or unreadable."""
        target = directory / DIRNAME
        try:
            ids = json.loads((target / "ids.json").read_text(encoding="utf-8"))
            vocab = json.loads((target / "vocab.json").read_text(encoding="utf-8"))
            matrix = ScoreMatrix.load(target) if ids else None
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{target} is missing or unreadable: {exc}") from exc
        index = cls([], [])
        if matrix is not None:  # indexes saved before kept bm25s's "" entry, which has no column
            vocab = {t: i for t, i in vocab.items() if i < matrix.n_tokens}
        index._ids, index._vocab, index._matrix = np.asarray(ids, dtype=np.int64), vocab, matrix
        return index
