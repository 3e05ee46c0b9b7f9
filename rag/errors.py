"""Errors with messages meant for users: one readable line, no traceback."""

from __future__ import annotations


class RagError(Exception):
    """Base class; ``str(err)`` is the one line shown to a user."""

    exit_code = 1
    http_status = 500


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


class ModelError(RagError):
    """A model could not be found or loaded (offline rule: nothing is downloaded by default)."""

    exit_code = 3
    http_status = 503
