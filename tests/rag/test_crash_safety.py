"""SIGKILL the ingest at many points; the index must reopen consistent, in the old or the new state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rag.chunking import Chunker
from rag.pipeline import Pipeline
from rag.types import Document

pytestmark = pytest.mark.slow

OLD = "■ 林芝市乡村振兴局\n\n林芝新建安置点12个，搬迁群众759户。\n"
NEW = "■ 林芝市乡村振兴局\n\n林芝新建安置点20个，搬迁群众3000人。全市贫困发生率降至0。\n"
ADDED = "那曲新建学校12所。惠及学生1207人。\n"

# Runs in a child process: patch one write step to kill the process there, then ingest.
CHILD = r"""
import os, signal, sys, pathlib
from rag.config import load_settings
from rag.pipeline import Pipeline
import rag.index.faiss as fx, rag.index.bm25 as bm, rag.indexdir as ix, rag.store as st, rag.atomic as at

point, home, model, corpus = sys.argv[1:5]
def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)
def after(fn):
    def run(*a, **k):
        out = fn(*a, **k); die(); return out
    return run
def nth_rename(n):
    calls = []
    real = pathlib.Path.rename
    def rename(self, target):
        calls.append(1)
        if len(calls) == n: die()
        return real(self, target)
    return rename
def partial_write(path, writer):
    tmp = path.with_name("." + path.name + ".partial.tmp"); tmp.write_bytes(b"half a file"); die()

patches = {
    "store_put": lambda: setattr(st.Store, "put_document", die),
    "after_store_commit": lambda: setattr(fx.FaissIndex, "save", die),
    "during_dense_write": lambda: setattr(fx, "write_atomic", partial_write),
    "before_bm25": lambda: setattr(bm.BM25Index, "save", die),
    "during_bm25_swap": lambda: setattr(pathlib.Path, "rename", nth_rename(2)),
    "before_manifest": lambda: setattr(ix.IndexDirectory, "_write_manifest", die),
    "after_manifest": lambda: setattr(ix.IndexDirectory, "_write_manifest", after(ix.IndexDirectory._write_manifest)),
    "before_delete_commit": lambda: setattr(st.Store, "delete_document", die),
}
s = load_settings(None, {"home": home, "index": {"dir": home + "/index"},
                          "embedder": {"model": model, "query_prompt": "", "passage_prompt": ""}})
pipe = Pipeline(s)
pipe.index  # open before patching: only the write is interrupted
patches[point]()
if point == "before_delete_commit":
    pipe.delete("linzhi.txt")
else:
    pipe.ingest([pathlib.Path(corpus)])
print("finished without being killed")
"""

POINTS = [
    "store_put",
    "after_store_commit",
    "during_dense_write",
    "before_bm25",
    "during_bm25_swap",
    "before_manifest",
    "after_manifest",
    "before_delete_commit",
]


def chunk_texts(text: str) -> list[str]:
    return [c.text for c in Chunker().chunk(Document("linzhi.txt", "linzhi.txt", text, ""))]


@pytest.mark.parametrize("point", POINTS)
def test_kill_at_each_write_step_leaves_old_or_new_state(
    point: str, tmp_path: Path, settings_factory, tiny_onnx_dir: Path
) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "linzhi.txt").write_text(OLD, encoding="utf-8")
    settings = settings_factory()
    Pipeline(settings).ingest([corpus])
    (corpus / "linzhi.txt").write_text(NEW, encoding="utf-8")
    (corpus / "nagqu.txt").write_text(ADDED, encoding="utf-8")

    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(settings.home_dir), str(tiny_onnx_dir), str(corpus)],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr

    pipe = Pipeline(settings)
    assert pipe.index.check() == []
    manifest = pipe.index.manifest()
    assert manifest["counts"] == pipe.index.store.counts()
    docs = {d.doc_id for d in pipe.documents()}
    if point == "before_delete_commit":
        assert docs == {"linzhi.txt"}
        return
    text = pipe.document("linzhi.txt").text
    assert text in (OLD, NEW)
    stored = sorted(c.text for c in pipe.index.store.chunks(pipe.index.store.chunk_ids("linzhi.txt")).values())
    assert stored == sorted(chunk_texts(text))  # the chunks of that version, not a mix
    assert docs == ({"linzhi.txt"} if text == OLD else {"linzhi.txt", "nagqu.txt"})
    hits = pipe.search("林芝新建安置点", top_k=3)
    assert hits and all(pipe.document(h.chunk.doc_id).text[h.chunk.start : h.chunk.end] == h.chunk.text for h in hits)
