"""The answer span: candidates, the signals a model weighs, offsets into the source, and the headline."""

from __future__ import annotations

import json
from pathlib import Path

from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings
from rag.answer.span import MODEL_PATH, Question, SpanModel, candidates, features, tokens
from rag.types import Chunk, Hit

SENTENCE = "该片由赵盘执导，于2010年上映。"


def _model(tmp_path: Path, weights: dict[str, float], threshold: float = 0.0) -> SpanModel:
    path = tmp_path / "span.json"
    path.write_text(json.dumps({"weights": weights, "threshold": threshold}), encoding="utf-8")
    return SpanModel(path)


def _texts(sentence: str) -> list[str]:
    toks = tokens(sentence)
    return [sentence[toks[i].start : toks[j - 1].end] for i, j in candidates(toks)]


def test_candidates_are_short_runs_whole_titles_and_whole_clauses() -> None:
    texts = _texts("代表作《海岛算经》成书于263年，后世流传至今。")
    assert "《海岛算经》" in texts and "263年" in texts
    # a clause, two clauses (here the sentence), never a piece that crosses a comma
    assert "代表作《海岛算经》成书于263年" in texts and "代表作《海岛算经》成书于263年，后世流传至今" in texts
    assert not any("，" in t and not t.startswith("代表作") for t in texts)
    assert not any("。" in t for t in texts)
    assert not any(t.count("《") != t.count("》") for t in texts)


def test_the_span_that_takes_the_wh_words_place_has_the_words_beside_it() -> None:
    q = Question.read("该片由谁执导?")
    assert (q.wh, q.left, q.right) == ("谁", "该片由", "执导")
    toks = tokens(SENTENCE)
    by_text = {SENTENCE[toks[i].start : toks[j - 1].end]: features(q, toks, i, j) for i, j in candidates(toks)}
    assert "left_match=1" in by_text["赵盘"] and "right_match=2" in by_text["赵盘"]
    assert "right_match=2" not in by_text["2010年"]
    assert "echo=0" in by_text["赵盘"] and "echo=0" not in by_text["执导"]  # 执导 repeats the question


def test_where_questions_share_one_key_and_which_questions_another() -> None:
    questions = ("会议在哪里举行?", "會議在哪兒舉行?", "会议于何处举行?", "哪位学者提出?", "哪家公司?")
    assert {q: Question.read(q).wh for q in questions} == {
        "会议在哪里举行?": "哪里",
        "會議在哪兒舉行?": "哪里",
        "会议于何处举行?": "哪里",
        "哪位学者提出?": "哪个",
        "哪家公司?": "哪个",
    }


def test_the_best_span_is_the_one_the_weights_prefer(tmp_path: Path) -> None:
    model = _model(tmp_path, {"left_match=1": 1.0, "right_match=2": 2.0})
    start, end, score = model.best("该片由谁执导?", SENTENCE)
    assert SENTENCE[start:end] == "赵盘" and score == 3.0


def test_below_the_threshold_no_span_is_stated(tmp_path: Path) -> None:
    assert _model(tmp_path, {"right_match=2": 2.0}, threshold=5.0).best("该片由谁执导?", SENTENCE) is None


def test_offsets_index_the_source_as_written_not_its_folded_form(tmp_path: Path) -> None:
    source = "該片由趙盤執導，於2010年上映。"
    start, end, _ = _model(tmp_path, {"left_match=1": 1.0, "right_match=2": 2.0}).best("該片由誰執導?", source)
    assert source[start:end] == "趙盤"


def test_the_headline_states_the_span_and_the_quote_stays_the_sources(tmp_path: Path) -> None:
    model = _model(tmp_path, {"left_match=1": 1.0, "right_match=2": 2.0})
    settings = ExtractiveSettings(min_coverage=0.0, min_score=0.0, span=model)
    hits = [Hit(Chunk(0, "d0.txt", "該片由祕書長執導，於2010年上映。", 0, 17, ""), 1.0)]
    answer = ExtractiveAnswerer(settings=settings).answer("該片由誰執導?", hits)
    # 祕 is the source's own character: the headline copies it, it does not convert it
    assert answer.text.startswith("祕書長[1]。原文：該片由祕書長執導")
    assert [c.quote for c in answer.citations] == ["該片由祕書長執導，於2010年上映。"]


def test_a_list_question_keeps_the_sentence_as_its_headline(tmp_path: Path) -> None:
    model = _model(tmp_path, {"bias": 1.0})
    settings = ExtractiveSettings(min_coverage=0.0, min_score=0.0, span=model)
    hits = [Hit(Chunk(0, "d0.txt", "林周、尼木和曲水建成了垃圾填埋场。", 0, 17, ""), 1.0)]
    listed = ExtractiveAnswerer(settings=settings).answer("垃圾填埋场建在哪几个县?", hits)
    assert listed.text.startswith("林周、尼木和曲水建成了垃圾填埋场[1]")


def test_the_shipped_model_names_its_trainer_and_picks_a_plain_date() -> None:
    model = SpanModel(MODEL_PATH)
    assert model.provenance["command"] == "python -m eval.train_span"
    sentence = "2018年，拉萨率先在全区实现整体脱贫。"
    start, end, _ = model.best("拉萨哪一年实现整体脱贫?", sentence)
    assert sentence[start:end] == "2018年"


def test_the_span_is_read_only_for_an_answer_that_is_given() -> None:
    from rag.answer.confidence import ConfidenceModel

    class Counting:
        calls = 0

        def best(self, question: str, sentence: str) -> tuple[int, int, float] | None:
            Counting.calls += 1
            return 3, 5, 1.0

    hits = [Hit(Chunk(0, "d0.txt", SENTENCE, 0, len(SENTENCE), ""), 1.0)]
    never = ExtractiveSettings(confidence=ConfidenceModel({}, -60.0, 0.5), span=Counting())
    assert ExtractiveAnswerer(settings=never).answer("该片由谁执导?", hits).abstained
    assert Counting.calls == 0  # an abstention waits for no reader
    always = ExtractiveSettings(confidence=ConfidenceModel({}, 60.0, 0.5), span=Counting())
    assert ExtractiveAnswerer(settings=always).answer("该片由谁执导?", hits).text.startswith("赵盘[1]")
    assert Counting.calls == 1
