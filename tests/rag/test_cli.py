"""The command line, driven in-process with typer's runner over the tiny model."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rag.cli import app

runner = CliRunner()


@pytest.fixture
def config(config_file: Path) -> Path:
    return config_file


def run(*args: str):
    return runner.invoke(app, list(args))


def index_fingerprint(config: Path) -> dict[str, str]:
    """Hashes of every index file; the SQLite store by its logical dump (WAL checkpoints move bytes)."""
    home = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["index"]["dir"])
    out = {}
    for p in sorted(home.rglob("*")):
        if not p.is_file() or p.name.startswith("store.sqlite"):
            continue
        out[str(p.relative_to(home))] = hashlib.sha256(p.read_bytes()).hexdigest()
    with sqlite3.connect(home / "store.sqlite") as db:
        out["store.sqlite"] = hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
    return out


def test_search_builds_the_default_index_then_answers_json(config: Path) -> None:
    result = run("search", "昌都搬迁了多少人?", "--json", "--top-k", "3", "--config", str(config))
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert 1 <= len(hits) <= 3
    corpus = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["corpus"])
    for h in hits:
        assert set(h) == {"source", "start", "end", "text", "score", "scores"}
        assert (corpus / h["source"]).read_text(encoding="utf-8")[h["start"] : h["end"]] == h["text"]
    assert any("9.9万" in h["text"] for h in hits)


def test_ingest_list_delete_and_info(config: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.md").write_text("# 新文件\n\n那曲新建学校12所。\n", encoding="utf-8")
    assert run("ingest", str(extra), "--config", str(config)).exit_code == 0
    listed = run("documents", "list", "--json", "--config", str(config))
    assert [d["doc_id"] for d in json.loads(listed.stdout)] == ["new.md"]
    again = run("ingest", str(extra), "--config", str(config))
    assert "1 unchanged" in again.stdout
    info = json.loads(run("index", "info", "--config", str(config)).stdout)
    assert info["counts"]["documents"] == 1 and info["embedder"]["dim"] == 32
    assert run("index", "check", "--config", str(config)).exit_code == 0
    assert run("documents", "delete", "new.md", "--config", str(config)).exit_code == 0
    assert json.loads(run("documents", "list", "--json", "--config", str(config)).stdout) == []
    gone = run("documents", "delete", "new.md", "--config", str(config))
    assert gone.exit_code != 0 and "no document 'new.md'" in gone.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no supported documents"),
        (lambda d: (d / "x.exe").write_bytes(b"MZ\x00\x00"), "unsupported format"),
        (lambda d: (d / "bin.txt").write_bytes(b"abc\x00\x01\x02" * 100), "not a text file"),
    ],
)
def test_bad_ingest_input_is_one_line_and_changes_nothing(config: Path, tmp_path: Path, setup, message: str) -> None:
    assert run("search", "昌都", "--config", str(config)).exit_code == 0  # build the index
    before = index_fingerprint(config)
    bad = tmp_path / "bad"
    bad.mkdir()
    setup(bad)
    target = next(iter(bad.iterdir()), bad)
    result = run("ingest", str(target), "--config", str(config))
    assert result.exit_code != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert index_fingerprint(config) == before


@pytest.mark.parametrize(
    ("question", "message"), [("", "empty"), ("   ", "empty"), ("问" * 10_000, "limit"), ("a\x00b", "control")]
)
def test_bad_questions_exit_2_with_one_line(config: Path, question: str, message: str) -> None:
    result = run("search", question, "--config", str(config))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_corrupt_index_is_reported_and_left_alone(config: Path) -> None:
    assert run("search", "昌都", "--config", str(config)).exit_code == 0
    home = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["index"]["dir"])
    (home / "manifest.json").write_text("{not json", encoding="utf-8")
    before = index_fingerprint(config)
    result = run("search", "昌都", "--config", str(config))
    assert result.exit_code == 3 and "rebuild" in result.stderr
    assert index_fingerprint(config) == before


def test_a_damaged_dense_index_is_rebuilt_and_repair_works(config: Path) -> None:
    assert run("search", "昌都", "--config", str(config)).exit_code == 0
    home = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["index"]["dir"])
    (home / "dense.faiss").write_bytes(b"broken")
    recovered = run("search", "昌都", "--json", "--config", str(config))
    assert recovered.exit_code == 0 and json.loads(recovered.stdout)["hits"]
    assert run("index", "check", "--config", str(config)).exit_code == 0
    fixed = run("index", "repair", "--config", str(config))
    assert fixed.exit_code == 0 and "re-indexed" in fixed.stdout


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("retrieval: {top_k: -3}\n", encoding="utf-8")
    result = run("search", "昌都", "--config", str(cfg))
    assert result.exit_code == 2 and "retrieval.top_k" in result.stderr


def test_ingest_reports_links_leaving_the_tree_and_follows_them_on_request(config: Path, tmp_path: Path) -> None:
    docs = tmp_path / "linked"
    docs.mkdir()
    (docs / "own.md").write_text("那曲新建学校12所。\n", encoding="utf-8")
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("不该被收录的私人文本。\n", encoding="utf-8")
    (docs / "passwd.txt").symlink_to(secret)
    result = run("ingest", str(docs), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "skipped 1:" in result.stdout and f"passwd.txt: symlink to {secret}, outside" in result.stdout
    listed = json.loads(run("documents", "list", "--json", "--config", str(config)).stdout)
    assert [d["doc_id"] for d in listed] == ["own.md"]
    followed = run("ingest", str(docs), "--follow-links", "--config", str(config))
    assert followed.exit_code == 0 and "skipped" not in followed.stdout
    listed = json.loads(run("documents", "list", "--json", "--config", str(config)).stdout)
    assert [d["doc_id"] for d in listed] == ["own.md", "passwd.txt"]
