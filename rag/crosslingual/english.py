"""English text for dictionary lookup: words, numbers, a light stemmer (stopwords: ``rag.stopwords``).

The same ``stem`` is applied to dictionary glosses and to questions, so it only needs to be consistent,
not linguistically right: ``relocated``, ``relocate`` and ``relocation`` all become ``relocat``.
"""

from __future__ import annotations

import re

from rag.stopwords import EN as EN_STOPWORDS

# Words, hyphenated words (kept whole and split), numbers with their decimal point or thousands commas.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[a-z]+(?:['’-][a-z]+)*")

# Irregular forms a suffix stripper gets wrong, restricted to words questions use.
_IRREGULAR = {
    "people": "person",
    "persons": "person",
    "children": "child",
    "women": "woman",
    "men": "man",
    "gave": "give",
    "given": "give",
    "did": "do",
    "does": "do",
    "done": "do",
    "built": "build",
    "spent": "spend",
    "sent": "send",
    "took": "take",
    "taken": "take",
    "got": "get",
    "lives": "life",
    "poorest": "poor",
    "poorer": "poor",
}

_SUFFIXES = (
    ("ations", "at"),
    ("ation", "at"),
    ("ments", ""),
    ("ment", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A light, deterministic stem of an English word (lower case).

    Args:
        word: One word.

    Returns:
        The stem: irregular forms mapped, one suffix (plural, past, -ing, -ation, -ment) stripped,
        a doubled final consonant and a final ``e`` removed.

    Example:
        >>> [stem(w) for w in ("relocated", "relocation", "villages", "counties", "planned")]
        ['relocat', 'relocat', 'villag', 'county', 'plan']
    """
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3:
        return w
    for suffix, replacement in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: len(w) - len(suffix)] + replacement
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case words and numbers of an English text, hyphenated words split into their parts.

    Example:
        >>> words("How many person-times of cadres in 2021?")
        ['how', 'many', 'person', 'times', 'of', 'cadres', 'in', '2021']
    """
    out: list[str] = []
    for m in _TOKEN.finditer(text.lower().replace("’", "'")):
        # A possessive names the same thing: Lhasa's → lhasa.
        word = m.group().removesuffix("'s")
        out.extend(p for p in word.split("-") if p)
    return out


def content_stems(text: str) -> list[str]:
    """Stems of the content words of ``text`` (stopwords dropped), in order; numbers kept as they are."""
    return [w if w[0].isdigit() else stem(w) for w in words(text) if w not in EN_STOPWORDS]
