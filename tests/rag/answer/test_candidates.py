"""Answer candidates: the sentences of the retrieved passages, with offsets into the document."""

from __future__ import annotations

from rag.answer.candidates import candidates, sentence_figures
from rag.types import Chunk, Hit


def hit(text: str, start: int = 0, chunk_id: int = 0) -> Hit:
    return Hit(Chunk(chunk_id, f"d{chunk_id}.txt", text, start, start + len(text), ""), 1.0)


def test_headings_and_short_lines_are_no_candidates() -> None:
    text = "脱贫攻坚\n\n好的。\n\n全区累计减贫62.8万人。"
    assert [c.text for c in candidates([hit(text)])] == ["全区累计减贫62.8万人。"]


def test_offsets_index_the_document_and_the_passage_is_remembered() -> None:
    first, second = "拉萨市乡村振兴局\n\n到2020年，收入增加到13741.44元。", "昌都搬迁贫困群众9.9万人。"
    found = candidates([hit(first, start=100), hit(second, start=500, chunk_id=1)])
    assert [(c.hit_index, c.start, c.end) for c in found] == [(0, 110, 132), (1, 500, 514)]
    assert found[0].text == first[10:32]


def test_a_line_broken_mid_sentence_is_joined_to_the_next() -> None:
    text = "一是推进建设行动计划。投资 36.4 亿元实施第二批 7 个县(区)、43 个村居“美\n\n丽乡村”整村推进试点。"
    found = candidates([hit(text)])
    assert [c.text for c in found] == ["一是推进建设行动计划。", text[11:]]


def test_figures_in_quotation_marks_are_names() -> None:
    assert [q.text for q in sentence_figures("实施“五个一批”工程、「两个维护」,74个县区摘帽")] == ["74个"]
