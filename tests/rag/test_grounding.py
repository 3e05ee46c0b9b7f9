from __future__ import annotations

from rag.answer.grounding import ground, markers


def test_keeps_grounded_sentences_and_drops_invented_figures() -> None:
    result = ground("共9.9万人[1]。另有12万人[1]。", {1: "涉及建档立卡贫困人口9.9万人"})
    assert result.text == "共9.9万人[1]。"
    assert result.ungrounded_numbers == ["12万人"]


def test_numeric_equivalence_counts_as_grounded() -> None:
    result = ground("About 99,000 people (9.9万人) [1].", {1: "涉及9.9万人"})
    assert result.text == "About 99,000 people (9.9万人) [1]."


def test_marker_to_a_passage_not_given_is_dropped() -> None:
    result = ground("共9.9万人[7]。", {1: "涉及9.9万人"})
    assert result.text == "" and result.dropped == ["共9.9万人[7]。"]


def test_a_figure_needs_a_citation() -> None:
    assert ground("共9.9万人。", {1: "涉及9.9万人"}).text == ""
    assert ground("文件没有说明。", {1: "涉及9.9万人"}).text == "文件没有说明。"


def test_figure_must_be_in_the_passage_it_cites() -> None:
    passages = {1: "拉萨人均纯收入13741.44元", 2: "昌都搬迁9.9万人"}
    assert ground("昌都搬迁9.9万人[1]。", passages).text == ""
    assert ground("昌都搬迁9.9万人[2]。", passages).text == "昌都搬迁9.9万人[2]。"


def test_markers_in_order() -> None:
    assert markers("a[2]b[1][3]") == [2, 1, 3]


def test_a_full_stop_inside_quoted_speech_does_not_split_the_sentence() -> None:
    text = "The documents say: “会议提出要求。到2020年完成9.9万人搬迁”[1]."
    assert ground(text, {1: "会议提出要求。到2020年完成9.9万人搬迁"}).text == text
