"""The subject check: names, years and the asked figure kind must be in the cited sentences."""

from __future__ import annotations

from rag.answer.subject import missing, wrong_unit
from rag.profile import load_profile
from rag.types import Chunk, Citation, Hit

TEXT = "2016年以来，昌都全市开工建设安置点268个。全区共搬迁26.6万人。"
HIT = Hit(Chunk(1, "d.txt", TEXT, 100, 100 + len(TEXT), "西藏自治区易地扶贫搬迁"), 1.0)
HEADINGS = {"那曲", "昌都"}.__contains__  # names the corpus's titles and headings use


def cite(sentence: str) -> list[Citation]:
    start = 100 + TEXT.index(sentence)
    return [Citation(1, "d.txt", 1, start, start + len(sentence), sentence)]


def test_a_name_in_the_sentence_heading_or_earlier_in_the_passage_is_on_the_subject() -> None:
    assert missing("昌都开工建设了多少个安置点?", cite("2016年以来，昌都全市开工建设安置点268个。"), [HIT]) == []
    assert missing("西藏搬迁了多少人?", cite("全区共搬迁26.6万人。"), [HIT]) == []  # the heading names it
    assert missing("昌都搬迁了多少人?", cite("全区共搬迁26.6万人。"), [HIT]) == []  # named before it


def test_a_name_of_the_corpus_nowhere_near_the_cited_sentence_is_missing() -> None:
    assert missing("那曲搬迁了多少人?", cite("全区共搬迁26.6万人。"), [HIT], HEADINGS) == ["那曲"]
    # Without the corpus's headings only the given passages' count, and this one's names no 那曲.
    assert missing("那曲搬迁了多少人?", cite("全区共搬迁26.6万人。"), [HIT]) == []


def test_a_quantity_questions_year_must_be_cited() -> None:
    sentence = cite("2016年以来，昌都全市开工建设安置点268个。")
    assert missing("2019年昌都开工建设了多少个安置点?", sentence, [HIT]) == ["2019"]
    assert missing("2019年昌都为什么建设安置点?", sentence, [HIT]) == []  # there a year names an event


def test_a_quantity_question_needs_a_figure_of_the_asked_unit() -> None:
    assert missing("西藏搬迁了多少人?", cite("全区共搬迁26.6万人。"), [HIT]) == []
    assert missing("西藏有多少个安置点?", cite("全区共搬迁26.6万人。"), [HIT]) == ["figure"]
    # 户 (households) is a unit of the genre: the default corpus's profile knows it, the empty one does not.
    households = cite("全区共搬迁26.6万人。")
    assert missing("西藏搬迁了多少户?", households, [HIT], profile=load_profile("tibet")) == ["figure"]
    assert missing("西藏搬迁了多少户?", households, [HIT]) == []
    assert missing("西藏哪一年开始搬迁?", cite("全区共搬迁26.6万人。"), [HIT]) == ["date"]


def test_no_citation_is_never_on_the_subject() -> None:
    assert missing("西藏为什么搬迁?", [], [HIT]) == ["citation"]


def test_a_quantity_question_needs_what_it_measures() -> None:
    # The right place and a figure of the right unit, but the question measures GDP.
    assert missing("昌都2016年GDP是多少个?", cite("2016年以来，昌都全市开工建设安置点268个。"), [HIT]) == ["measure"]
    assert missing("昌都开工建设了多少个安置点?", cite("2016年以来，昌都全市开工建设安置点268个。"), [HIT]) == []


def test_a_when_question_is_answered_by_a_year_a_decade_a_century_or_a_day() -> None:
    def when(sentence: str) -> list[str]:
        hit = Hit(Chunk(2, "w.txt", sentence, 0, len(sentence), ""), 1.0)
        return missing("这种枪是什么时候推出的?", [Citation(1, "w.txt", 2, 0, len(sentence), sentence)], [hit])

    assert when("这种枪于2005年推出。") == []
    assert when("到七十年代更推出了这种枪。") == []
    assert when("8世紀以後，這種槍才推出。") == []
    assert when("这种枪于6月15日推出。") == []
    assert when("这种枪推出后很受欢迎。") == ["date"]


def _cited(sentence: str) -> tuple[list[Citation], list[Hit]]:
    hit = Hit(Chunk(3, "m.txt", sentence, 0, len(sentence), "林芝市"), 1.0)
    return [Citation(1, "m.txt", 3, 0, len(sentence), sentence)], [hit]


def test_the_noun_before_the_question_word_must_be_cited_or_its_head() -> None:
    question = "林芝这几年茶叶总产量有多少?"
    # 茶叶 is there, but the figure is an area, not the output asked
    assert "measure" in missing(question, *_cited("林芝茶叶种植面积达到3万亩。"))
    assert missing(question, *_cited("林芝茶叶产量达到500吨。")) == []  # 产量 is the head of 总产量


def test_a_verb_before_the_question_word_is_not_what_is_measured() -> None:
    assert missing("林芝的小额信贷惠及多少户?", *_cited("林芝小额信贷覆盖贫困户9400户。")) == []


def test_an_answer_stating_only_figures_of_another_unit_than_asked_is_off_the_measure() -> None:
    question = "拉萨的贫困发生率有多高?"  # a rate: the answer's figure must be a percentage
    assert wrong_unit(question, "拉萨的贫困发生率为2982元。")
    assert not wrong_unit(question, "拉萨的贫困发生率从16.42%降至0。")
    assert not wrong_unit(question, "文件没有给出。")  # no figure: the other checks decide
    assert not wrong_unit("拉萨的贫困发生率是哪年降到0的?", "2019年。")  # not a quantity question
    assert not wrong_unit("How many people were relocated?", "About 99,000 people (9.9万人).")
