from __future__ import annotations

import pytest

from rag.errors import InputError
from rag.question import question_script, validate_question


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        (" \n\t ", "empty"),
        ("问" * 2001, "limit is 2000"),
        ("昌都\x07搬迁", "control"),
        ("\ud800昌都", "surrogates"),
        ("Сколько людей переселили?", "Chinese"),
        (12, "string"),
    ],
)
def test_bad_questions_are_refused(question: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_question(question, 2000)


def test_good_questions_are_stripped() -> None:
    assert validate_question("  昌都搬迁了多少人?\n", 2000) == "昌都搬迁了多少人?"
    assert validate_question("How many people?", 2000) == "How many people?"


@pytest.mark.parametrize(
    ("question", "script"),
    [("昌都搬迁了多少人?", "zh-Hans"), ("拉薩建檔立卡人口有多少?", "zh-Hant"), ("How many people in Chamdo?", "en")],
)
def test_question_script(question: str, script: str) -> None:
    assert question_script(question) == script
