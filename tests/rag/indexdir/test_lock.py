"""Two writers on one index directory: the second waits (or fails clearly), never corrupts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import rag.indexdir.lock as writer_lock
from rag.errors import IndexStateError
from rag.pipeline import Pipeline

# Holds the writer lock until its stdin is closed: the test decides when, no sleep races the writer.
HOLD = r"""
import fcntl, sys
with open(sys.argv[1], "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    print("locked", flush=True)
    sys.stdin.read()
"""

WRITER = r"""
import pathlib, sys
from rag.config import load_settings
from rag.pipeline import Pipeline
home, model, docs = sys.argv[1:4]
s = load_settings(None, {"home": home, "index": {"dir": home + "/index"},
                          "embedder": {"model": model, "query_prompt": "", "passage_prompt": ""}})
Pipeline(s).ingest([pathlib.Path(docs)])
"""


def hold_lock(directory: Path) -> subprocess.Popen:
    """Another process holding the index's writer lock until ``release``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(directory / ".write.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0


def test_a_second_writer_waits_for_the_first(settings_factory, small_corpus: Path) -> None:
    pipe = Pipeline(settings_factory(corpus=str(small_corpus)))
    pipe.ensure_index()
    holder = hold_lock(pipe.settings.index_dir)
    events: list[str] = []

    def write() -> None:
        pipe.ingest_bytes("那曲新建学校12所。".encode(), "nagqu.txt")
        events.append("written")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        # A window for a writer that ignored the lock to finish; a waiting one is still waiting after it.
        writer.join(timeout=1.0)
        events.append("released")
    finally:
        release(holder)
    writer.join(timeout=60)
    assert events == ["released", "written"]
    assert "nagqu.txt" in {d.doc_id for d in pipe.documents()}


def test_a_writer_that_cannot_get_the_lock_fails_clearly_and_changes_nothing(
    settings_factory, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = Pipeline(settings_factory(corpus=str(small_corpus)))
    pipe.ensure_index()
    before = pipe.index.store.counts()
    monkeypatch.setattr(writer_lock, "LOCK_TIMEOUT", 0.3)
    holder = hold_lock(pipe.settings.index_dir)
    try:
        with pytest.raises(IndexStateError, match="another process is writing"):
            pipe.ingest_bytes("那曲新建学校12所。".encode(), "nagqu.txt")
    finally:
        release(holder)
    assert pipe.index.store.counts() == before


@pytest.mark.slow
def test_two_writer_processes_both_land(settings_factory, tiny_onnx_dir: Path, tmp_path: Path) -> None:
    settings = settings_factory()
    dirs = []
    for i in range(2):
        d = tmp_path / f"docs{i}"
        d.mkdir()
        for j in range(3):
            (d / f"w{i}_{j}.txt").write_text(
                f"第{i}号写入进程的第{j}份文件：新建学校{i * 10 + j}所。\n", encoding="utf-8"
            )
        dirs.append(d)
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(settings.home_dir), str(tiny_onnx_dir), str(d)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in dirs
    ]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    pipe = Pipeline(settings)
    assert len(pipe.documents()) == 6
    assert pipe.index.check() == []
    assert pipe.index.manifest()["counts"] == pipe.index.store.counts()
