"""Bounded PDF text extraction with pypdf.

A few kilobytes of compressed content stream can hold millions of text operators, each
costing pypdf tens of microseconds, so the work is bounded, not only the file size: pypdf's
own limits (its token budget per content stream, its decompression caps) are set from the
configuration for the duration of one extraction, and a visitor counts the operators run
over the whole document. Pages and extracted characters are bounded too.
"""

from __future__ import annotations

import io
from typing import Any, NamedTuple

from rag.config import IngestConfig
from rag.errors import InputError, TooLargeError
from rag.formats import why


class PdfText(NamedTuple):
    """Extracted text (pages separated by a blank line) and the metadata title, or ``""``."""

    text: str
    title: str


class _Operations:
    """Counts content-stream operators (form XObjects included) against the document's budget."""

    def __init__(self, limit: int, name: str) -> None:
        self.limit, self.name, self.count = limit, name, 0

    def __call__(self, operator: Any, operands: Any, cm: Any, tm: Any) -> None:
        self.count += 1
        if self.count > self.limit:
            raise TooLargeError(
                f"refusing {self.name}: more than {self.limit} content operations (limit ingest.max_pdf_operations)",
                "ingest.max_pdf_operations",
            )


def extract_pdf(data: bytes, name: str, limits: IngestConfig) -> PdfText:
    """Extract the text of a PDF within ``limits``.

    Args:
        data: The file's bytes.
        name: The file name, for messages.
        limits: Pages, characters, decompressed bytes per stream, tokens per content stream
            and operators per document.

    Returns:
        The text and title.

    Raises:
        TooLargeError: A limit would be exceeded (the message names it).
        InputError: Unreadable, password-protected or without text.
    """
    import pypdf  # imported lazily: only PDF ingestion needs it
    from pypdf.errors import LimitReachedError

    unpacked = limits.max_unpacked_bytes
    caps = {
        "stream_parsing_work_maximum_count": limits.max_pdf_page_tokens,
        "zlib_maximum_output_length": unpacked,
        "lzw_maximum_output_length": unpacked,
        "run_length_maximum_output_length": unpacked,
        "array_based_stream_maximum_output_length": unpacked,
        "brotli_maximum_output_length": unpacked,
    }
    # Third-party parsers raise many exception types on malformed input; every one of them
    # means "this PDF is unreadable", so they are all reported as one InputError.
    page_no = 0
    try:
        with pypdf.apply_configuration(**caps):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                raise InputError(f"{name} is password-protected")
            if len(reader.pages) > limits.max_pdf_pages:
                raise TooLargeError(
                    f"refusing {name}: {len(reader.pages)} pages (limit ingest.max_pdf_pages = {limits.max_pdf_pages})",
                    "ingest.max_pdf_pages",
                )
            operations = _Operations(limits.max_pdf_operations, name)
            pages: list[str] = []
            chars = 0
            for page in reader.pages:
                page_no += 1
                text = (page.extract_text(visitor_operand_before=operations) or "").strip("\n")
                chars += len(text) + 2
                if chars > limits.max_chars:
                    raise TooLargeError(
                        f"refusing {name}: more than {limits.max_chars} characters of text (limit ingest.max_chars)",
                        "ingest.max_chars",
                    )
                pages.append(text)
            meta_title = reader.metadata.title if reader.metadata else None
    except InputError:
        raise
    except LimitReachedError as err:
        raise _limit_error(err, name, page_no, limits) from err
    except Exception as err:
        raise InputError(f"cannot read PDF {name}: {why(err)}") from err
    text = "\n\n".join(pages)
    if not text.strip():
        raise InputError(f"{name}: no extractable text (scanned PDF?)")
    return PdfText(text, str(meta_title or "").strip())


def _limit_error(err: Exception, name: str, page_no: int, limits: IngestConfig) -> InputError:
    """One of pypdf's own limits, named by the config key that set it."""
    where = f"page {page_no}: " if page_no else ""
    if "tokens per stream" in str(err):
        return TooLargeError(
            f"refusing {name}: {where}a content stream of more than {limits.max_pdf_page_tokens} tokens "
            "(limit ingest.max_pdf_page_tokens)",
            "ingest.max_pdf_page_tokens",
        )
    if "decompress" in str(err).lower() or "output length" in str(err).lower():
        return TooLargeError(
            f"refusing {name}: {where}a stream unpacks to more than {limits.max_unpacked_bytes} bytes "
            "(limit ingest.max_unpacked_bytes)",
            "ingest.max_unpacked_bytes",
        )
    return InputError(f"cannot read PDF {name}: {where}{why(err)}")
