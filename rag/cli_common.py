"""What the command-line modules share: the consoles, common options, the pipeline and error handling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from rag.config import ConfigError
from rag.errors import RagError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TopKOpt = Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=100, help="Passages to use.")]
AnswererOpt = Annotated[
    str | None, typer.Option("--answerer", help="extractive | llamacpp | openai | hybrid | seq2seq | causal")
]


def overrides(answerer: str | None) -> dict | None:
    return {"answerer": {"backend": answerer}} if answerer else None


def pipeline(config: Path | None, overrides: dict | None = None):
    from rag.pipeline import Pipeline

    return Pipeline.from_config(config, overrides)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr fed by (done, total) callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def ensure_index(pipe) -> None:
    if pipe.index.store.has_documents():  # the usual case: no progress bar (nor rich.progress) needed
        return
    with progress("building the index of the default corpus") as update:
        report = pipe.ensure_index(progress=update)
    if report is not None:
        err.print(f"index built: {report.summary()}")


def run(fn: Callable[[], Any]) -> None:
    """Run a command body; user errors become one line and an exit code."""
    try:
        fn()
    except RagError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
