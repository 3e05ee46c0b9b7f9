"""Public-data examples: parsed from the SQuAD-style files, split by article, questions without a subject left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import load_gold
from eval.public_data import (
    Article,
    Question,
    SubjectCheck,
    build_split,
    load_articles,
    split_of,
    write_gold,
)
from rag.errors import InputError

# Five articles per source, hand-written in the CMRC 2018 and DRCD formats; three of each fall on dev.
DATA = Path(__file__).parent / "data" / "qa-public"
TINY = (2, 2, 2)  # per source: one asked, one distractor, one left out


def _article(i: int, title: str = "", text: str = "", questions: tuple[Question, ...] = ()) -> Article:
    return Article("cmrc", f"A{i}", title or f"标题{i}", (text or f"第{i}篇的正文。",), questions)


def test_both_formats_are_read() -> None:
    articles = {(a.source, a.id): a for a in load_articles(DATA)}
    lighthouse = articles["cmrc", "TRIAL_4"]
    assert (lighthouse.lang, lighthouse.doc_id, lighthouse.title) == ("zh-Hans", "cmrc_TRIAL_4.txt", "铜鼓岭灯塔")
    assert [q.answers for q in lighthouse.questions] == [("31米",), ("英国",), ("22海里",)]
    road = articles["drcd", "1001"]
    assert road.lang == "zh-Hant" and len(road.paragraphs) == 2
    # DRCD annotates each answer twice: repeated texts are one answer, different ones are alternatives.
    assert [q.answers for q in road.questions] == [("46公里", "約46公里"), ("望月橋",)]
    assert road.questions[1].paragraph == 1
    document = road.document()
    assert document.text.startswith("赤嶺古道\n\n") and all(p in document.text for p in road.paragraphs)


def test_a_missing_file_is_one_readable_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_articles(tmp_path)
    (tmp_path / "cmrc2018_trial.json").write_text(json.dumps({"articles": []}), encoding="utf-8")
    with pytest.raises(InputError, match="SQuAD-style"):
        load_articles(tmp_path)


def test_the_split_is_by_article_and_deterministic() -> None:
    arts = [_article(i) for i in range(200)]
    first = [split_of(a) for a in arts]
    assert first == [split_of(_article(i, title="另一个标题", text="另一段正文。")) for i in range(200)]
    assert {"dev", "train"} == set(first)


def test_dev_and_train_share_no_article() -> None:
    articles = load_articles(DATA)
    dev, train = build_split("dev", articles, TINY), build_split("train", articles, TINY)
    dev_docs, train_docs = {d.doc_id for d in dev.documents}, {d.doc_id for d in train.documents}
    assert dev_docs and train_docs and not dev_docs & train_docs
    by_doc = {a.doc_id: a for a in articles}
    assert {split_of(by_doc[d]) for d in dev_docs} == {"dev"}
    assert {split_of(by_doc[d]) for d in train_docs} == {"train"}


def test_a_split_is_built_the_same_each_time() -> None:
    articles = load_articles(DATA)
    assert build_split("dev", articles, TINY) == build_split("dev", list(reversed(articles)), TINY)


def test_a_question_leaning_on_its_paragraph_is_left_out() -> None:
    art = _article(1, "占旭刚", "占旭刚是浙江人，1994年入选国家举重队。")
    common = [_article(i, text="她入选了国家队。") for i in range(2, 8)]  # 入选 names no subject
    check = SubjectCheck([art, *common])
    assert check("占旭刚什么时候入选国家举重队？", art)
    assert not check("他什么时候入选国家举重队？", art)
    assert not check("什么时候入选的？", art)


def test_pronoun_questions_of_the_fixture_are_not_asked() -> None:
    items = build_split("dev", load_articles(DATA), TINY).items + build_split("train", load_articles(DATA), TINY).items
    assert items
    assert not [i.question for i in items if i.question.startswith(("他", "它"))]


def test_left_out_articles_give_unanswerables_whose_answer_is_not_indexed() -> None:
    def question(i: int, n: int, text: str, answer: str) -> Question:
        return Question(f"q{i}-{n}", text, (answer,), 0, 0)

    # Every article names the same publisher: its question is answered by any indexed article, so it can
    # never be a near-miss unanswerable; the author questions can.
    arts = [
        _article(
            i,
            f"作品{i}号",
            f"作品{i}号是作者{i}号写的，由同文书局出版。",
            (question(i, 1, f"作品{i}号是谁写的？", f"作者{i}号"), question(i, 2, f"作品{i}号由谁出版？", "同文书局")),
        )
        for i in range(300)
    ]
    split = build_split("dev", arts)
    indexed = "".join(d.text for d in split.documents)
    unanswerable = [i for i in split.items if i.type == "unanswerable"]
    assert unanswerable
    assert all("谁写的" in i.question and i.question.split("是")[0] not in indexed for i in unanswerable)


def test_items_are_gold_items_whose_evidence_is_in_the_corpus(tmp_path: Path) -> None:
    split = build_split("dev", load_articles(DATA), TINY)
    texts = {d.doc_id: d.text for d in split.documents}
    answerable = [i for i in split.items if i.answerable]
    assert answerable and len(answerable) < len(split.items)
    for item in answerable:
        (evidence,) = item.evidence
        assert evidence.quote in texts[evidence.doc]
        assert any(a in evidence.quote for a in item.answers)
    assert {i.lang for i in split.items} == {"zh-Hans", "zh-Hant"}
    path = tmp_path / "gold.jsonl"
    write_gold(split, path)
    assert load_gold(path) == split.items


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(InputError, match="unknown split"):
        build_split("test", [])
