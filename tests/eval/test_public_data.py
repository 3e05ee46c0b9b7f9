"""Public-data examples: split by article, questions without a subject left out."""

from __future__ import annotations

from eval.public_data import Article, SubjectCheck, build_split, split_of


def _article(i: int, title: str = "", text: str = "", qas: tuple = ()) -> Article:
    return Article("cmrc", f"A{i}", title or f"标题{i}", (text or f"第{i}篇的正文。",), qas)


def test_the_split_is_by_article_and_deterministic() -> None:
    arts = [_article(i) for i in range(200)]
    first = [split_of(a) for a in arts]
    assert first == [split_of(a) for a in arts]
    assert {"dev", "train"} == set(first)


def test_a_question_leaning_on_its_paragraph_is_left_out() -> None:
    art = _article(1, "占旭刚", "占旭刚是浙江人，1994年入选国家举重队。")
    common = [_article(i, text="她入选了国家队。") for i in range(2, 8)]  # 入选 names no subject
    check = SubjectCheck([art, *common])
    assert check("占旭刚什么时候入选国家举重队？", art)
    assert not check("他什么时候入选国家举重队？", art)
    assert not check("什么时候入选的？", art)


def test_left_out_articles_give_unanswerables_whose_answer_is_not_indexed() -> None:
    qas = lambda i: ({"id": f"q{i}", "question": f"作品{i}号是谁写的？", "answers": [f"作者{i}号"]},)  # noqa: E731
    arts = [_article(i, f"作品{i}号", f"作品{i}号是作者{i}号写的。", qas(i)) for i in range(300)]
    split = build_split("dev", arts)
    indexed = "".join(d.text for d in split.documents)
    unanswerable = [i for i in split.items if i.type == "unanswerable"]
    assert unanswerable and all(i.question.split("是")[0] not in indexed for i in unanswerable)
    assert all(
        i.evidence and i.evidence[0].doc in {d.doc_id for d in split.documents} for i in split.items if i.answerable
    )
