"""Package dependencies point one way: CLI/service/eval → rag → embeddings (read from the source, no imports).

The CLI (``rag/cli.py``) is the composition root: it may wire ``service`` and ``eval`` in, inside the
command that needs them. Shared helpers live below both (``rag.netaddr`` for the loopback rule).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from rag.config import REPO_ROOT


@cache
def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level package imported, whether the import is inside a function) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested.update(id(n) for n in ast.walk(node) if n is not node)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:
            continue
        out.extend((name.split(".")[0], id(node) in nested) for name in names)
    return out


def _violations(package: str, forbidden: set[str], lazy_ok: frozenset[str] = frozenset()) -> list[str]:
    found = []
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        for top, in_function in _imports(path):
            if top in forbidden and not (in_function and rel in lazy_ok):
                found.append(f"{rel} imports {top}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("embeddings", {"rag", "service", "eval"}), ("eval", {"service"}), ("service", {"eval"})],
)
def test_packages_import_only_downwards(package: str, forbidden: set[str]) -> None:
    assert _violations(package, forbidden) == []


def test_the_core_imports_service_and_eval_only_from_the_cli_commands() -> None:
    assert _violations("rag", {"service", "eval"}, lazy_ok=frozenset({"rag/cli.py"})) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from service.security import KeyRing\n", encoding="utf-8")
    assert _imports(module) == [("os", False), ("service", True)]
