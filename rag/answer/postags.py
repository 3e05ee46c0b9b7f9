"""The jieba part-of-speech tags the answerer reads, as named sets (one home for every tag set).

jieba's tags (ICTCLAS): ``nr`` person name, ``nrfg`` a full person name, ``nrt`` a transliterated name,
``ns`` place, ``nt`` organisation, ``nz`` other proper noun. jieba tags many Tibetan place names as
person names (``nr``, ``nrt``), so a place may carry those tags.
"""

from __future__ import annotations

PERSON = frozenset({"nr", "nrfg", "nrt"})
PLACE = frozenset({"ns"})
ORGANIZATION = frozenset({"nt"})
OTHER_PROPER = frozenset({"nz"})

# Proper nouns of every kind: what may anchor a question to a subject, and a list question's names.
NAMES = PERSON | PLACE | ORGANIZATION | OTHER_PROPER

# What a place question (哪里, 哪个市) may be answered by: the tags a place name gets (not a full person
# name, nor a body).
PLACES = PLACE | OTHER_PROPER | {"nr", "nrt"}

# What 谁 asks for: a person or a body, not a place.
WHO = PERSON | ORGANIZATION

# The subject a follow-up swaps (那拉萨呢 → the place or body the previous question was about).
FOLLOW_UP_SUBJECTS = PLACES | ORGANIZATION

# Tag prefixes of words that carry no subject: pronouns, prepositions, particles, adverbs, conjunctions,
# modal particles, interjections, onomatopoeia, punctuation, classifiers, locatives.
FUNCTION_PREFIXES = ("r", "p", "u", "d", "c", "y", "e", "o", "x", "w", "q", "f")

# Tag prefixes of common nouns: nouns, verbal nouns, Latin words (GDP), abbreviations.
NOUN_PREFIXES = ("n", "vn", "eng", "j")
