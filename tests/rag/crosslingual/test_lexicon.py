"""The stored English lexicon: same entries as the built one, built once per key, rebuilt when the key changes."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from rag.crosslingual import lexicon as lx
from rag.crosslingual.translate import translate
from tests.rag.test_crosslingual import CEDICT, CORPUS_TERMS, SetVocabulary


@pytest.fixture
def small_build(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``build`` over the few test lines (not the 120k of CC-CEDICT); returns a list counting the builds."""
    calls: list[int] = []
    real = lx.build

    def build(lines=None):
        calls.append(1)
        return real(CEDICT if lines is None else lines)

    monkeypatch.setattr(lx, "build", build)
    return calls


def test_a_saved_lexicon_reads_back_the_same_entries_in_the_same_order(tmp_path: Path) -> None:
    built = lx.build(CEDICT)
    lx.save(built, tmp_path / "lex.sqlite")
    stored = lx.StoredLexicon(tmp_path / "lex.sqlite")
    assert stored.longest_phrase == built.longest_phrase
    for name in ("words", "phrases", "names"):
        mine, theirs = getattr(built, name), getattr(stored, name)
        assert len(theirs) == len(mine) and set(theirs) == set(mine)
        for key, value in mine.items():
            assert list(theirs[key].items()) == list(value.items())  # order decides ties downstream
    assert stored.words.get("nosuchstem") is None
    assert stored.phrases.get(("poverty", "nosuchstem"), {}) == {}


def test_translation_is_the_same_from_the_stored_lexicon(tmp_path: Path) -> None:
    built = lx.build(CEDICT)
    lx.save(built, tmp_path / "lex.sqlite")
    stored = lx.StoredLexicon(tmp_path / "lex.sqlite")
    vocab = SetVocabulary({t: 5 for t in CORPUS_TERMS})
    for question in ("How many poor villages were relocated in Chamdo?", "poverty alleviation in Nyingchi"):
        assert translate(question, vocab, stored) == translate(question, vocab, built)


def test_built_once_then_opened(tmp_path: Path, small_build: list[int]) -> None:
    first = lx.load_or_build(tmp_path)
    second = lx.load_or_build(tmp_path)
    assert len(small_build) == 1
    assert isinstance(first, lx.StoredLexicon) and isinstance(second, lx.StoredLexicon)
    assert [p.name for p in tmp_path.iterdir()] == [f"lexicon-{lx.lexicon_key()}.sqlite"]


def test_a_new_key_rebuilds_and_removes_the_old_file(
    tmp_path: Path, small_build: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lx, "lexicon_key", lambda: "aaaa")
    lx.load_or_build(tmp_path)
    monkeypatch.setattr(lx, "lexicon_key", lambda: "bbbb")
    lx.load_or_build(tmp_path)
    assert len(small_build) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["lexicon-bbbb.sqlite"]


def test_a_damaged_file_is_rebuilt(tmp_path: Path, small_build: list[int]) -> None:
    (tmp_path / f"lexicon-{lx.lexicon_key()}.sqlite").write_bytes(b"not a database")
    lex = lx.load_or_build(tmp_path)
    assert len(small_build) == 1 and "搬迁" in lex.words[lx.content_stems("relocate")[0]]


def test_an_unwritable_cache_builds_in_memory(tmp_path: Path, small_build: list[int]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    lex = lx.load_or_build(blocker / "cache")
    assert isinstance(lex, lx.Lexicon) and len(small_build) == 1


def test_the_key_follows_the_dictionary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def key_of(lines: list[str]) -> str:
        path = tmp_path / "cedict.txt.gz"
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write("\n".join(lines))
        monkeypatch.setattr(lx, "_cedict_path", lambda: path)
        return lx.lexicon_key()

    assert key_of(CEDICT) == key_of(CEDICT)
    assert key_of(CEDICT) != key_of(CEDICT[:-1])


def test_the_default_lexicon_is_one_stored_file_in_the_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    monkeypatch.setattr(lx, "_DEFAULT", None)
    monkeypatch.setattr(lx, "build", lambda lines=None: lx.Lexicon())  # the real build is the slow part
    lex = lx.default_lexicon()
    assert lx.default_lexicon() is lex
    assert lex.path == tmp_path / "cache" / f"lexicon-{lx.lexicon_key()}.sqlite"


# -- a profile's place names beside the dictionary -------------------------------------------------
SENSES = [
    "拉薩 拉萨 [La1 sa4] /Lhasa, capital of Tibet Autonomous Region/",
    "聖城 圣城 [sheng4 cheng2] /holy city/Lhasa (fig.)/",
    "藏醫 藏医 [Zang4 yi1] /Tibetan medicine/",
    "藏 藏 [Zang4] /Tibetan/Tibet/",
]
PLACES = {"lhasa": "拉萨", "tibet": "西藏", "tibet autonomous region": "西藏自治区"}


def test_the_dictionary_alone_holds_no_profile_entries() -> None:
    assert "qamdo" not in lx.build(CEDICT).names  # Qamdo → 昌都 as a name is the Tibet profile's


def test_a_profiles_place_names_are_added_beside_the_dictionarys_own_entries() -> None:
    base = lx.build(SENSES)
    layered = lx.LayeredLexicon(lx.place_entries(PLACES), lambda: base)
    (lhasa,) = lx.content_stems("Lhasa")
    assert layered.words[lhasa] == base.words[lhasa]  # 圣城 and 拉萨 of the glosses stay
    assert "圣城" in layered.words[lhasa]
    assert layered.names["lhasa"] == {"拉萨": 1.0}
    phrase = tuple(lx.content_stems("Tibet Autonomous Region"))
    assert layered.phrases[phrase]["西藏自治区"] == 1.0 and phrase not in base.phrases
    medicine = tuple(lx.content_stems("Tibetan medicine"))
    assert layered.phrases[medicine] == base.phrases[medicine] == {"藏医": 1.0}
    assert set(layered.names) == set(base.names) | {"lhasa", "tibet"}
    assert len(layered.words) == len(base.words)


def test_an_entry_in_both_keeps_the_higher_confidence() -> None:
    base = lx.build(["昌都 昌都 [Chang1 du1] /Chamdo/"])
    added = lx.Lexicon(names={"changdu": {"昌都": 1.0, "察雅": 0.5}})
    layered = lx.LayeredLexicon(added, lambda: base)
    assert base.names["changdu"] == {"昌都": 0.8}  # the proper noun's pinyin
    assert layered.names["changdu"] == {"昌都": 1.0, "察雅": 0.5}
    assert layered.names.get("nosuchname") is None


def test_tibetan_medicine_is_not_the_region() -> None:
    layered = lx.LayeredLexicon(lx.place_entries(PLACES), lambda: lx.build(SENSES))
    vocab = SetVocabulary({"藏医": 2, "西藏": 50, "藏": 50})
    assert translate("Tibetan medicine", vocab, layered).rendering() == "藏医"
    assert translate("Tibet", vocab, layered).concepts[0].best == "西藏"


def test_the_dictionary_opens_on_first_use() -> None:
    opened: list[int] = []
    layered = lx.LayeredLexicon(lx.place_entries(PLACES), lambda: opened.append(1) or lx.build(SENSES))
    assert opened == []
    assert layered.names["tibet"] == {"西藏": 1.0} and layered.words[lx.content_stems("holy")[0]] == {"圣城": 0.5}
    assert opened == [1]  # once
