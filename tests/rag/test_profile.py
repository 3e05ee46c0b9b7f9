"""Domain profiles: loading and checking a profile file, and the engine with the empty profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.config import ConfigError
from rag.profile import EMPTY, PROFILE_DIR, load_profile


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "domain.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_profile_file_is_read_and_checked(tmp_path: Path) -> None:
    ref = write(
        tmp_path,
        "name: test\nplace_names:\n  Gyantse: 江孜\n  Tibet Autonomous  Region: 西藏自治区\n"
        "unit_hints:\n  - {pattern: '多少头|head of cattle', unit: 头}\nheads:\n  Prefecture: 市\n",
    )
    profile = load_profile(ref)
    assert profile.name == "test"
    assert profile.place_names == {"gyantse": "江孜", "tibet autonomous region": "西藏自治区"}  # keys lower case
    assert [(h.pattern.pattern, h.unit) for h in profile.unit_hints] == [("多少头|head of cattle", "头")]
    assert profile.heads == {"prefecture": "市"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("places:\n  lhasa: 拉萨\n", "places"),  # an unknown key (place_names misspelt) is refused, not ignored
        ("unit_hints:\n  - {pattern: '户', unit: 户, weight: 2}\n", "weight"),
        ("unit_hints:\n  - {pattern: '(户', unit: 户}\n", "pattern"),  # not a regular expression
        ("place_names:\n  lhasa: ''\n", "place_names"),
    ],
)
def test_a_bad_profile_is_a_config_error_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_profile(write(tmp_path, text))


def test_a_missing_or_malformed_profile_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile not found: nosuchprofile"):
        load_profile("nosuchprofile")
    with pytest.raises(ConfigError, match="mapping"):
        load_profile(write(tmp_path, "- lhasa\n"))


def test_the_empty_profile_is_named_by_nothing() -> None:
    assert load_profile("") is EMPTY and load_profile("none") is EMPTY
    assert EMPTY.place_names == {} and EMPTY.unit_hints == () and EMPTY.heads == {}


def test_the_default_corpus_profile_ships_with_the_package() -> None:
    assert (PROFILE_DIR / "tibet.yaml").is_file()
    tibet = load_profile("tibet")
    assert tibet.place_names["qamdo"] == tibet.place_names["chamdo"] == "昌都"
    assert "tibetan" not in tibet.place_names  # an adjective (Tibetan medicine), not the region


def test_the_pipeline_refuses_a_bad_profile_at_startup(settings_factory) -> None:
    from rag.pipeline import Pipeline

    with pytest.raises(ConfigError, match="profile not found"):
        Pipeline(settings_factory(profile="nosuchprofile"))


@pytest.mark.slow  # builds the whole CC-CEDICT lexicon in the test home (seconds) when the process has none
def test_with_the_empty_profile_an_english_question_retrieves_and_answers(pipeline_factory, small_corpus) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus), profile="")
    assert pipe.profile is EMPTY
    pipe.ingest([small_corpus])
    question = "How many people were relocated in Chamdo?"  # CC-CEDICT glosses 昌都 as Chamdo
    hits = pipe.search(question, top_k=3, mode="bm25")
    assert hits[0].chunk.doc_id == "changdu.txt"
    answer, _ = pipe.ask(question, mode="bm25")
    # Which of the passage's two people figures leads (9.9万人 in all, 7211人 of one area) rests on the tiny
    # model's random sentence similarity, which differs between builds of it: the test is the answer.
    assert not answer.abstained and [c.doc_id for c in answer.citations] == ["changdu.txt"]
    assert re.match(r"About [\d,]+ people \((9\.9万|7211)人\)\[1\]", answer.text)
