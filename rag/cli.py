"""The command line: ``rag ingest|search|ask|documents|index|models|eval|serve`` and ``ask``.

Every user error ends with one readable line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from rag.cli_admin import documents_app, index_app, models_app
from rag.cli_common import (
    AnswererOpt,
    ConfigOpt,
    JsonOpt,
    TopKOpt,
    ensure_index,
    err,
    out,
    overrides,
    pipeline,
    progress,
    run,
)
from rag.types import Answer, Hit

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited answers from Chinese documents.")
app.add_typer(documents_app, name="documents")
app.add_typer(index_app, name="index")
app.add_typer(models_app, name="models")

_TITLE_SHOWN = 40  # some titles are a whole first sentence


# -- ingest / search / ask --------------------------------------------------------------------
@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (txt, md, html, pdf, docx).")],
    rebuild: Annotated[bool, typer.Option(help="Also remove indexed documents not among PATHS.")] = False,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Follow symlinks that lead out of a directory given.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Add or update documents; unchanged files cost nothing."""

    def body() -> None:
        pipe = pipeline(config)
        skipped: list = []
        with progress("embedding") as update:
            report = pipe.ingest(
                paths, replace_all=rebuild, progress=update, follow_links=follow_links, skipped=skipped
            )
        out.print(report.summary())
        if skipped:
            out.print(f"skipped {len(skipped)}:", markup=False, highlight=False)
            for s in skipped:
                out.print(f"  {s.path}: {s.reason}", markup=False, highlight=False)

    run(body)


def hit_json(hit: Hit) -> dict:
    c = hit.chunk
    return {
        "source": c.doc_id,
        "start": c.start,
        "end": c.end,
        "text": c.text,
        "score": hit.score,
        "scores": hit.scores,
    }


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="The question.")],
    top_k: TopKOpt = None,
    mode: Annotated[str | None, typer.Option(help="hybrid | dense | bm25")] = None,
    json_out: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Show the best passages for a question."""

    def body() -> None:
        pipe = pipeline(config)
        q = pipe.check_question(question)
        ensure_index(pipe)
        hits = pipe.search(q, top_k, mode)
        if json_out:
            print(json.dumps({"hits": [hit_json(h) for h in hits]}, ensure_ascii=False, indent=2))
            return
        for i, h in enumerate(hits, 1):
            out.print(f"[bold][{i}][/bold] {h.chunk.doc_id} {h.chunk.start}-{h.chunk.end}  score {h.score:.4f}")
            out.print(h.chunk.text.strip(), markup=False, highlight=False)
            out.print()

    run(body)


def _print_answer(pipe, answer: Answer, verbose: bool) -> None:
    out.print(answer.text, markup=False, highlight=False)
    shown = answer.related if answer.abstained else answer.citations
    if shown:
        out.print()
        out.print("[bold]Related passages[/bold]" if answer.abstained else "[bold]Sources[/bold]")
    for c in shown:
        title = pipe.document(c.doc_id).title
        title = title if len(title) <= _TITLE_SHOWN else title[: _TITLE_SHOWN - 1] + "…"
        out.print(f"[bold][{c.n}][/bold] {title} — {c.doc_id} [{c.start}:{c.end}]", highlight=False)
        out.print(
            "    " + c.quote.strip(), markup=False, highlight=False, style="green" if not answer.abstained else None
        )
    if verbose:
        out.print()
        out.print("timings: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in answer.timings.items()))


def _streamed(pipe, question: str, top_k: int | None) -> Answer:
    """Print the model's pieces as they come (stderr), then return the final answer for printing."""
    answer = None
    for piece in pipe.ask_stream(question, top_k=top_k):
        if isinstance(piece, Answer):
            answer = piece
        else:
            err.print(piece, end="", markup=False, highlight=False)
    err.print()
    assert answer is not None  # every stream ends with its Answer
    return answer


def _ask(
    question: str,
    top_k: int | None,
    json_out: bool,
    verbose: bool,
    config: Path | None,
    answerer: str | None = None,
    stream: bool = False,
) -> None:
    def body() -> None:
        t0 = time.perf_counter()
        pipe = pipeline(config, overrides(answerer))
        q = pipe.check_question(question)
        ensure_index(pipe)
        answer = _streamed(pipe, q, top_k) if stream else pipe.ask(q, top_k=top_k)[0]
        answer.timings["total"] = time.perf_counter() - t0
        if json_out:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            _print_answer(pipe, answer, verbose)

    run(body)


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question (Chinese or English).")],
    top_k: TopKOpt = None,
    json_out: JsonOpt = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show per-stage timings.")] = False,
    answerer: AnswererOpt = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Show the model's text as it is written (stderr), then the answer.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Answer a question with cited passages (or say the documents do not say)."""
    _ask(question, top_k, json_out, verbose, config, answerer, stream)


# -- eval / serve -----------------------------------------------------------------------------
@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Option("--gold", help="Gold JSONL file (format: eval/gold/README.md).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for predictions, metrics and report.")] = Path(
        "out/eval"
    ),
    answerer: AnswererOpt = None,
    baselines: Annotated[bool, typer.Option("--baselines", help="Also run BM25-only and dense-only.")] = False,
    check: Annotated[
        Path | None, typer.Option("--check", help="Thresholds YAML: exit 1 when a metric is below its floor.")
    ] = None,
    index_dir: Annotated[
        Path | None, typer.Option("--index", help="Index directory to use (built from the corpus when empty).")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Run only the first N items.")] = None,
    ids: Annotated[
        list[str] | None, typer.Option("--ids", help="Run only these item ids (repeat, or comma-separated).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="CPU threads of a local LLM (answerer.n_threads).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Score the system against a gold QA set and write a report."""

    def body() -> None:
        from eval.harness import run_cli

        wanted = [i.strip() for value in ids or [] for i in value.split(",") if i.strip()] or None
        code = run_cli(gold, out_dir, config, answerer, baselines, check, out, err, index_dir, limit, wanted, threads)
        if code:
            raise typer.Exit(code)

    run(body)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind (non-loopback needs API keys).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    config: ConfigOpt = None,
) -> None:
    """Run the chat API and web page."""

    def body() -> None:
        from service.server import serve

        serve(host=host, port=port, config=config)

    run(body)


def _configure_logging() -> None:
    """Warnings (such as an index being recovered) as one line each on stderr; library chatter off."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    # Libraries set their own logger levels on import; filter at the handler instead.
    handler.addFilter(lambda r: r.levelno >= (logging.WARNING if r.name.startswith("rag") else logging.ERROR))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def main() -> None:
    """Entry point of ``rag``."""
    _configure_logging()
    app()


_ask_app = typer.Typer(add_completion=False)
_ask_app.command()(ask_command)


def ask_main() -> None:
    """Entry point of ``ask``."""
    _configure_logging()
    _ask_app()


if __name__ == "__main__":
    sys.exit(main())
