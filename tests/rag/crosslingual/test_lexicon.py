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
