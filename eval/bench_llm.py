"""Benchmark the local LLM: load time, prompt and generation speed, first streamed token, prompt-cache reuse.

Prints one row per ``n_threads`` setting over a few dev questions (retrieval done once, outside the
timing), medians of llama.cpp's own timings; ``cached_prompt_tokens`` per question shows the fixed
system prompt's KV cache being reused from the second question on.
Run: ``python -m eval.bench_llm --threads 1 2 --questions 3``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from eval.gold import load_gold
from rag.answer.generative.gguf_models import resolve_gguf
from rag.answer.generative.llamacpp import LlamaCppAnswerer
from rag.config import REPO_ROOT
from rag.pipeline import Pipeline


def main() -> None:
    """Parse arguments, run the benchmark, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", default=str(REPO_ROOT / "eval" / "gold" / "dev.jsonl"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--questions", type=int, default=3)
    args = parser.parse_args()
    pipeline = Pipeline.from_config(None)
    pipeline.ensure_index()
    items = [i for i in load_gold(args.gold) if i.answerable][: args.questions]
    asked = [(i.question, pipeline.search(i.question, pipeline.settings.answerer.max_passages)) for i in items]
    model = resolve_gguf(pipeline.settings.answerer.model, pipeline.settings.models_dir)
    cfg = pipeline.settings.answerer
    print("threads  load_s  prompt_tok/s  gen_tok/s  first_token_s  answer_s  cached_prompt_tokens")
    for n in args.threads:
        t = time.perf_counter()
        llm = LlamaCppAnswerer(model, n, cfg.n_ctx, cfg.max_new_tokens, cfg.max_passages, cfg.sentences_per_passage)
        load = time.perf_counter() - t
        prompt_rate, gen_rate, first, total, cached = [], [], [], [], []
        for question, hits in asked:
            prompt = llm.build_prompt(question, hits)
            assert prompt is not None
            reply = llm.server.handle_chat_completions(llm._request(prompt, False))
            timings = reply["timings"]
            prompt_rate.append(timings["prompt_per_second"])
            gen_rate.append(timings["predicted_per_second"])
            cached.append(timings.get("cache_n", 0))
            # A streamed answer's first token comes once the prompt is read and one token generated.
            first.append((timings["prompt_ms"] + timings["predicted_per_token_ms"]) / 1000)
            total.append((timings["prompt_ms"] + timings["predicted_ms"]) / 1000)
        med = statistics.median
        print(
            f"{n:7d}  {load:6.1f}  {med(prompt_rate):12.1f}  {med(gen_rate):9.1f}  {med(first):13.1f}  "
            f"{med(total):8.1f}  {cached}"
        )
        del llm


if __name__ == "__main__":
    main()
