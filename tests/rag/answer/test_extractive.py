"""The extractive answerer on hand-built passages (lexical scoring only: no embedder)."""

from __future__ import annotations

from rag.answer.extractive import ExtractiveAnswerer
from rag.types import Chunk, Hit


def hit(text: str, context: str = "", doc: str = "d.txt", start: int = 0, chunk_id: int = 0) -> Hit:
    return Hit(Chunk(chunk_id, doc, text, start, start + len(text), context), 1.0)


def hits(*texts: str, context: str = "") -> list[Hit]:
    return [hit(t, context, doc=f"d{i}.txt", chunk_id=i) for i, t in enumerate(texts)]


def lead(answer_text: str) -> str:
    """The stated figure: the answer up to its first citation mark."""
    return answer_text.split("[", 1)[0]


def test_a_figure_about_something_else_is_not_an_answer() -> None:
    passages = hits("2020年安排4.2亿元用于饮水安全巩固提升,确保年内自来水普及率达到93%。", context="昌都市")
    answerer = ExtractiveAnswerer()
    assert answerer.answer("昌都2020年GDP是多少?", passages).abstained
    answered = answerer.answer("昌都2020年安排多少资金用于饮水安全?", passages)
    assert not answered.abstained and lead(answered.text) == "4.2亿元"


def test_a_figure_in_another_unit_is_not_an_answer() -> None:
    answerer = ExtractiveAnswerer()
    households = hits("实施易地扶贫搬迁安置项目,安置扶贫搬迁群众759户。", context="林芝市")
    assert answerer.answer("林芝一共建了多少个易地扶贫搬迁安置项目?", households).abstained
    sites = hits("实施易地扶贫搬迁安置项目12个,安置扶贫搬迁群众759户。", context="林芝市")
    assert lead(answerer.answer("林芝一共建了多少个易地扶贫搬迁安置项目?", sites).text) == "12个"


def test_the_lead_figure_is_the_one_of_the_asked_year() -> None:
    passages = hits("贫困人口纯收入从2015年的1499元增加到2019年的9328元。", context="西藏")
    answerer = ExtractiveAnswerer()
    assert lead(answerer.answer("西藏贫困人口2019年的纯收入是多少?", passages).text) == "9328元"
    assert lead(answerer.answer("西藏贫困人口2015年的纯收入是多少?", passages).text) == "1499元"


def test_the_lead_figure_is_the_one_whose_clause_names_the_thing_asked() -> None:
    passages = hits("2016年以来,累计拨付“三包”经费21.6亿元、营养餐改善计划经费3.74亿元。", context="昌都")
    answerer = ExtractiveAnswerer()
    assert lead(answerer.answer("昌都营养餐计划累计拨了多少经费?", passages).text) == "3.74亿元"
    assert lead(answerer.answer("昌都“三包”经费累计拨了多少?", passages).text) == "21.6亿元"


def test_who_question_takes_the_person_who_did_what_is_asked() -> None:
    passages = hits(
        "会议全面总结西藏2016年脱贫攻坚工作,安排部署2017年西藏脱贫攻坚工作,习近平总书记的讲话精神得到贯彻。"
        "吴英杰出席会议并讲话;齐扎拉作全区脱贫攻坚工作报告;丁业现主持会议。",
        context="西藏召开全区脱贫攻坚工作会议",
    )
    answerer = ExtractiveAnswerer()
    presided = answerer.answer("2017年西藏脱贫攻坚工作会议是谁主持的?", passages)
    assert "丁业现" in presided.text and "齐扎拉" not in presided.text
    assert "丁业现" not in answerer.answer("2017年西藏脱贫攻坚工作会议是谁作工作报告的?", passages).text


def test_which_county_question_wants_a_county_name() -> None:
    passages = hits(
        "构建各县区委书记和各县区长为第一责任人的责任体系。",
        "自治区党委书记主动联系生态条件最恶劣、脱贫任务最重的班戈县,多次深入一线指导检查。",
    )
    answer = ExtractiveAnswerer().answer("区党委书记亲自包联的是哪个县?", passages)
    assert "班戈县" in answer.text


def test_a_sentence_broken_across_lines_is_rejoined_and_quoted_exactly() -> None:
    text = (
        "一是推进“美丽乡村”建设行动计划。投资 36.4 亿元实施第二批 7 个县(区)、43 个村居“美\n\n"
        "丽乡村”整村推进试点, 目前已完成投资 3.38 亿元。"
    )
    doc_start = 1000
    passages = [hit(text, "拉萨市", start=doc_start)]
    answer = ExtractiveAnswerer().answer("拉萨第二批“美丽乡村”整村推进试点总共投资了多少钱?", passages)
    assert lead(answer.text) == "36.4 亿元"
    assert "\n" not in answer.text
    quote = answer.citations[0]
    assert quote.quote == text[quote.start - doc_start : quote.end - doc_start]
    assert "36.4" in quote.quote and "3.38" in quote.quote


def test_which_cities_question_wants_the_sentence_that_names_them() -> None:
    passages = hits(
        "西藏是全国唯一的省级集中连片特困地区,而日喀则作为全区脱贫攻坚三大主战场之一,是贫中之贫、坚中之坚。",
        "昌都、日喀则、那曲——这是西藏脱贫攻坚的三大主战场。",
    )
    answer = ExtractiveAnswerer().answer("西藏脱贫攻坚的三大主战场是哪几个市?", passages)
    assert all(city in answer.text for city in ("昌都", "日喀则", "那曲"))


def test_list_question_wants_as_many_items_as_it_asks_for() -> None:
    passages = [
        hit(
            "2015年6月18日,总书记在贵阳主持召开座谈会,听取意见和建议。"
            "要因地制宜研究实施“四个一批”的行动计划,即扶持生产和就业发展一批,移民搬迁安置一批,"
            "低保政策兜底一批,医疗救助扶持一批。",
            context="部分省区市脱贫攻坚座谈会",
        )
    ]
    answer = ExtractiveAnswerer().answer("2015年贵阳那次座谈会提的“四个一批”是哪四个?", passages)
    assert "医疗救助扶持一批" in answer.text


def test_a_place_the_corpus_has_a_section_for_must_be_the_subject_of_the_answer() -> None:
    # Nothing retrieved is about 那曲, but the corpus has a 那曲 section: 林芝's figure is no answer.
    passages = hits("全市建档立卡贫困人口人均纯收入由2015年的2855元提高到2020年的12975元。", context="林芝市乡村振兴局")
    question = "那曲建档立卡人口2020年人均纯收入是多少?"
    sections = "林芝市乡村振兴局\n那曲市乡村振兴局"
    assert ExtractiveAnswerer(in_headings=lambda term: term in sections).answer(question, passages).abstained
    # Without such a section the name is not known as a subject, and the figure stands.
    assert not ExtractiveAnswerer(in_headings=lambda term: False).answer(question, passages).abstained


def test_a_figure_stated_far_from_what_is_measured_is_not_an_answer() -> None:
    passages = hits(
        "资助贫困家庭大学生1.16万人次，精准开展义务教育控辍保学，全市义务教育巩固率达到99.87%，生态补偿岗位持续增加。",
        context="日喀则市",
    )
    answerer = ExtractiveAnswerer()
    assert answerer.answer("日喀则生态补偿岗位有多少人次?", passages).abstained
    assert lead(answerer.answer("日喀则资助贫困家庭大学生多少人次?", passages).text) == "1.16万人次"


def test_a_sentence_after_a_long_heading_is_still_a_candidate() -> None:
    text = "一、拉萨市易地扶贫搬迁工作推进情况和下一步工作\n2020年拉萨市共搬迁贫困群众9.9万人。"
    answer = ExtractiveAnswerer().answer("拉萨市共搬迁了多少贫困群众?", [hit(text, "拉萨市")])
    assert lead(answer.text) == "9.9万人"


def test_the_lead_figure_is_found_when_folding_changes_the_length() -> None:
    # NFKC turns … into ..., so fold() is longer than the text: offsets must still line up.
    passages = hits("那曲市人均收入達到2000元,拉薩市人均收入達到3000元……")
    assert lead(ExtractiveAnswerer().answer("拉薩市人均收入達到多少?", passages).text) == "3000元"


def test_a_passage_with_another_figure_is_not_cited_as_agreeing() -> None:
    passages = hits("拉萨累计搬迁贫困群众1万人。", "拉萨累计搬迁贫困群众11万人。", context="拉萨市")
    answer = ExtractiveAnswerer().answer("拉萨累计搬迁了多少贫困群众?", passages)
    agreeing = answer.text.split("。")[0]
    assert "[1][2]" not in agreeing  # 1万人 is not stated by the 11万人 passage


def test_numbers_inside_quotation_marks_are_names_not_figures() -> None:
    passages = hits(
        "因地制宜实施“五个一批”工程,精准制定帮扶举措。",
        "西藏累计实现62.8万贫困人口脱贫、74个贫困县区全部摘帽。",
        context="西藏",
    )
    answer = ExtractiveAnswerer().answer("西藏一共有多少个贫困县区摘帽?", passages)
    assert lead(answer.text) == "74个"
    alone = ExtractiveAnswerer().answer("西藏一共实施了多少个工程?", passages[:1])
    assert alone.abstained  # “五个一批” counts nothing


def test_a_lone_digit_is_not_a_count() -> None:
    passages = hits("林芝转移就业工作稳步推进,培训人次逐年增加,贫困发生率降至0。", context="林芝市")
    assert ExtractiveAnswerer().answer("林芝转移就业了多少人次?", passages).abstained


def test_a_when_question_is_not_answered_by_a_sentence_without_a_date() -> None:
    answerer = ExtractiveAnswerer()
    undated = hits("复兴号开进西藏，极大方便了群众出行。", context="西藏")
    assert answerer.answer("复兴号是哪一年开进西藏的?", undated).abstained
    dated = hits("2021年6月，复兴号开进西藏，极大方便了群众出行。", context="西藏")
    assert not answerer.answer("复兴号是哪一年开进西藏的?", dated).abstained


def test_a_year_asked_in_chinese_numerals_needs_that_years_figure() -> None:
    answerer = ExtractiveAnswerer()
    question = "二〇一七年拉萨农牧民人均可支配收入是多少?"
    other_years = hits("拉萨农牧民人均可支配收入从2015年的9000元增加到2020年的15000元。", context="拉萨市")
    assert answerer.answer(question, other_years).abstained
    that_year = hits("2017年拉萨农牧民人均可支配收入达到12000元。", context="拉萨市")
    assert lead(answerer.answer(question, that_year).text) == "12000元"
