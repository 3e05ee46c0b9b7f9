"""English versions of the public questions: which replies are kept, how they are stored and asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import Evidence, GoldItem
from eval.translate_questions import english_items, load_translations, usable


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        ("How many people play chess?", "How many people play chess?"),
        ('  "Who founded the Golden Horde?"\nNote: a literal rendering.', "Who founded the Golden Horde?"),
        ("How many people play西洋棋?", None),  # Chinese left in: the dictionary would read it as Chinese
        ("《捉鬼男》是美国电视剧。", None),  # the model answered instead of translating
        ("Where?", None),
        ("", None),
    ],
)
def test_only_an_english_question_of_three_words_or_more_is_kept(reply: str, kept: str | None) -> None:
    assert usable(reply) == kept


def test_stored_rejections_are_not_translations(tmp_path: Path) -> None:
    path = tmp_path / "public-en-dev.jsonl"
    rows = [
        {"id": "q1", "zh": "金帐汗国的建立者是谁？", "en": "Who founded the Golden Horde?"},
        {"id": "q2", "zh": "？", "en": None},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert load_translations("dev", path) == {"q1": "Who founded the Golden Horde?"}
    assert load_translations("dev", tmp_path / "missing.jsonl") == {}


def test_an_english_item_keeps_the_chinese_items_answers_and_evidence() -> None:
    evidence = [Evidence("a.txt", "金帐汗国由拔都建立")]
    asked = GoldItem("q1", "金帐汗国的建立者是谁？", "zh-Hans", "entity", ["拔都"], evidence=evidence)
    other = GoldItem("q2", "它在哪里？", "zh-Hans", "unanswerable", [])
    [en] = english_items([asked, other], {"q1": "Who founded the Golden Horde?"})
    assert (en.id, en.question, en.lang) == ("q1-en", "Who founded the Golden Horde?", "en")
    assert (en.type, en.answers, en.evidence) == ("entity", ["拔都"], evidence)
