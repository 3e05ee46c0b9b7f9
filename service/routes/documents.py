"""Documents: upload (ingested incrementally), list, show an excerpt, delete.

Uploads and deletes go through the one write queue (``service/writes.py``); the index swaps its snapshot
atomically, so questions answered meanwhile see the old or the new index, never a half-written one.
An upload under an existing id is refused (409) unless it asks to replace; only the key that added a
document, or an admin key, may replace or delete it, and the configured corpus only an admin key.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from rag.loaders import SUPPORTED_SUFFIXES
from service.errors import APIError
from service.schemas import Deleted, DocumentDetail, DocumentList, DocumentOut, Excerpt, UploadResult
from service.security import LOCAL_OWNER, Principal
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


def shown_source(source: str, corpus: Path) -> str:
    """A document's source without the server's directories: relative to the corpus, else the file name.

    Args:
        source: The stored source (an absolute path for ingested files, ``upload:<name>`` for uploads).
        corpus: The configured corpus.

    Returns:
        ``upload:<name>``, a path relative to the corpus, or the bare file name.
    """
    path = PurePath(source)
    if not path.is_absolute():
        return source
    for root in (corpus, corpus.resolve()):
        if path.is_relative_to(root) and path != root:
            return path.relative_to(root).as_posix()
    return path.name


def principal(request: Request) -> Principal:
    """Who makes the request (set by the auth middleware on every ``/v1`` call)."""
    return getattr(request.state, "principal", None) or Principal(LOCAL_OWNER)


_WRITE_ERRORS = {
    403: {"description": "The document belongs to another key or to the configured corpus"},
    409: {"description": "A document of that id exists and replace was not asked"},
    429: {"description": "Too many requests, or too many writes waiting (see Retry-After)"},
}


@router.post("", response_model=UploadResult, status_code=201, responses=_WRITE_ERRORS)
async def upload(
    file: Annotated[UploadFile, File(description="The document")],
    state: Ready,
    request: Request,
    replace: Annotated[bool, Query(description="Replace a document of the same id (yours, or any as admin)")] = False,
) -> UploadResult:
    """Upload one document (txt, md, html, pdf, docx); an existing id needs ``replace=true``."""
    name = check_upload_name(file.filename)
    limit = state.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise APIError(413, f"the file is larger than the limit of {limit} bytes", code="file_too_large")
    who = principal(request)
    try:
        report = await state.write(state.pipeline.ingest_bytes, data, name, who.owner, replace, who.admin)
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
    corpus = Path(state.pipeline.settings.corpus)
    return DocumentList(
        data=[
            DocumentOut(
                doc_id=i.doc_id,
                title=i.title,
                source=shown_source(i.source, corpus),
                chars=i.chars,
                chunks=i.chunks,
                owner=i.owner,
            )
            for i in infos
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
    source = shown_source(doc.source, Path(state.pipeline.settings.corpus))
    return DocumentDetail(doc_id=doc.doc_id, title=doc.title, source=source, chars=len(doc.text), excerpt=excerpt)


@router.delete("/{doc_id}", response_model=Deleted, responses=_WRITE_ERRORS)
async def delete_document(doc_id: str, state: Ready, request: Request) -> Deleted:
    """Delete a document with its chunks and vectors (404 when unknown; 403 when not yours)."""
    who = principal(request)
    await state.write(state.pipeline.delete, doc_id, who.owner, who.admin)
    return Deleted(id=doc_id)
