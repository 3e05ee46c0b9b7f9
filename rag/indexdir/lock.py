"""The writer lock: one writing thread per ``IndexDirectory``, one writing process per directory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from rag.errors import IndexStateError

LOCK_TIMEOUT = 120.0
LOCK_FILE = ".write.lock"


class WriterLock:
    """A thread lock plus an OS file lock (``flock`` on Unix, ``LockFileEx`` on Windows) on ``.write.lock``.

    A second writer waits up to ``LOCK_TIMEOUT`` seconds, then fails with a clear message.

    Args:
        directory: The index directory (the lock file lives in it).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._thread_lock = threading.Lock()
        # One lock object shared by this directory's threads (they are serialised by the thread lock first).
        self._file_lock = FileLock(directory / LOCK_FILE, mode=0o600, thread_local=False)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold both locks for the ``with`` body.

        Raises:
            IndexStateError: Another process kept the directory longer than ``LOCK_TIMEOUT``.
        """
        with self._thread_lock:
            try:
                self._file_lock.acquire(timeout=LOCK_TIMEOUT)
            except Timeout:
                raise IndexStateError(
                    f"another process is writing to {self.directory}; try again when it has finished"
                ) from None
            try:
                yield
            finally:
                self._file_lock.release()
