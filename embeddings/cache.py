"""An embedding cache keyed by model and text hash, so unchanged text is never embedded twice."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from embeddings.base import Embedder


class CachedEmbedder:
    """Wraps an ``Embedder``: passages are cached on disk (SQLite, raw float32), queries in memory.

    Args:
        inner: The embedder doing the work.
        path: SQLite file for the passage cache (shared across indexes).
        query_cache_size: Recent queries kept in memory.
    """

    def __init__(self, inner: Embedder, path: Path, query_cache_size: int = 1024) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vec BLOB, PRIMARY KEY (model, hash))"
        )
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        prompt = getattr(self.inner, "passage_prompt", "")
        return hashlib.sha256(f"{prompt}\x00{text}".encode()).hexdigest()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages, computing only those not cached."""
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, vec FROM vectors WHERE model=? AND hash IN ({marks})", [self.name, *part]
                )
                for h, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape[0] == self.dim:
                        found[h] = vec
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = self.inner.embed_passages([t for _, t in missing])
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors(model, hash, vec) VALUES (?,?,?)",
                    [
                        (self.name, k, v.astype(np.float32).tobytes())
                        for (k, _), v in zip(missing, vectors, strict=True)
                    ],
                )
            for (k, _), v in zip(missing, vectors, strict=True):
                found[k] = v
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries; recent ones come from memory."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:  # another thread may evict between a membership test and a lookup
            found = {t: self._queries[t] for t in texts if t in self._queries}
        todo = [i for i, t in enumerate(texts) if t not in found]
        if todo:
            vectors = self.inner.embed_queries([texts[i] for i in todo])
            fresh = {texts[i]: v for i, v in zip(todo, vectors, strict=True)}
            with self._lock:
                self._queries.update(fresh)
                while len(self._queries) > self._query_cache_size:
                    self._queries.popitem(last=False)
            found.update(fresh)
        for i, t in enumerate(texts):
            out[i] = found[t]
        return out
