"""Hypothesis strategies shared by the numbers tests: texts made of number-like pieces."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = list("0123456789０１２３４５６７８９.,，．%％万亿萬億千百十一二两三五零〇余多人户戶个個元年次名点之 ")
PIECES += ["人次", "户次", "百分点", "million", "billion", "yuan", "people", "[1]", "［2］", "十三五", "昌都", "G", "x"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
