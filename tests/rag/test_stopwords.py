"""The stopword lists: one per language, in named groups, read from rag/data."""

from __future__ import annotations

import pytest

from rag import stopwords
from rag.stopwords import stopwords as groups_of


def test_every_group_is_part_of_the_one_list() -> None:
    assert groups_of("zh", "function", "question", "question-only") == stopwords.ZH
    assert groups_of("en", "index", "function") == stopwords.EN


def test_the_groups_are_disjoint_and_hold_what_their_names_say() -> None:
    function, question, only = (groups_of("zh", g) for g in ("function", "question", "question-only"))
    assert not (function & question or function & only or question & only)
    assert {"的", "了", "和"} <= function and {"多少", "什么", "为什么"} <= question and {"谁", "累计"} <= only
    assert {"the", "of", "how", "many"} <= groups_of("en", "index")
    assert {"who", "did", "this"} <= groups_of("en", "function")


def test_english_words_are_lower_case_and_chinese_has_no_latin() -> None:
    assert all(w == w.lower() for w in stopwords.EN)
    assert not any(w.isascii() for w in stopwords.ZH)


def test_an_unknown_group_is_an_error() -> None:
    with pytest.raises(KeyError):
        groups_of("zh", "no-such-group")
