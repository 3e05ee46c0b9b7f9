"""Load files and uploads into :class:`~rag.types.Document` objects.

One function per format, looked up by file suffix in ``_FORMATS``. Plain text and
Markdown are kept exactly as decoded (offsets index into the file's own text); HTML,
PDF and DOCX become their extracted text, and offsets index into that.

Every failure a user can cause raises :class:`InputError` or :class:`NotFoundError`
with a one-line message naming the file.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from rag.errors import InputError, NotFoundError
from rag.types import Document

MB = 1024 * 1024
MAX_FILE_BYTES = 50 * MB
DOCX_MAX_UNCOMPRESSED = 200 * MB
DOCX_MAX_RATIO = 100
DOCX_MAX_MEMBERS = 10_000
_LARGE_MEMBER = 10 * MB  # the ratio check only applies above this: small XML parts compress very well
_TITLE_CHARS = 80
_MAX_NAME_CHARS = 200
# Share of control bytes above which a ".txt" is really binary. Bytes < 0x20 never occur inside
# multi-byte UTF-8, GB18030 or Big5 characters, so counting raw bytes is valid for all three.
_MAX_CONTROL_SHARE = 0.02
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")


class _Parsed(NamedTuple):
    """What a format function extracts from raw bytes."""

    text: str
    title: str
    encoding: str | None  # None for binary formats (pdf, docx)


_Loader = Callable[[bytes, str], _Parsed]


# --------------------------------------------------------------------------- public API


def load_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Load one file from disk.

    Args:
        path: A file with a supported suffix (see ``SUPPORTED_SUFFIXES``).
        max_bytes: Refuse files larger than this.

    Returns:
        The document; ``doc_id`` is the (sanitised) file name, ``source`` the path.

    Raises:
        NotFoundError: The file does not exist.
        InputError: Unsupported, too large, unreadable, undecodable or empty.
    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"no such file: {path}")
    if not path.is_file():
        # Directories, FIFOs and devices: reading a FIFO would block forever.
        raise InputError(f"{path} is not a regular file")
    name = _safe_name(path.name)
    _format_for(name)  # reject an unknown suffix before reading anything
    _check_size(path.stat().st_size, name, max_bytes)
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # +1: the file may have grown since stat()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from err
    return _load(data, name, str(path), max_bytes)


def load_bytes(data: bytes, name: str, *, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Load an uploaded file from memory.

    Args:
        data: The raw file content.
        name: The client-supplied file name. Only used (after sanitising to a safe
            basename) for ``doc_id``, title fallback and format; never as a path.
        max_bytes: Refuse uploads larger than this.

    Returns:
        The document; ``source`` is ``upload:<name>``.

    Raises:
        InputError: Empty or unsafe name, unsupported, too large, undecodable or empty.
    """
    safe = _safe_name(name)
    return _load(bytes(data), safe, f"upload:{safe}", max_bytes)


def discover(paths: list[Path]) -> list[Path]:
    """Expand files and directories into the list of documents to load.

    Directories are searched recursively in sorted order, skipping hidden files and
    directories and files with unsupported suffixes. Files named explicitly must have a
    supported suffix. Duplicates (a file also inside a named directory) are dropped.

    Args:
        paths: Files and directories.

    Returns:
        The files to load, in argument order, each directory's files sorted.

    Raises:
        NotFoundError: A path does not exist.
        InputError: A named file is unsupported, or a directory holds no supported file.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for root in map(Path, paths):
        if not root.exists():
            raise NotFoundError(f"no such file or directory: {root}")
        if root.is_dir():
            files = _walk(root)
            if not files:
                raise InputError(f"no supported documents in {root} (supported: {_supported()})")
        else:
            _format_for(root.name)
            files = [root]
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                found.append(f)
    return found


# --------------------------------------------------------------------------- shared steps


def _load(data: bytes, name: str, source: str, max_bytes: int) -> Document:
    """Dispatch raw bytes to the format function and wrap the result."""
    fmt, loader = _format_for(name)
    _check_size(len(data), name, max_bytes)
    parsed = loader(data, name)
    if not parsed.text.strip():
        raise InputError(f"{name} is empty")
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
        raise InputError(f"{name} is {_human(size)}, over the {_human(max_bytes)} limit")


def _human(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


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


def _walk(root: Path) -> list[Path]:
    """Supported, non-hidden regular files under ``root``, sorted by relative path."""
    out: list[Path] = []
    # followlinks=False: a symlink loop must not hang ingestion.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            p = Path(dirpath, fn)
            if not fn.startswith(".") and os.path.splitext(fn)[1].lower() in _FORMATS and p.is_file():
                out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).parts)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _clip(line)
    return ""


def _clip(s: str) -> str:
    s = " ".join(s.split())
    return s if len(s) <= _TITLE_CHARS else s[: _TITLE_CHARS - 1] + "…"


# --------------------------------------------------------------------------- text decoding


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (BOM stripped), else GB18030 or Big5; never rewrites newlines.

    Returns:
        (text, encoding name).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name} is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in data or _control_share(data) > _MAX_CONTROL_SHARE:
        raise InputError(f"{name} is not a text file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    candidates: list[tuple[str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputError(f"cannot decode {name}: it is not UTF-8, GB18030 or Big5 text")
    # Big5 bytes nearly always also decode as GB18030 (into nonsense), so the order alone
    # cannot decide: prefer the reading made of common characters; ties go to GB18030.
    return max(candidates, key=lambda c: _common_share(c[0]))


def _control_share(data: bytes) -> float:
    sample = data[: 64 * 1024]
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
    return bad / len(sample)


def _common_share(text: str) -> float:
    """Share of non-ASCII characters that are common Chinese characters or CJK punctuation."""
    common = _common_chars()
    sample = [c for c in text[:200_000] if ord(c) > 0x7F and not c.isspace()][:20_000]
    if not sample:
        return 1.0
    good = sum(1 for c in sample if c in common or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return good / len(sample)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """GB2312 level-1 plus Big5 level-1 characters: the ~7,000 frequent simplified and traditional."""
    chars: set[str] = set()
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    tables = (("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)), ("big5", range(0xA4, 0xC7), big5_trails))
    for enc, leads, trail_bytes in tables:
        for lead in leads:
            for trail in trail_bytes:
                try:
                    chars.add(bytes((lead, trail)).decode(enc))
                except UnicodeDecodeError:
                    continue
    return frozenset(chars)


# --------------------------------------------------------------------------- formats


def _load_text(data: bytes, name: str) -> _Parsed:
    text, enc = _decode(data, name)
    return _Parsed(text, _first_line(text), enc)


def _load_markdown(data: bytes, name: str) -> _Parsed:
    text, enc = _decode(data, name)
    return _Parsed(text, _first_line(text).lstrip("#").strip(), enc)


class _HTMLText(HTMLParser):
    """Collects visible text; block elements become line breaks."""

    # Not "head": its end tag is optional, and an unclosed skip would swallow the page.
    SKIP = frozenset({"script", "style", "noscript", "template", "title"})
    BLOCK = frozenset(
        {
            *("address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div"),
            *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3"),
            *("h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section"),
            *("summary", "table", "td", "th", "tr", "ul"),
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities are unescaped in handle_data
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.title = ""
        self.h1 = ""
        self._in: list[str] = []  # "title"/"h1" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        if tag in ("title", "h1"):
            self._in.append(tag)
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>: a break but never an open element (self-closing <script/> must not skip).
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if "title" in self._in and not self.title:
            self.title = data.strip()
        elif "h1" in self._in:
            self.h1 += data
        if self.skip:
            return
        # Outside <pre>, runs of HTML whitespace render as one space (a source line break is
        # not a break). Only ASCII whitespace: &nbsp; and the ideographic space are content.
        self.parts.append(data if self.pre else re.sub(r"[ \t\n\r\f]+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _load_html(data: bytes, name: str) -> _Parsed:
    raw, enc = _decode(data, name)
    parser = _HTMLText()
    parser.feed(raw)
    parser.close()
    return _Parsed(parser.text(), parser.title or parser.h1.strip(), enc)


def _load_pdf(data: bytes, name: str) -> _Parsed:
    from pypdf import PasswordType, PdfReader  # imported lazily: only PDF ingestion needs it

    # Third-party parsers raise many exception types on malformed input; every one of them
    # means "this PDF is unreadable", so they are all reported as one InputError.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InputError(f"{name} is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except InputError:
        raise
    except Exception as err:
        raise InputError(f"cannot read PDF {name}: {_why(err)}") from err
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise InputError(f"{name}: no extractable text (scanned PDF?)")
    return _Parsed(text, str(meta_title or "").strip(), None)


def _check_zip(data: bytes, name: str) -> None:
    """Refuse zip bombs before a parser inflates anything.

    The declared sizes can be trusted: ``zipfile`` never returns more than a member's
    declared ``file_size`` (and fails its CRC check if the data is longer).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise InputError(f"cannot read DOCX {name}: not a valid zip file ({_why(err)})") from err
    if len(infos) > DOCX_MAX_MEMBERS:
        raise InputError(f"refusing {name}: {len(infos)} zip members (limit {DOCX_MAX_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > DOCX_MAX_UNCOMPRESSED:
        raise InputError(f"refusing {name}: it would unpack to {_human(total)} (limit {_human(DOCX_MAX_UNCOMPRESSED)})")
    for i in infos:
        if i.file_size > _LARGE_MEMBER and i.file_size / max(i.compress_size, 1) > DOCX_MAX_RATIO:
            raise InputError(f"refusing {name}: member {i.filename} is compressed more than {DOCX_MAX_RATIO}:1")


def _load_docx(data: bytes, name: str) -> _Parsed:
    _check_zip(data, name)
    import docx  # imported lazily: only DOCX ingestion needs it

    lines: list[str] = []
    headings: list[str] = []
    try:
        _docx_blocks(docx.Document(io.BytesIO(data)), lines, headings)
    except Exception as err:  # see _load_pdf: any parser failure means an unreadable file
        raise InputError(f"cannot read DOCX {name}: {_why(err)}") from err
    return _Parsed("\n".join(lines), headings[0] if headings else "", None)


def _docx_blocks(container: object, lines: list[str], headings: list[str]) -> None:
    """Append paragraph and table-cell text in document order (tables recursively)."""
    from docx.table import Table

    for block in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans.
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        _docx_blocks(cell, lines, headings)
            continue
        lines.append(block.text)
        style = block.style.name if block.style is not None else ""
        if block.text.strip() and (style.startswith("Heading") or style == "Title"):
            headings.append(block.text.strip())


def _why(err: Exception) -> str:
    """The first line of an exception message, or its type when it has none."""
    msg = str(err).strip().splitlines()
    return msg[0][:200] if msg else type(err).__name__


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
