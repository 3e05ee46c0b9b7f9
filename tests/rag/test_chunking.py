from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import Chunker, heading_level, split_units
from rag.config import ChunkerConfig
from rag.errors import InputError, TooLargeError
from rag.types import Chunk, Document

ALPHABET = st.sampled_from(
    list("昌都搬迁了多少人拉萨西藏。！？；…,.!?;：:“”「」()（）\n\r \t0123456789.%万亿abcXYZ■●一、")
)
TEXTS = st.text(alphabet=ALPHABET, max_size=600) | st.text(max_size=300)


def doc(text: str, title: str = "T") -> Document:
    return Document("d.txt", title, text, "d.txt")


def chunk(text: str, config: ChunkerConfig | None = None) -> list[Chunk]:
    """Chunks of ``text``; whitespace-only text must be refused, anything else must give chunks."""
    if not text.strip():
        with pytest.raises(InputError, match=r"^d\.txt: no indexable text$"):
            Chunker(config).chunk(doc(text))
        return []
    chunks = Chunker(config).chunk(doc(text))
    assert chunks
    return chunks


def texts(chunks: list[Chunk]) -> list[str]:
    return [c.text for c in chunks]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(20, 200), st.integers(0, 80))
def test_offsets_are_exact_for_arbitrary_text(text: str, size: int, overlap: int) -> None:
    chunks = chunk(text, ChunkerConfig(size=size, overlap=overlap, min_size=1))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text.strip() == c.text and c.text


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_every_non_space_character_is_covered(text: str) -> None:
    chunks = chunk(text, ChunkerConfig(size=60, overlap=10, min_size=1))
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


# --------------------------------------------------------------------------- half-width marks


def test_a_mark_that_opens_a_latin_word_does_not_split_a_chinese_sentence() -> None:
    text = "Gtk#是个.NET的函式库，用来系结GTK+。下一句"
    assert [text[u.start : u.end] for u in split_units(text)] == ["Gtk#是个.NET的函式库，用来系结GTK+。", "下一句"]


def test_ascii_marks_attached_to_latin_words_do_not_split_a_chinese_sentence() -> None:
    text = "节目Wow! eye Taiwan在台北播出，约3.5万人观看，e.g.首播当晚。下一句?"
    units = [text[u.start : u.end] for u in split_units(text)]
    assert units == ["节目Wow! eye Taiwan在台北播出，约3.5万人观看，e.g.首播当晚。", "下一句?"]


def test_half_width_marks_after_chinese_still_end_sentences() -> None:
    text = "脱贫攻坚取得胜利!接下来巩固成果;增长16.42%;“两不愁”!完成."
    units = [text[u.start : u.end] for u in split_units(text)]
    assert units == ["脱贫攻坚取得胜利!", "接下来巩固成果;", "增长16.42%;", "“两不愁”!", "完成."]


def test_english_sentences_end_at_marks_before_whitespace() -> None:
    text = "Lhasa grew fast in 2020. Was it 3.5 times? Yes! See e.g. the U.S. report, by J. Smith. End"
    units = [text[u.start : u.end] for u in split_units(text)]
    assert units == [
        "Lhasa grew fast in 2020.",
        "Was it 3.5 times?",
        "Yes!",
        "See e.g. the U.S. report, by J. Smith.",
        "End",
    ]


def test_a_short_english_sentence_is_body_text_not_a_heading() -> None:
    assert heading_level("The lake is 4,718 m high.") == 0
    assert heading_level("Annual Report 2020") == 3
    assert heading_level("U.S.") == 3  # an abbreviation is not a sentence


# --------------------------------------------------------------------------- never zero chunks


def test_a_list_of_short_unpunctuated_lines_is_indexed_as_body_text() -> None:
    text = "各市投资情况\n拉萨市：5亿元\n昌都市：3亿元\n日喀则市：4亿元\n"
    assert all(heading_level(line) == 3 for line in text.splitlines())  # each line alone reads as a heading
    chunks = chunk(text)
    assert texts(chunks) == [text.strip()]
    assert chunks[0].text == text[chunks[0].start : chunks[0].end]


@pytest.mark.parametrize("text", ["Tibet poverty report", "The Tibet poverty report of 2020", "■ 拉萨市\n■ 昌都市"])
def test_a_document_without_body_sentences_gives_chunks(text: str) -> None:
    chunks = chunk(text)
    assert "".join(texts(chunks)).replace("\n", "") == text.replace("\n", "")


def test_a_document_without_any_sentence_mark_is_all_body_text() -> None:
    # One long unpunctuated line (body) among short ones (headings): no sentence mark anywhere,
    # so the short lines are figures of a list, not section headings.
    long_line = "全区建档立卡贫困人口全部脱贫并且六十二万八千人全部摘帽这一条没有任何标点符号"
    text = f"拉萨市：5亿元\n{long_line}\n昌都市：3亿元"
    assert "昌都市：3亿元" in " ".join(texts(chunk(text)))


def test_headings_stay_headings_when_the_body_has_sentences() -> None:
    text = "拉萨市\n全市累计减贫5万人。\n昌都市\n全市累计减贫19.46万人。"
    chunks = chunk(text)
    assert texts(chunks) == ["全市累计减贫5万人。", "全市累计减贫19.46万人。"]
    assert "昌都市" in chunks[1].context


def test_whitespace_only_text_is_refused() -> None:
    for text in ("", " \n\t\u3000\n"):
        with pytest.raises(InputError, match="no indexable text"):
            Chunker().chunk(doc(text))


def test_chunk_cap_names_the_limit() -> None:
    text = "".join(f"第{i}句话的内容写在这里。" for i in range(400))
    config = ChunkerConfig(size=50, overlap=0, min_size=1)
    n = len(Chunker(config, max_chunks=10**6).chunk(doc(text)))
    assert len(Chunker(config, max_chunks=n).chunk(doc(text))) == n
    with pytest.raises(TooLargeError, match=rf"more than {n - 1} chunks \(limit ingest\.max_chunks\)") as err:
        Chunker(config, max_chunks=n - 1).chunk(doc(text))
    assert err.value.limit == "ingest.max_chunks"
