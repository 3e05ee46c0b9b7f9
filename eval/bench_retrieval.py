"""Retrieval benchmark: ingest throughput (cold and warm cache), embedding throughput by batch size,
and per-stage query latency. Prints figures and writes them as JSON.

Run: ``.venv/bin/python -m eval.bench_retrieval [--config FILE] [--out out/bench_retrieval.json]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from embeddings.cache import CachedEmbedder
from eval.gold import load_gold
from eval.metrics import percentile
from rag.chunking import Chunker
from rag.config import REPO_ROOT, load_settings
from rag.pipeline import Pipeline


def bench_ingest(settings, inner, corpus: Path, tmp: Path) -> dict:
    """Build the index twice: with an empty embedding cache, then with the cache warm."""
    out = {}
    cache = tmp / "cache.sqlite"
    for label in ("cold", "warm"):
        s = settings.model_copy(update={"index": settings.index.model_copy(update={"dir": str(tmp / label)})})
        embedder = CachedEmbedder(inner, cache)
        pipe = Pipeline(s, embedder=embedder)
        t = time.perf_counter()
        pipe.ingest([corpus])
        dt = time.perf_counter() - t
        chunks = pipe.counts()["chunks"]
        out[label] = {
            "seconds": round(dt, 2),
            "chunks": chunks,
            "chunks_per_s": round(chunks / dt, 1),
            "embedded": embedder.misses,
        }
    return out


def sample_passages(pipe: Pipeline, n: int) -> list[str]:
    """The first ``n`` passages of the indexed documents, chunked as the index chunks them."""
    chunker = Chunker(pipe.settings.chunker)
    texts: list[str] = []
    for info in pipe.documents():
        texts.extend(c.text for c in chunker.chunk(pipe.document(info.doc_id)))
        if len(texts) >= n:
            break
    return texts[:n]


def bench_embedding(inner, texts: list[str]) -> dict:
    """Passages per second at batch sizes 1, 16 and 32."""
    out = {}
    for batch in (1, 16, 32):
        inner.batch_size = batch
        sample = texts[: max(32, batch * 2)]
        inner.embed_passages(sample[:batch])  # warm-up
        t = time.perf_counter()
        inner.embed_passages(sample)
        out[f"batch_{batch}"] = round(len(sample) / (time.perf_counter() - t), 1)
    return out


def bench_queries(pipe: Pipeline, questions: list[str]) -> dict:
    """Per-stage latency (ms) over the questions, each asked once after a warm-up."""
    # Warm-up, including the one-off dictionary build an English question triggers (~3 s, once per process).
    for q in [questions[0], *[q for q in questions if q.isascii()][:1]]:
        pipe.search(q)
    stages: dict[str, list[float]] = {}
    totals = []
    for q in questions:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        pipe.search(q, timings=timings)
        totals.append(time.perf_counter() - t)
        for k, v in timings.items():
            stages.setdefault(k, []).append(v)
    stages["total"] = totals
    return {
        k: {"p50_ms": round(percentile(v, 50) * 1000, 2), "p95_ms": round(percentile(v, 95) * 1000, 2)}
        for k, v in stages.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--gold", type=Path, default=REPO_ROOT / "eval" / "gold" / "dev.jsonl")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "bench_retrieval.json")
    args = parser.parse_args()
    settings = load_settings(args.config)
    from embeddings.factory import make_embedder

    t = time.perf_counter()
    inner = make_embedder(settings.embedder, settings.models_dir)
    load_s = time.perf_counter() - t
    questions = [item.question for item in load_gold(args.gold)]
    with tempfile.TemporaryDirectory() as tmp:
        ingest = bench_ingest(settings, inner, Path(settings.corpus), Path(tmp))
        pipe = Pipeline(
            settings.model_copy(update={"index": settings.index.model_copy(update={"dir": str(Path(tmp) / "warm")})}),
            embedder=inner,
        )
        texts = sample_passages(pipe, 200)
        embedding = bench_embedding(inner, texts)
        queries = bench_queries(pipe, questions)
    result = {
        "model_load_s": round(load_s, 2),
        "ingest": ingest,
        "embedding_passages_per_s": embedding,
        "query_latency": queries,
        "questions": len(questions),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"warm vs cold ingest speed-up: {ingest['warm']['chunks_per_s'] / ingest['cold']['chunks_per_s']:.1f}x")
    print(f"hybrid retrieval p50 {queries['total']['p50_ms']} ms, p95 {queries['total']['p95_ms']} ms")


if __name__ == "__main__":
    main()
