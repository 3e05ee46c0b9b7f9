"""The manifest: what built an index directory (schema, embedder, chunker) and where it stands (counts, generation).

It is written last on every write, so its ``generation`` tells whether the derived indexes caught up with
the store (``rag/indexdir/recovery.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.atomic import write_text_atomic
from rag.errors import IndexStateError
from rag.index.bm25 import DIRNAME as BM25_DIR

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
STORE_FILE = "store.sqlite"


def is_index_file(name: str) -> bool:
    """Whether a file name is one an index directory holds (hidden names are temp files and the lock)."""
    return name.startswith((".", "dense.")) or name.split("-")[0] in {STORE_FILE, BM25_DIR, MANIFEST}


def refuse_foreign(directory: Path) -> None:
    """Raise when ``directory`` holds files but no manifest: it is someone else's directory.

    Raises:
        IndexStateError: Naming the first foreign file.
    """
    if directory.exists() and not (directory / MANIFEST).exists():
        foreign = sorted(p.name for p in directory.iterdir() if not is_index_file(p.name))
        if foreign:
            raise IndexStateError(
                f"{directory} is not an index directory (it holds {foreign[0]} but no {MANIFEST}); "
                "choose another index.dir"
            )


def read_manifest(directory: Path) -> dict:
    """The manifest of an index directory.

    Raises:
        IndexStateError: Missing, unreadable or not a mapping (with the advice to rebuild).
    """
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"{path} is unreadable ({exc}); rebuild the index with `rag ingest --rebuild`") from exc
    if not isinstance(data, dict):
        raise IndexStateError(f"{path} is not a manifest; rebuild the index with `rag ingest --rebuild`")
    return data


def expected_manifest(embedder_name: str, dim: int, chunker_settings: dict) -> dict:
    """The identity part of a manifest for this embedder and chunker."""
    return {
        "schema_version": SCHEMA_VERSION,
        "embedder": {"name": embedder_name, "dim": dim},
        "chunker": chunker_settings,
    }


def check_manifest(directory: Path, data: dict, want: dict) -> None:
    """Raise unless the manifest was written by this schema, embedder and chunker.

    Raises:
        IndexStateError: With the advice to rebuild or choose another directory.
    """
    if data.get("schema_version") != SCHEMA_VERSION:
        raise IndexStateError(
            f"index {directory} has schema {data.get('schema_version')}, this version reads "
            f"{SCHEMA_VERSION}: rebuild it with `rag ingest --rebuild PATH...`"
        )
    for key, label in (("embedder", "embedder"), ("chunker", "chunker settings")):
        if data.get(key) != want[key]:
            raise IndexStateError(
                f"index {directory} was built with {label} {data.get(key)}, but the config asks for "
                f"{want[key]}: rebuild it with `rag ingest --rebuild PATH...` or set index.dir to another directory"
            )


def write_manifest(directory: Path, identity: dict, counts: dict[str, int], generation: int) -> None:
    """Write the manifest atomically (identity, counts and the store generation the indexes match)."""
    data = identity | {"counts": counts, "generation": generation}
    write_text_atomic(directory / MANIFEST, json.dumps(data, ensure_ascii=False, indent=2))
