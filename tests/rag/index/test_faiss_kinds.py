"""FAISS kinds: chosen by size and config, incremental add/remove on each, persisted, tuned by size."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.config import IndexConfig
from rag.index import faiss_kinds as kinds
from rag.index.faiss import FILENAME, FaissIndex
from tests.rag.index.conftest import DIM, clustered

VARIANTS = [
    {"kind": "flat"},
    {"kind": "ivf"},
    {"kind": "ivf", "quantization": "sq8"},
    {"kind": "ivf", "quantization": "pq", "pq_m": 8},
    {"kind": "hnsw"},
    {"kind": "hnsw", "quantization": "sq8"},
]


def exact_top(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(queries @ vectors.T), axis=1)[:, :k]]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist(), strict=True)]))


@pytest.mark.parametrize("cfg", VARIANTS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_every_kind_adds_removes_and_round_trips(cfg: dict, vectors, ids, tmp_path: Path) -> None:
    # PQ needs ~10k training vectors; below that the plan falls back to sq8 codes.
    n = 12000 if cfg.get("quantization") == "pq" else len(vectors)
    vectors, ids = (clustered(n), np.arange(n, dtype=np.int64) * 7 + 3) if n != len(vectors) else (vectors, ids)
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", **cfg))
    index.add(ids[: n // 2], vectors[: n // 2])
    index.add(ids[n // 2 :], vectors[n // 2 :])  # incremental
    assert index.kind == cfg["kind"] and len(index) == n

    gone = ids[:100]
    assert index.remove(np.concatenate([gone, [10**9]])) == 100  # unknown ids are not counted
    assert index.remove(gone) == 0
    assert len(index) == n - 100
    _, found = index.search(vectors[:100], 10)
    assert not set(found.ravel().tolist()) & set(gone.tolist())

    index.add(gone[:10], vectors[:10])  # removed ids may come back
    # PQ codes are lossy: a vector need not be its own nearest neighbour, but it is near the top.
    top = index.search(vectors[:10], 10 if cfg.get("quantization") == "pq" else 1)[1]
    assert all(cid in row for cid, row in zip(gone[:10].tolist(), top.tolist(), strict=True))

    index.save(tmp_path)
    loaded = FaissIndex.load(tmp_path, DIM, IndexConfig(use_gpu="never", **cfg))
    assert loaded.kind == cfg["kind"] and len(loaded) == n - 90
    assert sorted(loaded.ids().tolist()) == sorted(set(ids.tolist()) - set(gone[10:].tolist()))
    q = clustered(50, seed=1)
    live = np.isin(ids, loaded.ids())
    quality = 0.5 if cfg.get("quantization") == "pq" else 0.8
    assert recall(loaded.search(q, 10)[1], exact_top(vectors[live], ids[live], q, 10)) >= quality


def test_auto_switches_to_approximate_past_the_threshold_at_the_next_write(vectors, ids, tmp_path: Path) -> None:
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", exact_max=2000, approximate="ivf"))
    index.add(ids[:2000], vectors[:2000])
    assert index.kind == "flat"
    index.add(ids[2000:], vectors[2000:])
    assert index.kind == "ivf" and len(index) == 3000
    assert sorted(index.ids().tolist()) == sorted(ids.tolist())
    # Trained from the flat index's stored vectors: every vector still finds itself.
    assert (index.search(vectors[::50], 1)[1].ravel() == ids[::50]).all()
    # Hysteresis: back to exact only below half the threshold.
    index.remove(ids[:1500])
    assert index.kind == "ivf"
    index.remove(ids[1500:2100])
    assert index.kind == "flat" and len(index) == 900
    assert (index.search(vectors[2100::50], 1)[1].ravel() == ids[2100::50]).all()


def test_auto_builds_approximate_directly_when_a_first_write_is_large(vectors, ids) -> None:
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", exact_max=100, approximate="hnsw"))
    index.add(ids, vectors)
    assert index.kind == "hnsw" and len(index) == 3000


def test_hnsw_tombstones_persist_and_compact(vectors, ids, tmp_path: Path) -> None:
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", kind="hnsw"))
    index.add(ids, vectors)
    index.remove(ids[:300])  # 10%: tombstoned, the graph keeps the nodes
    assert index._cpu.ntotal == 3000 and len(index) == 2700
    index.save(tmp_path)
    loaded = FaissIndex.load(tmp_path, DIM, IndexConfig(use_gpu="never", kind="hnsw"))
    assert len(loaded) == 2700 and -1 not in loaded.ids()
    assert not set(loaded.search(vectors[:300], 20)[1].ravel().tolist()) & set(ids[:300].tolist())
    loaded.remove(ids[300:700])  # now over a fifth dead: compacted
    assert loaded._cpu.ntotal == 2300 == len(loaded)


def test_ivf_retrains_when_it_outgrows_its_lists(ids) -> None:
    vectors = clustered(8000)
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", kind="ivf"))
    index.add(np.arange(1000), vectors[:1000])
    first = kinds.current_plan(index._cpu).nlist
    index.add(np.arange(1000, 8000), vectors[1000:])
    assert kinds.current_plan(index._cpu).nlist >= 2 * first


def test_loads_an_index_written_before_kinds_existed(vectors, ids, tmp_path: Path) -> None:
    legacy = faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    legacy.add_with_ids(vectors, ids)
    faiss.write_index(legacy, str(tmp_path / FILENAME))
    index = FaissIndex.load(tmp_path, DIM)
    assert index.kind == "flat" and len(index) == 3000


def test_size_based_defaults_and_config_overrides() -> None:
    assert kinds.auto_nlist(1_000_000) == 4000 and kinds.auto_nlist(100) == 2
    p = kinds.plan(IndexConfig(), "ivf", 1_000_000, 384)
    assert (p.nlist, p.nprobe, p.train_size) == (4000, kinds.default_nprobe(4000), 160_000)
    assert kinds.factory_string(p) == "IVF4000,Flat"
    p = kinds.plan(IndexConfig(nlist=100, nprobe=7, quantization="pq"), "ivf", 1_000_000, 384)
    assert (p.nlist, p.nprobe, kinds.factory_string(p)) == (100, 7, "IVF100,PQ48")
    assert kinds.factory_string(kinds.plan(IndexConfig(quantization="sq8"), "hnsw", 10**6, 384)) == "IDMap2,HNSW32,SQ8"
    assert kinds.plan(IndexConfig(ef_search=99), "hnsw", 10, 384).ef_search == 99
    with pytest.raises(ValueError, match="pq_m"):
        kinds.plan(IndexConfig(quantization="pq", pq_m=7), "ivf", 10**6, 384)
    with pytest.raises(ValueError, match="hnsw"):
        kinds.plan(IndexConfig(quantization="pq"), "hnsw", 10**6, 384)


def test_default_nprobe_reaches_the_recall_target() -> None:
    # A guard on the size-based default (nprobe = 2·sqrt(nlist)): an nprobe of 1 would miss most neighbours.
    vectors = clustered(20000, centres=200)
    ids = np.arange(20000, dtype=np.int64)
    index = FaissIndex(DIM, IndexConfig(use_gpu="never", kind="ivf"))
    index.add(ids, vectors)
    q = clustered(100, seed=5, centres=200)
    assert recall(index.search(q, 10)[1], exact_top(vectors, ids, q, 10)) >= 0.9
