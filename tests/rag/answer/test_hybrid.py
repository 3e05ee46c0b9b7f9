from __future__ import annotations

import pytest

from rag.answer.hybrid import HybridAnswerer
from rag.types import Answer, Citation, Hit


class Fixed:
    """An answerer that always gives one answer and counts its calls."""

    def __init__(self, answer: Answer) -> None:
        self.fixed, self.calls = answer, 0

    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        self.calls += 1
        return self.fixed

    def stream(self, question, hits, history=None):
        self.calls += 1
        yield "raw "
        yield self.fixed


class Model(Fixed):
    """A generative answerer with a fixed answer and a fixed verdict on any other answer."""

    def __init__(self, answer: Answer, verdict: bool | None = True) -> None:
        super().__init__(answer)
        self.verdict, self.judged = verdict, []

    def judge(self, question: str, answer: Answer, hits: list[Hit], check: str = "answer") -> bool | None:
        self.judged.append((answer, check))
        return self.verdict


CITE = [Citation(1, "d", 0, 0, 4, "9.9万人")]
REASON = "西藏为什么贫困?"
FIGURE = "昌都搬迁了多少人?"


def extractive() -> Answer:
    return Answer("因为海拔高[1]。", list(CITE))


def model_answer() -> Answer:
    return Answer("因为地处高原[1]。", list(CITE))


def abstained() -> Answer:
    return Answer("文件中没有找到答案。", [], True)


# -- the check policy (default) -------------------------------------------------------------------------


def test_a_no_turns_the_extractive_answer_into_an_abstention() -> None:
    model = Model(model_answer(), verdict=False)
    answer = HybridAnswerer(Fixed(extractive()), model).answer(REASON, [])
    assert answer.abstained and answer.citations == [] and "verify" in answer.timings


@pytest.mark.parametrize("verdict", [True, None])
def test_a_yes_or_an_unclear_reply_keeps_the_extractive_answer(verdict: bool | None) -> None:
    first = extractive()
    answer = HybridAnswerer(Fixed(first), Model(model_answer(), verdict)).answer(REASON, [])
    assert answer is first and not answer.abstained


def test_quantity_questions_are_checked_too() -> None:
    model = Model(model_answer(), verdict=False)
    assert HybridAnswerer(Fixed(Answer("9.9万人[1]。", list(CITE))), model).answer(FIGURE, []).abstained
    assert len(model.judged) == 1


def test_the_configured_check_is_asked() -> None:
    model = Model(model_answer(), verdict=True)
    first = extractive()
    HybridAnswerer(Fixed(first), model, check="yesno").answer(REASON, [])
    assert model.judged == [(first, "yesno")]


def test_the_model_writes_no_answer_when_the_extractive_one_is_checked() -> None:
    model = Model(model_answer(), verdict=True)
    HybridAnswerer(Fixed(extractive()), model).answer(REASON, [])
    assert model.calls == 0


def test_an_extractive_abstention_gets_the_models_grounded_answer() -> None:
    model = Model(model_answer())
    answer = HybridAnswerer(Fixed(abstained()), model).answer(REASON, [])
    assert answer.text == model_answer().text and not answer.abstained
    assert model.judged == []  # an abstention is not put to the check


def test_an_extractive_abstention_stays_when_the_model_abstains() -> None:
    answer = HybridAnswerer(Fixed(abstained()), Model(abstained())).answer(REASON, [])
    assert answer.abstained and answer.text == abstained().text


def test_stream_of_a_checked_answer_is_the_one_final_answer() -> None:
    items = list(HybridAnswerer(Fixed(extractive()), Model(model_answer(), verdict=False)).stream(REASON, []))
    assert len(items) == 1 and items[0].abstained


def test_stream_after_an_extractive_abstention_is_the_models() -> None:
    items = list(HybridAnswerer(Fixed(abstained()), Model(model_answer())).stream(REASON, []))
    assert items[0] == "raw " and items[-1].text == model_answer().text


def test_an_off_subject_model_answer_leaves_the_extractive_abstention() -> None:
    from tests.rag.answer.generative.data import hits
    from tests.rag.answer.generative.test_base import Canned

    # The model cites the 昌都 passage for a question about 拉萨: grounded, but about another place.
    model = Canned("因为要让群众搬出大山[1]。")
    first = abstained()
    assert HybridAnswerer(Fixed(first), model).answer("拉萨为什么搬迁群众?", hits()) is first
    on_subject = HybridAnswerer(Fixed(abstained()), model).answer("昌都为什么开展易地扶贫搬迁?", hits())
    assert on_subject.text == "因为要让群众搬出大山[1]。"


def test_a_real_generative_answerers_no_rejects_the_extractive_answer() -> None:
    from tests.rag.answer.generative.data import hits
    from tests.rag.answer.generative.test_base import Judged

    given = hits()
    c = given[0].chunk
    first = Answer("9.9万人[1]。", [Citation(1, c.doc_id, c.chunk_id, c.start, c.end, c.text)])
    model = Judged("", "文件中没有找到答案。")
    assert HybridAnswerer(Fixed(first), model).answer(FIGURE, given).abstained
    [check] = model.checks
    assert check.passages == [c.text]  # only the extractive answer's cited sentence is shown


# -- the confident policy (the earlier rule) ------------------------------------------------------------


def confident(first: Answer, model: Model) -> HybridAnswerer:
    return HybridAnswerer(Fixed(first), model, policy="confident")


def test_confident_figure_questions_never_reach_the_model() -> None:
    model = Model(model_answer(), verdict=False)
    first = Answer("9.9万人[1]。", list(CITE))
    assert confident(first, model).answer(FIGURE, []) is first
    assert model.calls == 0 and model.judged == []


def test_confident_other_questions_take_the_model_unless_it_abstains() -> None:
    assert confident(extractive(), Model(model_answer())).answer(REASON, []).text == model_answer().text
    assert confident(extractive(), Model(abstained())).answer(REASON, []).text == extractive().text


def test_confident_a_stated_confidence_decides() -> None:
    sure = Answer("因为海拔高[1]。", CITE, confidence=0.9)
    unsure = Answer("因为海拔高[1]。", CITE, confidence=0.1)
    assert confident(sure, Model(model_answer())).answer(REASON, []) is sure
    assert confident(unsure, Model(model_answer())).answer(REASON, []).text == model_answer().text
