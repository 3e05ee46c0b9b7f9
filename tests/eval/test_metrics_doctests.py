"""Run the examples in every metrics module's docstrings, so the documentation stays true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["abstention", "aggregate", "answers", "citations", "latency", "retrieval"]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(f"eval.metrics.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0, f"{name} has no doctest examples"
    assert result.failed == 0


def test_package_exports_resolve() -> None:
    package = importlib.import_module("eval.metrics")
    for name in package.__all__:
        assert getattr(package, name) is not None
