from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import Chunker, heading_level, split_units
from rag.config import ChunkerConfig
from rag.types import Document

ALPHABET = st.sampled_from(
    list("昌都搬迁了多少人拉萨西藏。！？；…,.!?;：:“”「」()（）\n\r \t0123456789.%万亿abcXYZ■●一、")
)
TEXTS = st.text(alphabet=ALPHABET, max_size=600) | st.text(max_size=300)


def doc(text: str, title: str = "T") -> Document:
    return Document("d.txt", title, text, "d.txt")


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(20, 200), st.integers(0, 80))
def test_offsets_are_exact_for_arbitrary_text(text: str, size: int, overlap: int) -> None:
    chunks = Chunker(ChunkerConfig(size=size, overlap=overlap, min_size=1)).chunk(doc(text))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text.strip() == c.text and c.text


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_every_non_space_character_is_covered(text: str) -> None:
    chunks = Chunker(ChunkerConfig(size=60, overlap=10, min_size=1)).chunk(doc(text))
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    headings = {i for u in split_units(text) if u.heading_level for i in range(u.start, u.end)}
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered and i not in headings]
    assert missing == []


def test_sentences_end_at_chinese_and_half_width_marks() -> None:
    text = "第一句。第二句！第三句?第四句;第五句……第六句"
    units = [text[u.start : u.end] for u in split_units(text)]
    assert units == ["第一句。", "第二句！", "第三句?", "第四句;", "第五句……", "第六句"]


def test_numbers_and_quoted_terms_are_not_split() -> None:
    text = "涉及9.9万人,增长16.42%。他说“这是。一个词”然后结束。"
    units = [text[u.start : u.end] for u in split_units(text)]
    assert units == ["涉及9.9万人,增长16.42%。", "他说“这是。一个词”然后结束。"]


def test_long_sentence_hard_cut_never_inside_a_number() -> None:
    text = "甲" * 18 + "123456.789万" + "乙" * 30
    chunks = Chunker(ChunkerConfig(size=22, overlap=0, min_size=1)).chunk(doc(text))
    for c in chunks:
        assert not re.match(r"[\d.万]", c.text[0]) or c.start == 0 or not re.match(r"[\d.]", text[c.start - 1])
    assert any("123456.789万" in c.text for c in chunks)


def test_chunks_respect_size_and_overlap() -> None:
    sentences = [f"这是第{i}句话，内容不长。" for i in range(40)]
    text = "".join(sentences)
    chunks = Chunker(ChunkerConfig(size=60, overlap=15, min_size=5)).chunk(doc(text))
    assert len(chunks) > 5
    assert all(len(c.text) <= 60 for c in chunks)
    # consecutive chunks share whole sentences
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end


def test_section_heading_becomes_context_not_text() -> None:
    text = "标题行\n\n■ 拉萨市乡村振兴局\n\n全市累计减贫5万人。\n\n■ 昌都市乡村振兴局\n\n全市累计减贫19.46万人。\n"
    chunks = Chunker().chunk(doc(text, title="新西藏"))
    by_text = {c.text: c for c in chunks}
    assert "拉萨市乡村振兴局" in by_text["全市累计减贫5万人。"].context
    assert "昌都市乡村振兴局" in by_text["全市累计减贫19.46万人。"].context
    assert "拉萨" not in by_text["全市累计减贫19.46万人。"].context
    assert all("■" not in c.text for c in chunks)


def test_heading_levels() -> None:
    assert heading_level("■ 拉萨市乡村振兴局") == 1
    assert heading_level("# Title") == 1
    assert heading_level("一、脱贫攻坚取得的成就") == 2
    assert heading_level("伟大思想引领伟大决策") == 3
    assert heading_level("全市累计减贫3.84万户19.46万人。") == 0
    assert heading_level("9 772095 101214") == 0
