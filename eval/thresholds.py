"""The CI gate: compare metrics with the floors in a thresholds YAML file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rag.errors import InputError


@dataclass(frozen=True)
class Check:
    """One floor and what the run reached."""

    path: str
    floor: float
    value: float | None

    @property
    def ok(self) -> bool:
        return self.value is not None and self.value >= self.floor


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out |= _flatten(value, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[path] = float(value)
        else:
            raise InputError(f"threshold {path} must be a number, not {value!r}")
    return out


def load_thresholds(path: Path) -> dict[str, float]:
    """Read floors as ``{"lang.zh-Hans.answer_accuracy": 0.8, ...}``.

    Raises:
        InputError: Missing file or a non-numeric floor.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise InputError(f"thresholds file not found: {path}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a mapping")
    return _flatten(data)


def _lookup(metrics: dict[str, Any], path: str) -> float | None:
    node: Any = metrics
    for part in path.split("."):
        # metric names contain dots only as the last part's '@' forms; groups never do
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) else None


def check(metrics: dict[str, Any], floors: dict[str, float]) -> list[Check]:
    """Every floor with the value reached (None when the metric is missing, which fails).

    Example:
        >>> [c.ok for c in check({"overall": {"recall@5": 0.9}}, {"overall.recall@5": 0.8, "overall.x": 0.1})]
        [True, False]
    """
    return [Check(path, floor, _lookup(metrics, path)) for path, floor in floors.items()]
