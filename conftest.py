"""Every pytest run gets a private home, so tests and doctests never write to the user's.

Set in ``pytest_configure`` (before collection imports anything) and at the repository root (so
``pytest rag/...`` doctests are covered too). Subprocesses inherit it. What is expensive to rebuild and
never modified in place is borrowed from the user's home, read-only: installed models and the English
lexicon and jieba's word table as symlinks (new files land in the private home), the embedding cache as a copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

# One thread per math library (faiss's and torch's OpenMP, OpenBLAS): the tests' data is tiny, and idle
# OpenMP/BLAS workers spin-wait; on a shared two-core machine that spinning took a third of the suite's CPU.
# Set before anything imports them (pytest plugins do not), inherited by the tests' subprocesses.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# A larger embedding cache (a user's own documents) is not worth copying: tests embed what they need.
_MAX_CACHE_COPY = 256 * 1024 * 1024
_HOME = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    from rag.config import default_home

    user_home = default_home()
    home = Path(tempfile.mkdtemp(prefix="rag-test-home-"))
    _borrow(user_home, home)
    config.stash[_HOME] = home
    os.environ["RAG_HOME"] = str(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def _borrow(user_home: Path, home: Path) -> None:
    """Link or copy the user's models and caches into the private ``home`` without writing to theirs."""
    models = user_home / "models"
    if models.is_dir():
        for model in models.iterdir():
            if model.name.startswith("."):
                continue
            if model.is_dir():
                _link_tree(model, home / "models" / model.name)
            elif model.is_file():  # a GGUF model is one file (beside its provenance marker)
                (home / "models").mkdir(parents=True, exist_ok=True)
                _symlink(model, home / "models" / model.name)
    cache = user_home / "cache"
    (home / "cache").mkdir(parents=True)
    if not cache.is_dir():
        return
    for lexicon in cache.glob("lexicon-*.sqlite"):
        _symlink(lexicon, home / "cache" / lexicon.name)
    for word_table in cache.glob("jieba-*.sqlite"):
        _symlink(word_table, home / "cache" / word_table.name)
    embeddings = cache / "embeddings.sqlite"
    if embeddings.is_file() and embeddings.stat().st_size <= _MAX_CACHE_COPY:
        # immutable: SQLite reads the file and creates no -wal/-shm beside it; rows still in the user's
        # write-ahead log are left out (cache misses), a copy torn by a concurrent checkpoint is dropped.
        copy = home / "cache" / "embeddings.sqlite"
        src = sqlite3.connect(f"{embeddings.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.Error:
            ok = False
        finally:
            src.close()
            dst.close()
        if not ok:
            copy.unlink(missing_ok=True)


def _link_tree(src: Path, dest: Path) -> None:
    """Mirror ``src`` as real directories of file symlinks: a file written into ``dest`` stays there."""
    for root, _, files in os.walk(src, followlinks=True):
        target = dest / Path(root).relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            _symlink(Path(root) / name, target / name)


def _symlink(src: Path, dest: Path) -> None:
    with contextlib.suppress(OSError):  # no symlinks (Windows without the privilege): the tests rebuild it
        dest.symlink_to(src.resolve())
