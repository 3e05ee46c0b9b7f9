"""The ONNX Runtime backend against the sentence-transformers model it was exported from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import ModelError
from embeddings.onnx import OnnxEmbedder
from rag.config import REPO_ROOT
from tests.embeddings.conftest import CORPUS, varied_texts

# Float32 on both sides, the same weights: only the summation order of the kernels differs.
MIN_COSINE = 0.9999


@pytest.fixture(scope="module")
def onnx_embedder(tiny_onnx_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder.from_model_dir(tiny_onnx_dir, batch_size=16, threads=1)


def test_vectors_match_sentence_transformers(onnx_embedder, tiny_embedder):
    texts = varied_texts()
    assert len(texts) >= 270
    ours = onnx_embedder.embed_passages(texts)
    ref = tiny_embedder.embed_passages(texts)
    cos = np.sum(ours * ref, axis=1)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert cos.min() >= MIN_COSINE, (cos.min(), texts[int(cos.argmin())])


def test_prompts_are_prefixed_as_sentence_transformers_does(tiny_onnx_dir, tiny_embedder):
    onnx = OnnxEmbedder.from_model_dir(tiny_onnx_dir, query_prompt="query: ", passage_prompt="passage: ")
    texts = varied_texts(20)
    cos_q = np.sum(onnx.embed_queries(texts) * tiny_embedder.embed_passages(["query: " + t for t in texts]), axis=1)
    cos_p = np.sum(onnx.embed_passages(texts) * tiny_embedder.embed_passages(["passage: " + t for t in texts]), axis=1)
    assert min(cos_q.min(), cos_p.min()) >= MIN_COSINE


@pytest.mark.torch
def test_token_ids_match_the_transformers_tokenizer(onnx_embedder, tiny_model_dir):
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(tiny_model_dir), local_files_only=True)
    texts = varied_texts()
    ref = hf(texts, truncation="longest_first", max_length=256)["input_ids"]
    assert onnx_embedder.token_ids(texts) == ref


def test_long_texts_are_truncated_at_max_seq_length(tiny_onnx_dir):
    long_text = CORPUS[0].read_text(encoding="utf-8")
    assert len(long_text) > 2000  # a token per Chinese character at most: far past both limits
    model_cap = OnnxEmbedder.from_model_dir(tiny_onnx_dir, max_seq_length=4096)
    assert len(model_cap.token_ids([long_text])[0]) == 256  # the model's own limit wins over a larger config
    short = OnnxEmbedder.from_model_dir(tiny_onnx_dir, max_seq_length=32)
    assert len(short.token_ids([long_text])[0]) == 32


def test_batch_composition_does_not_change_a_vector(onnx_embedder):
    texts = varied_texts(40)
    alone = np.stack([onnx_embedder.embed_passages([t])[0] for t in texts[::7]])
    together = onnx_embedder.embed_passages(texts)[::7]  # padded to the longest of each length-sorted batch
    assert np.sum(alone * together, axis=1).min() >= 0.99999


def test_rows_are_unit_vectors_and_no_text_gives_no_rows(onnx_embedder):
    vecs = onnx_embedder.embed_queries(varied_texts(10))
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.embed_queries([]).shape == (0, onnx_embedder.dim)
    assert onnx_embedder.name == "tiny-bert" and onnx_embedder.dim == 32


def test_a_model_without_export_is_a_model_error(tiny_model_dir):
    with pytest.raises(ModelError, match="rag models install"):
        OnnxEmbedder.from_model_dir(tiny_model_dir)


def test_the_query_path_imports_no_torch(tiny_onnx_dir, tmp_path):
    script = (
        "import sys; from pathlib import Path\n"
        "from embeddings.config import EmbedderConfig\n"
        "from embeddings.factory import make_embedder\n"
        f"cfg = EmbedderConfig(model={str(tiny_onnx_dir)!r}, query_prompt='', passage_prompt='')\n"
        f"e = make_embedder(cfg, Path({str(tmp_path)!r}), Path({str(tmp_path / 'cache.sqlite')!r}))\n"
        "assert e.embed_queries(['你好']).shape == (1, 32)\n"
        "print(type(e.inner).__name__, sorted({'torch', 'transformers', 'sentence_transformers', 'sklearn'}"
        " & set(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split("\n")[0] == "OnnxEmbedder []"


# --------------------------------------------------------------------------------------------------
# the real model (slow): converted and exported once, or the installed one under $RAG_HOME
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory) -> Path:
    from embeddings.models import INSTALLABLE, install, is_complete

    name = next(iter(INSTALLABLE))
    home = os.environ.get("RAG_HOME")
    if home and is_complete(Path(home).expanduser() / "models" / name, with_onnx=True):
        return Path(home).expanduser() / "models" / name
    return install(name, tmp_path_factory.mktemp("models"), progress=False)


@pytest.fixture(scope="session")
def e5_pair(e5_dir):
    """The same model behind both backends, with e5's prompts."""
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    prompts = {"query_prompt": "query: ", "passage_prompt": "passage: "}
    onnx = OnnxEmbedder.from_model_dir(e5_dir, batch_size=16, **prompts)
    st = SentenceTransformerEmbedder(str(e5_dir), e5_dir.parent, device="cpu", batch_size=16, **prompts)
    return onnx, st


@pytest.mark.slow
def test_e5_vectors_match_sentence_transformers(e5_pair):
    onnx, st = e5_pair
    texts = varied_texts()
    for ours, ref in (
        (onnx.embed_queries(texts), st.embed_queries(texts)),
        (onnx.embed_passages(texts), st.embed_passages(texts)),
    ):
        cos = np.sum(ours * ref, axis=1)
        assert cos.min() >= MIN_COSINE, (cos.min(), texts[int(cos.argmin())])


# Two chunks can only change places between the backends if the reference scores them within twice the
# largest score deviation; the deviation itself is bounded first (measured: ~1e-6).
SCORE_TOLERANCE = 1e-4


def _top_k_agree(ref: np.ndarray, ours: np.ndarray, k: int) -> list[int]:
    """Rows whose top-k differ from the reference's other than by near-tied neighbours changing places."""
    bad = []
    for row, (r, o) in enumerate(zip(ref, ours, strict=True)):
        ref_top, our_top = np.argsort(-r, kind="stable")[:k], np.argsort(-o, kind="stable")[:k]
        if any(a != b and abs(r[a] - r[b]) > 2 * SCORE_TOLERANCE for a, b in zip(ref_top, our_top, strict=True)):
            bad.append(row)
    return bad


@pytest.mark.slow
def test_e5_dense_top10_on_the_dev_set_is_the_same(e5_pair):
    from eval.gold import load_gold
    from rag.chunking import Chunker
    from rag.config import ChunkerConfig
    from rag.fold import fold
    from rag.indexdir import passage_text
    from rag.loaders import discover, load_file

    onnx, st = e5_pair
    chunker = Chunker(ChunkerConfig())
    chunks = [c for p in discover([REPO_ROOT / "data" / "corpus"]) for c in chunker.chunk(load_file(p), first_id=0)]
    passages = [passage_text(c) for c in chunks]
    questions = [fold(item.question) for item in load_gold(REPO_ROOT / "eval" / "gold" / "dev.jsonl")]
    assert len(passages) > 300 and len(questions) > 50
    ref = st.embed_queries(questions) @ st.embed_passages(passages).T
    ours = onnx.embed_queries(questions) @ onnx.embed_passages(passages).T
    assert np.abs(ours - ref).max() <= SCORE_TOLERANCE
    assert _top_k_agree(ref, ours, 10) == []
