"""rag.formats.pdf: page text within the extraction limits, refusals naming the limit."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from rag.config import IngestConfig
from rag.errors import TooLargeError
from rag.loaders import load_bytes


def pdf(contents: list[bytes]) -> bytes:
    """A PDF with one page per content stream (Helvetica as F1), streams deflated."""
    w = PdfWriter()
    font = w._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for content in contents:
        page = w.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        stream = StreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = w._add_object(stream)
        page.compress_content_streams()
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def text_ops(n: int, word: bytes = b"ab") -> bytes:
    return b"BT /F1 12 Tf 72 720 Td " + (b"(" + word + b") Tj ") * n + b"ET"


def test_a_small_pdf_of_millions_of_text_operators_is_refused_quickly() -> None:
    data = pdf([text_ops(625_000)])  # 5 MB of "(ab) Tj" in a few kilobytes
    assert len(data) < 16 * 1024
    t = time.process_time()
    with pytest.raises(TooLargeError, match=r"page 1: a content stream of more than 200000 tokens") as err:
        load_bytes(data, "ops.pdf")
    print(f"\n{len(data)} bytes, 5 MB of (ab) Tj: refused after {time.process_time() - t:.2f} s CPU: {err.value}")
    assert err.value.limit == "ingest.max_pdf_page_tokens"


def test_operations_are_counted_over_the_whole_document() -> None:
    data = pdf([text_ops(3000) for _ in range(5)])
    assert "ab" in load_bytes(data, "ok.pdf", limits=IngestConfig(max_pdf_operations=20_000)).text
    with pytest.raises(TooLargeError, match=r"more than 10000 content operations") as err:
        load_bytes(data, "many.pdf", limits=IngestConfig(max_pdf_operations=10_000))
    assert err.value.limit == "ingest.max_pdf_operations"


def test_pages_are_bounded() -> None:
    data = pdf([text_ops(1, b"Page") for _ in range(3)])
    assert load_bytes(data, "p.pdf", limits=IngestConfig(max_pdf_pages=3)).text.count("Page") == 3
    with pytest.raises(TooLargeError, match=r"3 pages \(limit ingest\.max_pdf_pages = 2\)"):
        load_bytes(data, "p.pdf", limits=IngestConfig(max_pdf_pages=2))


def test_characters_are_bounded() -> None:
    data = pdf([text_ops(1, b"x" * 3000)])
    assert len(load_bytes(data, "c.pdf", limits=IngestConfig(max_chars=4000)).text) == 3000
    with pytest.raises(TooLargeError, match=r"more than 2000 characters of text \(limit ingest\.max_chars\)"):
        load_bytes(data, "c.pdf", limits=IngestConfig(max_chars=2000))


def test_a_stream_that_inflates_past_the_budget_is_refused() -> None:
    data = pdf([text_ops(1, b"x" * 200_000)])
    with pytest.raises(TooLargeError, match=r"unpacks to more than 100000 bytes") as err:
        load_bytes(data, "z.pdf", limits=IngestConfig(max_unpacked_bytes=100_000))
    assert err.value.limit == "ingest.max_unpacked_bytes"


def test_a_one_sentence_pdf_is_chunked() -> None:
    from rag.chunking import Chunker

    doc = load_bytes(pdf([text_ops(1, b"Tibet reduced poverty")]), "one.pdf")
    assert [c.text for c in Chunker().chunk(doc)] == ["Tibet reduced poverty"]
