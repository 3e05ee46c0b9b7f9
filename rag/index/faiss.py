"""FAISS backend of ``VectorIndex``: exact inner product over an id map, on GPU when present."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np

from rag.atomic import write_atomic

log = logging.getLogger(__name__)
FILENAME = "dense.faiss"


def gpu_count() -> int:
    """GPUs faiss can use (0 with the CPU wheel)."""
    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get else 0


class FaissIndex:
    """Exact inner-product index (``IndexIDMap2`` over ``IndexFlatIP``).

    The CPU index is the one persisted; when faiss sees a GPU (and ``use_gpu`` allows)
    a GPU clone serves searches and is refreshed after writes.

    Args:
        dim: Vector dimension.
        use_gpu: ``auto`` (GPU when present), ``never`` or ``always`` (error without one).
    """

    def __init__(self, dim: int, use_gpu: str = "auto", index: faiss.Index | None = None) -> None:
        self.dim = dim
        self.use_gpu = use_gpu
        self._cpu = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._gpu: faiss.Index | None = None
        self._refresh_gpu()

    def _refresh_gpu(self) -> None:
        n = gpu_count()
        if self.use_gpu == "always" and n == 0:
            raise RuntimeError("use_gpu=always but faiss sees no GPU (is faiss-gpu installed?)")
        if self.use_gpu == "never" or n == 0:
            self._gpu = None
            return
        self._gpu = faiss.index_cpu_to_all_gpus(self._cpu)
        log.info("dense index cloned to %d GPU(s)", n)

    def __len__(self) -> int:
        return int(self._cpu.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ids (replacing nothing: remove first to update)."""
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vector dim {vectors.shape[1]} != index dim {self.dim}")
        self._cpu.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        self._refresh_gpu()

    def remove(self, ids: np.ndarray) -> int:
        """Remove vectors by id; returns the number removed."""
        if len(ids) == 0:
            return 0
        removed = int(self._cpu.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))))
        self._refresh_gpu()
        return removed

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner product; ids -1 where fewer than k vectors exist."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        k = max(1, min(k, max(len(self), 1)))
        index = self._gpu or self._cpu
        # One thread for a single query: OpenMP start-up costs more than it saves here.
        threads = faiss.omp_get_max_threads()
        if len(vectors) == 1:
            faiss.omp_set_num_threads(1)
        try:
            scores, ids = index.search(vectors, k)
        finally:
            faiss.omp_set_num_threads(threads)
        return scores, ids

    def copy(self) -> FaissIndex:
        """An independent copy (writers change a copy while readers search the original)."""
        return FaissIndex(self.dim, self.use_gpu, index=faiss.clone_index(self._cpu))

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self._cpu.id_map).astype(np.int64)

    def save(self, directory: Path) -> None:
        """Write ``dense.faiss`` atomically."""
        write_atomic(directory / FILENAME, lambda p: faiss.write_index(self._cpu, str(p)))

    @classmethod
    def load(cls, directory: Path, dim: int, use_gpu: str = "auto") -> FaissIndex:
        """Read ``dense.faiss``; raises ``ValueError`` when it is missing or unreadable."""
        path = directory / FILENAME
        if not path.exists():
            raise ValueError(f"{path} is missing")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ValueError(f"{path} is unreadable: {str(exc).splitlines()[0]}") from exc
        if index.d != dim:
            raise ValueError(f"{path} has dim {index.d}, expected {dim}")
        return cls(dim, use_gpu, index=index)
