"""Tests for rag.loaders: decoding, format extraction, safety limits and discovery."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from rag.config import IngestConfig
from rag.errors import InputError, NotFoundError, TooLargeError
from rag.loaders import SUPPORTED_SUFFIXES, discover, load_bytes, load_file, scan

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"

SIMPLIFIED = "西藏自治区脱贫攻坚取得决定性胜利。\n拉萨市建档立卡贫困人口全部脱贫，“两不愁三保障”全面实现。\n"
TRADITIONAL = "拉薩建檔立卡人口全部脫貧。\n「兩不愁三保障」突出問題總體解決，西藏歷史性地消除了絕對貧困。\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with one Helvetica text line per page (ASCII only)."""
    n = len(pages)
    font_id = 3 + 2 * n
    objs = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>")
    for i, line in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET"
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>"
        )
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if title is not None:
        objs.append(f"<< /Title ({title}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    info = f" /Info {len(objs)} 0 R" if title is not None else ""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_docx() -> bytes:
    d = docx.Document()
    d.add_heading("昌都市脱贫攻坚工作报告", level=1)
    d.add_paragraph("昌都市各级各部门深入学习贯彻落实总书记关于扶贫工作的重要论述。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "县区"
    table.cell(0, 1).text = "脱贫人口"
    table.cell(1, 0).text = "卡若区"
    table.cell(1, 1).text = "一万二千人"
    d.add_paragraph("尽锐出战、强力推进。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- text decoding


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_corpus_files_load_exactly(path: Path) -> None:
    raw = path.read_bytes()
    doc = load_file(path)
    assert doc.text == raw.decode("utf-8")
    assert doc.doc_id == path.name
    assert doc.source == str(path)
    assert doc.meta == {
        "format": "text",
        "encoding": "utf-8",
        "bytes": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    assert doc.title and len(doc.title) <= 80 and doc.title.rstrip("…") in " ".join(doc.text.split())


def test_corpus_has_five_files() -> None:
    assert len(list(CORPUS.glob("*.txt"))) == 5


def test_utf8_bom_and_crlf_are_kept_exact(tmp_path: Path) -> None:
    text = "\r\n  第一行标题  \r\n第二行，含“引号”。\r\n\r\n第三行\r"
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    doc = load_file(path)
    assert doc.text == text  # BOM stripped, \r\n and whitespace untouched
    assert doc.text == path.read_bytes().decode("utf-8-sig")
    assert doc.meta["encoding"] == "utf-8-sig"
    assert doc.title == "第一行标题"
    quote = "含“引号”"
    start = doc.text.index(quote)
    assert doc.text[start : start + len(quote)] == quote


def test_gb18030_simplified(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "gb.txt", SIMPLIFIED.encode("gb18030")))
    assert doc.text == SIMPLIFIED
    assert doc.meta["encoding"] == "gb18030"


def test_gb18030_traditional_is_not_mistaken_for_big5(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "gbt.txt", TRADITIONAL.encode("gb18030")))
    assert doc.text == TRADITIONAL
    assert doc.meta["encoding"] == "gb18030"


@pytest.mark.parametrize("text", ["拉薩建檔立卡人口", TRADITIONAL])
def test_big5_traditional(tmp_path: Path, text: str) -> None:
    data = text.encode("big5")
    data.decode("gb18030")  # the trap: Big5 bytes are also valid GB18030
    doc = load_file(write(tmp_path, "big5.txt", data))
    assert doc.text == text
    assert doc.meta["encoding"] == "big5"


def test_undecodable_text_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot decode bad\.txt"):
        load_file(write(tmp_path, "bad.txt", b"caf\xe9 \xff\xfe\xff ok"))


@pytest.mark.parametrize(
    "data",
    [
        b"hello\x00world",
        "正文".encode() * 5000 + b"\x00",  # a single NUL in a long file
        bytes(range(1, 32)) * 10 + b"text",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["nul", "one-nul", "controls", "png"],
)
def test_binary_content_is_not_text(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match=r"^bin\.txt is not a text file$"):
        load_file(write(tmp_path, "bin.txt", data))


def test_utf16_gets_a_helpful_message(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="UTF-16"):
        load_file(write(tmp_path, "u16.txt", "中文".encode("utf-16")))


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\ufeff\u3000\n".encode()], ids=["zero", "ws", "bom"])
def test_empty_document(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError, match=r"^empty\.txt is empty$"):
        load_file(write(tmp_path, "empty.txt", data))


def test_markdown_kept_verbatim_with_heading_title(tmp_path: Path) -> None:
    text = "# 拉萨市脱贫攻坚\n\n正文 *强调*。\n"
    doc = load_file(write(tmp_path, "a.MD", text.encode()))
    assert doc.text == text
    assert doc.title == "拉萨市脱贫攻坚"
    assert doc.meta["format"] == "markdown"


def test_long_title_is_clipped(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "long.txt", ("长" * 300).encode()))
    assert len(doc.title) <= 80


# --------------------------------------------------------------------------- html


def test_html_visible_text_only(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><meta charset="utf-8"><title>西藏 &amp; 脱贫</title>
    <style>body { color: red }</style><script>var secret = "<p>SCRIPT</p>";</script></head>
    <body><h1>主标题</h1><p>第一段&nbsp;文字，
    换行续写。</p><noscript>NOSCRIPT</noscript><template><p>TEMPLATE</p></template>
    <ul><li>甲</li><li>乙</li></ul>a<br>b<pre>  x\n  y</pre></body></html>"""
    doc = load_file(write(tmp_path, "page.html", html.encode()))
    for hidden in ("secret", "SCRIPT", "color", "NOSCRIPT", "TEMPLATE", "<", "&amp;"):
        assert hidden not in doc.text
    assert doc.title == "西藏 & 脱贫"
    assert "主标题\n" in doc.text
    assert "第一段\xa0文字， 换行续写。" in doc.text
    assert "甲\n" in doc.text and "乙" in doc.text
    assert "a\nb" in doc.text
    assert doc.text.endswith("x\ny")  # <pre> keeps its line breaks
    assert doc.meta["format"] == "html"


def test_html_title_falls_back_to_h1_and_gb18030(tmp_path: Path) -> None:
    html = "<body><h1>拉萨 <b>扶贫</b></h1><div>内容</div></body>"
    doc = load_file(write(tmp_path, "p.htm", html.encode("gb18030")))
    assert doc.title == "拉萨 扶贫"
    assert doc.text == "拉萨 扶贫\n\n内容"
    assert doc.meta["encoding"] == "gb18030"


def test_html_with_only_script_is_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is empty"):
        load_file(write(tmp_path, "s.html", b"<html><script>alert(1)</script></html>"))


# --------------------------------------------------------------------------- pdf


def test_pdf_pages_and_metadata_title(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "r.pdf", make_pdf(["Hello PDF world", "Second page"], title="Report")))
    assert "Hello PDF world" in doc.text and "Second page" in doc.text
    assert doc.text.index("Hello") < doc.text.index("Second")
    assert "\n\n" in doc.text
    assert doc.title == "Report"
    assert doc.meta["format"] == "pdf"


def test_pdf_title_falls_back_to_first_line(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "r.pdf", make_pdf(["Tibet poverty report"])))
    assert doc.title == "Tibet poverty report"


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf(tmp_path: Path, cut: float) -> None:
    data = make_pdf(["Hello PDF world"])
    with pytest.raises(InputError, match=r"^cannot read PDF t\.pdf: "):
        load_file(write(tmp_path, "t.pdf", data[: int(len(data) * cut)]))


def test_pdf_without_text(tmp_path: Path) -> None:
    w = PdfWriter()
    w.add_blank_page(612, 792)
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(InputError, match=r"^blank\.pdf: no extractable text \(scanned PDF\?\)$"):
        load_bytes(buf.getvalue(), "blank.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    w = PdfWriter()
    w.add_blank_page(612, 792)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(InputError, match=r"lock\.pdf is password-protected"):
        load_bytes(buf.getvalue(), "lock.pdf")


def test_garbage_pdf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"junk\.pdf"):
        load_bytes(b"this is not a pdf at all", "junk.pdf")


# --------------------------------------------------------------------------- docx


def test_docx_paragraphs_and_table(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path, "r.docx", make_docx()))
    lines = doc.text.split("\n")
    for expected in ("昌都市脱贫攻坚工作报告", "县区", "脱贫人口", "卡若区", "一万二千人"):
        assert expected in lines
    assert lines.index("卡若区") < lines.index("尽锐出战、强力推进。")  # document order
    assert doc.title == "昌都市脱贫攻坚工作报告"
    assert doc.meta["format"] == "docx" and doc.meta["encoding"] is None


def test_docx_merged_cell_appears_once() -> None:
    d = docx.Document()
    t = d.add_table(rows=1, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "合并单元格"
    buf = io.BytesIO()
    d.save(buf)
    assert load_bytes(buf.getvalue(), "m.docx").text.count("合并单元格") == 1


@pytest.mark.parametrize("cut", [0.5, 0.95])
def test_truncated_docx(tmp_path: Path, cut: float) -> None:
    data = make_docx()
    with pytest.raises(InputError, match=r"^cannot read DOCX t\.docx: "):
        load_file(write(tmp_path, "t.docx", data[: int(len(data) * cut)]))


def test_zip_without_document_part() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a docx")
    with pytest.raises(InputError, match=r"cannot read DOCX x\.docx"):
        load_bytes(buf.getvalue(), "x.docx")


def _bomb(total_mb: int, name: str = "word/document.xml") -> bytes:
    """A docx-like zip whose member inflates to ``total_mb`` MB of zeros, built streaming.

    Deflate level 1: three times faster than the default on zeros, and still about 1:200 (300 MB in 1.4 MB).
    """
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx())) as src,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):
        for info in src.infolist():
            if info.filename != name:
                zf.writestr(info, src.read(info))
        with zf.open(name, "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(total_mb):
                f.write(block)
    return buf.getvalue()


def test_docx_zip_bomb_is_refused_from_the_directory() -> None:
    data = _bomb(300)
    assert len(data) < 2 * 1024 * 1024  # small on disk, 300 MB unpacked
    with pytest.raises(TooLargeError, match=r"^refusing bomb\.docx: .*word/document\.xml: 300\.0 MB") as err:
        load_bytes(data, "bomb.docx")
    assert err.value.limit == "ingest.max_unpacked_bytes" and "limit ingest.max_unpacked_bytes" in str(err.value)
    assert err.value.http_status == 413


def test_docx_parts_that_are_not_read_are_never_inflated() -> None:
    data = _bomb(300, name="word/media/filler.bin")  # 300 MB of zeros beside a normal body
    assert "尽锐出战" in load_bytes(data, "filler.docx").text


# --------------------------------------------------------------------------- names, formats, sizes


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("a/b\\c.txt", "c.txt"),
        ("C:\\Users\\x\\报告.txt", "报告.txt"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("  .hidden.txt ", "hidden.txt"),
        ("bad\x00\x1b[31m\u202eevil.txt", "bad[31mevil.txt"),
        ("a:b?.txt", "a_b_.txt"),
    ],
)
def test_upload_names_are_sanitised(name: str, safe: str) -> None:
    doc = load_bytes("内容".encode(), name)
    assert doc.doc_id == safe
    assert doc.source == f"upload:{safe}"
    assert "/" not in doc.doc_id and "\\" not in doc.doc_id


@pytest.mark.parametrize("name", ["", "   ", "..", "../", "a/..", "/", "\x00\x01"])
def test_empty_upload_names_are_rejected(name: str) -> None:
    with pytest.raises(InputError, match="file name is empty"):
        load_bytes(b"text", name)


def test_long_upload_name_keeps_suffix() -> None:
    doc = load_bytes(b"text", "x" * 1000 + ".txt")
    assert len(doc.doc_id) <= 200 and doc.doc_id.endswith(".txt")


def test_load_bytes_matches_load_file(tmp_path: Path) -> None:
    data = SIMPLIFIED.encode()
    a = load_file(write(tmp_path, "same.txt", data))
    b = load_bytes(data, "same.txt")
    assert (a.doc_id, a.text, a.title, a.meta) == (b.doc_id, b.text, b.title, b.meta)


@pytest.mark.parametrize("name", ["tool.exe", "README", "archive.tar.gz"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"text")
    suffix = Path(name).suffix or "(none)"
    expected = re.escape(f"unsupported format '{suffix}' for {name} (supported: .docx, .htm, ")
    with pytest.raises(InputError, match="^" + expected):
        load_file(path)
    with pytest.raises(InputError, match="unsupported format"):
        load_bytes(b"text", name)


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert load_file(write(tmp_path, "UP.TXT", b"hello")).text == "hello"


def test_supported_suffixes() -> None:
    expected = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
    assert expected == SUPPORTED_SUFFIXES


def test_oversized(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"a" * 2000)
    with pytest.raises(InputError, match=r"big\.txt is 2000 bytes, over the 1000 bytes limit"):
        load_file(path, max_bytes=1000)
    with pytest.raises(InputError, match="limit"):
        load_bytes(b"a" * 2000, "big.txt", max_bytes=1000)
    assert load_file(path, max_bytes=2000).text == "a" * 2000


def test_default_limit_is_50_mb() -> None:
    with pytest.raises(InputError, match=r"over the 50\.0 MB limit"):
        load_bytes(b" " * (50 * 1024 * 1024 + 1), "huge.txt")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nope.txt"):
        load_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="not a regular file"):
        load_file(tmp_path)


# --------------------------------------------------------------------------- discover


def test_discover(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    for rel in ("b.txt", "a.md", "sub/c.pdf", "sub/deep/d.docx", "e.HTML", "sub/z.htm"):
        write(root, rel, b"x")
    for rel in (".hidden.txt", ".git/x.txt", "sub/.cache/y.md", "img.png", "notes.doc", "sub/run.exe"):
        write(root, rel, b"x")
    (root / "emptydir").mkdir()
    found = discover([root])
    assert [p.relative_to(root).as_posix() for p in found] == [
        "a.md",
        "b.txt",
        "e.HTML",
        "sub/c.pdf",
        "sub/deep/d.docx",
        "sub/z.htm",
    ]


def test_discover_files_dedup_and_order(tmp_path: Path) -> None:
    a = write(tmp_path, "d/a.txt", b"x")
    b = write(tmp_path, "b.txt", b"x")
    assert discover([b, tmp_path / "d", a]) == [b, a]


def test_discover_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="missing"):
        discover([tmp_path / "missing"])
    exe = write(tmp_path, "x/run.exe", b"MZ")
    with pytest.raises(InputError, match=r"unsupported format '\.exe' for run\.exe"):
        discover([exe])
    write(tmp_path, "x/.secret.txt", b"x")
    with pytest.raises(InputError, match=r"^no supported documents in .*x \(supported: \.docx, .*\.txt\)$"):
        discover([tmp_path / "x"])


def test_discover_corpus() -> None:
    assert [p.name for p in discover([CORPUS])] == sorted(p.name for p in CORPUS.glob("*.txt"))


# --------------------------------------------------------------------------- discover: links and special files


@pytest.fixture
def tree_with_links(tmp_path: Path) -> Path:
    """docs/ with an inside link, links leaving the tree (file, dir, /proc), a broken link and a FIFO."""
    write(tmp_path, "outside/secret.txt", b"secret")
    root = tmp_path / "docs"
    write(root, "a.txt", b"a")
    write(root, "sub/b.txt", b"b")
    (root / "inside.txt").symlink_to(root / "sub" / "b.txt")
    (root / "passwd.txt").symlink_to(write(tmp_path, "etc/passwd", b"root:x:0:0"))
    (root / "status.txt").symlink_to("/proc/self/status")
    (root / "outdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(root / "pipe.txt")
    return root


def rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_discover_skips_links_leaving_the_tree_and_special_files(tree_with_links: Path) -> None:
    root = tree_with_links
    found = scan([root])
    assert rel(root, found.files) == ["a.txt", "inside.txt"]  # an inside link is kept; sub/b.txt duplicates it
    reasons = {p.path.name: p.reason for p in found.skipped}
    assert set(reasons) == {"passwd.txt", "status.txt", "outdir", "broken.txt", "pipe.txt"}
    for name in ("passwd.txt", "status.txt", "outdir"):
        assert re.fullmatch(r"symlink to .*, outside .*docs \(use --follow-links to follow\)", reasons[name])
    assert reasons["broken.txt"] == "broken symlink"
    assert reasons["pipe.txt"] == "not a regular file (FIFO, device or socket)"


def test_follow_links_follows_out_of_the_tree_but_never_into_proc_or_a_fifo(tree_with_links: Path) -> None:
    root = tree_with_links
    found = scan([root], follow_links=True)
    assert rel(root, found.files) == ["a.txt", "inside.txt", "outdir/secret.txt", "passwd.txt"]
    reasons = {p.path.name: p.reason for p in found.skipped}
    assert reasons == {
        "status.txt": "a file of /proc or /sys, not a document",
        "broken.txt": "broken symlink",
        "pipe.txt": "not a regular file (FIFO, device or socket)",
    }


def test_follow_links_cuts_directory_loops(tmp_path: Path) -> None:
    root = tmp_path / "loop"
    write(root, "sub/a.txt", b"a")
    (root / "sub" / "back").symlink_to(root, target_is_directory=True)
    assert rel(root, discover([root], follow_links=True)) == ["sub/a.txt"]


def test_a_directory_of_only_skipped_files_says_why(tmp_path: Path) -> None:
    root = tmp_path / "links"
    root.mkdir()
    (root / "passwd.txt").symlink_to(write(tmp_path, "elsewhere/p.txt", b"x"))
    with pytest.raises(InputError, match=r"no supported documents in .*links .*; skipped 1: passwd\.txt: symlink to"):
        discover([root])


def test_a_named_symlink_is_taken_but_proc_files_never_load(tmp_path: Path) -> None:
    link = tmp_path / "named.txt"
    link.symlink_to(write(tmp_path, "real/target.txt", "正文".encode()))
    assert discover([link]) == [link]
    assert load_file(link).text == "正文"
    proc = tmp_path / "status.txt"
    proc.symlink_to("/proc/self/status")
    with pytest.raises(InputError, match=r"status\.txt is a file of /proc or /sys, not a document"):
        load_file(proc)


# --------------------------------------------------------------------------- extracted characters


def test_text_characters_are_bounded(tmp_path: Path) -> None:
    path = write(tmp_path, "long.txt", "字".encode() * 3000)
    assert len(load_file(path, limits=IngestConfig(max_chars=3000)).text) == 3000
    with pytest.raises(TooLargeError, match=r"3000 characters of text \(limit ingest\.max_chars = 2999\)") as err:
        load_file(path, limits=IngestConfig(max_chars=2999))
    assert err.value.limit == "ingest.max_chars" and err.value.http_status == 413


def test_file_size_refusal_is_a_too_large_error() -> None:
    with pytest.raises(TooLargeError) as err:
        load_bytes(b"a" * 2000, "big.txt", limits=IngestConfig(max_file_bytes=1000))
    assert err.value.limit == "ingest.max_file_bytes"


def test_a_directory_link_inside_the_tree_does_not_hide_its_target(tmp_path: Path) -> None:
    root = tmp_path / "years"
    write(root, "2024/report.txt", b"x")
    for name in ("0-latest", "latest", "zz-latest"):  # before and after the target, whatever the walk order
        (root / name).symlink_to(root / "2024", target_is_directory=True)
    assert rel(root, discover([root])) == ["2024/report.txt"]
    assert scan([root]).skipped == []
