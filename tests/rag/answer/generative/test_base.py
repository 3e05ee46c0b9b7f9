"""The shared checks on canned model output: grounding, exact-span citations, fallback, streaming."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.answer.generative.base import GenerativeAnswerer
from rag.answer.generative.prompt import Prompt
from rag.types import Answer, Chunk, Citation, Hit
from tests.rag.answer.generative.data import PASSAGES, hits

Q = "昌都搬迁了多少人?"


class Canned(GenerativeAnswerer):
    """A backend that writes a fixed text (in pieces of ``piece`` characters when streaming)."""

    def __init__(self, raw: str, piece: int = 3, **kwargs) -> None:
        super().__init__("canned", **kwargs)
        self.raw, self.piece = raw, piece

    def generate_text(self, prompt: Prompt) -> str:
        return self.raw

    def stream_text(self, prompt: Prompt) -> Iterator[str]:
        for i in range(0, len(self.raw), self.piece):
            yield self.raw[i : i + self.piece]


class Fixed:
    """A fallback answerer that always gives the same answer."""

    def answer(self, question: str, given: list[Hit], history: list[dict] | None = None) -> Answer:
        return Answer("extractive", [], False, [], {})

    def stream(self, question, given, history=None):
        yield self.answer(question, given, history)


def test_ungrounded_sentence_is_dropped_and_the_citation_is_exact() -> None:
    answer = Canned("共9.9万人[1]。另有12万人[1]。").answer(Q, hits())
    assert not answer.abstained and answer.text == "共9.9万人[1]。"
    [c] = answer.citations
    chunk = hits()[0].chunk
    assert (c.n, c.doc_id, c.chunk_id, c.start, c.end, c.quote) == (
        1, chunk.doc_id, chunk.chunk_id, chunk.start, chunk.end, chunk.text,
    )  # fmt: skip


def test_citation_points_at_the_sentence_that_holds_the_claim() -> None:
    doc = "昌都概况。全市开工建设安置点268个。涉及贫困人口9.9万人。三岩片区已搬迁7211人。"
    chunk = Chunk(7, "d.txt", doc[5:], 105, 105 + len(doc) - 5, "昌都概况")
    answer = Canned("共搬迁9.9万人[1]。").answer(Q, [Hit(chunk, 1.0)])
    [c] = answer.citations
    assert c.quote == "涉及贫困人口9.9万人。"
    assert doc[c.start - 100 : c.end - 100] == c.quote  # offsets into the document (chunk starts at 105 = doc[5])


def test_citations_renumbered_in_order_of_first_use() -> None:
    answer = Canned("三岩片区已搬迁7211人【2】。全市涉及9.9万人[1, 2]。").answer(Q, hits())
    # Both sentences cite the one sentence of passage 2: one citation number for it.
    assert answer.text == "三岩片区已搬迁7211人[1]。全市涉及9.9万人[2][1]。"
    assert [(c.n, c.chunk_id) for c in answer.citations] == [
        (1, hits()[1].chunk.chunk_id),
        (2, hits()[0].chunk.chunk_id),
    ]


def test_out_of_range_marker_is_dropped() -> None:
    answer = Canned("三岩片区已搬迁7211人[2]。另有说法[7]。").answer(Q, hits())
    assert answer.text == "三岩片区已搬迁7211人[1]。"
    assert [c.chunk_id for c in answer.citations] == [hits()[1].chunk.chunk_id]


def test_marker_for_a_passage_cut_from_the_prompt_is_out_of_range() -> None:
    answer = Canned("西藏累计实现62.8万贫困人口脱贫[4]。", max_passages=2).answer(Q, hits())
    assert answer.abstained


def test_a_figure_without_a_marker_cites_the_passage_that_holds_it() -> None:
    answer = Canned("昌都共搬迁9.9万人。").answer(Q, hits())
    assert answer.text == "昌都共搬迁9.9万人[1]。" and answer.citations[0].chunk_id == hits()[0].chunk.chunk_id


def test_uncited_sentence_without_figures_is_dropped() -> None:
    assert Canned("这是我的猜测。三岩片区已搬迁7211人[2]。").answer(Q, hits()).text == "三岩片区已搬迁7211人[1]。"


def test_nothing_grounded_falls_back_or_abstains() -> None:
    invented = "昌都共搬迁15万人[1]。"
    assert Canned(invented, fallback=Fixed()).answer(Q, hits()).text == "extractive"
    answer = Canned(invented).answer(Q, hits())
    assert answer.abstained and not answer.citations
    assert [c.chunk_id for c in answer.related] == [h.chunk.chunk_id for h in hits()[:3]]


def test_a_reply_of_only_markers_goes_to_the_fallback() -> None:
    # a small model sometimes answers with its citations alone: that states nothing
    assert Canned("[2][1]", fallback=Fixed()).answer(Q, hits()).text == "extractive"


@pytest.mark.parametrize(
    ("raw", "question", "start"),
    [
        ("文件中没有找到答案。", Q, "文件中没有找到"),
        ("I cannot find the answer in the documents [1].", "How many people moved?", "The documents do not say"),
        ("", "拉薩建檔立卡人口有多少?", "文件中沒有找到"),
    ],
)
def test_model_saying_not_found_abstains_without_fallback(raw: str, question: str, start: str) -> None:
    answer = Canned(raw, fallback=Fixed()).answer(question, hits())
    assert answer.abstained and answer.text.startswith(start) and len(answer.related) == 3


def test_english_answer_states_figures_both_ways() -> None:
    answer = Canned("About 9.9万人 were relocated [1].").answer("How many people were relocated in Chamdo?", hits())
    assert answer.text == "About 99,000 people (9.9万人) were relocated [1]."
    assert Canned("It was 9.9 million people [1].").answer("How many people moved?", hits()).abstained


def test_no_hits_abstains_without_generating() -> None:
    class Never(Canned):
        def generate_text(self, prompt: Prompt) -> str:
            raise AssertionError("generated without passages")

    answer = Never("").answer(Q, [])
    assert answer.abstained and answer.related == []


def test_stream_yields_raw_pieces_then_the_grounded_answer() -> None:
    raw = "涉及9.9万人[1]。已搬迁12万人[1]。"
    items = list(Canned(raw).stream(Q, hits()))
    assert "".join(items[:-1]) == raw and all(isinstance(p, str) for p in items[:-1])
    final = items[-1]
    assert isinstance(final, Answer) and final.text == "涉及9.9万人[1]。" and "first_token" in final.timings


def test_a_paraphrase_without_a_marker_cites_the_passage_it_restates() -> None:
    given = [Hit(Chunk(1, "a.txt", "林芝风景很美。阿里电网结束了孤网运行的历史。", 0, 22, ""), 1.0)]
    answer = Canned("阿里电网结束了孤网运行。").answer("阿里电网为什么不再孤网运行?", given)
    assert (
        answer.text == "阿里电网结束了孤网运行[1]。" and answer.citations[0].quote == "阿里电网结束了孤网运行的历史。"
    )


# -- is the answer about what was asked (subject check, yes/no verification) -----------------------


class Judged(Canned):
    """Answers with ``raw``; replies ``verdict`` to the yes/no check and records what it was asked."""

    def __init__(self, raw: str, verdict: str, **kwargs) -> None:
        super().__init__(raw, **kwargs)
        self.verdict, self.checks = verdict, []

    def generate_text(self, prompt: Prompt) -> str:
        if prompt.max_tokens is not None:
            self.checks.append(prompt)
            return self.verdict
        return self.raw


def test_an_answer_about_another_place_goes_to_the_fallback() -> None:
    # Grounded (the figure is in passage 1) but passage 1 is about 昌都, and the question asks about 拉萨.
    near_miss = "共搬迁9.9万人[1]。"
    assert Canned(near_miss, fallback=Fixed()).answer("拉萨搬迁了多少人?", hits()).text == "extractive"
    assert Canned(near_miss).answer("拉萨搬迁了多少人?", hits()).abstained
    assert Canned(near_miss).answer(Q, hits()).text == near_miss


def test_an_answer_stating_another_measure_of_the_cited_sentence_goes_to_the_fallback() -> None:
    # Grounded (2982元 is in the cited passage, which also holds the asked rate) but an income, not a rate.
    question = "拉萨的贫困发生率有多高?"
    given = hits([("lhasa", "人均纯收入从2015年的2982元增加，贫困发生率从16.42%降至0。", "拉萨市")])
    assert Canned("拉萨的贫困发生率为2982元[1]。", fallback=Fixed()).answer(question, given).text == "extractive"
    assert Canned("贫困发生率从16.42%降至0[1]。").answer(question, given).text == "贫困发生率从16.42%降至0[1]。"


def test_verification_no_overrules_the_model_and_yes_or_noise_does_not() -> None:
    raw = "共搬迁9.9万人[1]。"
    assert Judged(raw, "否", verify=True).answer(Q, hits()).abstained
    assert Judged(raw, "文件中没有找到答案。", verify=True, fallback=Fixed()).answer(Q, hits()).text == "extractive"
    for verdict in ("是", "[1]"):
        answer = Judged(raw, verdict, verify=True).answer(Q, hits())
        assert answer.text == raw and "verify" in answer.timings
    unasked = Judged(raw, "否")
    assert unasked.answer(Q, hits()).text == raw and unasked.checks == []


def test_verification_is_asked_with_the_cited_sentence_only() -> None:
    model = Judged("三岩片区已搬迁7211人[2]。", "是", verify=True)
    model.answer("三岩片区搬迁了多少人?", hits())
    [check] = model.checks
    assert check.passages == ["三岩片区跨市整体搬迁已搬迁7211人。"] and "9.9万人" not in check.user
    assert "三岩片区搬迁了多少人?" in check.user and check.max_tokens <= 4


# -- traditional Chinese ------------------------------------------------------------------------------


def test_a_traditional_question_gets_a_traditional_answer_with_source_quotes_kept() -> None:
    raw = "昌都共搬迁9.9万人，资料称“涉及建档立卡贫困人口9.9万人”[1]。"
    answer = Canned(raw).answer("昌都搬遷了多少人?", hits())
    assert answer.text == "昌都共搬遷9.9萬人，資料稱“涉及建档立卡贫困人口9.9万人”[1]。"
    [c] = answer.citations
    assert c.quote == PASSAGES[0][1] and c.quote == hits()[0].chunk.text


def test_a_simplified_question_is_answered_as_written() -> None:
    assert Canned("昌都共搬迁9.9万人[1]。").answer(Q, hits()).text == "昌都共搬迁9.9万人[1]。"


@pytest.mark.parametrize(
    ("check", "reply", "verdict"),
    [
        ("answer", "文件中没有找到答案。", False),
        ("answer", "已搬迁7211人[1]", True),
        ("answer", "", None),
        ("yesno", "否", False),
        ("yesno", "是", True),
        ("yesno", "[1]", None),
    ],
)
def test_judge_reads_the_models_verdict_on_another_answerers_answer(check, reply, verdict) -> None:
    c = hits()[1].chunk
    other = Answer("7211人[1]。", [Citation(1, c.doc_id, c.chunk_id, c.start, c.end, c.text)])
    model = Judged("", reply)
    assert model.judge("三岩片区搬迁了多少人?", other, hits(), check) is verdict
    assert [asked.passages for asked in model.checks] == [[c.text]]


def test_judge_asks_nothing_of_an_answer_citing_no_given_passage() -> None:
    model = Judged("", "文件中没有找到答案。")
    assert model.judge(Q, Answer("9.9万人", []), hits()) is None and model.checks == []
