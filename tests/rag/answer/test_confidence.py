"""The learned abstention decision: the model file, its probabilities, and the answerer that obeys it."""

from __future__ import annotations

from pathlib import Path

from rag.answer.candidates import Candidate
from rag.answer.confidence import MODEL_PATH, ConfidenceModel, features
from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings
from rag.answer.terms import Query
from rag.types import Chunk, Hit

QUESTION = "全市脱贫攻坚推进大会暨表彰会议由谁主持?"
REWORDED = [Hit(Chunk(0, "d0.txt", "大会由丁业现主持。", 0, 9, ""), 1.0)]  # covers few of the question's terms


def test_a_model_reads_back_as_it_was_written(tmp_path: Path) -> None:
    model = ConfidenceModel({"coverage": 4.0, "lead": -1.5}, -2.0, 0.7, {"command": "test"})
    path = tmp_path / "m.json"
    path.write_text(model.to_json(), encoding="utf-8")
    again = ConfidenceModel.load(path)
    assert again == model


def test_the_probability_is_the_logistic_of_the_weighted_features() -> None:
    model = ConfidenceModel({"coverage": 4.0}, -2.0, 0.7)
    assert abs(model.probability({"coverage": 1.0}) - 1 / (1 + 2.718281828459045**-2)) < 1e-9
    assert model.accepts({"coverage": 1.0}) and not model.accepts({"coverage": 0.0})
    assert model.probability({"coverage": 1.0, "unknown": 99.0}) == model.probability({"coverage": 1.0})


def test_the_shipped_model_reads_only_features_the_answerer_computes() -> None:
    model = ConfidenceModel.load(MODEL_PATH)
    c = Candidate(0, 0, 9, "大会由丁业现主持。", coverage=0.5, similarity=0.8, type_score=1.0, score=0.6)
    x = features(Query.read(QUESTION, ["大会由丁业现主持。"]), c, [c], REWORDED, english=False)
    assert set(model.weights) == set(x)
    assert 0.0 < model.threshold < 1.0 and model.provenance["command"].startswith("python -m eval.train_confidence")


def test_the_answerer_abstains_or_answers_as_the_model_decides() -> None:
    floors = ExtractiveAnswerer()
    assert floors.draft(QUESTION, REWORDED).best.coverage < floors.settings.min_coverage
    assert floors.answer(QUESTION, REWORDED).abstained
    always = ExtractiveAnswerer(settings=ExtractiveSettings(confidence=ConfidenceModel({}, 60.0, 0.5)))
    assert always.answer(QUESTION, REWORDED).text == "大会由丁业现主持[1]。"
    never = ExtractiveAnswerer(settings=ExtractiveSettings(confidence=ConfidenceModel({}, -60.0, 0.5)))
    assert never.answer("大会由谁主持?", REWORDED).abstained
    assert not floors.answer("大会由谁主持?", REWORDED).abstained


def test_a_passage_only_bm25_found_gets_its_embedding_similarity_not_zero() -> None:
    from rag.fold import fold
    from tests.fakes import FakeEmbedder, char_vector

    text = REWORDED[0].chunk.text
    bm25_only = [Hit(REWORDED[0].chunk, 1.0, {"bm25": 3.0})]
    both = [Hit(REWORDED[0].chunk, 1.0, {"bm25": 3.0, "dense": 0.42})]
    answerer = ExtractiveAnswerer(FakeEmbedder())
    expected = float(char_vector(text, 64) @ char_vector(fold(QUESTION), 64))
    assert expected > 0.0
    assert abs(answerer.draft(QUESTION, bm25_only).features["passage_dense"] - expected) < 1e-6
    assert answerer.draft(QUESTION, both).features["passage_dense"] == 0.42  # retrieval's own score stands
