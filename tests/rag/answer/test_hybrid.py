from __future__ import annotations

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


CITE = [Citation(1, "d", 0, 0, 4, "9.9万人")]
EXTRACTIVE = Answer("9.9万人[1]。", CITE)
MODEL = Answer("因为地处高原[1]。", CITE)
ABSTAIN = Answer("文件中没有找到答案。", [], True)


def test_figure_questions_never_reach_the_model() -> None:
    model = Fixed(MODEL)
    assert HybridAnswerer(Fixed(EXTRACTIVE), model).answer("昌都搬迁了多少人?", []) is EXTRACTIVE
    assert HybridAnswerer(Fixed(ABSTAIN), model).answer("昌都2020年GDP是多少?", []) is ABSTAIN
    assert model.calls == 0


def test_other_questions_take_the_model_unless_it_abstains() -> None:
    assert HybridAnswerer(Fixed(EXTRACTIVE), Fixed(MODEL)).answer("西藏为什么贫困?", []).text == MODEL.text
    assert HybridAnswerer(Fixed(EXTRACTIVE), Fixed(ABSTAIN)).answer("西藏为什么贫困?", []).text == EXTRACTIVE.text
    assert HybridAnswerer(Fixed(ABSTAIN), Fixed(ABSTAIN)).answer("西藏为什么贫困?", []).abstained


def test_a_stated_confidence_decides() -> None:
    sure = Answer("因为海拔高[1]。", CITE, confidence=0.9)
    unsure = Answer("因为海拔高[1]。", CITE, confidence=0.1)
    assert HybridAnswerer(Fixed(sure), Fixed(MODEL)).answer("西藏为什么贫困?", []) is sure
    assert HybridAnswerer(Fixed(unsure), Fixed(MODEL)).answer("西藏为什么贫困?", []).text == MODEL.text


def test_stream_ends_with_the_chosen_answer() -> None:
    items = list(HybridAnswerer(Fixed(EXTRACTIVE), Fixed(ABSTAIN)).stream("西藏为什么贫困?", []))
    assert items[0] == "raw " and items[-1].text == EXTRACTIVE.text


def test_an_off_subject_model_answer_leaves_the_extractive_abstention() -> None:
    from tests.rag.answer.generative.data import hits
    from tests.rag.answer.generative.test_base import Canned

    # The model cites the 昌都 passage for a question about 拉萨: grounded, but about another place.
    model = Canned("因为要让群众搬出大山[1]。")
    answer = HybridAnswerer(Fixed(ABSTAIN), model).answer("拉萨为什么搬迁群众?", hits())
    assert answer is ABSTAIN
    on_subject = HybridAnswerer(Fixed(ABSTAIN), model).answer("昌都为什么开展易地扶贫搬迁?", hits())
    assert on_subject.text == "因为要让群众搬出大山[1]。"
