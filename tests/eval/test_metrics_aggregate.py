"""Grouping by lang/type and the overall/by-group breakdown."""

from __future__ import annotations

from dataclasses import dataclass

from eval.metrics.aggregate import breakdown, group_by, mean

ROWS = [
    {"id": "m001", "lang": "zh-Hans", "type": "numeric", "correct": True},
    {"id": "b041", "lang": "en", "type": "numeric", "correct": False},
    {"id": "a004", "lang": "zh-Hant", "type": "numeric", "correct": True},
    {"id": "a035", "lang": "zh-Hans", "type": "reason", "correct": False},
]


def test_group_by_field_and_function() -> None:
    by_lang = group_by(ROWS, "lang")
    assert {k: [r["id"] for r in v] for k, v in by_lang.items()} == {
        "zh-Hans": ["m001", "a035"],
        "en": ["b041"],
        "zh-Hant": ["a004"],
    }
    by_prefix = group_by(ROWS, lambda r: r["id"][0])
    assert sorted(by_prefix) == ["a", "b", "m"]


def test_group_by_attribute() -> None:
    @dataclass
    class Row:
        lang: str

    assert list(group_by([Row("en"), Row("en")], "lang")) == ["en"]


def test_breakdown_overall_lang_type() -> None:
    report = breakdown(ROWS, lambda rs: mean(r["correct"] for r in rs))
    assert report["overall"] == {"all": 0.5}
    assert report["lang"] == {"zh-Hans": 0.5, "en": 0.0, "zh-Hant": 1.0}
    assert report["type"] == {"numeric": 2 / 3, "reason": 0.0}


def test_mean_skips_none() -> None:
    assert mean([None, 1.0, 0.0]) == 0.5
    assert mean([]) is None
