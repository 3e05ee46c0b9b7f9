"""Arbitrary and hostile input: folding, segmentation, chunking and loading never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunking import Chunker
from rag.config import ChunkerConfig
from rag.errors import InputError
from rag.fold import fold
from rag.loaders import load_bytes
from rag.question import validate_question
from rag.segment import tokens
from rag.types import Document

# Surrogates, zero-width, bidi controls, combining marks, CJK, Tibetan and control characters.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            list("\u200b\u200c\u200d\u2060\ufeff\u202e\u202d\u0301\u0f40\u0f72\u3000。！？；…\r\n\t\x00\x1b")
        ),
    ),
    max_size=400,
)


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_fold_and_tokens_never_raise(text: str) -> None:
    folded = fold(text)
    assert isinstance(folded, str)
    assert all(isinstance(t, str) and t for t in tokens(text))


@settings(max_examples=300, deadline=None)
@given(NASTY, st.integers(20, 300))
def test_chunk_offsets_stay_exact_on_hostile_text(text: str, size: int) -> None:
    doc = Document("x.txt", "x", text, "x.txt")
    try:
        chunks = Chunker(ChunkerConfig(size=size, overlap=size // 5, min_size=1)).chunk(doc)
    except InputError:
        assert not text.strip()  # only a text without any visible character is refused
        return
    assert chunks
    for c in chunks:
        assert text[c.start : c.end] == c.text


def test_a_one_megabyte_line_chunks_within_limits() -> None:
    text = ("昌都搬迁9.9万人" * 120_000)[:1_000_000]
    chunks = Chunker().chunk(Document("big.txt", "big", text, "big.txt"))
    assert chunks and all(len(c.text) <= 250 + 40 for c in chunks)  # a short tail may join the last chunk
    assert all(text[c.start : c.end] == c.text for c in chunks[:50])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["a.txt", "a.md", "a.html", "a.pdf", "a.docx", "a.exe", "../a.txt"]))
def test_loading_arbitrary_bytes_gives_a_document_or_a_clear_error(data: bytes, name: str) -> None:
    try:
        doc = load_bytes(data, name)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert doc.text.strip()
        assert "/" not in doc.doc_id


@settings(max_examples=200, deadline=None)
@given(NASTY)
def test_question_validation_accepts_or_refuses_clearly(text: str) -> None:
    try:
        q = validate_question(text, 2000)
    except InputError as exc:
        assert str(exc)
    else:
        assert q == q.strip() and q
