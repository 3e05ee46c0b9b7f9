"""Documents: upload (ingested incrementally), list, show an excerpt, delete.

Uploads and deletes run in the threadpool; the index serialises writes and swaps its snapshot
atomically, so questions answered meanwhile see the old or the new index, never a half-written one.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from rag.loaders import SUPPORTED_SUFFIXES
from service.errors import APIError
from service.schemas import Deleted, DocumentDetail, DocumentList, DocumentOut, Excerpt, UploadResult
from service.state import Ready

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_MAX_NAME_CHARS = 200


def check_upload_name(name: str | None) -> str:
    """Accept only a plain file name with a supported suffix.

    The pipeline never uses a name as a path anyway; a name with directories or ``..`` is refused
    rather than silently reduced, because the client clearly meant something else.

    Args:
        name: The client-supplied file name.

    Returns:
        The name unchanged.

    Raises:
        APIError: 400 for an empty, hidden, over-long, path-like or control-character name;
            415 for an unsupported suffix.
    """
    if not name or not name.strip():
        raise APIError(400, "the upload has no file name", code="invalid_file_name", param="file")
    if "/" in name or "\\" in name or name.strip().startswith(".") or ".." in name:
        raise APIError(
            400,
            f"the file name {name!r} must be a plain file name: no directories, no leading dot",
            code="invalid_file_name",
            param="file",
        )
    if any(unicodedata.category(c).startswith("C") for c in name) or len(name) > _MAX_NAME_CHARS:
        raise APIError(400, "the file name holds control characters or is too long", code="invalid_file_name")
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise APIError(
            415,
            f"unsupported file type '{suffix or name}': upload one of {kinds}",
            code="unsupported_file_type",
            param="file",
        )
    return name


@router.post("", response_model=UploadResult, status_code=201)
async def upload(file: Annotated[UploadFile, File(description="The document")], state: Ready) -> UploadResult:
    """Upload one document (txt, md, html, pdf, docx); re-uploading an unchanged file changes nothing."""
    name = check_upload_name(file.filename)
    limit = state.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise APIError(413, f"the file is larger than the limit of {limit} bytes", code="file_too_large")
    try:
        report = await run_in_threadpool(state.pipeline.ingest_bytes, data, name)
    except Exception:
        state.metrics.uploads.labels("refused").inc()
        raise
    status = "added" if report.added else "updated" if report.updated else "unchanged"
    doc_id = (report.added or report.updated or report.unchanged)[0]
    state.metrics.uploads.labels(status).inc()
    return UploadResult(
        doc_id=doc_id,
        title=state.title_of(doc_id),
        status=status,
        chunks_added=report.chunks_added,
        chunks_removed=report.chunks_removed,
    )


@router.get("", response_model=DocumentList)
async def list_documents(state: Ready) -> DocumentList:
    """The stored documents with the index size."""
    infos = await run_in_threadpool(state.pipeline.documents)
    counts = await run_in_threadpool(state.counts)
    return DocumentList(
        data=[
            DocumentOut(doc_id=i.doc_id, title=i.title, source=i.source, chars=i.chars, chunks=i.chunks) for i in infos
        ],
        documents=counts["documents"],
        chunks=counts["chunks"],
    )


@router.get("/{doc_id}", response_model=DocumentDetail)
async def show_document(
    doc_id: str,
    state: Ready,
    start: Annotated[int | None, Query(ge=0, description="Start of a span to show with its context")] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
    context: Annotated[int, Query(ge=0, le=2000, description="Characters of context either side")] = 150,
) -> DocumentDetail:
    """A document's summary and, given ``start``/``end``, an excerpt around that span (for citations)."""
    doc = await run_in_threadpool(state.pipeline.document, doc_id)
    excerpt = None
    if start is not None or end is not None:
        if start is None or end is None or not start <= end <= len(doc.text):
            raise APIError(400, f"the span must satisfy 0 <= start <= end <= {len(doc.text)}", code="invalid_span")
        lo, hi = max(0, start - context), min(len(doc.text), end + context)
        excerpt = Excerpt(start=lo, end=hi, text=doc.text[lo:hi])
    return DocumentDetail(doc_id=doc.doc_id, title=doc.title, source=doc.source, chars=len(doc.text), excerpt=excerpt)


@router.delete("/{doc_id}", response_model=Deleted)
async def delete_document(doc_id: str, state: Ready) -> Deleted:
    """Delete a document with its chunks and vectors (404 when unknown)."""
    await run_in_threadpool(state.pipeline.delete, doc_id)
    return Deleted(id=doc_id)
