"""Ingest throughput and memory: the ONNX Runtime embedder (float and int8) vs sentence-transformers, in one run.

Over the default corpus chunks (what ingest embeds), per batch size (1, 16, 32): chunks/s of each
backend and their ratio; the cosine between the two backends' vectors; dense top-10 on the dev
questions (how many identical, the largest score deviation); dev Recall@5 and MRR@10 (hybrid and
dense) with each backend over a fresh index, the passages taken from the timed run. And the peak RSS
of a process that loads each backend and embeds one query, measured in a child process each.

    python -m eval.bench_embed [--config FILE] [--batches 1,16,32] [--limit N] [--no-eval] [--out FILE]

Timings are wall clock on whatever else the machine runs: compare the ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from eval.bench_int8 import corpus_chunks, dev_items
from rag.config import REPO_ROOT, load_settings

# Each variant: the embedder section's overrides. The ratios are against sentence-transformers (the
# torch path ingest used before the ONNX backend).
VARIANTS = {
    "onnx": {"backend": "onnx", "precision": "float32"},
    "onnx-int8": {"backend": "onnx", "precision": "int8"},
    "sentence-transformers": {"backend": "sentence-transformers"},
}
REFERENCE = "sentence-transformers"

_RSS_CHILD = """
import resource, sys, time
from pathlib import Path
from embeddings.config import EmbedderConfig
from embeddings.factory import make_embedder
t = time.perf_counter()
e = make_embedder(EmbedderConfig.model_validate_json(sys.argv[1]), Path(sys.argv[2]))
e.embed_queries(["query text for the memory figure"])
heavy = sorted({"torch", "transformers", "sentence_transformers", "sklearn"} & set(sys.modules))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, ",".join(heavy) or "-")
"""


class _Memo:
    """An embedder whose passages come from a finished run (ingest for the eval costs no second pass)."""

    def __init__(self, inner, passages: dict[str, np.ndarray]) -> None:
        self.inner, self.name, self.dim, self._passages = inner, inner.name, inner.dim, passages

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._passages]
        if missing:
            self._passages.update(zip(missing, self.inner.embed_passages(missing), strict=True))
        return np.stack([self._passages[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


def peak_rss(cfg, models_dir: Path) -> dict:
    """Load time, peak RSS (MB) and heavy imports of a fresh process embedding one query."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, cfg.model_dump_json(), str(models_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    ).stdout.split()
    return {"load_and_query_s": round(float(out[0]), 2), "peak_rss_mb": int(out[1]) // 1024, "heavy_imports": out[2]}


def throughput(embedder, texts: list[str], batch: int) -> tuple[float, float, np.ndarray]:
    """Chunks per wall second and per CPU second at ``batch`` (after a warm-up batch), and the vectors.

    CPU seconds (all threads of this process) hold up better than wall time on a shared machine.
    """
    embedder.batch_size = batch
    embedder.embed_passages(texts[: max(batch, 4)])
    t, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.embed_passages(texts)
    return len(texts) / (time.perf_counter() - t), len(texts) / (time.process_time() - cpu), vectors


def dev_metrics(settings, embedder, tmp: Path, items: list) -> dict:
    """Recall@5 and MRR@10 (hybrid, dense) on the dev set over a fresh index built with ``embedder``."""
    from eval.harness import evaluate
    from rag.pipeline import Pipeline

    index = settings.index.model_copy(update={"dir": str(tmp / "index")})
    pipe = Pipeline(settings.model_copy(update={"index": index}), embedder=embedder)
    pipe.ingest([Path(settings.corpus)])
    _, metrics = evaluate(pipe, items, ["hybrid", "dense"])
    return {
        f"{mode} {key}": round(float(m["overall"][key]), 4)
        for mode, m in metrics.items()
        for key in ("recall@5", "mrr@10")
    }


def top10(embedders: dict, passages: dict[str, np.ndarray], questions: list[str]) -> dict:
    """Dense top-10 of each dev question per variant against the reference's: identical rows, largest deviation."""
    scores = {name: e.embed_queries(questions) @ passages[name].T for name, e in embedders.items()}
    ref = scores[REFERENCE]
    out = {}
    for name, ours in scores.items():
        if name == REFERENCE:
            continue
        same = sum(
            int(np.array_equal(np.argsort(-o, kind="stable")[:10], np.argsort(-r, kind="stable")[:10]))
            for o, r in zip(ours, ref, strict=True)
        )
        out[name] = {
            "questions": len(questions),
            "identical_top10": same,
            "max_score_deviation": float(np.abs(ours - ref).max()),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--batches", default="1,16,32")
    parser.add_argument("--limit", type=int, default=0, help="chunks timed (0: all)")
    parser.add_argument("--no-eval", action="store_true", help="skip the dev-set Recall@5/MRR@10 runs")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "bench_embed.json")
    args = parser.parse_args(argv)
    from embeddings.factory import make_embedder
    from rag.fold import fold
    from rag.indexdir import passage_text

    settings = load_settings(args.config)
    texts = [passage_text(c) for c in corpus_chunks(settings)]
    texts = texts[: args.limit] if args.limit else texts
    batches = [int(b) for b in args.batches.split(",")]
    cfgs = {name: settings.embedder.model_copy(update={**over, "device": "cpu"}) for name, over in VARIANTS.items()}
    from embeddings.onnx import available_cores

    report: dict = {"chunks": len(texts), "cores": available_cores(), "rss": {}, "chunks_per_s": {}, "load_s": {}}
    print(f"{len(texts)} chunks of {settings.corpus}; figures under whatever else runs on this machine")
    for name in VARIANTS:
        report["rss"][name] = peak_rss(cfgs[name], settings.models_dir)
        print(f"{name:<22} load + one query {report['rss'][name]}")

    embedders, vectors = {}, {}
    for name in VARIANTS:  # ONNX first: its load time is measured before torch is imported
        t = time.perf_counter()
        embedders[name] = make_embedder(cfgs[name], settings.models_dir)
        report["load_s"][name] = round(time.perf_counter() - t, 2)
    for batch in batches:
        wall, cpu = {}, {}
        for name, embedder in embedders.items():
            wall[name], cpu[name], vectors[name] = throughput(embedder, texts, batch)
        row = {}
        for name in VARIANTS:
            row[name] = round(wall[name], 2)
            row[f"{name} per cpu-s"] = round(cpu[name], 2)
            if name != REFERENCE:
                row[f"{name} ratio"] = round(wall[name] / wall[REFERENCE], 2)
                row[f"{name} cpu ratio"] = round(cpu[name] / cpu[REFERENCE], 2)
        report["chunks_per_s"][batch] = row
        print(
            f"batch {batch:>2}: "
            + "  ".join(
                f"{name} {wall[name]:6.2f}/s ({cpu[name]:6.2f}/cpu-s"
                + (
                    ""
                    if name == REFERENCE
                    else f", x{wall[name] / wall[REFERENCE]:.2f} cpu x{cpu[name] / cpu[REFERENCE]:.2f}"
                )
                + ")"
                for name in VARIANTS
            )
        )
    report["cosine"] = {}
    for name in VARIANTS:
        if name != REFERENCE:
            cos = np.sum(vectors[name] * vectors[REFERENCE], axis=1)
            report["cosine"][name] = {"min": float(cos.min()), "mean": float(cos.mean())}
            print(f"cosine {name} vs {REFERENCE} over {len(texts)} chunks: min {cos.min():.6f} mean {cos.mean():.6f}")

    items = dev_items()
    report["dense_top10"] = top10(embedders, vectors, [fold(i.question) for i in items])
    print(f"dense top-10 on the dev questions: {report['dense_top10']}")
    if not args.no_eval:
        report["dev"] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name, embedder in embedders.items():
                memo = _Memo(embedder, dict(zip(texts, vectors[name], strict=True)))
                report["dev"][name] = dev_metrics(settings, memo, Path(tmp) / name, items)
                print(f"dev with {name:<22} {report['dev'][name]}")
    report["peak_rss_mb_this_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
