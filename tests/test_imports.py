"""The `ask` path imports no heavy library: checked in fresh interpreters (``sys.modules`` after the fact).

The embedder's own imports are its backend's business (an ONNX backend needs no torch); here it is a
stand-in, so what is checked is everything else on the path: CLI, pipeline, index, retrieval, answerer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rag.config import REPO_ROOT
from tests.conftest import SMALL_DOCS

# Libraries that must not be loaded to answer with the extractive answerer (seconds and hundreds of MB
# each), and the packages the CLI wires in only for their own commands.
HEAVY = (
    "torch",
    "transformers",
    "sentence_transformers",
    "sklearn",
    "pandas",
    "matplotlib",
    "pypdf",
    "docx",
    "fastapi",
    "uvicorn",
    "eval",
    "service",
)

ASK_MODULES = (
    "rag.cli",
    "rag.pipeline",
    "rag.answer.factory",
    "rag.answer.extractive",
    "rag.retrieval",
    "rag.crosslingual",
)

_REPORT = """
import json, sys
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[-1].split(",")))))
"""

# A whole ingest + ask (Chinese and English questions) with a hashing stand-in for the embedder.
_ASK = """
import sys, zlib
from pathlib import Path
import numpy as np
from rag.config import load_settings
from rag.pipeline import Pipeline

class HashEmbedder:
    name, dim = "hash-bigrams", 64
    def _embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for a, b in zip(t, t[1:] + " "):
                out[i, zlib.crc32((a + b).encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    embed_queries = embed_passages = _embed

home, corpus = Path(sys.argv[1]), Path(sys.argv[2])
settings = load_settings(None, {"home": str(home), "index": {"dir": str(home / "index")}, "corpus": str(corpus)})
pipe = Pipeline(settings, embedder=HashEmbedder())
pipe.ensure_index()
for question in ("昌都搬迁了多少人?", "How many people were relocated in Chamdo?"):
    answer, _ = pipe.ask(question)
    assert answer.text, question
"""


def _loaded(code: str, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + _REPORT, *args, ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
        env=os.environ | {"PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_ask_path_loads_no_heavy_library() -> None:
    assert _loaded("".join(f"import {m}\n" for m in ASK_MODULES)) == []


def test_answering_chinese_and_english_questions_loads_no_heavy_library(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in SMALL_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert _loaded(_ASK, str(tmp_path / "home"), str(corpus)) == []
