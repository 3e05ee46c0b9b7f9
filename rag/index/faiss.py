"""FAISS backend of ``VectorIndex``: exact or approximate by size (``faiss_kinds``), on GPU when present."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import faiss
import numpy as np

from rag.atomic import write_atomic
from rag.config import IndexConfig
from rag.index import faiss_kinds as kinds

log = logging.getLogger(__name__)
FILENAME = "dense.faiss"
# HNSW tombstones beyond this share of the index are compacted away at the next write.
MAX_DEAD_SHARE = 0.2


def gpu_count() -> int:
    """GPUs faiss can use (0 with the CPU wheel)."""
    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get else 0


class FaissIndex:
    """A FAISS index whose kind follows the collection size and the config (see ``faiss_kinds``).

    The CPU index is the one persisted; when faiss sees a GPU (and ``use_gpu`` allows) a GPU clone
    serves searches. The clone is made lazily at the first search after a write, so a writer's
    remove-then-add costs one transfer, not one per step. A kind with no GPU implementation (HNSW)
    stays on the CPU with a warning under ``auto`` and is an error under ``always``.

    Args:
        dim: Vector dimension.
        config: The index section of the settings (kind, thresholds, tuning, ``use_gpu``).
        index: An existing CPU index to wrap (loaded or cloned); a new exact index when None.

    Raises:
        RuntimeError: ``use_gpu: always`` and faiss sees no GPU.
    """

    def __init__(self, dim: int, config: IndexConfig | None = None, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self.config = config or IndexConfig()
        self._cpu = index if index is not None else kinds.build(kinds.Plan("flat"), dim, np.zeros(0), np.zeros(0))
        self.kind = kinds.kind_of(self._cpu)
        self._dead = int((kinds.id_array(self._cpu) < 0).sum()) if self.kind == "hnsw" else 0
        self._gpu: faiss.Index | None = None
        self._gpu_stale = True
        self._gpu_lock = threading.Lock()
        if self.config.use_gpu == "always" and gpu_count() == 0:
            raise RuntimeError("index.use_gpu=always but faiss sees no GPU (is faiss-gpu installed?)")
        if self.kind != "flat":
            kinds.tune(self._cpu, self._search_plan())

    def _search_plan(self) -> kinds.Plan:
        """Search knobs for the current size: configured values, else the size-based defaults."""
        p = kinds.current_plan(self._cpu)
        if self.kind == "ivf":
            nprobe = self.config.nprobe or kinds.default_nprobe(p.nlist)
            return kinds.Plan("ivf", nlist=p.nlist, nprobe=min(p.nlist, nprobe))
        if self.kind == "hnsw":
            return kinds.Plan("hnsw", ef_search=self.config.ef_search or kinds.default_ef_search(len(self)))
        return p

    # -- GPU ------------------------------------------------------------------------------------
    def _search_index(self) -> faiss.Index:
        """The index searches go to: the GPU clone when there is one, else the CPU index."""
        if self.config.use_gpu == "never":
            return self._cpu
        with self._gpu_lock:
            if self._gpu_stale:
                self._gpu = self._clone_to_gpu()
                self._gpu_stale = False
            return self._gpu or self._cpu

    def _clone_to_gpu(self) -> faiss.Index | None:
        n = gpu_count()
        if n == 0:
            return None
        try:
            gpu = faiss.index_cpu_to_all_gpus(self._cpu)
        except (RuntimeError, AttributeError) as exc:
            if self.config.use_gpu == "always":
                msg = f"index.use_gpu=always but the {self.kind} index cannot go to the GPU: {exc}"
                raise RuntimeError(msg) from exc
            log.warning("%s index stays on the CPU (no GPU version: %s)", self.kind, str(exc).splitlines()[0])
            return None
        log.info("dense index (%s, %d vectors) cloned to %d GPU(s)", self.kind, len(self), n)
        return gpu

    def _changed(self) -> None:
        with self._gpu_lock:
            self._gpu, self._gpu_stale = None, True

    # -- VectorIndex ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._cpu.ntotal) - self._dead

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ids (replacing nothing: remove first to update).

        Re-builds the index when the new size calls for another kind (exact → approximate past
        ``exact_max``), an IVF outgrew its lists, or an HNSW is a fifth tombstones.
        """
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vector dim {vectors.shape[-1]} != index dim {self.dim}")
        n_after = len(self) + len(ids)
        kind, rebuild = kinds.target_kind(self.config, self.kind, n_after, kinds.current_plan(self._cpu).nlist)
        rebuild = rebuild or (self._dead > 0 and self._dead + len(ids) > MAX_DEAD_SHARE * (self._cpu.ntotal + len(ids)))
        if rebuild:
            old_ids, old_vectors = kinds.live_vectors(self._cpu)
            self._rebuild(kind, np.concatenate([old_ids, ids]), np.concatenate([old_vectors, vectors]))
        else:
            self._cpu.add_with_ids(vectors, ids)
        self._changed()

    def remove(self, ids: np.ndarray) -> int:
        """Remove vectors by id; returns the number removed (HNSW: tombstoned, see ``faiss_kinds``)."""
        if len(ids) == 0 or len(self) == 0:
            return 0
        ids = np.asarray(ids, dtype=np.int64)
        if self.kind == "hnsw":
            removed = kinds.tombstone(self._cpu, ids)
            self._dead += removed
        else:
            removed = int(self._cpu.remove_ids(faiss.IDSelectorBatch(ids)))
        kind, rebuild = kinds.target_kind(self.config, self.kind, len(self))
        if removed and (rebuild or self._dead > MAX_DEAD_SHARE * self._cpu.ntotal):
            self._rebuild(kind, *kinds.live_vectors(self._cpu))
        self._changed()
        return removed

    def _rebuild(self, kind: str, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the CPU index by a fresh one of ``kind`` holding exactly ``ids``/``vectors``."""
        p = kinds.plan(self.config, kind, len(ids), self.dim)
        log.info("re-building the dense index as %s for %d vectors", kinds.factory_string(p), len(ids))
        self._cpu = kinds.build(p, self.dim, ids, vectors)
        self.kind, self._dead = kind, 0
        if kind != "flat":
            kinds.tune(self._cpu, self._search_plan())

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k inner product; ids -1 where fewer than k vectors exist."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        k = max(1, min(k, max(len(self), 1)))
        index = self._search_index()
        params = kinds.search_params(self._cpu, self._dead) if index is self._cpu else None
        # One thread for a single query: OpenMP start-up costs more than it saves here.
        threads = faiss.omp_get_max_threads()
        if len(vectors) == 1:
            faiss.omp_set_num_threads(1)
        try:
            scores, ids = index.search(vectors, k, params=params) if params else index.search(vectors, k)
        finally:
            faiss.omp_set_num_threads(threads)
        return scores, ids

    def copy(self) -> FaissIndex:
        """An independent copy (writers change a copy while readers search the original)."""
        return FaissIndex(self.dim, self.config, index=faiss.clone_index(self._cpu))

    def ids(self) -> np.ndarray:
        """All live ids (int64)."""
        ids = kinds.id_array(self._cpu)
        return ids[ids >= 0] if self._dead else ids

    def save(self, directory: Path) -> None:
        """Write ``dense.faiss`` atomically (the CPU index; tombstones live in its id map)."""
        write_atomic(directory / FILENAME, lambda p: faiss.write_index(self._cpu, str(p)))

    @classmethod
    def load(cls, directory: Path, dim: int, config: IndexConfig | None = None) -> FaissIndex:
        """Read ``dense.faiss``; raises ``ValueError`` when it is missing or unreadable.

        The stored kind is kept; if the config or the size now asks for another, the next write re-builds.
        """
        path = directory / FILENAME
        if not path.exists():
            raise ValueError(f"{path} is missing")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ValueError(f"{path} is unreadable: {str(exc).splitlines()[0]}") from exc
        if index.d != dim:
            raise ValueError(f"{path} has dim {index.d}, expected {dim}")
        return cls(dim, config, index=index)
