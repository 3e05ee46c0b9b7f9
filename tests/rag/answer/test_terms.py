"""Question terms: what a question asks about, in the passages' words."""

from __future__ import annotations

from rag.answer.terms import Query, match_terms, measured, question_terms


def test_question_terms_keep_compounds_and_drop_function_words() -> None:
    assert question_terms("區黨委書記親自包聯的是哪個縣?") == ["区", "党委书记", "包联", "县"]
    terms = question_terms("阿里地区累计有多少建档立卡贫困人口脱贫?")
    assert "贫困人口" in terms and "困人" not in terms


def test_only_names_anchor_and_common_nouns_are_marked() -> None:
    terms = {t.alternatives[0]: t for t in match_terms("昌都2020年GDP是多少?", [])}
    assert terms["昌都"].can_anchor and not terms["昌都"].noun
    assert terms["gdp"].noun and not terms["gdp"].can_anchor  # a Latin word is not an interjection


def test_who_question_requires_what_the_person_did() -> None:
    chinese = [t.alternatives for t in match_terms("2017年西藏脱贫攻坚工作会议是谁主持的?", []) if t.required]
    assert chinese == [("主持",)]
    passages = ["齐扎拉作全区脱贫攻坚工作报告", "会议工作"]
    english = match_terms("Who gave the main work report at the 2017 conference?", passages)
    assert [t.alternatives[0] for t in english if t.required] == ["工作报告"]  # not the bare "work"


def test_measured_is_the_noun_next_to_the_question_word() -> None:
    assert measured("日喀则脱贫人口收入年均增速有多少?") == {"增速"}
    assert measured("阿里靠生态补偿岗位就业的有多少人次?") == {"就业"}
    assert measured("西藏累计派了多少人次干部驻村?") == {"干部"}  # the unit 人次 is skipped
    assert measured("拉萨试点总共投了多少钱?") == set()


def test_query_reads_kind_and_terms_once() -> None:
    query = Query.read("昌都搬迁了多少人?", [])
    assert query.kind.unit == "人"
    assert [t.alternatives[0] for t in query.terms] == ["昌都", "搬迁", "人"]


def test_the_questions_years_are_read_in_chinese_numerals_too() -> None:
    assert Query.read("二〇一九年拉萨的旅游收入是多少?", []).years == {"2019"}
    assert Query.read("2019年拉萨的旅游收入是多少?", []).years == {"2019"}


def test_these_years_is_not_the_question_word() -> None:
    assert measured("林芝这几年茶叶总产量有多少?") == {"总产量"}
    assert measured("昌都营养餐计划累计拨了多少经费?", after=False) == set()


def test_what_an_english_how_much_question_measures_is_required() -> None:
    from rag.fold import fold

    passages = [fold("林芝茶叶产量500吨，昌都预算2亿元。")]
    tea = Query.read("How much tea did Nyingchi produce?", passages)
    assert [t.alternatives[0] for t in tea.terms if t.required] == ["茶叶"]
    budget = Query.read("How much did Chamdo budget in 2021?", passages)  # "did" is no measured noun
    assert not any(t.required for t in budget.terms)


def test_an_english_name_the_passages_lack_stays_an_unmatched_anchor() -> None:
    from rag.crosslingual.lexicon import with_places

    passages = ["昌都搬迁群众9.9万人"]
    terms = match_terms("How many people were relocated in Nyingchi?", passages, with_places({"nyingchi": "林芝"}))
    nyingchi = [t for t in terms if "林芝" in t.alternatives]
    assert len(nyingchi) == 1 and nyingchi[0].can_anchor
    assert not any(nyingchi[0].in_text(p) for p in passages)


def test_chinese_written_into_an_english_question_is_a_term_as_written() -> None:
    passages = ["全市道路通达率达100%", "建制村通畅率达85.84%"]
    terms = match_terms("What share of villages have paved-road access (通暢)?", passages)
    assert any(t.alternatives == ("通畅",) for t in terms)  # folded to the passages' script
