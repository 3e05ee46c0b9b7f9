"""Which FAISS index to build for how many vectors, and how to build, tune and take it apart.

Three kinds, all inner product over L2-normalised vectors keyed by int64 chunk ids:

- ``flat``: ``IndexIDMap2`` over ``IndexFlatIP`` — exact; the default up to ``exact_max`` vectors.
- ``ivf``: ``IndexIVF{Flat,ScalarQuantizer,PQ}`` with the chunk ids stored natively (IVF removes by id,
  an id map over it could not: IVF does not renumber on removal). nlist = 4·√n, trained on a sample.
- ``hnsw``: ``IndexIDMap2`` over ``IndexHNSW{Flat,SQ}``. HNSW cannot remove, so a removal tombstones the
  entry by setting its id in the id map to -1 and searches pass a selector that skips negative ids: the
  graph keeps the node as a route, the file stays one file (no side list to keep in step), and the index
  is compacted (re-built from its live vectors) once a fifth of it is dead.

The size-based defaults for nprobe and efSearch come from ``eval/bench_scale.py`` on vectors shaped like
the corpus' e5 embeddings (recall@10 ≥ 0.95 against exact search).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import faiss
import numpy as np

from rag.config import IndexConfig

log = logging.getLogger(__name__)

# faiss' k-means wants ~39 points per centroid; PQ codebooks have 256 centroids each.
POINTS_PER_CENTROID = 39
PQ_MIN_TRAIN = 256 * POINTS_PER_CENTROID
ALL_LIVE = faiss.IDSelectorRange(0, np.iinfo(np.int64).max)


@dataclass(frozen=True)
class Plan:
    """A concrete index layout: the kind and every parameter resolved for a collection size."""

    kind: str
    nlist: int = 0
    nprobe: int = 0
    hnsw_m: int = 32
    ef_construction: int = 64
    ef_search: int = 0
    quantization: str = "none"
    pq_m: int = 0
    train_size: int = 0


def auto_nlist(n: int) -> int:
    """IVF lists for ``n`` vectors: 4·√n, capped so every list gets enough training points."""
    return max(1, min(round(4 * math.sqrt(n)), n // POINTS_PER_CENTROID))


def default_nprobe(nlist: int) -> int:
    """Lists searched: 3·√nlist (bench_scale on e5-like vectors: 2·√nlist gave recall@10 0.942 at 100k)."""
    return min(nlist, max(8, math.ceil(3 * math.sqrt(nlist))))


def default_ef_search(n: int) -> int:
    """HNSW search breadth for ``n`` vectors (bench_scale: recall@10 ≈ 0.95 on e5-like vectors)."""
    return 128 if n <= 50_000 else 256 if n <= 2_000_000 else 512


def target_kind(config: IndexConfig, current: str, n: int, nlist: int = 0) -> tuple[str, bool]:
    """The kind an index of ``current`` kind should have once it holds ``n`` vectors.

    ``auto`` switches to ``config.approximate`` past ``exact_max`` and back to exact below half of it
    (hysteresis, so a collection at the threshold is not rebuilt on every write).

    Args:
        config: The index section of the settings.
        current: The kind the index has now.
        n: Vectors after the pending write.
        nlist: The current IVF's lists (to re-train an IVF that outgrew them).

    Returns:
        ``(kind, rebuild)``: the kind to have and whether the index must be re-built to get it.
    """
    if config.kind != "auto":
        kind = config.kind
    elif current == "flat":
        kind = config.approximate if n > config.exact_max else "flat"
    else:
        kind = "flat" if n <= config.exact_max // 2 else config.approximate
    if kind != current:
        return kind, n > 0 or kind == "flat"
    # An IVF trained when the collection was a quarter of its size has half the lists it should.
    grown = kind == "ivf" and config.nlist == 0 and nlist and auto_nlist(n) >= 2 * nlist
    return kind, bool(grown)


def plan(config: IndexConfig, kind: str, n: int, dim: int) -> Plan:
    """Resolve the parameters of ``kind`` for ``n`` vectors (config values win, 0 means the default)."""
    if kind == "flat":
        return Plan("flat")
    quant = config.quantization
    if quant == "pq" and n < PQ_MIN_TRAIN:
        log.info("%d vectors are too few to train PQ codebooks; using sq8 codes", n)
        quant = "sq8"
    pq_m = config.pq_m or max(1, dim // 8)
    if quant == "pq" and dim % pq_m:
        raise ValueError(f"index.pq_m={pq_m} must divide the dimension {dim}")
    if kind == "hnsw":
        if quant == "pq":
            raise ValueError("index.quantization=pq is for ivf; hnsw takes none or sq8")
        return Plan(
            "hnsw",
            hnsw_m=config.hnsw_m,
            ef_construction=config.ef_construction,
            ef_search=config.ef_search or default_ef_search(n),
            quantization=quant,
            train_size=config.train_size or min(n, 100_000),
        )
    nlist = min(config.nlist, max(1, n)) if config.nlist else auto_nlist(n)
    return Plan(
        "ivf",
        nlist=nlist,
        nprobe=min(nlist, config.nprobe or default_nprobe(nlist)),
        quantization=quant,
        pq_m=pq_m,
        train_size=config.train_size or max(10_000, 40 * nlist),
    )


def factory_string(p: Plan) -> str:
    """The ``faiss.index_factory`` description of a plan."""
    if p.kind == "flat":
        return "IDMap2,Flat"
    codes = {"none": "Flat", "sq8": "SQ8", "pq": f"PQ{p.pq_m}"}[p.quantization]
    if p.kind == "hnsw":
        return f"IDMap2,HNSW{p.hnsw_m}" + ("" if codes == "Flat" else f",{codes}")
    return f"IVF{p.nlist},{codes}"


def build(p: Plan, dim: int, ids: np.ndarray, vectors: np.ndarray, seed: int = 0) -> faiss.Index:
    """Build, train (on a seeded sample) and fill an index of plan ``p``.

    Args:
        p: The layout.
        dim: Vector dimension.
        ids: int64 ids, aligned with ``vectors``.
        vectors: float32 ``(n, dim)``, L2-normalised.
        seed: Sampling seed (the same data builds the same index).

    Returns:
        The CPU index, tuned for search.
    """
    index = faiss.index_factory(dim, factory_string(p), faiss.METRIC_INNER_PRODUCT)
    if p.kind == "hnsw":
        hnsw = faiss.downcast_index(faiss.downcast_index(index).index)
        hnsw.hnsw.efConstruction = p.ef_construction
    if not index.is_trained:
        sample = vectors
        if len(vectors) > p.train_size:
            rows = np.sort(np.random.default_rng(seed).choice(len(vectors), p.train_size, replace=False))
            sample = vectors[rows]
        _ivf_clustering_iterations(index)
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))
    tune(index, p)
    return index


def _ivf_clustering_iterations(index: faiss.Index) -> None:
    # 10 k-means rounds instead of 25: the lists barely move after that, and training is most of the build.
    ivf = _as_ivf(index)
    if ivf is not None:
        ivf.cp.niter = 10
        ivfpq = faiss.try_extract_index_ivf(index) and faiss.downcast_index(ivf)
        pq = getattr(ivfpq, "pq", None)
        if pq is not None:
            pq.cp.niter = 10
            # Polysemous training orders the codes for Hamming pre-filtering, which search never enables
            # (polysemous_ht stays 0): it only costs time, ~10x the rest of a PQ build.
            ivfpq.do_polysemous_training = False


def _as_ivf(index: faiss.Index) -> faiss.IndexIVF | None:
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def kind_of(index: faiss.Index) -> str:
    """The kind of a CPU index built here (or read back from disk)."""
    if _as_ivf(index) is not None:
        return "ivf"
    index = faiss.downcast_index(index)
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexFlat):
        return "flat"
    raise ValueError(f"unsupported dense index type {type(inner).__name__}")


def current_plan(index: faiss.Index) -> Plan:
    """The parameters an existing index was built with (nlist, M...)."""
    kind = kind_of(index)
    if kind == "ivf":
        ivf = _as_ivf(index)
        return Plan("ivf", nlist=int(ivf.nlist), nprobe=int(ivf.nprobe))
    if kind == "hnsw":
        hnsw = faiss.downcast_index(faiss.downcast_index(index).index).hnsw
        return Plan("hnsw", ef_search=int(hnsw.efSearch), ef_construction=int(hnsw.efConstruction))
    return Plan("flat")


def tune(index: faiss.Index, p: Plan) -> None:
    """Set the search-time knobs (nprobe, efSearch) of ``p`` on ``index``."""
    if p.kind == "ivf" and p.nprobe:
        _as_ivf(index).nprobe = p.nprobe
    elif p.kind == "hnsw" and p.ef_search:
        faiss.downcast_index(faiss.downcast_index(index).index).hnsw.efSearch = p.ef_search


def id_array(index: faiss.Index) -> np.ndarray:
    """Every id slot of the index, tombstones (-1) included, in storage order."""
    ivf = _as_ivf(index)
    if ivf is None:
        return faiss.vector_to_array(faiss.downcast_index(index).id_map).astype(np.int64)
    inv = ivf.invlists
    parts = [faiss.rev_swig_ptr(inv.get_ids(i), inv.list_size(i)).copy() for i in range(ivf.nlist) if inv.list_size(i)]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def live_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """All live ``(ids, vectors)`` (decoded: SQ8/PQ codes come back approximate).

    Returns:
        int64 ids and float32 vectors, aligned.
    """
    dim = index.d
    if index.ntotal == 0:
        return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
    ivf = _as_ivf(index)
    if ivf is None:
        ids = id_array(index)
        vectors = faiss.downcast_index(index).index.reconstruct_n(0, index.ntotal)
        keep = ids >= 0
        return ids[keep], vectors[keep]
    # An IVF reconstructs by id only through a direct map; build one on a throw-away copy.
    ids = id_array(index)
    scratch = faiss.clone_index(index)
    scratch.set_direct_map_type(faiss.DirectMap.Hashtable)
    return ids, scratch.reconstruct_batch(ids)


def tombstone(index: faiss.Index, ids: np.ndarray) -> int:
    """Mark ``ids`` dead in an ``IndexIDMap2`` (HNSW cannot remove). Returns how many were live."""
    idmap = faiss.downcast_index(index)
    slots = faiss.vector_to_array(idmap.id_map).astype(np.int64)
    hit = np.isin(slots, ids) & (slots >= 0)
    count = int(hit.sum())
    if count:
        slots[hit] = -1
        faiss.copy_array_to_vector(slots, idmap.id_map)
        idmap.construct_rev_map()
    return count


def search_params(index: faiss.Index, dead: int) -> faiss.SearchParameters | None:
    """Per-search parameters: skip tombstones of an HNSW that has any."""
    if not dead:
        return None
    hnsw = faiss.downcast_index(faiss.downcast_index(index).index).hnsw
    return faiss.SearchParametersHNSW(sel=ALL_LIVE, efSearch=int(hnsw.efSearch))
