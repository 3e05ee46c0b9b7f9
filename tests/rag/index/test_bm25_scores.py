"""The saved score matrix read without bm25s scores questions as bm25s does."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from rag.index.bm25 import BM25Index
from rag.index.bm25_scores import ScoreMatrix


def _corpus(n_docs: int = 60, vocab: int = 40, seed: int = 7) -> list[list[str]]:
    rnd = random.Random(seed)
    return [[f"t{rnd.randrange(vocab)}" for _ in range(rnd.randint(1, 30))] for _ in range(n_docs)]


def test_scores_equal_bm25s_own_for_queries_with_repeats_and_rare_tokens(tmp_path):
    docs = _corpus()
    built = BM25Index(list(range(100, 100 + len(docs))), docs)
    built.save(tmp_path)
    matrix = ScoreMatrix.load(tmp_path / "bm25")
    rnd = random.Random(1)
    for _ in range(50):
        query = [rnd.choice(sorted(built._vocab)) for _ in range(rnd.randint(1, 6))]
        ids = [built._vocab[t] for t in query]
        np.testing.assert_allclose(matrix.scores(ids), built._model.get_scores(ids), rtol=1e-6, atol=0)


def test_a_loaded_index_ranks_as_the_built_one(tmp_path):
    docs = _corpus()
    built = BM25Index(list(range(len(docs))), docs)
    built.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    scores_built, _ = built.search(["t1", "t2", "t3"], 10)
    scores_loaded, _ = loaded.search(["t1", "t2", "t3"], 10)
    np.testing.assert_allclose(scores_loaded, scores_built, rtol=1e-6)
    assert loaded.document_frequency("t1") == sum("t1" in d for d in docs)


def test_an_empty_query_scores_zero_everywhere(tmp_path):
    BM25Index([0, 1], [["a"], ["b"]]).save(tmp_path)
    assert not ScoreMatrix.load(tmp_path / "bm25").scores([]).any()


def test_a_method_with_a_non_occurrence_term_is_refused(tmp_path):
    BM25Index([0, 1], [["a"], ["b"]]).save(tmp_path)
    params = tmp_path / "bm25" / "params.index.json"
    params.write_text(json.dumps({**json.loads(params.read_text()), "method": "bm25l"}), encoding="utf-8")
    with pytest.raises(ValueError, match="bm25l"):
        ScoreMatrix.load(tmp_path / "bm25")


def test_the_query_path_does_not_import_bm25s_or_scipy(tmp_path):
    import subprocess
    import sys

    BM25Index([0, 1], [["a", "b"], ["b"]]).save(tmp_path)
    code = (
        "import sys; from pathlib import Path; from rag.index.bm25 import BM25Index\n"
        f"i = BM25Index.load(Path({str(tmp_path)!r})); assert len(i.search(['b'], 2)[1]) == 2\n"
        "print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
