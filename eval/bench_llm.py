"""Benchmark the local LLM: load time, prompt and generation speed, first streamed token, prompt-cache reuse.

Prints one row per ``n_threads`` setting over a few dev questions of ONE language (``--lang``; the
fixed system text differs per answer language, so only questions of one language reuse its KV
cache), medians of llama.cpp's own timings, then one row per question: the answering prompt's
tokens (``cached`` of them reused from the previous prompt), its first-token and answer seconds,
and the same for the hybrid's yes/no check of the extractive answer (``-`` when it abstained).
Retrieval and the extractive answer are done once, outside the timing.
Run: ``python -m eval.bench_llm --threads 1 2 --questions 3 --lang zh-Hans [-c FILE]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from eval.gold import LANGS, load_gold
from rag.answer.factory import extractive_answerer, wire_generative
from rag.answer.generative.gguf_models import resolve_gguf
from rag.answer.generative.llamacpp import LlamaCppAnswerer
from rag.answer.generative.prompt import Prompt
from rag.answer.generative.verify import answer_check_prompt, verification_prompt
from rag.config import REPO_ROOT
from rag.pipeline import Pipeline


def _run(llm: LlamaCppAnswerer, prompt: Prompt) -> dict[str, Any]:
    """llama.cpp's timings of one greedy reply to ``prompt``."""
    return llm.server.handle_chat_completions(llm._request(prompt, False))["timings"]


def _first_token(timings: dict[str, Any]) -> float:
    # A streamed answer's first token comes once the prompt is read and one token generated.
    return (timings["prompt_ms"] + timings["predicted_per_token_ms"]) / 1000


def _total(timings: dict[str, Any]) -> float:
    return (timings["prompt_ms"] + timings["predicted_ms"]) / 1000


def _tokens(timings: dict[str, Any]) -> str:
    """``all/cached``: the prompt's tokens and how many of them came from the KV cache."""
    cached = timings.get("cache_n", 0)
    return f"{timings['prompt_n'] + cached}/{cached}"


def main() -> None:
    """Parse arguments, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", default=str(REPO_ROOT / "eval" / "gold" / "dev.jsonl"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--lang", default="zh-Hans", choices=sorted(LANGS), help="language of the questions asked")
    parser.add_argument("-c", "--config", default=None, help="a config file (prompt sizes, model); default: none")
    args = parser.parse_args()
    pipeline = Pipeline.from_config(args.config)
    pipeline.ensure_index()
    cfg = pipeline.settings.answerer
    items = [i for i in load_gold(args.gold) if i.answerable and i.lang == args.lang][: args.questions]
    if not items:
        parser.error(f"no answerable {args.lang} question in {args.gold}")
    extractive = extractive_answerer(pipeline.settings, pipeline.embedder, pipeline.in_headings)
    asked = []
    for item in items:
        hits = pipeline.search(item.question, cfg.max_passages)
        asked.append((item.question, hits, extractive.answer(item.question, hits)))
    model = resolve_gguf(cfg.model, pipeline.settings.models_dir)
    more = "always" if cfg.sentence_margin is None else f"beyond the best: within {cfg.sentence_margin}"
    print(
        f"{len(asked)} {args.lang} questions, {cfg.generative_passages} passages x {cfg.sentences_per_passage} "
        f"sentence(s) ({more}), "
        f"sentences cut at {cfg.max_sentence_chars} characters"
    )
    for n in args.threads:
        t = time.perf_counter()
        # wired as the pipeline wires it, so the prompts measured are the ones users get
        llm = wire_generative(
            LlamaCppAnswerer(
                model, n, cfg.n_ctx, cfg.max_new_tokens, cfg.generative_passages, cfg.sentences_per_passage
            ),
            pipeline.settings,
            pipeline.in_headings,
            extractive,
        )
        load = time.perf_counter() - t
        rows, answers, checks = [], [], []
        for question, hits, first in asked:
            prompt = llm.build_prompt(question, hits)
            assert prompt is not None
            answered = _run(llm, prompt)
            answers.append(answered)
            check = None
            if not first.abstained:
                build = answer_check_prompt if cfg.hybrid_check == "answer" else verification_prompt
                verify = build(question, prompt.lang, first.citations, hits, llm.control_tokens)
                check = _run(llm, verify)
                checks.append(check)
            rows.append((question, answered, check))
        med = statistics.median
        print("\nthreads  load_s  prompt_tok/s  gen_tok/s  first_token_s  answer_s  check_s")
        print(
            f"{n:7d}  {load:6.1f}  {med(a['prompt_per_second'] for a in answers):12.1f}  "
            f"{med(a['predicted_per_second'] for a in answers):9.1f}  {med(_first_token(a) for a in answers):13.1f}  "
            f"{med(_total(a) for a in answers):8.1f}  {med(_total(c) for c in checks) if checks else 0:7.1f}"
        )
        print("  prompt tokens/cached  first_token_s  answer_s | check tokens/cached  check_s | question")
        for question, answered, check in rows:
            verified = f"{_tokens(check):>19}  {_total(check):7.1f}" if check else f"{'-':>19}  {'-':>7}"
            print(
                f"  {_tokens(answered):>20}  {_first_token(answered):13.1f}  {_total(answered):8.1f} | "
                f"{verified} | {question}"
            )
        llm.close()
        del llm


if __name__ == "__main__":
    main()
