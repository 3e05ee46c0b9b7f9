"""jieba's dictionary as an on-disk SQLite table, looked up word by word.

jieba keeps its whole prefix dictionary (≈ 580,000 words and prefixes, with frequencies) and, for part-of-speech
tagging, a second table of ≈ 350,000 tags in Python dicts: loading both costs ≈ 1.7 s and ≈ 150 MB in every
process, while segmenting a question and a few passages asks about a few thousand of them. The table is built
once from jieba's own dictionary file (with jieba's own prefix rule) into ``<home>/cache``, keyed by jieba's
version and the dictionary's size, and each process then reads only the entries it asks for.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import jieba

_MISSING = object()
_SCHEMA_VERSION = 1


def table_path(cache_dir: Path) -> Path:
    """Where the table of the installed jieba dictionary lives.

    Args:
        cache_dir: The home's cache directory.

    Returns:
        A path that changes with jieba's version and its dictionary file.
    """
    size = os.path.getsize(_dictionary_file())
    return cache_dir / f"jieba-{jieba.__version__}-{size}-v{_SCHEMA_VERSION}.sqlite"


def _dictionary_file() -> str:
    # jieba.get_module_res opens the file; only its path is needed here
    return os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME)


def build(path: Path) -> None:
    """Write the table of jieba's bundled dictionary to ``path`` atomically.

    Args:
        path: The target file; a concurrent builder's finished file is simply replaced by an equal one.
    """
    with open(_dictionary_file(), "rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    tags: dict[str, str] = {}
    with open(_dictionary_file(), "rb") as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER NOT NULL, tag TEXT) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        db.executemany("INSERT INTO words VALUES (?, ?, ?)", ((w, n, tags.get(w)) for w, n in freq.items()))
        db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
    db.close()
    os.replace(tmp, path)


class WordTable:
    """A read-only connection to the table, shared by the threads of one process."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.total: int = self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0]
        self.freq = _Column(self, "freq")
        self.tags = _Column(self, "tag")

    def lookup(self, word: str, column: str) -> object:
        """One entry of one column, or ``_MISSING`` when the word is not in the dictionary."""
        with self._lock:
            row = self._db.execute(f"SELECT {column} FROM words WHERE word = ?", (word,)).fetchone()
        return _MISSING if row is None or row[0] is None else row[0]

    def count(self) -> int:
        """Rows in the table: words and their prefixes."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM words").fetchone()[0]


class _Column(Mapping):
    """The dict jieba expects (``FREQ``, ``word_tag_tab``), answered from the table and remembered.

    Writes (jieba's ``add_word``) stay in this process, as they would in jieba's own dict.
    """

    def __init__(self, table: WordTable, column: str) -> None:
        self._table = table
        self._column = column
        self._seen: dict[str, object] = {}

    def _get(self, word: str) -> object:
        value = self._seen.get(word, None)
        if value is None:
            value = self._table.lookup(word, self._column)
            self._seen[word] = value
        return value

    def __getitem__(self, word: str) -> object:
        value = self._get(word)
        if value is _MISSING:
            raise KeyError(word)
        return value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._get(word) is not _MISSING

    def get(self, word: str, default: object = None) -> object:
        value = self._get(word)
        return default if value is _MISSING else value

    def __setitem__(self, word: str, value: object) -> None:
        self._seen[word] = value

    def update(self, other: Mapping) -> None:
        self._seen.update(other)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the word table is looked up word by word, not iterated")

    def __len__(self) -> int:
        return self._table.count()
