"""Answer accuracy (gold README rule), CMRC2018 EM and F1."""

from __future__ import annotations

import pytest

from eval.metrics.answers import (
    answer_correct,
    answer_matches,
    char_f1,
    exact_match,
    first_sentence,
    headline_scores,
    strip_citation_markers,
)


def item(answers: list[str], mode: str = "any", type_: str = "numeric") -> dict:
    return {"answers": answers, "answer_mode": mode, "type": type_}


M001 = item(["9.9万人", "9.9万"])


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("昌都共搬迁9.9万人[1]。", True),
        ("昌都共搬迁9.9萬人。", True),  # traditional answer, simplified gold
        ("about 99,000 people (9.9万人) [1]", True),
        ("about 99,000 people [1]", True),
        ("99000", True),
        ("9.9 million people", False),  # 9,900,000
        ("19.9万人", False),  # substring inside a longer number
        ("9.95万人", False),
        ("8.9万人", False),
        ("", False),
    ],
)
def test_numeric_answers(answer: str, expected: bool) -> None:
    assert answer_correct(M001, answer, abstained=False) is expected


def test_billions_and_percent_forms() -> None:
    assert answer_correct(item(["1.8亿元"]), "1.8 亿 元", abstained=False)  # whitespace folded away
    assert answer_correct(item(["1.8亿元"]), "180 million yuan", abstained=False)
    assert answer_correct(item(["70.63亿元"]), "7.063 billion yuan", abstained=False)
    assert answer_correct(item(["16.42%"]), "16.42 percent", abstained=False)
    assert answer_correct(item(["16.42%"]), "１６．４２％", abstained=False)  # full-width
    assert not answer_correct(item(["16.42%"]), "16.42", abstained=False)


def test_fold_is_case_insensitive_and_script_insensitive() -> None:
    assert answer_correct(item(["Qi Zhala"], type_="entity"), "QI ZHALA is the chairman", abstained=False)
    assert answer_correct(item(["班戈縣"], type_="entity"), "答案是班戈县。", abstained=False)


def test_all_mode_needs_every_item() -> None:
    gold = item(["93%", "99.5%", "95%"], mode="all", type_="list")
    assert answer_correct(gold, "分别为93%、99.5%、95%", abstained=False)
    assert answer_correct(gold, "93 percent, 99.5 percent and 95 percent", abstained=False)
    assert not answer_correct(gold, "分别为93%、99.5%", abstained=False)


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("9.5%", "增长99.5%", False),  # substring inside a longer number
        ("9328", "收入19328元", False),
        ("9328", "收入9328.5元", False),
        ("99", "共99,000人", False),
        ("000人", "共99,000人", False),
        ("2017", "2016,2017年", True),  # a list, not a 3-digit group
        ("9328", "收入9328元", True),
    ],
)
def test_substring_respects_number_boundaries(gold: str, answer: str, expected: bool) -> None:
    assert answer_matches(gold, answer) is expected


def test_all_mode_lists_of_names() -> None:
    gold = item(["当雄", "林周", "墨竹工卡", "尼木"], mode="all", type_="list")
    assert answer_correct(gold, "當雄、林周、墨竹工卡和尼木四县", abstained=False)
    assert not answer_correct(gold, "当雄、林周、墨竹工卡", abstained=False)


def test_unanswerable_and_abstention() -> None:
    unanswerable = item([], type_="unanswerable")
    assert answer_correct(unanswerable, "", abstained=True)
    assert not answer_correct(unanswerable, "大约9.9万人", abstained=False)
    # Abstaining on an answerable item is wrong even if the text happens to hold the answer.
    assert not answer_correct(M001, "资料未提及; 相关: 9.9万人", abstained=True)


def test_citation_marker_does_not_answer_a_number() -> None:
    assert not answer_matches("3", "见文件[3]")
    assert answer_matches("3个", "共3个[1]")


def test_gold_with_several_quantities() -> None:
    assert answer_matches("490户2275人", "490 households, 2,275 people")
    assert not answer_matches("490户2275人", "2,275 people")


def test_strip_citation_markers() -> None:
    assert strip_citation_markers("甲[1]乙 [2, 3]丙［4］丁【5】") == "甲乙丙丁"


def test_exact_match() -> None:
    assert exact_match("“百千万亿”。", ["百千万亿"]) == 1.0
    assert exact_match("班戈縣", ["班戈县"]) == 1.0
    assert exact_match("9.9万人", ["9.9万", "9.9"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_char_f1_uses_longest_common_substring() -> None:
    # pred tokens: 甲 乙 丙 丁; gold: 甲 丙 丁. Longest common *substring* is 丙 丁 (2);
    # a subsequence-based F1 would use 3. F1 = 2*2 / (4 + 3) = 4/7.
    assert char_f1("甲乙丙丁", ["甲丙丁"]) == pytest.approx(4 / 7)


def test_char_f1_max_over_golds_and_tokens() -> None:
    # "昌都搬迁9.9万人": 昌 都 搬 迁 9.9 万 人 (7 tokens); gold 9.9 万 人 (3): F1 = 6/10.
    assert char_f1("昌都搬迁9.9万人", ["拉萨", "9.9万人"]) == pytest.approx(0.6)
    # English words are single tokens: "qi zhala" vs "qi" → 2*1/(2+1).
    assert char_f1("Qi Zhala", ["qi"]) == pytest.approx(2 / 3)
    assert char_f1("", ["9.9万人"]) == 0.0
    assert char_f1("9.9万人", []) == 0.0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("9.9万人[1]。原文：……涉及9.9万人[1]。", "9.9万人。"),
        ("赵盘[1][2]。原文：由赵盘执导[1]。", "赵盘。"),
        ("他说：“走吧。”然后离开了[1]。其后……", "他说：“走吧。”然后离开了。"),  # a 。 inside quotes
        ("About 1,669 (1669个)[1]. The source says: “…”[1].", "About 1,669 (1669个)."),
        ("没有句号的回答[1]", "没有句号的回答"),
    ],
)
def test_first_sentence(answer: str, expected: str) -> None:
    assert first_sentence(answer) == expected


def test_headline_scores_score_only_the_first_sentence() -> None:
    # The gold span is in the quoted source sentence, not the headline: the headline misses.
    assert headline_scores("1931年[1]。原文：沈明远在苏州创办纺织厂[1]。", ["苏州"], abstained=False) == {
        "headline_em": 0.0,
        "headline_f1": 0.0,
    }
    scores = headline_scores("苏州[1]。原文：沈明远1931年在苏州创办纺织厂[1]。", ["苏州", "江苏苏州"], abstained=False)
    assert scores == {"headline_em": 1.0, "headline_f1": 1.0}
    # 在 苏 州 vs 苏 州: F1 = 2*2/(3+2).
    assert headline_scores("在苏州[1]。", ["苏州"], abstained=False)["headline_f1"] == pytest.approx(0.8)


def test_an_abstention_scores_zero_even_when_it_names_the_span() -> None:
    assert headline_scores("苏州。", ["苏州"], abstained=True) == {"headline_em": 0.0, "headline_f1": 0.0}
    assert headline_scores("", ["苏州"], abstained=False) == {"headline_em": 0.0, "headline_f1": 0.0}


def test_a_count_of_other_things_is_not_the_figure_asked() -> None:
    # 3支 (three teams) once parsed as a bare 3, which equals 第3名 (third place) as a count of people.
    assert not answer_matches("第3名", "只有3支车队的6辆赛车起跑")
    assert answer_matches("第3名", "获得第3名")
