"""rag.formats.docx: the body text as python-docx reads it, within the extraction limits."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_BREAK

from rag.config import REPO_ROOT, IngestConfig
from rag.errors import InputError, TooLargeError
from rag.loaders import load_bytes

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
MB = 1024 * 1024


def saved(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def rich_docx() -> bytes:
    """Headings, runs with tabs and breaks, a nested table and a merged cell."""
    d = docx.Document()
    d.add_paragraph("封面文字")
    d.add_heading("昌都市脱贫攻坚工作报告", level=1)
    p = d.add_paragraph("第一段\t含制表符")
    p.add_run("，换行").add_break()
    p.add_run("后续；分页")
    p.runs[-1].add_break(WD_BREAK.PAGE)
    p.add_run("之后。")
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "县区"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "脱贫人口（合并）"
    table.cell(1, 0).text = "卡若区"
    inner = table.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "内表甲"
    inner.cell(0, 1).text = "内表乙"
    d.add_heading("二级标题", level=2)
    d.add_paragraph("尽锐出战、强力推进。")
    return saved(d)


def python_docx_text(data: bytes) -> tuple[str, str]:
    """The text and first heading by python-docx's own API (what the loader used to call)."""
    from docx.table import Table

    lines: list[str] = []
    headings: list[str] = []

    def blocks(container) -> None:
        for block in container.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            blocks(cell)
                continue
            lines.append(block.text)
            style = block.style.name if block.style is not None else ""
            if block.text.strip() and (style.startswith("Heading") or style == "Title"):
                headings.append(block.text.strip())

    blocks(docx.Document(io.BytesIO(data)))
    return "\n".join(lines), headings[0] if headings else ""


def rewrite(data: bytes, parts: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """A copy of a package with some parts replaced and others added (all deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, parts.get(info.filename, src.read(info)))
        for name, body in (extra or {}).items():
            out.writestr(name, body)
    return buf.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def body_docx(body: bytes) -> bytes:
    """A package whose document.xml body is ``body`` (raw WordprocessingML)."""
    doc = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode() + body + b"</w:body></w:document>"
    return rewrite(saved(docx.Document()), {"word/document.xml": doc})


def header_bomb(headers: int, header_mb: float) -> bytes:
    """The attack of issue 13: many header parts of empty paragraphs, each under every per-part bound."""
    d = docx.Document()
    d.add_paragraph("正文内容。")
    base = saved(d)
    ctypes = part(base, "[Content_Types].xml").decode()
    rels = part(base, "word/_rels/document.xml.rels").decode()
    overrides = "".join(
        f'<Override PartName="/word/header{i}.xml" ContentType="{HEADER_TYPE}"/>' for i in range(headers)
    )
    links = "".join(f'<Relationship Id="rIdH{i}" Type="{HEADER_REL}" Target="header{i}.xml"/>' for i in range(headers))
    filler = b"<w:p/>" * int(header_mb * MB / 6)
    header = f'<?xml version="1.0"?><w:hdr xmlns:w="{W}">'.encode() + filler + b"</w:hdr>"
    return rewrite(
        base,
        {
            "[Content_Types].xml": ctypes.replace("</Types>", overrides + "</Types>").encode(),
            "word/_rels/document.xml.rels": rels.replace("</Relationships>", links + "</Relationships>").encode(),
        },
        {f"word/header{i}.xml": header for i in range(headers)},
    )


# --------------------------------------------------------------------------- text


def test_text_and_title_are_python_docx_s() -> None:
    data = rich_docx()
    doc = load_bytes(data, "r.docx")
    assert (doc.text, doc.title) == python_docx_text(data)
    assert "\n第一段\t含制表符，换行\n后续；分页之后。\n" in doc.text  # tab and line break kept, page break dropped
    assert doc.text.count("脱贫人口（合并）") == 1 and "内表乙" in doc.text
    assert doc.title == "昌都市脱贫攻坚工作报告"


def test_heading_style_found_by_name_when_its_id_is_not_english() -> None:
    # Word in Chinese names the style "heading 1" but gives it the id "1".
    data = rich_docx()
    styles = part(data, "word/styles.xml").replace(b'w:styleId="Heading1"', b'w:styleId="1"')
    body = part(data, "word/document.xml").replace(b'w:val="Heading1"', b'w:val="1"')
    assert load_bytes(rewrite(data, {"word/styles.xml": styles, "word/document.xml": body}), "zh.docx").title == (
        "昌都市脱贫攻坚工作报告"
    )


def test_text_outside_the_body_is_not_read() -> None:
    # Tracked insertions and text boxes are skipped, as python-docx skips them.
    data = body_docx(
        b"<w:p><w:r><w:t>\xe6\xad\xa3\xe6\x96\x87</w:t></w:r>"
        b"<w:ins><w:r><w:t>INSERTED</w:t></w:r></w:ins></w:p>"
        b"<w:sdt><w:sdtContent><w:p><w:r><w:t>SDT</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    assert load_bytes(data, "x.docx").text == python_docx_text(data)[0] == "正文"


def test_a_document_type_declaration_is_refused() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        + f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'.encode()
    )
    data = rewrite(saved(docx.Document()), {"word/document.xml": doc})
    with pytest.raises(InputError, match=r"^cannot read DOCX dtd\.docx: a document type declaration is not allowed"):
        load_bytes(data, "dtd.docx")


def test_malformed_xml_names_the_part() -> None:
    data = rewrite(saved(docx.Document()), {"word/document.xml": b"<w:document><w:body>"})
    with pytest.raises(InputError, match=r"word/document\.xml is not well-formed XML"):
        load_bytes(data, "bad.docx")


# --------------------------------------------------------------------------- limits


def test_characters_are_counted_while_streaming() -> None:
    text = "脱贫攻坚" * 500_000  # 2 M characters in a few kilobytes
    data = body_docx(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode())
    assert len(data) < 64 * 1024
    with pytest.raises(TooLargeError, match=r"more than 1000000 characters of text \(limit ingest\.max_chars\)") as err:
        load_bytes(data, "long.docx")
    assert err.value.limit == "ingest.max_chars"


def test_empty_paragraphs_count_as_line_breaks() -> None:
    data = body_docx(b"<w:p/>" * 2000 + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>")
    assert load_bytes(data, "ok.docx", limits=IngestConfig(max_chars=3000)).text.strip() == "x"
    with pytest.raises(TooLargeError, match="ingest.max_chars"):
        load_bytes(data, "many.docx", limits=IngestConfig(max_chars=1000))


def test_the_budget_covers_all_parts_read() -> None:
    data = rich_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
    read = ("_rels/.rels", "word/_rels/document.xml.rels", "word/styles.xml", "word/document.xml")
    total = sum(sizes[p] for p in read)
    assert load_bytes(data, "r.docx", limits=IngestConfig(max_unpacked_bytes=total)).text
    # Every part alone fits; together they do not.
    assert max(sizes[p] for p in read) < total - 1
    with pytest.raises(TooLargeError, match=r"would unpack to more than .*limit ingest\.max_unpacked_bytes"):
        load_bytes(data, "r.docx", limits=IngestConfig(max_unpacked_bytes=total - 1))


def test_a_lying_directory_gains_nothing() -> None:
    # The central directory claims 100 bytes for a document part that inflates to 8 MB.
    text = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * (8 * MB // 34)
    data = bytearray(body_docx(text))
    entry = data.index(b"PK\x01\x02")
    while True:  # find the central directory entry of word/document.xml
        name_len = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_len] == b"word/document.xml":
            break
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (100).to_bytes(4, "little")
    with pytest.raises(InputError, match=r"^cannot read DOCX lie\.docx"):
        load_bytes(bytes(data), "lie.docx")


def test_many_huge_header_parts_are_never_inflated() -> None:
    data = header_bomb(headers=19, header_mb=1)
    assert len(data) < 200 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 19 * MB
    assert load_bytes(data, "h.docx", limits=IngestConfig(max_unpacked_bytes=MB)).text == "正文内容。"


def test_too_many_zip_members_are_refused_before_the_directory_is_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(10_001):
            zf.writestr(f"m{i}", b"")
    with pytest.raises(InputError, match=r"^refusing many\.docx: its zip directory lists 10001 members"):
        load_bytes(buf.getvalue(), "many.docx")


# ru_maxrss of a child started from a big parent starts at the parent's peak (Linux keeps it across
# exec); VmHWM is the child's own high-water mark, so it is used where /proc exists.
CHILD = """
import json, resource, sys, time
from pathlib import Path
from rag.errors import InputError
from rag.loaders import load_file
import rag.formats.docx, xml.parsers.expat

def peak_kb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = peak_kb()
t = time.process_time()
try:
    outcome = "loaded %d chars" % len(load_file(Path(sys.argv[1])).text)
except InputError as err:
    outcome = "refused: %s" % err
print(json.dumps({"before_kb": before, "after_kb": peak_kb(), "cpu_s": time.process_time() - t, "outcome": outcome}))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("19 headers x 9.9 MB of <w:p/>", lambda: header_bomb(headers=19, header_mb=9.9)),
        ("9.9 MB of <w:p/> in the body", lambda: body_docx(b"<w:p/>" * int(9.9 * MB / 6))),
    ],
)
def test_peak_memory_of_loading_a_crafted_docx_stays_small(tmp_path: Path, kind: str, make) -> None:
    path = tmp_path / "crafted.docx"
    path.write_bytes(make())
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    figures = json.loads(result.stdout)
    growth_mb = (figures["after_kb"] - figures["before_kb"]) / 1024
    print(
        f"\n{kind}: file {path.stat().st_size / 1024:.0f} KB, peak RSS {figures['before_kb'] / 1024:.0f} -> "
        f"{figures['after_kb'] / 1024:.0f} MB (+{growth_mb:.0f} MB), {figures['cpu_s']:.2f} s CPU, {figures['outcome']}"
    )
    assert growth_mb < 200  # python-docx took gigabytes on the first file
