"""The named jieba tag sets: what each kind of question may be answered by."""

from __future__ import annotations

import jieba.posseg as pseg

from rag.answer import postags


def test_every_set_of_names_is_a_subset_of_the_proper_nouns() -> None:
    assert {"nr", "nrfg", "nrt", "ns", "nt", "nz"} == postags.NAMES
    for subset in (postags.PLACES, postags.WHO, postags.FOLLOW_UP_SUBJECTS):
        assert subset < postags.NAMES


def test_a_place_is_not_a_body_nor_a_full_person_name_and_who_is_not_a_place() -> None:
    assert "nt" not in postags.PLACES and "nrfg" not in postags.PLACES
    assert "ns" not in postags.WHO and "nz" not in postags.WHO
    assert "nt" in postags.FOLLOW_UP_SUBJECTS  # 那自治区政府呢: a body is swapped too


def test_tibetan_place_names_that_jieba_tags_as_person_names_count_as_places() -> None:
    flags = {w.word: w.flag for w in pseg.cut("拉萨和日喀则")}
    assert flags["拉萨"] in postags.PLACES and flags["日喀则"] in postags.PLACES


def test_prefixes_are_no_names() -> None:
    assert not any(flag.startswith(postags.FUNCTION_PREFIXES) for flag in postags.NAMES)
    assert "n".startswith(postags.NOUN_PREFIXES) and "vn".startswith(postags.NOUN_PREFIXES)
