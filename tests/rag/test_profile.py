"""Domain profiles: the engine with the empty profile and with the default corpus's."""

from __future__ import annotations

from rag.answer import qtype
from rag.crosslingual.lexicon import build
from rag.profile import load_profile, use_profile


def test_the_empty_profile_knows_no_places_or_genre_units() -> None:
    empty = load_profile("")
    assert empty.place_names == {} and empty.unit_hints == ()
    use_profile("")
    try:
        assert qtype.classify("多少人次?").unit == "人"  # the general unit; 人次 is the genre's
    finally:
        use_profile("tibet")
    assert qtype.classify("多少人次?").unit == "人次"


def test_the_tibet_profile_maps_romanisations() -> None:
    places = load_profile("tibet").place_names
    assert places["qamdo"] == places["chamdo"] == "昌都"
    assert "tibetan" not in places  # an adjective, not a place


def test_profile_places_are_added_beside_the_dictionary_never_replacing_it() -> None:
    lines = [
        "藏醫 藏医 [Zang4 yi1] /Tibetan medicine/",
        "拉薩 拉萨 [La1 sa4] /Lhasa/",
        "圣城 圣城 [sheng4 cheng2] /Lhasa (holy city)/",
    ]
    lex = build(lines, places={"lhasa": "拉萨", "tibet": "西藏"})
    assert lex.phrases[("tibetan", "medicin")] == {"藏医": 1.0}
    assert "圣城" in lex.words["lhasa"]  # the dictionary's own sense stays
    assert lex.names["lhasa"]["拉萨"] == 1.0
