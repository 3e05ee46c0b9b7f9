"""Load files and uploads into :class:`~rag.types.Document` objects.

One function per format, looked up by file suffix in ``_FORMATS``. Plain text and
Markdown are kept exactly as decoded (offsets index into the file's own text); HTML,
PDF and DOCX become their extracted text, and offsets index into that.

What one document may cost is bounded by what it extracts (the ``ingest`` config section:
decompressed bytes, characters, PDF pages and operations); a refusal is a
:class:`TooLargeError` naming the limit. Every other failure a user can cause raises
:class:`InputError` or :class:`NotFoundError` with a one-line message naming the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rag.config import IngestConfig
from rag.errors import InputError, NotFoundError, TooLargeError
from rag.formats import human
from rag.formats.text import decode
from rag.types import Document

MAX_FILE_BYTES = IngestConfig().max_file_bytes
_TITLE_CHARS = 80
_MAX_NAME_CHARS = 200
# Pseudo-filesystems whose "regular files" are kernel state, never documents.
_PSEUDO_ROOTS = ("/proc", "/sys")


class _Parsed(NamedTuple):
    """What a format function extracts from raw bytes."""

    text: str
    title: str
    encoding: str | None  # None for binary formats (pdf, docx)


_Loader = Callable[[bytes, str, IngestConfig], _Parsed]


class Skipped(NamedTuple):
    """A file or directory that discovery left out, and why (shown in the ingest summary)."""

    path: Path
    reason: str


class Discovery(NamedTuple):
    """The files to load and what was skipped on the way."""

    files: list[Path]
    skipped: list[Skipped]


# --------------------------------------------------------------------------- public API


def load_file(path: Path, *, max_bytes: int | None = None, limits: IngestConfig | None = None) -> Document:
    """Load one file from disk.

    Args:
        path: A file with a supported suffix (see ``SUPPORTED_SUFFIXES``).
        max_bytes: Refuse files larger than this (default ``limits.max_file_bytes``).
        limits: What one document may extract (the ``ingest`` config section).

    Returns:
        The document; ``doc_id`` is the (sanitised) file name, ``source`` the path.

    Raises:
        NotFoundError: The file does not exist.
        TooLargeError: Over a limit of ``limits`` (the message names it).
        InputError: Unsupported, unreadable, undecodable or empty.
    """
    path = Path(path)
    limits = limits or IngestConfig()
    max_bytes = limits.max_file_bytes if max_bytes is None else max_bytes
    if not path.exists():
        raise NotFoundError(f"no such file: {path}")
    if not path.is_file():
        # Directories, FIFOs and devices: reading a FIFO would block forever.
        raise InputError(f"{path} is not a regular file")
    if _is_pseudo(path):
        raise InputError(f"{path} is a file of {' or '.join(_PSEUDO_ROOTS)}, not a document")
    name = _safe_name(path.name)
    _format_for(name)  # reject an unknown suffix before reading anything
    _check_size(path.stat().st_size, name, max_bytes)
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # +1: the file may have grown since stat()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from err
    return _load(data, name, str(path), max_bytes, limits)


def load_bytes(data: bytes, name: str, *, max_bytes: int | None = None, limits: IngestConfig | None = None) -> Document:
    """Load an uploaded file from memory.

    Args:
        data: The raw file content.
        name: The client-supplied file name. Only used (after sanitising to a safe
            basename) for ``doc_id``, title fallback and format; never as a path.
        max_bytes: Refuse uploads larger than this (default ``limits.max_file_bytes``).
        limits: What one document may extract (the ``ingest`` config section).

    Returns:
        The document; ``source`` is ``upload:<name>``.

    Raises:
        TooLargeError: Over a limit (the message names it).
        InputError: Empty or unsafe name, unsupported, undecodable or empty.
    """
    limits = limits or IngestConfig()
    max_bytes = limits.max_file_bytes if max_bytes is None else max_bytes
    safe = _safe_name(name)
    return _load(bytes(data), safe, f"upload:{safe}", max_bytes, limits)


def discover(paths: list[Path], *, follow_links: bool = False) -> list[Path]:
    """The files of :func:`scan`, without the list of what was skipped."""
    return scan(paths, follow_links=follow_links).files


def scan(paths: list[Path], *, follow_links: bool = False) -> Discovery:
    """Expand files and directories into the list of documents to load.

    Directories are searched recursively in sorted order, skipping hidden files and
    directories and files with unsupported suffixes (silently), and, reported in
    ``skipped``: symlinks whose target lies outside the directory given (unless
    ``follow_links``), broken symlinks, and anything that is not a regular file (FIFOs,
    devices, sockets, files of /proc and /sys; even with ``follow_links``). Files named
    explicitly are taken as named but must have a supported suffix. Duplicates (a file
    also inside a named directory, or reached twice through links) are dropped.

    Args:
        paths: Files and directories.
        follow_links: Follow symlinks wherever they lead (directory loops are still cut).

    Returns:
        The files to load, in argument order, each directory's files sorted, and the skipped paths.

    Raises:
        NotFoundError: A path does not exist.
        InputError: A named file is unsupported, or a directory holds no supported file.
    """
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for root in map(Path, paths):
        if not root.exists():
            raise NotFoundError(f"no such file or directory: {root}")
        if root.is_dir():
            here: list[Skipped] = []
            files = _walk(root, follow_links, here)
            skipped.extend(here)
            if not files:
                raise InputError(f"no supported documents in {root} (supported: {_supported()}){_skip_note(here)}")
        else:
            _format_for(root.name)
            files = [root]
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                found.append(f)
    return Discovery(found, skipped)


# --------------------------------------------------------------------------- shared steps


def _load(data: bytes, name: str, source: str, max_bytes: int, limits: IngestConfig) -> Document:
    """Dispatch raw bytes to the format function and wrap the result."""
    fmt, loader = _format_for(name)
    _check_size(len(data), name, max_bytes)
    parsed = loader(data, name, limits)
    if not parsed.text.strip():
        raise InputError(f"{name} is empty")
    if len(parsed.text) > limits.max_chars:
        raise TooLargeError(
            f"refusing {name}: {len(parsed.text)} characters of text (limit ingest.max_chars = {limits.max_chars})",
            "ingest.max_chars",
        )
    meta = {
        "format": fmt,
        "encoding": parsed.encoding,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    title = _clip(parsed.title) or _first_line(parsed.text) or name
    return Document(doc_id=name, title=title, text=parsed.text, source=source, meta=meta)


def _format_for(name: str) -> tuple[str, _Loader]:
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in _FORMATS:
        shown = suffix or "(none)"
        raise InputError(f"unsupported format '{shown}' for {name} (supported: {_supported()})")
    return _FORMATS[suffix]


def _supported() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        message = f"{name} is {human(size)}, over the {human(max_bytes)} limit (ingest.max_file_bytes)"
        raise TooLargeError(message, "ingest.max_file_bytes")


def _safe_name(name: str) -> str:
    """Reduce a client-supplied name to a harmless basename usable as a doc_id."""
    # NFC first: macOS sends decomposed names, which would otherwise differ from the same
    # name typed elsewhere.
    name = unicodedata.normalize("NFC", str(name))
    # Drop control, format (bidi overrides) and other non-printing characters.
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    # Either separator counts: a Windows client sends ``C:\dir\file.txt``.
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r'[<>:"|?*]', "_", name).strip()
    name = name.lstrip(".").strip()  # no "..", no hidden names
    if len(name) > _MAX_NAME_CHARS:
        stem, suffix = os.path.splitext(name)
        name = stem[: _MAX_NAME_CHARS - len(suffix)] + suffix
    if not name:
        raise InputError("the file name is empty (after removing directories and unsafe characters)")
    return name


def _walk(root: Path, follow_links: bool, skipped: list[Skipped]) -> list[Path]:
    """Supported, non-hidden regular files under ``root``, sorted by relative path."""
    tree = root.resolve()
    walked = {tree}  # real directories already entered: a link back up must not loop
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        keep = []
        for d in dirnames:
            p = Path(dirpath, d)
            if d.startswith("."):
                continue
            if p.is_symlink():
                reason = _link_problem(p, tree, follow_links)
                if reason:
                    skipped.append(Skipped(p, reason))
                    continue
                if not follow_links:
                    continue  # os.walk does not descend it; its target, inside the tree, is walked as itself
            real = p.resolve()
            if real not in walked:
                walked.add(real)
                keep.append(d)
        dirnames[:] = keep
        for fn in filenames:
            if fn.startswith(".") or os.path.splitext(fn)[1].lower() not in _FORMATS:
                continue
            p = Path(dirpath, fn)
            reason = _link_problem(p, tree, follow_links) if p.is_symlink() else None
            reason = reason or _special_problem(p)
            if reason:
                skipped.append(Skipped(p, reason))
            else:
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).parts)


def _link_problem(link: Path, tree: Path, follow_links: bool) -> str | None:
    """Why a symlink under ``tree`` is not followed, or None when it may be."""
    if not link.exists():
        return "broken symlink"
    if follow_links:
        return None
    target = link.resolve()
    if not target.is_relative_to(tree):
        return f"symlink to {target}, outside {tree} (use --follow-links to follow)"
    return None


def _special_problem(path: Path) -> str | None:
    """Why a path is not a document file, or None for a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        return f"cannot read: {err.strerror or err}"
    if not stat.S_ISREG(mode):
        return "not a regular file (FIFO, device or socket)"
    if _is_pseudo(path):
        return f"a file of {' or '.join(_PSEUDO_ROOTS)}, not a document"
    return None


def _is_pseudo(path: Path) -> bool:
    """Whether a file lives on /proc or /sys (its size is 0 but reading it returns kernel state)."""
    real = path.resolve()
    if any(real.is_relative_to(root) for root in _PSEUDO_ROOTS):
        return True
    try:
        return path.stat().st_dev in _pseudo_devices()
    except OSError:
        return False


@lru_cache(maxsize=1)
def _pseudo_devices() -> frozenset[int]:
    """Device ids of the /proc and /sys mounts (the same filesystems mounted elsewhere share them)."""
    devices = set()
    for root in _PSEUDO_ROOTS:
        try:
            devices.add(os.stat(root).st_dev)
        except OSError:
            continue
    return frozenset(devices)


def _skip_note(skipped: list[Skipped]) -> str:
    if not skipped:
        return ""
    shown = "; ".join(f"{s.path.name}: {s.reason}" for s in skipped[:3])
    return f"; skipped {len(skipped)}: {shown}{' ...' if len(skipped) > 3 else ''}"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _clip(line)
    return ""


def _clip(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= _TITLE_CHARS else s[: _TITLE_CHARS - 1] + "…"


# --------------------------------------------------------------------------- formats


def _load_text(data: bytes, name: str, limits: IngestConfig) -> _Parsed:
    text, enc = decode(data, name)
    return _Parsed(text, _first_line(text), enc)


def _load_markdown(data: bytes, name: str, limits: IngestConfig) -> _Parsed:
    text, enc = decode(data, name)
    return _Parsed(text, _first_line(text).lstrip("#").strip(), enc)


def _load_html(data: bytes, name: str, limits: IngestConfig) -> _Parsed:
    from rag.formats.html import extract_html  # imported lazily: only HTML ingestion needs it

    raw, enc = decode(data, name)
    text, title = extract_html(raw)
    return _Parsed(text, title, enc)


def _load_pdf(data: bytes, name: str, limits: IngestConfig) -> _Parsed:
    from rag.formats.pdf import extract_pdf  # imported lazily: pypdf is only needed for PDFs

    text, title = extract_pdf(data, name, limits)
    return _Parsed(text, title, None)


def _load_docx(data: bytes, name: str, limits: IngestConfig) -> _Parsed:
    from rag.formats.docx import extract_docx  # imported lazily: only DOCX ingestion needs it

    text, title = extract_docx(data, name, limits)
    return _Parsed(text, title, None)


_FORMATS: dict[str, tuple[str, _Loader]] = {
    ".txt": ("text", _load_text),
    ".md": ("markdown", _load_markdown),
    ".markdown": ("markdown", _load_markdown),
    ".html": ("html", _load_html),
    ".htm": ("html", _load_html),
    ".pdf": ("pdf", _load_pdf),
    ".docx": ("docx", _load_docx),
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS)
