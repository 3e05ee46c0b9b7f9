"""Bounded DOCX text extraction: the body of the main document part, streamed.

python-docx parses every part of a package (headers, footers, comments, ...) into lxml
trees before its caller can look at anything, so a small file of huge parts costs
gigabytes. Here only the relationships, the main document part and its styles are read,
each through one decompressed-byte budget checked against the zip directory first and
enforced again while inflating (a lying header gains nothing), with expat as a pure event
parser (no tree, no DTD, no entities). Extraction stops at the character limit.

The text follows python-docx's rules (``Paragraph.text`` of each body paragraph and table
cell in document order), except that a vertically merged cell appears once, not once per row.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator
from typing import NamedTuple
from xml.parsers import expat

from rag.config import IngestConfig
from rag.errors import InputError, TooLargeError
from rag.formats import MB, human, why

MAX_MEMBERS = 10_000
# The central directory is read whole by zipfile (one ZipInfo per entry), so its size is
# bounded before zipfile sees it. Real documents need a few kilobytes.
MAX_DIRECTORY_BYTES = 2 * MB
_BLOCK = 64 * 1024
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN_DEFAULT = "word/document.xml"
_HEADING_STYLE = re.compile(r"Heading.*|Title|heading [1-9]|title")

# Element -> parent state -> state. A state names where an element sits in the body; an
# element in no listed position (text boxes, field codes, w:ins wrappers) is skipped whole,
# as python-docx skips it.
_TRANSITIONS: dict[str, dict[str, str]] = {
    "document": {"root": "document"},
    "body": {"document": "container"},
    "tbl": {"container": "tbl"},
    "tr": {"tbl": "tr"},
    "tc": {"tr": "container"},
    "p": {"container": "p"},
    "pPr": {"p": "pPr"},
    "pStyle": {"pPr": "pStyle"},
    "hyperlink": {"p": "hyperlink"},
    "r": {"p": "r", "hyperlink": "r"},
    "t": {"r": "t"},
    "tab": {"r": "tab"},
    "ptab": {"r": "tab"},
    "br": {"r": "br"},
    "cr": {"r": "cr"},
    "noBreakHyphen": {"r": "hyphen"},
}
_RUN_TEXT = {"tab": "\t", "cr": "\n", "hyphen": "-"}


class DocxText(NamedTuple):
    """Extracted text (one line per paragraph) and the first heading, or ``""``."""

    text: str
    title: str


def extract_docx(data: bytes, name: str, limits: IngestConfig) -> DocxText:
    """Extract the body text of a DOCX within ``limits``.

    Args:
        data: The file's bytes.
        name: The file name, for messages.
        limits: ``max_unpacked_bytes`` (over all parts read) and ``max_chars``.

    Returns:
        The text and title.

    Raises:
        TooLargeError: A limit would be exceeded (the message names it).
        InputError: Not a readable DOCX.
    """
    _check_directory(data, name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise InputError(f"cannot read DOCX {name}: not a valid zip file ({why(err)})") from err
    with zf:
        if len(zf.infolist()) > MAX_MEMBERS:
            raise InputError(f"refusing {name}: {len(zf.infolist())} zip members (limit {MAX_MEMBERS})")
        reader = _PartReader(zf, name, limits.max_unpacked_bytes)
        main = _target(reader, "_rels/.rels", "", "/officeDocument") or _MAIN_DEFAULT
        if main not in reader.names:
            raise InputError(f"cannot read DOCX {name}: there is no document part ({main})")
        rels = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
        styles = _target(reader, rels, posixpath.dirname(main), "/styles")
        style_names = _StyleNames()
        if styles in reader.names:
            reader.parse(styles, style_names)
        body = _Body(style_names, limits.max_chars, name)
        reader.parse(main, body)
    return DocxText("\n".join(body.lines), body.title)


def _check_directory(data: bytes, name: str) -> None:
    """Refuse an oversized central directory from the end record, before zipfile reads it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or len(data) - end < 22:
        return  # zipfile reports the damage
    entries, size = struct.unpack_from("<HL", data, end + 10)
    if entries > MAX_MEMBERS or size > MAX_DIRECTORY_BYTES:
        raise InputError(f"refusing {name}: its zip directory lists {entries} members in {size} bytes")


class _PartReader:
    """Inflates parts through one budget of decompressed bytes for the whole archive."""

    def __init__(self, zf: zipfile.ZipFile, name: str, budget: int) -> None:
        self.zf, self.name, self.limit, self.left = zf, name, budget, budget
        self.names = {i.filename for i in zf.infolist()}

    def _too_large(self, part: str, size: int) -> TooLargeError:
        return TooLargeError(
            f"refusing {self.name}: its parts would unpack to more than {human(self.limit)} "
            f"({part}: {human(size)}; limit ingest.max_unpacked_bytes)",
            "ingest.max_unpacked_bytes",
        )

    def blocks(self, part: str) -> Iterator[bytes]:
        info = self.zf.getinfo(part)
        if info.file_size > self.left:  # the directory's word first...
            raise self._too_large(part, info.file_size)
        read = 0
        with self.zf.open(info) as f:
            while block := f.read(_BLOCK):
                read += len(block)
                if read > self.left:  # ...and the bytes themselves
                    raise self._too_large(part, read)
                yield block
        self.left -= read

    def parse(self, part: str, handler: _Handler) -> None:
        parser = _parser(self.name)
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.chars
        try:
            for block in self.blocks(part):
                parser.Parse(block, False)
            parser.Parse(b"", True)
        except expat.ExpatError as err:
            raise InputError(f"cannot read DOCX {self.name}: {part} is not well-formed XML ({err})") from err
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as err:
            raise InputError(f"cannot read DOCX {self.name}: {why(err)}") from err


def _parser(name: str) -> expat.XMLParserType:
    """An expat parser that refuses any DTD, so no entity (internal or external) is ever expanded."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_: object) -> None:
        raise InputError(f"cannot read DOCX {name}: a document type declaration is not allowed")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


class _Handler:
    def start(self, tag: str, attrs: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def chars(self, data: str) -> None: ...


class _Relationships(_Handler):
    def __init__(self, kind: str) -> None:
        self.kind, self.target = kind, ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_REL} Relationship" and not self.target and attrs.get("Type", "").endswith(self.kind):
            self.target = attrs.get("Target", "")


def _target(reader: _PartReader, rels: str, base: str, kind: str) -> str:
    """The part a relationship of ``kind`` in ``rels`` points to, or ``""``."""
    if rels not in reader.names:
        return ""
    handler = _Relationships(kind)
    reader.parse(rels, handler)
    if not handler.target or "://" in handler.target:
        return ""
    target = handler.target
    return posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(base, target))


class _StyleNames(_Handler):
    """Paragraph style ids mapped to their names, and the default paragraph style."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.default = ""
        self._id = ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_W} style":
            self._id = attrs.get(f"{_W} styleId", "")
            if attrs.get(f"{_W} type") == "paragraph" and attrs.get(f"{_W} default") in ("1", "true", "on"):
                self.default = self._id
        elif tag == f"{_W} name" and self._id:
            self.names[self._id] = attrs.get(f"{_W} val", "")

    def is_heading(self, style_id: str) -> bool:
        style_id = style_id or self.default
        return bool(_HEADING_STYLE.fullmatch(self.names.get(style_id, style_id)))


class _Body(_Handler):
    """Collects paragraph lines from document.xml events, counting characters as they come."""

    def __init__(self, styles: _StyleNames, max_chars: int, name: str) -> None:
        self.styles, self.max_chars, self.name = styles, max_chars, name
        self.lines: list[str] = []
        self.title = ""
        self.total = 0
        self._states = ["root"]
        self._line: list[str] = []
        self._style = ""

    def _count(self, n: int) -> None:
        self.total += n
        if self.total > self.max_chars:
            raise TooLargeError(
                f"refusing {self.name}: more than {self.max_chars} characters of text (limit ingest.max_chars)",
                "ingest.max_chars",
            )

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        state = _TRANSITIONS.get(local, {}).get(self._states[-1], "") if ns == _W else ""
        self._states.append(state)
        if state == "p":
            self._line, self._style = [], ""
        elif state == "pStyle":
            self._style = attrs.get(f"{_W} val", "")
        elif state == "br" and attrs.get(f"{_W} type", "textWrapping") == "textWrapping":
            self._add("\n")
        elif state in _RUN_TEXT:
            self._add(_RUN_TEXT[state])

    def _add(self, text: str) -> None:
        self._count(len(text))
        self._line.append(text)

    def end(self, tag: str) -> None:
        if self._states.pop() == "p":
            line = "".join(self._line)
            self._count(1)  # the line break that joins it to the next
            self.lines.append(line)
            if not self.title and line.strip() and self.styles.is_heading(self._style):
                self.title = line.strip()

    def chars(self, data: str) -> None:
        if self._states[-1] == "t":
            self._add(data)
