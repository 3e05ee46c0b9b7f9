"""Smoke run of the scale benchmark on small random seeds (the 1M run is manual: see eval/bench_scale.py)."""

from __future__ import annotations

import numpy as np

from eval.bench_scale import recall_at_k, run_vectors, synthesize


def unit(rng: np.random.Generator, n: int, dim: int = 24) -> np.ndarray:
    x = rng.normal(size=(n, dim)) + 2.0  # a shared offset: a cone, like e5 vectors
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_synthesized_vectors_are_normalised_and_near_their_seeds() -> None:
    rng = np.random.default_rng(0)
    seed = unit(rng, 60)
    out = synthesize(seed, 500, noise=0.5, rng=rng)
    assert out.shape == (500, 24) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert (out @ seed.T).max(axis=1).mean() > 0.8


def test_recall_at_k() -> None:
    assert recall_at_k(np.array([[1, 2, 3, 4]]), np.array([[4, 3, 9, 8]])) == 0.5


def test_smoke_run_reports_every_index_against_exact(tmp_path) -> None:
    rng = np.random.default_rng(1)
    lines: list[str] = []
    result = run_vectors(unit(rng, 80), unit(rng, 10), sizes=[3000], n_queries=30, log=lines.append)
    rows = result["rows"]
    assert {r["index"] for r in rows} == {"exact", "ivf", "ivf-sq8", "ivf-pq", "hnsw"}
    exact = next(r for r in rows if r["index"] == "exact")
    assert exact["recall@10"] == 1.0 and exact["ratio_vs_exact"]["p50_speedup"] == 1.0
    # Every kind has exactly one default row, and a wide nprobe (64 of 76 lists) finds what exact search finds.
    for label in ("ivf", "ivf-sq8", "ivf-pq", "hnsw"):
        assert sum(r["default"] for r in rows if r["index"] == label) == 1
    # Up to 3 of the 300 neighbours may differ: where the 10th and 11th scores nearly tie, the IVF scan and
    # exact search's matrix product sum in different orders and can break the tie differently (CPU-dependent).
    assert max(r["recall@10"] for r in rows if r["index"] == "ivf") >= 0.99
    assert all(0 <= r["recall@10"] <= 1 and r["bytes_per_vector"] > 0 for r in rows)
    sq8 = next(r for r in rows if r["index"] == "ivf-sq8")
    assert sq8["ratio_vs_exact"]["bytes"] < 0.5  # 1 byte a dimension instead of 4
    assert result["data"]["synthetic_3000"]["mean_cos"] > 0 and len(lines) == len(rows) + 1
