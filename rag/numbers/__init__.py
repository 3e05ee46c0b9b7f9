"""Quantities in Chinese and English text: find them, compare them, render them in English.

Three users: the answer-accuracy metric (``9.9万`` = ``99,000`` = ``99000``), the grounding guard
(every number in an answer must occur in a cited passage) and the English renderer
(``1.8亿元`` → ``180 million yuan``). By job: ``numerals`` (digit strings and Chinese numerals to
exact values), ``units`` (unit and scale tables), ``quantity`` (finding them in a text), ``match``
(comparing two texts) and ``english`` (rendering).

Rules, in short:

* Values are exact ``Decimal`` s, built from the digit strings (never via ``float``), with the
  Chinese scales (万 = 10^4, 亿 = 10^8, 万亿 = 10^12, 千万, 百万, 千) and English ones
  (thousand, million, billion, trillion) applied: ``9.9万`` is exactly ``99000``.
* Units are normalised to a short canonical key: ``%``, ``元``, ``人`` (also 名, 位, people),
  ``户``, ``户次``, ``人次``, ``个``, ``年``, ``百分点`` (percentage points), ... or ``''``.
* Two quantities are equal when their values are equal and their units are compatible: the same
  unit, or one of them has none (``99000`` = ``9.9万人``). Percent and percentage points are strict:
  they only equal the same unit (``16.42`` ≠ ``16.42%``).
* Matching runs on a per-character folded copy of the text (full-width → ASCII, traditional →
  simplified, lower case) that has exactly the input's length, so offsets always index the
  ORIGINAL string: ``text[q.start:q.end] == q.text``.
* Not numbers: citation markers (``[3]``, ``［1, 2］``, ``【2】``); digits glued to Latin letters
  (``5G``, ``G318``, ``13th``); Chinese numerals that are names or idioms: a Chinese numeral counts
  only when a unit follows it (``五年``, ``一百二十个``, ``百分之十六点四二``), never a bare ``一``
  (一个, 一批 are idioms) nor bare place words (千百年, 百万农奴), and ``十三五`` is not well formed.
* Circled and superscript digits (①, ²) are not folded into digits: they are list markers and
  exponents, not quantities.
* Not supported (by design, to stay predictable): negative numbers, ranges as one quantity
  (``3-5万`` gives 3 and 5万), English number words (``five``), approximation prefixes (约, 近,
  about); the suffixes 余/多 (``19.3万余人次``, ``10多万``) are kept in the span and flagged
  ``approx='over'``.
"""

from __future__ import annotations

from rag.numbers.english import render_english
from rag.numbers.match import numbers_grounded, quantities_present, same_number
from rag.numbers.quantity import Quantity, find_quantities, fold_same_length
from rag.numbers.units import units_compatible

__all__ = [
    "Quantity",
    "find_quantities",
    "fold_same_length",
    "numbers_grounded",
    "quantities_present",
    "render_english",
    "same_number",
    "units_compatible",
]
