from __future__ import annotations

from rag.answer.grounding import claim_span, ground, markers, state_figures_in_english, unmarked_bigrams


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


def test_claim_span_is_the_sentence_holding_the_figures() -> None:
    passage = "昌都概况。全市开工建设安置点268个。涉及贫困人口9.9万人。三岩片区已搬迁7211人。"
    s, e = claim_span("共搬迁9.9万人[1]。", passage)
    assert passage[s:e] == "涉及贫困人口9.9万人。"
    # Figures from two sentences: the span runs over both.
    s, e = claim_span("建了268个安置点，涉及9.9万人[1]。", passage)
    assert passage[s:e] == "全市开工建设安置点268个。涉及贫困人口9.9万人。"


def test_claim_span_without_figures_matches_words() -> None:
    passage = "阿里电网曾经孤网运行。2020年阿里与藏中电网联网。林芝下雪。"
    s, e = claim_span("阿里与藏中电网联网了[1]。", passage)
    assert passage[s:e] == "2020年阿里与藏中电网联网。"


def test_english_figures_are_converted_exactly_and_keep_the_chinese() -> None:
    passages = ["五年累计整合资金70.63亿元，涉及9.9万人。"]
    assert state_figures_in_english("It pooled 70.63亿元 [1].", passages) == (
        "It pooled 7.063 billion yuan (70.63亿元) [1]."
    )
    assert state_figures_in_english("About 99,000 people [1].", passages) == "About 99,000 people (9.9万人) [1]."
    assert state_figures_in_english("In 2016 it began [1].", passages) == "In 2016 it began [1]."


def test_unmarked_bigrams_fold_and_skip_markers_spaces_and_short_texts() -> None:
    assert unmarked_bigrams("見[1]表 格") == {"见表", "表格"}  # folded; the marker and the space leave no pair
    assert unmarked_bigrams("藏") == set() and unmarked_bigrams("[2] ") == set()


def test_a_quotation_with_full_stops_inside_is_kept_whole() -> None:
    passage = "2016年以来，全市开工建设安置点268个。涉及贫困人口9.9万人。"
    answer = "The documents say: “全市开工建设安置点268个。涉及贫困人口9.9万人。”[1] That is about 99,000 people[1]."
    result = ground(answer, {1: passage})
    assert result.text.startswith("The documents say: “全市开工建设安置点268个。")
    assert result.dropped == []


def test_an_unclosed_quotation_mark_does_not_swallow_the_text_after_it() -> None:
    result = ground("报告说“共9.9万人[1]。另有12万人[1]。", {1: "涉及9.9万人"})
    assert result.text == "报告说“共9.9万人[1]。"


def test_a_claim_cites_the_whole_sentence_a_pdf_line_break_cut() -> None:
    # the broken line reads like a heading on its own; the sentence runs on after the blank line
    p = "■ 拉萨\n投资36.4亿元实施第二批43个村居“美\n\n丽乡村”建设试点,已完成投资3.38亿元。二是整治人居环境。"
    s, e = claim_span("第二批试点总共投了36.4亿元[1]。", p)
    assert p[s:e] == "投资36.4亿元实施第二批43个村居“美\n\n丽乡村”建设试点,已完成投资3.38亿元。"
