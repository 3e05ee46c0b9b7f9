from __future__ import annotations

import pytest

from rag.answer.followup import standalone_question

HISTORY_ZH = [{"role": "user", "content": "昌都搬迁了多少人?"}, {"role": "assistant", "content": "9.9万人[1]。"}]
HISTORY_EN = [{"role": "user", "content": "How many people were relocated in Chamdo?"}]


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("那拉萨呢?", HISTORY_ZH, "拉萨搬迁了多少人?"),
        ("日喀则呢", HISTORY_ZH, "日喀则搬迁了多少人?"),
        ("And in Lhasa?", HISTORY_EN, "How many people were relocated in Lhasa?"),
        ("What about Shigatse?", HISTORY_EN, "How many people were relocated in Shigatse?"),
        ("拉萨人均收入是多少?", HISTORY_ZH, "拉萨人均收入是多少?"),  # standalone: unchanged
        ("那拉萨呢?", [], "那拉萨呢?"),  # nothing to carry over
    ],
)
def test_follow_ups_become_standalone(question: str, history: list[dict], expected: str) -> None:
    assert standalone_question(question, history) == expected


def test_the_latest_user_turn_is_the_one_carried_over() -> None:
    history = HISTORY_ZH + [{"role": "user", "content": "日喀则新建了多少所学校?"}]
    assert standalone_question("那拉萨呢?", history) == "拉萨新建了多少所学校?"
