"""Errors with messages meant for users: one readable line, no traceback."""

from __future__ import annotations

from embeddings.errors import ModelError, UserError

__all__ = ["IndexStateError", "InputError", "ModelError", "NotFoundError", "RagError", "TooLargeError"]


# One base for every package: embeddings (the bottom layer, which imports nothing from rag) defines it
# with ModelError, so the CLI and the API print the embedder's errors as one line too.
RagError = UserError


class InputError(RagError):
    """The caller's input is unusable (empty question, unknown format, undecodable file)."""

    exit_code = 2
    http_status = 400


class NotFoundError(RagError):
    """A named document, file or model does not exist."""

    exit_code = 2
    http_status = 404


class ConflictError(RagError):
    """A write would silently replace something (an upload under an existing document id)."""

    exit_code = 2
    http_status = 409


class ForbiddenError(RagError):
    """The caller may not change this (a document another key or the configured corpus added)."""

    exit_code = 2
    http_status = 403


class IndexStateError(RagError):
    """The index directory is missing, corrupt or built with another embedder."""

    exit_code = 3
    http_status = 503


class TooLargeError(InputError):
    """An input over a configured size limit (``413`` in the API).

    Args:
        message: The one line shown to the user; it names the limit.
        limit: The config key of the limit that was exceeded, e.g. ``ingest.max_chars``.
    """

    http_status = 413

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit
