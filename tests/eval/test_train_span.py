"""Fitting the span model: positives from the gold span, the headline's fallback, a learnable signal."""

from __future__ import annotations

from eval.train_span import _best, _fit, example, headline_f1


def test_the_candidate_equal_to_a_gold_answer_is_the_positive() -> None:
    ex = example("a", "该片由谁执导?", "该片由赵盘执导，于2010年上映。", ("赵盘",))
    assert [s for s, y in zip(ex.spans, ex.labels, strict=True) if y] == ["赵盘"]


def test_with_no_equal_candidate_the_closest_one_is_the_positive() -> None:
    # the gold span ends inside a word: no candidate equals it, the nearest by CMRC F1 stands in
    ex = example("a", "该片何时上映?", "该片于2010年上映。", ("2010年上",))
    assert sum(ex.labels) == 1 and ex.spans[ex.labels.index(1)] == "2010年上映"


def test_below_the_threshold_the_headline_is_the_whole_sentence() -> None:
    ex = example("a", "该片由谁执导?", "该片由赵盘执导。", ("赵盘",))
    assert headline_f1([ex], [(1.0, "赵盘")], threshold=0.5) == (1.0, 1.0)
    em, f1 = headline_f1([ex], [(0.1, "赵盘")], threshold=0.5)
    assert em == 0.0 and 0.0 < f1 < 1.0


def test_a_ranker_learns_the_span_beside_the_question_words() -> None:
    rows = []
    for i, name in enumerate(["赵盘", "李明", "王芳", "张伟", "刘洋", "陈静"] * 3):
        rows.append(example(f"g{i}", "该片由谁执导?", f"该片由{name}执导，于201{i % 10}年上映。", (name,)))
    vocab, w = _fit(rows, 1.0)
    assert [span for _, span in _best(vocab, w, rows[:3])] == ["赵盘", "李明", "王芳"]
