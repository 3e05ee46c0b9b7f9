"""English question → weighted Chinese terms, by dictionary (no translation model).

Each English content word (or dictionary phrase: ``poverty alleviation`` → 扶贫) becomes a ``Concept``: the
Chinese terms that render it, each with a confidence, kept only when the corpus uses them. Adjacent
concepts whose terms join into a corpus word are joined too (``poor`` 贫困 + ``village`` 村 → 贫困村), the
way Chinese compounds what English spells as two words. The result feeds BM25 (``weighted_terms``), the
dense index (``rendering``) and the extractive answerer (concepts, matched as groups of alternatives).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Protocol

from rag.crosslingual.english import stem, words
from rag.crosslingual.lexicon import AnyLexicon, default_lexicon
from rag.fold import fold
from rag.segment import tokenizer, tokens
from rag.stopwords import EN as EN_STOPWORDS

# Alternatives weaker than this share of a concept's best one are noise (rare senses, long glosses).
_RELATIVE_FLOOR = 0.5
# Most alternatives kept per concept: more dilutes BM25 and the answerer's coverage.
_MAX_TERMS = 5
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*%?$")


class Vocabulary(Protocol):
    """Which Chinese terms a corpus uses, and in how many of its passages."""

    def __contains__(self, term: object) -> bool: ...

    def document_frequency(self, term: str) -> int:
        """How many passages use ``term``."""
        ...


def _is_word(text: str) -> bool:
    """Whether jieba's dictionary holds ``text`` as a word."""
    return bool(tokenizer().FREQ.get(text))


class TextVocabulary:
    """The vocabulary of a few texts (retrieved passages).

    A word of two or more characters is used where it occurs as a substring; a single character only where
    it is a word of its own (jieba), or the character a compound adds to a dictionary word (村 in 贫困村 =
    贫困 + 村): inside a two-character word it usually means something else (标 in 指标).

    Args:
        texts: The texts (folded here).
    """

    def __init__(self, texts: list[str]) -> None:
        self.texts = [fold(t) for t in texts]
        words = [w for t in self.texts for w in tokens(t)]
        # A word of its own, or the head of a word+character compound (村 of 贫困村, 县 of 贫困县).
        self._singles = {w for w in words if len(w) == 1} | {
            w[-1] for w in words if len(w) >= 3 and _is_word(w[:-1]) and not w[-1].isdigit()
        }

    def __contains__(self, term: object) -> bool:
        if not isinstance(term, str) or not term:
            return False
        if len(term) == 1:
            return term in self._singles
        return any(term in t for t in self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def document_frequency(self, term: str) -> int:
        """How many of the texts contain ``term``."""
        return sum(term in t for t in self.texts)


@dataclass
class Concept:
    """One English word or phrase and the Chinese terms that render it.

    Attributes:
        source: The English words, as in the question.
        terms: Chinese term → confidence in (0, 1], best first; all in the vocabulary.
        compound: True for a join of two neighbouring concepts (贫困村): a bonus when matched, since its
            parts are concepts of their own.
        name: True when it renders a name (a profile's place name, a proper noun's pinyin): names say what a
            passage is about.
        words: How many English words it renders (a dictionary phrase is a more specific match).
    """

    source: str
    terms: dict[str, float] = field(default_factory=dict)
    compound: bool = False
    name: bool = False
    words: int = 1

    @property
    def best(self) -> str:
        return next(iter(self.terms))


@dataclass
class Translation:
    """The dictionary translation of an English question."""

    question: str
    concepts: list[Concept] = field(default_factory=list)

    def weighted_terms(self) -> dict[str, float]:
        """Chinese term → query weight for BM25.

        A concept spreads its unit weight over its alternatives by confidence; a term rendering several
        English words (supported more) adds up their weights. BM25 applies the corpus IDF itself.
        """
        out: dict[str, float] = {}
        for c in self.concepts:
            total = sum(c.terms.values())
            for term, conf in c.terms.items():
                out[term] = out.get(term, 0.0) + conf / math.sqrt(total * len(c.terms))
        return out

    def rendering(self) -> str:
        """A Chinese rendering for the dense index: each concept's best term, in the question's order."""
        return " ".join(dict.fromkeys(c.best for c in self.concepts))


def translate(
    question: str, vocab: Vocabulary, lexicon: AnyLexicon | None = None, max_terms: int = _MAX_TERMS
) -> Translation:
    """Translate an English question into weighted Chinese terms the corpus uses.

    Args:
        question: The English question.
        vocab: The corpus vocabulary (``IndexVocabulary``) or the passages' (``TextVocabulary``).
        lexicon: The dictionary (``with_places`` adds a profile's place names); CC-CEDICT alone when None.
        max_terms: Most alternatives kept per concept.

    Returns:
        Its concepts in question order; English words the corpus cannot render are left out.

    Example:
        >>> t = translate("How many people were relocated in Chamdo?", TextVocabulary(["昌都搬迁9.9万人"]))
        >>> [(c.source, c.best) for c in t.concepts if not c.compound]
        [('people', '人'), ('relocated', '搬迁'), ('chamdo', '昌都')]
    """
    lex = lexicon or default_lexicon()
    raw = [w for w in words(question) if w not in EN_STOPWORDS]
    stems = [w if w[0].isdigit() else stem(w) for w in raw]
    concepts: list[Concept] = []
    i = 0
    while i < len(raw):
        concept, used = _phrase(raw, stems, i, lex, vocab, max_terms)
        if concept is None:
            concept, used = _word(raw[i], stems[i], lex, vocab, max_terms), 1
        if concept is not None:
            concepts.append(concept)
        i += used
    return Translation(question, _with_compounds(concepts, vocab, max_terms))


def _phrase(
    raw: list[str], stems: list[str], i: int, lex: AnyLexicon, vocab: Vocabulary, max_terms: int
) -> tuple[Concept | None, int]:
    """The longest dictionary phrase starting at word ``i`` that the corpus renders."""
    for n in range(min(lex.longest_phrase, len(raw) - i), 1, -1):
        found = lex.phrases.get(tuple(stems[i : i + n]))
        if found:
            concept = _concept(" ".join(raw[i : i + n]), found, vocab, max_terms)
            if concept is not None:
                concept.words = n
                return concept, n
    return None, 1


def _word(raw: str, stemmed: str, lex: AnyLexicon, vocab: Vocabulary, max_terms: int) -> Concept | None:
    if _NUMBER.match(raw):
        # Figures are tokens of their own in the index (``2021``, ``832``); a thousands comma is not written.
        number = raw.replace(",", "")
        return Concept(raw, {number: 1.0}) if number in vocab else None
    names = {t: c for t, c in lex.names.get(raw, {}).items() if t in vocab}
    found = dict(names)
    if not found or max(found.values()) < 1.0:
        for term, conf in lex.words.get(stemmed, {}).items():
            found[term] = max(conf, found.get(term, 0.0))
    concept = _concept(raw, found, vocab, max_terms)
    if concept is not None:
        concept.name = concept.best in names
    return concept


def _concept(source: str, found: dict[str, float], vocab: Vocabulary, max_terms: int) -> Concept | None:
    """Keep the corpus's terms among ``found``: the confident ones, multi-character words first."""
    present = {t: c for t, c in found.items() if t in vocab}
    if not present:
        return None
    # A single character (县, 村, 人) is kept only as a full translation or when no word renders the concept:
    # as a substring it matches almost anything.
    words_ = {t: c for t, c in present.items() if len(t) >= 2}
    singles = {t: c for t, c in present.items() if len(t) == 1 and (c >= 1.0 or not words_)}
    present = words_ | singles
    # Among equally good dictionary senses, the one the corpus uses most is the domain's word
    # (work → 工作 rather than 做事 in reports): confidence is scaled by relative corpus frequency.
    df = {t: vocab.document_frequency(t) for t in present}
    top_df = math.log(2 + max(df.values()))
    scored = {t: c * (0.5 + 0.5 * math.log(2 + df[t]) / top_df) for t, c in present.items()}
    top = max(scored.values())
    kept = sorted(
        ((t, s) for t, s in scored.items() if s >= top * _RELATIVE_FLOOR),
        key=lambda ts: (-ts[1], -len(ts[0]), ts[0]),
    )
    return Concept(source, dict(kept[:max_terms]))


def _with_compounds(concepts: list[Concept], vocab: Vocabulary, max_terms: int) -> list[Concept]:
    """Add a concept for each pair of neighbouring concepts whose terms join into a corpus word."""
    out: list[Concept] = []
    for i, c in enumerate(concepts):
        out.append(c)
        if i + 1 >= len(concepts):
            continue
        d = concepts[i + 1]
        joined: dict[str, float] = {}
        for a, ca in c.terms.items():
            for b, cb in d.terms.items():
                # English modifier-head order matches Chinese (poor village → 贫困村); "X of Y" reverses it.
                for term in (a + b, b + a):
                    if term not in c.terms and term not in d.terms and term in vocab:
                        joined[term] = max(joined.get(term, 0.0), min(ca, cb))
        if joined:
            best = sorted(joined.items(), key=lambda tc: (-tc[1], -len(tc[0])))[:max_terms]
            out.append(Concept(f"{c.source} {d.source}", dict(best), compound=True, words=c.words + d.words))
    return out
