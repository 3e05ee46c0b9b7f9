from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from rag.config import REPO_ROOT, ConfigError, default_home, load_settings


def test_default_yaml_spells_out_the_built_in_defaults() -> None:
    assert load_settings(REPO_ROOT / "configs" / "default.yaml").model_dump() == load_settings(None).model_dump()


@pytest.mark.parametrize("name", ["gpu.yaml", "hub.yaml"])
def test_shipped_configs_validate(name: str) -> None:
    load_settings(REPO_ROOT / "configs" / name)


def test_rag_home_expands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_HOME", str(tmp_path))
    s = load_settings(None)
    assert s.index_dir == tmp_path / "index" / "default"
    assert s.models_dir == tmp_path / "models"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("retrieval: {top_k: 0}", "retrieval.top_k"),
        ("chunker: {size: big}", "chunker.size"),
        ("unknown_section: 1", "unknown_section"),
        ("[1, 2]", "mapping"),
        ("a: [", "not valid YAML"),
    ],
)
def test_bad_configs_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")


def test_one_question_limit_and_the_service_one_is_a_deprecated_alias() -> None:
    s = load_settings(None, {"retrieval": {"max_question_chars": 300}})
    assert s.service.max_question_chars == 300 and "max_question_chars" not in s.model_dump()["service"]
    with pytest.warns(DeprecationWarning, match=r"retrieval\.max_question_chars"):
        old = load_settings(None, {"service": {"max_question_chars": 120}})
    assert old.retrieval.max_question_chars == old.service.max_question_chars == 120


def test_relative_rag_home_is_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_HOME", "here")
    assert default_home() == tmp_path / "here"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux convention")
def test_without_rag_home_the_home_is_the_user_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RAG_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    s = load_settings(None)
    assert s.home_dir == tmp_path / "rag-zh"
    assert s.index_dir == tmp_path / "rag-zh" / "index" / "default"
    assert s.cache_dir == tmp_path / "rag-zh" / "cache"


def test_the_test_session_has_a_private_home() -> None:
    # conftest.py: nothing a test writes may land in the user's home.
    home = Path(os.environ["RAG_HOME"])
    assert home.is_relative_to(tempfile.gettempdir()) and home.name.startswith("rag-test-home-")
