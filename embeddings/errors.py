"""Errors meant for users: one readable line, no traceback.

``embeddings`` is the bottom layer and imports nothing from ``rag``, so the base class lives here;
``rag.errors.RagError`` is this class, and the CLI and the API print these errors like their own.
"""

from __future__ import annotations


class UserError(Exception):
    """Base class; ``str(err)`` is the one line shown to a user."""

    exit_code = 1
    http_status = 500


class ModelError(UserError):
    """A model could not be found or loaded (offline rule: nothing is downloaded by default)."""

    exit_code = 3
    http_status = 503


class UnknownModelError(ModelError):
    """A model name that is neither installed nor installable offline."""

    exit_code = 2
    http_status = 404
