"""Bounded text extraction for binary formats (DOCX, PDF); rag.loaders dispatches to them."""

from __future__ import annotations

MB = 1024 * 1024


def human(n: int) -> str:
    """A byte count for messages: ``12.3 MB`` or ``512 bytes``."""
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def why(err: Exception) -> str:
    """The first line of an exception message, or its type when it has none."""
    msg = str(err).strip().splitlines()
    return msg[0][:200] if msg else type(err).__name__
