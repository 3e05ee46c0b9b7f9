"""Request and response models of the API (OpenAI's chat shapes plus citations).

Request models ignore unknown fields (``temperature``, ``stream_options``, ``user`` ...): OpenAI clients
send them and must not be refused for it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rag.types import Answer, Citation


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextPart(_Request):
    """One part of a multi-part message content (only text parts carry meaning here)."""

    type: str
    text: str | None = None


class ChatMessage(_Request):
    """One chat turn."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _content_kind(cls, value: object) -> object:
        # Checked first so a wrong type gets one clear message instead of one per union member.
        if value is not None and not isinstance(value, str | list):
            raise ValueError("must be a string or a list of content parts")
        return value

    def text(self) -> str:
        """The content as plain text (text parts joined; images and other parts are ignored)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content if p.type in ("text", "input_text"))


class ChatCompletionRequest(_Request):
    """``POST /v1/chat/completions``; ``top_k`` is an extension, the rest is OpenAI's."""

    model: str | None = None
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    top_k: int | None = Field(None, ge=1, le=50)


class HistoryTurn(_Request):
    """An earlier turn for ``/v1/ask``."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(_Request):
    """``POST /v1/ask``."""

    question: str
    top_k: int | None = Field(None, ge=1, le=50)
    history: list[HistoryTurn] = Field(default_factory=list)


class CitationOut(BaseModel):
    """A numbered citation: ``quote == text of document `source`[start:end]``."""

    n: int
    source: str = Field(description="The document id (its file name)")
    title: str
    start: int
    end: int
    quote: str


class AskResponse(BaseModel):
    """The answer of ``/v1/ask``."""

    answer: str
    abstained: bool
    citations: list[CitationOut]
    related: list[CitationOut]
    timings: dict[str, float]
    question: str = Field(description="The standalone question answered (a follow-up rewritten)")


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    """A standard ``chat.completion`` plus ``citations`` (and ``abstained``)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[CitationOut]
    abstained: bool


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "rag-zh"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class DocumentOut(BaseModel):
    """A stored document's summary."""

    doc_id: str
    title: str
    source: str = Field(description="Where it came from: a path relative to the corpus, or upload:<name>")
    chars: int
    chunks: int
    owner: str = Field(description="Who added it: corpus, local (no keys) or key:<key id>")


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut]
    documents: int
    chunks: int


class Excerpt(BaseModel):
    """A window of a document's text around a span; ``text == document[start:end]``."""

    start: int
    end: int
    text: str


class DocumentDetail(BaseModel):
    doc_id: str
    title: str
    source: str
    chars: int
    excerpt: Excerpt | None = None


class UploadResult(BaseModel):
    """What an upload changed."""

    doc_id: str
    title: str
    status: Literal["added", "updated", "unchanged"]
    chunks_added: int
    chunks_removed: int


class Deleted(BaseModel):
    id: str
    object: Literal["document"] = "document"
    deleted: bool = True


def citation_out(citation: Citation, title: str) -> CitationOut:
    """The API form of a citation.

    Args:
        citation: The pipeline's citation.
        title: The cited document's title.

    Returns:
        The citation with ``source`` = document id.
    """
    return CitationOut(**citation.to_dict(title))


def citations_out(citations: list[Citation], title_of) -> list[CitationOut]:
    """Convert citations, looking titles up with ``title_of(doc_id)``."""
    return [citation_out(c, title_of(c.doc_id)) for c in citations]


def ask_response(answer: Answer, title_of) -> AskResponse:
    """The ``/v1/ask`` body for an answer.

    Args:
        answer: The pipeline's answer.
        title_of: Maps a document id to its title.

    Returns:
        The response model.
    """
    return AskResponse(**answer.to_dict(title_of))
