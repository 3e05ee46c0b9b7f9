"""The answerer's mechanics under a hand-set model file: confidence and threshold, span headlines, scripts.

The weights here are the test's own (not the shipped, learned ones), so each test fails for one reason:
the answerer not doing what the model file says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer.extractive import ExtractiveAnswerer, ExtractiveSettings
from rag.types import Chunk, Hit


def _logistic(weights: dict[str, float], bias: float, threshold: float = 0.5) -> dict:
    n = len(weights)
    return {
        "features": list(weights),
        "mean": [0.0] * n,
        "scale": [1.0] * n,
        "weights": list(weights.values()),
        "bias": bias,
        "threshold": threshold,
    }


@pytest.fixture
def model(tmp_path: Path) -> str:
    path = tmp_path / "scorer.json"
    data = {
        "sentence": _logistic({"coverage": 6.0, "type_score": 2.0}, -4.0),
        "abstain": _logistic({"p_best": 10.0}, -5.0),
        "span": _logistic({"is_person": 4.0, "in_question": -6.0, "length": 1.0}, -1.0),
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def hit(text: str, context: str = "", n: int = 0) -> Hit:
    return Hit(Chunk(n, f"d{n}.txt", text, 0, len(text), context), 1.0)


def test_the_answer_carries_the_abstention_models_probability_as_confidence(model: str) -> None:
    passages = [hit("2016年以来,昌都市搬迁贫困群众9.9万人。", "昌都市")]
    answer = ExtractiveAnswerer(settings=ExtractiveSettings(model=model)).answer("昌都搬迁了多少贫困群众?", passages)
    assert not answer.abstained and answer.confidence is not None and answer.confidence > 0.5
    strict = ExtractiveAnswerer(settings=ExtractiveSettings(model=model, threshold=0.9999))
    refused = strict.answer("昌都搬迁了多少贫困群众?", passages)
    assert refused.abstained and refused.confidence == answer.confidence


def test_a_who_question_states_the_name_before_the_quote(model: str) -> None:
    passages = [hit("吴英杰出席会议并讲话,丁业现主持会议。", "西藏召开全区脱贫攻坚工作会议")]
    answer = ExtractiveAnswerer(settings=ExtractiveSettings(model=model)).answer("工作会议是谁主持的?", passages)
    head, _, rest = answer.text.partition("。原文：")
    assert head.split("[")[0] in {"丁业现", "吴英杰"} and rest.startswith("吴英杰出席会议并讲话,丁业现主持会议[1]")


def test_a_traditional_question_keeps_the_sources_characters(model: str) -> None:
    passages = [hit("秘書長張三主持會議,山峰下的村莊通了公路。", "會議")]
    answer = ExtractiveAnswerer(settings=ExtractiveSettings(model=model)).answer("會議由誰主持?", passages)
    assert "秘書長張三主持會議,山峰下的村莊通了公路" in answer.text  # not 祕書長 / 山峯
    assert answer.citations[0].quote == passages[0].chunk.text


def test_nothing_to_read_abstains_with_no_confidence(model: str) -> None:
    answer = ExtractiveAnswerer(settings=ExtractiveSettings(model=model)).answer("谁主持会议?", [])
    assert answer.abstained and answer.confidence == 0.0
