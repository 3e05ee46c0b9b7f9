"""GPU selection and fallback, tested on CPU with faiss' GPU entry points replaced; parity where a GPU exists."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.config import IndexConfig
from rag.index import faiss as faiss_backend
from rag.index.faiss import FILENAME, FaissIndex, gpu_count
from tests.rag.index.conftest import DIM, clustered


class FakeGpuIndex:
    """Stands in for a GPU clone: a CPU copy that counts its searches."""

    def __init__(self, cpu: faiss.Index) -> None:
        self.inner = faiss.clone_index(cpu)
        self.searches = 0

    def search(self, x: np.ndarray, k: int):
        self.searches += 1
        return self.inner.search(x, k)


@pytest.fixture
def fake_gpus(monkeypatch: pytest.MonkeyPatch) -> list[FakeGpuIndex]:
    """Two 'GPUs': get_num_gpus says 2 and index_cpu_to_all_gpus returns a FakeGpuIndex (HNSW refused, as real)."""
    clones: list[FakeGpuIndex] = []

    def to_gpus(index: faiss.Index) -> FakeGpuIndex:
        inner = faiss.downcast_index(index)
        if isinstance(inner, faiss.IndexIDMap2) and isinstance(faiss.downcast_index(inner.index), faiss.IndexHNSW):
            raise RuntimeError("Error: 'index type not supported on GPU' failed")
        clones.append(FakeGpuIndex(index))
        return clones[-1]

    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 2, raising=False)
    monkeypatch.setattr(faiss, "index_cpu_to_all_gpus", to_gpus, raising=False)
    return clones


def filled(config: IndexConfig, n: int = 500) -> tuple[FaissIndex, np.ndarray]:
    vectors = clustered(n)
    index = FaissIndex(DIM, config)
    index.add(np.arange(n), vectors)
    return index, vectors


def test_searches_go_to_the_gpu_clone_refreshed_after_writes(fake_gpus, tmp_path: Path) -> None:
    index, vectors = filled(IndexConfig(use_gpu="auto"))
    assert fake_gpus == []  # cloned lazily, not once per write step
    _, ids = index.search(vectors[:3], 1)
    assert len(fake_gpus) == 1 and fake_gpus[0].searches == 1 and ids.ravel().tolist() == [0, 1, 2]
    index.search(vectors[:3], 1)
    assert len(fake_gpus) == 1  # the clone is reused while nothing changes
    index.remove(np.array([0]))
    index.add(np.array([10_000]), vectors[:1])
    assert index.search(vectors[:1], 1)[1][0, 0] == 10_000  # the refreshed clone sees the write
    assert len(fake_gpus) == 2
    index.save(tmp_path)  # the CPU index is what is persisted
    assert isinstance(faiss.read_index(str(tmp_path / FILENAME)), faiss.IndexIDMap2)


def test_ivf_goes_to_the_gpu_too(fake_gpus) -> None:
    index, vectors = filled(IndexConfig(use_gpu="auto", kind="ivf"), n=2000)
    index.search(vectors[:2], 5)
    assert len(fake_gpus) == 1 and isinstance(faiss.downcast_index(fake_gpus[0].inner), faiss.IndexIVF)


def test_never_keeps_the_cpu_index(fake_gpus) -> None:
    index, vectors = filled(IndexConfig(use_gpu="never"))
    index.search(vectors[:2], 5)
    assert fake_gpus == []


def test_a_kind_without_gpu_support_falls_back_under_auto(fake_gpus, caplog: pytest.LogCaptureFixture) -> None:
    index, vectors = filled(IndexConfig(use_gpu="auto", kind="hnsw"))
    with caplog.at_level(logging.WARNING, logger=faiss_backend.__name__):
        _, ids = index.search(vectors[:3], 1)
    assert ids.ravel().tolist() == [0, 1, 2] and "stays on the CPU" in caplog.text


def test_always_refuses_to_fall_back(fake_gpus) -> None:
    index, vectors = filled(IndexConfig(use_gpu="always", kind="hnsw"))
    with pytest.raises(RuntimeError, match="cannot go to the GPU"):
        index.search(vectors[:1], 1)


def test_always_without_a_gpu_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 0, raising=False)
    with pytest.raises(RuntimeError, match="no GPU"):
        FaissIndex(DIM, IndexConfig(use_gpu="always"))


def test_the_cpu_wheel_reports_no_gpus_and_auto_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(faiss, "get_num_gpus", raising=False)
    assert gpu_count() == 0
    index, vectors = filled(IndexConfig(use_gpu="auto"))
    assert index.search(vectors[:1], 1)[1][0, 0] == 0


@pytest.mark.skipif(gpu_count() == 0, reason="CPU/GPU parity needs a GPU; faiss sees none here")
@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_cpu_and_gpu_search_agree(kind: str) -> None:
    vectors = clustered(5000)
    q = clustered(50, seed=3)
    cpu = FaissIndex(DIM, IndexConfig(use_gpu="never", kind=kind))
    gpu = FaissIndex(DIM, IndexConfig(use_gpu="always", kind=kind))
    cpu.add(np.arange(5000), vectors)
    gpu.add(np.arange(5000), vectors)
    s_cpu, i_cpu = cpu.search(q, 10)
    s_gpu, i_gpu = gpu.search(q, 10)
    np.testing.assert_allclose(s_cpu, s_gpu, atol=1e-4)
    # Equal up to ties: where ids differ, their scores are equal.
    differ = i_cpu != i_gpu
    np.testing.assert_allclose(s_cpu[differ], s_gpu[differ], atol=1e-4)
