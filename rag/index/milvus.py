"""Milvus backend of ``VectorIndex`` (pymilvus): Milvus Lite in a local file, or a cluster by URI and token.

One collection per index directory: ``id`` (INT64 primary key = chunk id) and ``vector`` (FLOAT_VECTOR,
inner product), strong consistency so a search sees the writes before it. The same code serves Milvus Lite
(``index.milvus_uri`` empty: ``<index.dir>/dense.milvus.db``, started by pymilvus in-process) and a cluster
(``http://host:19530`` with ``index.milvus_token`` or ``RAG_MILVUS_TOKEN``).

Milvus keeps its own data, so ``save`` only writes a small marker (``dense.milvus.json``: URI without the
token, collection, dimension) that ``load`` checks. Unlike FAISS, ``copy`` returns the same collection:
readers see a write as Milvus applies it rather than at the snapshot swap (the retriever skips chunk ids
the store no longer holds, so a reader never cites a deleted chunk).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from rag.atomic import write_text_atomic
from rag.config import IndexConfig, expand_path

MARKER = "dense.milvus.json"
LITE_FILE = "dense.milvus.db"
TOKEN_ENV = "RAG_MILVUS_TOKEN"
# Milvus caps one request's result window and expression size; page through larger sets.
BATCH = 1000


def resolve_uri(config: IndexConfig, directory: Path) -> str:
    """The URI to connect to: the configured one (``~``/``${RAG_HOME}`` expanded) or the Lite file in the index."""
    uri = config.milvus_uri
    if not uri:
        return str(directory / LITE_FILE)
    if "://" in uri:
        return uri
    return str(expand_path(uri))


class MilvusIndex:
    """A Milvus collection behind the ``VectorIndex`` protocol.

    Use ``create`` (an index to fill from scratch) or ``load`` (an existing one).

    Args:
        client: A connected ``pymilvus.MilvusClient``.
        collection: Collection name.
        dim: Vector dimension.
        uri: Where the client points (recorded in the marker, never with the token).
        reset: Empty the collection before the first write (a fresh index for this directory).
    """

    def __init__(self, client, collection: str, dim: int, uri: str, reset: bool = False) -> None:
        self._client = client
        self.collection = collection
        self.dim = dim
        self.uri = uri
        self._reset_pending = reset

    # -- opening --------------------------------------------------------------------------------
    @staticmethod
    def _connect(config: IndexConfig, directory: Path):
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:
            raise ValueError("index.dense=milvus needs pymilvus: pip install -e .[milvus]") from exc
        uri = resolve_uri(config, directory)
        token = os.environ.get(TOKEN_ENV) or config.milvus_token
        if "://" not in uri:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        return MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri), uri

    @classmethod
    def create(cls, config: IndexConfig, dim: int, directory: Path) -> MilvusIndex:
        """A handle whose first write empties (re-creates) the collection: an index built from scratch.

        The collection is not touched until then, so opening an index directory costs nothing.
        """
        client, uri = cls._connect(config, directory)
        return cls(client, config.milvus_collection, dim, uri, reset=True)._with_index_type(config.milvus_index)

    @classmethod
    def load(cls, config: IndexConfig, dim: int, directory: Path) -> MilvusIndex:
        """The collection this index directory saved.

        Raises:
            ValueError: No marker, another collection or dimension, or the collection is gone.
        """
        path = directory / MARKER
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path} is missing or unreadable") from exc
        if marker.get("collection") != config.milvus_collection or marker.get("dim") != dim:
            raise ValueError(f"{path} names collection {marker.get('collection')} (dim {marker.get('dim')})")
        client, uri = cls._connect(config, directory)
        if not client.has_collection(config.milvus_collection):
            raise ValueError(f"Milvus at {uri} has no collection {config.milvus_collection}")
        # A restarted server (or Milvus Lite in a new process) keeps collections released until loaded.
        client.load_collection(config.milvus_collection)
        return cls(client, config.milvus_collection, dim, uri)._with_index_type(config.milvus_index)

    def _with_index_type(self, index_type: str) -> MilvusIndex:
        self.index_type = index_type
        return self

    def _ensure(self) -> None:
        """Create (or, for a fresh index, re-create) the collection before a write."""
        if self._reset_pending:
            if self._client.has_collection(self.collection):
                self._client.drop_collection(self.collection)
            self._reset_pending = False
        if self._client.has_collection(self.collection):
            return
        from pymilvus import DataType

        schema = self._client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        params = self._client.prepare_index_params()
        params.add_index(field_name="vector", index_type=self.index_type, metric_type="IP")
        self._client.create_collection(self.collection, schema=schema, index_params=params, consistency_level="Strong")

    def _exists(self) -> bool:
        return not self._reset_pending and self._client.has_collection(self.collection)

    # -- VectorIndex ----------------------------------------------------------------------------
    def __len__(self) -> int:
        if not self._exists():
            return 0
        rows = self._client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert vectors under ids (an existing id is overwritten: Milvus upserts by primary key)."""
        if len(ids) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vector dim {vectors.shape[-1]} != index dim {self.dim}")
        self._ensure()
        for i in range(0, len(ids), BATCH):
            rows = [
                {"id": int(cid), "vector": vec.tolist()}
                for cid, vec in zip(ids[i : i + BATCH], vectors[i : i + BATCH], strict=True)
            ]
            self._client.upsert(self.collection, rows)

    def remove(self, ids: np.ndarray) -> int:
        """Delete by id; returns how many of them were stored (Milvus itself reports the request)."""
        if len(ids) == 0 or not self._exists():
            return 0
        removed = 0
        for i in range(0, len(ids), BATCH):
            part = [int(x) for x in ids[i : i + BATCH]]
            found = self._client.query(self.collection, filter=f"id in {part}", output_fields=["id"])
            if found:
                self._client.delete(self.collection, ids=[r["id"] for r in found])
                removed += len(found)
        return removed

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner product; ids -1 (score -inf) where fewer than k vectors exist."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        scores = np.full((len(vectors), k), -np.inf, dtype=np.float32)
        ids = np.full((len(vectors), k), -1, dtype=np.int64)
        if not self._exists() or len(vectors) == 0:
            return scores, ids
        results = self._client.search(
            self.collection,
            data=vectors.tolist(),
            limit=k,
            output_fields=["id"],
            search_params={"metric_type": "IP"},
        )
        for row, hits in enumerate(results):
            for col, hit in enumerate(hits[:k]):
                ids[row, col], scores[row, col] = int(hit["id"]), float(hit["distance"])
        return scores, ids

    def ids(self) -> np.ndarray:
        """All stored ids (int64), paged through a query iterator."""
        if not self._exists():
            return np.zeros(0, np.int64)
        it = self._client.query_iterator(self.collection, batch_size=BATCH, filter="", output_fields=["id"])
        out: list[int] = []
        try:
            while batch := it.next():
                out.extend(int(r["id"]) for r in batch)
        finally:
            it.close()
        return np.asarray(out, dtype=np.int64)

    def copy(self) -> MilvusIndex:
        """The same collection (Milvus has no cheap snapshot; see the module docstring)."""
        return self

    def save(self, directory: Path) -> None:
        """Write the marker ``dense.milvus.json`` atomically (the vectors live in Milvus)."""
        self._ensure()
        marker = {"uri": self.uri, "collection": self.collection, "dim": self.dim, "count": len(self)}
        write_text_atomic(directory / MARKER, json.dumps(marker, indent=2))
