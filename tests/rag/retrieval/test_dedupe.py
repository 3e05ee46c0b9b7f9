from __future__ import annotations

from rag.retrieval import near_duplicate as public_near_duplicate
from rag.retrieval.dedupe import Deduper, bigrams_or_whole, near_duplicate
from rag.types import Hit
from tests.fakes import chunk

NOTICE = "昌都市开工建设易地扶贫搬迁安置点268个，涉及建档立卡贫困人口9.9万人。"


def test_a_repost_with_other_punctuation_and_script_is_a_near_duplicate() -> None:
    repost = "昌都市開工建設易地扶貧搬遷安置點268個 涉及建檔立卡貧困人口9.9萬人"
    assert near_duplicate(NOTICE, repost, 0.8)


def test_the_threshold_is_a_share_of_the_smaller_passage() -> None:
    part = NOTICE[:12]  # wholly inside the notice
    assert near_duplicate(part, NOTICE, 1.0)
    assert not near_duplicate(NOTICE, "拉萨市累计投入产业项目资金10亿元。", 0.2)


def test_bigrams_or_whole_folds_keeps_markers_and_short_texts_whole() -> None:
    assert bigrams_or_whole("臺 灣[1]") == {"台湾", "湾[", "[1", "1]"}  # folded, no space; a bracket is text
    assert bigrams_or_whole("藏") == {"藏"} and bigrams_or_whole(" ") == {""}


def test_single_characters_compare_as_themselves() -> None:
    assert near_duplicate("藏", "藏", 1.0) and not near_duplicate("藏", "疆", 0.5)


def test_deduper_keeps_the_first_of_each_group_in_order() -> None:
    hits = [
        Hit(chunk(1, NOTICE), 3.0),
        Hit(chunk(2, "拉萨市累计投入产业项目资金10亿元。"), 2.0),
        Hit(chunk(3, NOTICE + "（转载）"), 1.0),
    ]
    assert [h.chunk.chunk_id for h in Deduper(0.8).dedupe(hits)] == [1, 2]
    assert [h.chunk.chunk_id for h in Deduper(1.01).dedupe(hits)] == [1, 2, 3]  # above 1: nothing is a repeat


def test_near_duplicate_stays_importable_from_rag_retrieval() -> None:
    assert public_near_duplicate is near_duplicate


def test_a_limit_stops_once_enough_are_kept() -> None:
    hits = [Hit(chunk(i, f"第{i}份通知：{'甲乙丙丁戊己庚辛'[i]}"), 1.0) for i in range(5)]
    assert [h.chunk.chunk_id for h in Deduper(0.8).dedupe(hits, limit=2)] == [0, 1]
