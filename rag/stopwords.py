"""The stopword lists, one per language, read once from ``rag/data/stopwords-<lang>.txt``.

Each list is split into named groups (the files say why); a caller that must keep some group (the BM25
index keeps question-only words) asks for the groups it drops.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data"


def path(lang: str) -> Path:
    """The file of a language's list (what is derived from it, like the English lexicon, hashes it)."""
    return _DATA / f"stopwords-{lang}.txt"


@cache
def _groups(lang: str) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in path(lang).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], set())
        elif line:
            if current is None:
                raise ValueError(f"stopwords-{lang}.txt: words before the first [group]")
            current.update(line.split())
    return {name: frozenset(words) for name, words in groups.items()}


def stopwords(lang: str, *groups: str) -> frozenset[str]:
    """The stopwords of a language: the named groups, or all of them.

    Args:
        lang: ``zh`` or ``en``.
        groups: Group names of the list (``function``, ``question``, ...); none: every group.

    Returns:
        The words, lower case for English.

    Raises:
        KeyError: A group the list does not have.

    Example:
        >>> "的" in stopwords("zh"), "累计" in stopwords("zh", "function", "question")
        (True, False)
    """
    table = _groups(lang)
    return frozenset().union(*(table[g] for g in (groups or table)))


ZH = stopwords("zh")
EN = stopwords("en")
