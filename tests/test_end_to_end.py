"""End to end with the real offline model over the bundled corpus (slow: runs in CI too)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.config import DEFAULT_CORPUS, load_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config using the installed e5 model and embedding cache, with an index of its own."""
    from embeddings.models import install

    settings = load_settings(None)
    install("multilingual-e5-small", settings.models_dir, progress=False)
    index = tmp_path_factory.mktemp("e2e") / "index"
    path = index.parent / "config.yaml"
    path.write_text(f"index:\n  dir: {index}\n", encoding="utf-8")
    return path


def run(*args: str, config: Path) -> subprocess.CompletedProcess:
    code = "import sys; from rag.cli import ask_main; sys.argv[0] = 'ask'; ask_main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
    )


def test_example_question_is_answered_with_exact_citations(real_config: Path) -> None:
    result = run("昌都搬迁了多少人?", "--json", config=real_config)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"]
    assert "9.9万" in data["answer"]
    assert data["citations"]
    for c in data["citations"]:
        assert (DEFAULT_CORPUS / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    assert any("9.9万" in c["quote"] for c in data["citations"])


def test_unanswerable_question_abstains(real_config: Path) -> None:
    result = run("拉萨有多少家五星级酒店?", "--json", config=real_config)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["abstained"] and data["citations"] == [] and data["related"]


def test_human_output_lists_sources(real_config: Path) -> None:
    result = run("昌都搬迁了多少人?", config=real_config)
    assert result.returncode == 0, result.stderr
    assert "Sources" in result.stdout and "9.9万" in result.stdout


def test_empty_question_is_one_line_exit_2(real_config: Path) -> None:
    result = run("", config=real_config)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "empty" in result.stderr
