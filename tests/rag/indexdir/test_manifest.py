from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import IndexStateError
from rag.indexdir import manifest as mf

WANT = mf.expected_manifest("tiny", 32, {"size": 250})


def test_a_written_manifest_reads_back_with_counts_and_generation(tmp_path: Path) -> None:
    mf.write_manifest(tmp_path, WANT, {"documents": 1, "chunks": 4}, 7)
    data = mf.read_manifest(tmp_path)
    assert data == WANT | {"counts": {"documents": 1, "chunks": 4}, "generation": 7}
    mf.check_manifest(tmp_path, data, WANT)  # the same embedder and chunker: accepted


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 99}, "schema 99"),
        ({"embedder": {"name": "other", "dim": 32}}, "embedder"),
        ({"chunker": {"size": 100}}, "chunker settings"),
    ],
)
def test_another_schema_embedder_or_chunker_is_refused_with_advice(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(IndexStateError, match=message) as err:
        mf.check_manifest(tmp_path, WANT | change, WANT)
    assert "rebuild" in str(err.value)


def test_an_unreadable_manifest_says_rebuild(tmp_path: Path) -> None:
    (tmp_path / mf.MANIFEST).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(IndexStateError, match="not a manifest"):
        mf.read_manifest(tmp_path)
    (tmp_path / mf.MANIFEST).write_text("{half", encoding="utf-8")
    with pytest.raises(IndexStateError, match="unreadable"):
        mf.read_manifest(tmp_path)


def test_only_a_directory_with_foreign_files_and_no_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".write.lock").touch()
    (tmp_path / "store.sqlite-wal").touch()
    mf.refuse_foreign(tmp_path)  # index files only: a half-made index, fine
    (tmp_path / "notes.txt").touch()
    with pytest.raises(IndexStateError, match="notes.txt"):
        mf.refuse_foreign(tmp_path)
