"""Embedding throughput fp32 vs torch dynamic int8 quantization, cosine parity, and dev-set Recall@5.

Two int8 variants: every ``nn.Linear`` quantized, and every one except the FFN output layers
(``encoder.layer.N.output.dense``), whose inputs (post-GELU activations) have the widest range and
lose most under per-tensor dynamic int8. Part of ``eval/bench_scale.py``; runs alone with
``python -m eval.bench_scale --skip-vectors [--int8-recall]``.
"""

from __future__ import annotations

import copy
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

FFN_OUTPUT = re.compile(r"layer\.\d+\.output\.dense$")


def quantize(model, keep_ffn_output: bool):
    """A dynamically int8-quantized copy of a sentence-transformers model (CPU only).

    Args:
        model: The fp32 model.
        keep_ffn_output: Leave the FFN output projections in fp32.

    Returns:
        The quantized copy.
    """
    import torch

    names = {
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and not (keep_ffn_output and FFN_OUTPUT.search(name))
    }
    return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), names, dtype=torch.qint8)


class ModelEmbedder:
    """The ``Embedder`` protocol over an already-loaded (possibly quantized) model, for the Recall@5 run."""

    def __init__(self, model, name: str, dim: int, query_prompt: str, passage_prompt: str) -> None:
        self._model, self.name, self.dim = model, name, dim
        self.query_prompt, self.passage_prompt = query_prompt, passage_prompt

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self._model.encode([prompt + t for t in texts], batch_size=16, normalize_embeddings=True)
        return np.ascontiguousarray(out, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)


def corpus_chunks(settings) -> list:
    """The configured corpus chunked as ingest chunks it (``rag.types.Chunk`` objects)."""
    from rag.chunking import Chunker
    from rag.loaders import discover, load_file

    chunker = Chunker(settings.chunker)
    return [c for p in discover([Path(settings.corpus)]) for c in chunker.chunk(load_file(p), first_id=0)]


def dev_items() -> list:
    """The dev-set gold items."""
    from eval.gold import load_gold
    from rag.config import REPO_ROOT

    return load_gold(REPO_ROOT / "eval" / "gold" / "dev.jsonl")


def recall_at_5(settings, embedder, tmp: Path, items: list | None = None) -> dict[str, float]:
    """Dev-set Recall@5 (hybrid and dense) with ``embedder`` over a fresh index in ``tmp``.

    ``items``: the gold items (the dev set, loaded here, when None).
    """
    from eval.harness import evaluate
    from rag.pipeline import Pipeline

    index = settings.index.model_copy(update={"dir": str(tmp / embedder.name)})
    pipe = Pipeline(settings.model_copy(update={"index": index}), embedder=embedder)
    pipe.ingest([Path(settings.corpus)])
    items = dev_items() if items is None else items
    _, metrics = evaluate(pipe, items, ["hybrid", "dense"])
    return {mode: round(float(m["overall"]["recall@5"]), 4) for mode, m in metrics.items()}


def run_int8(settings, recall: bool = False, n_texts: int = 128, log: Callable[[str], None] = print) -> dict:
    """Throughput (passages/s) and cosine parity of fp32 vs the two int8 variants; optionally Recall@5.

    Args:
        settings: Settings naming the (installed) embedding model.
        recall: Also build an index per variant and score the dev set (re-embeds the corpus: minutes).
        n_texts: Corpus passages timed.
        log: Where result lines go.

    Returns:
        Figures per variant.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    from embeddings.models import resolve_model
    from rag.indexdir import passage_text

    cfg = settings.embedder
    path = resolve_model(cfg.model, settings.models_dir, cfg.allow_hub)
    fp32 = SentenceTransformer(path, device="cpu", local_files_only=True)
    chunks = corpus_chunks(settings)
    step = max(1, len(chunks) // n_texts)
    texts = [cfg.passage_prompt + passage_text(c) for c in chunks[::step][:n_texts]]
    models = {
        "fp32": fp32,
        "int8-all": quantize(fp32, keep_ffn_output=False),
        "int8-keep-ffn-out": quantize(fp32, keep_ffn_output=True),
    }
    out: dict = {"texts": len(texts), "torch_threads": torch.get_num_threads()}
    ref = None
    for name, model in models.items():
        model.encode(texts[:16], batch_size=16)  # warm-up
        t = time.perf_counter()
        vecs = model.encode(texts, batch_size=16, normalize_embeddings=True)
        rate = len(texts) / (time.perf_counter() - t)
        ref = vecs if ref is None else ref
        cos = (vecs * ref).sum(axis=1)
        out[name] = {
            "passages_per_s": round(rate, 1),
            "cos_mean": round(float(cos.mean()), 4),
            "cos_min": round(float(cos.min()), 4),
        }
    for name in models:
        out[name]["speedup"] = round(out[name]["passages_per_s"] / out["fp32"]["passages_per_s"], 2)
        log(
            f"{name:<18} {out[name]['passages_per_s']:>7.1f} passages/s  x{out[name]['speedup']:<5} "
            f"cos mean {out[name]['cos_mean']:.4f} min {out[name]['cos_min']:.4f}"
        )
    if recall:
        dim = fp32.get_sentence_embedding_dimension()
        items = dev_items()
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("fp32", "int8-keep-ffn-out", "int8-all"):
                if name == "fp32":  # the configured embedder: its cache is warm
                    from embeddings.factory import make_embedder

                    emb = make_embedder(settings.embedder, settings.models_dir, settings.embedding_cache)
                else:
                    emb = ModelEmbedder(models[name], f"{cfg.model}-{name}", dim, cfg.query_prompt, cfg.passage_prompt)
                out[name]["dev_recall@5"] = recall_at_5(settings, emb, Path(tmp), items)
                log(f"{name:<18} dev Recall@5 {out[name]['dev_recall@5']}")
    return out
