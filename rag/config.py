"""Configuration: pydantic models loaded from YAML.

The model defaults are the offline defaults; ``configs/default.yaml`` spells them out.
Paths may use ``~`` and ``${RAG_HOME}``. The home (models, caches, the default index) is the
``RAG_HOME`` variable when set, else the platform's user data directory (``platformdirs``:
``~/.local/share/rag-zh`` on Linux), so ``make demo``, ``ask``, ``rag serve`` and ``python -m rag.cli``
all find the same models and index without setting anything.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from embeddings.config import EmbedderConfig  # the embedder's own section: embeddings imports nothing from rag

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / "data" / "corpus"


APP_NAME = "rag-zh"


def default_home() -> Path:
    """The home: ``RAG_HOME`` when set, else the platform's user data directory for ``rag-zh``.

    A per-user directory rather than the checkout's ``.rag``: an installed ``ask`` run from anywhere
    must find the models and index that ``make demo`` put there.
    """
    env = os.environ.get("RAG_HOME")
    if env:
        return Path(env).expanduser().absolute()
    from platformdirs import user_data_dir

    # appauthor=False: no vendor level on Windows (%LOCALAPPDATA%\rag-zh, not ...\rag-zh\rag-zh).
    return Path(user_data_dir(APP_NAME, appauthor=False))


def expand_path(value: str) -> Path:
    """Expand ``~`` and ``${RAG_HOME}`` (``default_home()``) in a configured path."""
    if "${RAG_HOME}" in value:
        value = value.replace("${RAG_HOME}", str(default_home()))
    return Path(os.path.expanduser(value))


class ConfigError(ValueError):
    """A config file that cannot be read or does not validate."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkerConfig(_Section):
    """Sentence-aware chunking, sizes in characters."""

    size: int = Field(250, ge=20, le=20000)
    overlap: int = Field(50, ge=0)
    min_size: int = Field(40, ge=1)


class IngestConfig(_Section):
    """Limits on what one document may cost to load, counted on what is extracted, not on the file size.

    ``max_unpacked_bytes`` counts the decompressed bytes actually read: the XML parts of a DOCX
    (document and styles; headers, media and the rest are never inflated) and each decompressed
    PDF stream. PDF work is bounded by pypdf's token budget per content stream and by the text
    operators executed over the whole document.
    """

    max_file_bytes: int = Field(50 * 1024 * 1024, ge=1)
    max_unpacked_bytes: int = Field(100 * 1024 * 1024, ge=1024)
    max_chars: int = Field(1_000_000, ge=1)
    max_chunks: int = Field(6_000, ge=1)
    max_pdf_pages: int = Field(2_000, ge=1)
    max_pdf_page_tokens: int = Field(200_000, ge=100)
    max_pdf_operations: int = Field(1_000_000, ge=100)


class IndexConfig(_Section):
    """Where the index lives and which dense engine holds the vectors.

    FAISS (``rag/index/faiss.py``): ``kind: auto`` keeps exact search up to ``exact_max`` vectors and
    re-builds as ``approximate`` (IVF or HNSW) beyond; 0 means a size-based default for the tuning
    knobs (nlist = 4·√n, ...). Milvus (``rag/index/milvus.py``): ``milvus_uri`` empty means a Milvus
    Lite file inside the index directory; an ``http(s)://`` URI (plus ``milvus_token`` or the
    ``RAG_MILVUS_TOKEN`` variable) points at a cluster.
    """

    dir: str = "${RAG_HOME}/index/default"
    dense: Literal["faiss", "milvus"] = "faiss"
    use_gpu: Literal["auto", "never", "always"] = "auto"
    kind: Literal["auto", "flat", "ivf", "hnsw"] = "auto"
    exact_max: int = Field(100_000, ge=0)
    approximate: Literal["ivf", "hnsw"] = "ivf"
    quantization: Literal["none", "sq8", "pq"] = "none"
    nlist: int = Field(0, ge=0)
    nprobe: int = Field(0, ge=0)
    hnsw_m: int = Field(32, ge=4, le=256)
    ef_construction: int = Field(64, ge=8)
    ef_search: int = Field(0, ge=0)
    pq_m: int = Field(0, ge=0)
    train_size: int = Field(0, ge=0)
    milvus_uri: str = ""
    milvus_token: str = ""
    milvus_collection: str = "rag_chunks"
    milvus_index: str = "FLAT"


class RetrievalConfig(_Section):
    """Hybrid retrieval and fusion."""

    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(50, ge=1, le=1000)
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.5, ge=0)
    bm25_weight: float = Field(1.0, ge=0)
    dedupe_threshold: float = Field(0.8, ge=0, le=1)
    max_question_chars: int = Field(2000, ge=10)
    fusion: Literal["rrf"] = "rrf"
    # Reorders the fused candidates before the cut to top_k (rag/retrieval/rerank.py); none keeps fusion's order.
    reranker: Literal["none", "learned"] = "none"
    # English questions (rag/crosslingual): BM25 over dictionary translations, dense over the English
    # question and over its Chinese rendering, fused with their own weights (set on the dev set).
    # A sharper rank discount (en_rrf_k) rewards the stages agreeing at the top: translated rankings have noisy tails.
    translate_english: bool = True
    en_dense_weight: float = Field(0.25, ge=0)
    en_bm25_weight: float = Field(1.0, ge=0)
    en_dense_translated_weight: float = Field(0.75, ge=0)
    en_rrf_k: int = Field(20, ge=1)


class AnswererConfig(_Section):
    """Which answerer and its settings.

    ``extractive`` needs no model. ``llamacpp`` runs a GGUF file in-process (``model``: a ``.gguf``
    path or a name ``rag models install`` knows, default ``qwen2.5-1.5b``); ``openai`` calls any
    OpenAI-compatible server (``base_url``, ``model``, ``api_key`` or ``RAG_OPENAI_API_KEY``);
    ``seq2seq``/``causal`` load a transformers model directory; ``hybrid`` combines the extractive
    answerer with ``hybrid_model`` (rag/answer/hybrid.py, ``hybrid_policy``). A generated answer whose claims all fail
    the grounding checks becomes the extractive answer (``fallback: extractive``) or an abstention.
    """

    backend: Literal["extractive", "seq2seq", "causal", "llamacpp", "openai", "hybrid"] = "extractive"
    model: str | None = None
    device: str = "auto"
    max_new_tokens: int = Field(128, ge=1)
    max_passages: int = Field(5, ge=1)
    # The extractive answerer's abstention decision: "learned" (rag/answer/confidence.py, fitted by
    # eval/train_confidence.py) or "thresholds" (the two floors below, set by hand on the dev set).
    abstention: Literal["learned", "thresholds"] = "learned"
    # The headline of a question that asks no quantity: the exact span a learned ranker picks in the answering
    # sentence (rag/answer/span.py, fitted by eval/train_span.py), "sentence" (the sentence, as quoted) or
    # "model": the generative model (the backend's, or hybrid_model's for extractive) reads the span out of
    # the sentence, the ranker's span where its reply is no piece of it (rag/answer/generative/reader.py).
    headline: Literal["span", "sentence", "model"] = "span"
    min_coverage: float = Field(0.4, ge=0, le=1)
    min_score: float = Field(0.4, ge=0, le=1)
    fallback: Literal["extractive", "abstain"] = "extractive"
    # Generative prompts: each passage cut to its ``sentences_per_passage`` sentences that matter, a
    # sentence longer than ``max_sentence_chars`` to its clauses around the question's terms (0: whole
    # sentences); llamacpp/openai prompts hold the best ``prompt_passages`` passages (of the
    # ``max_passages`` the extractive answerer and seq2seq/causal read). Short prompts: a 2-core CPU
    # reads about 50 tokens a second (eval/bench_llm.py).
    prompt_passages: int = Field(3, ge=1)
    sentences_per_passage: int = Field(2, ge=0)
    # A passage's sentences after its best are kept only when scored within this of the best (the
    # extractive answerer's near tie, as its fallback_margin): one sentence where the scorer is sure, two
    # where a subset's figure and the total's tie (三岩 7211人 beside 昌都 9.9万人). None: always the count.
    sentence_margin: float | None = Field(0.05, ge=0)
    max_sentence_chars: int = Field(100, ge=0)
    n_threads: int = Field(1, ge=1, le=256)
    n_ctx: int = Field(4096, ge=256)
    base_url: str = ""
    api_key: str = ""
    timeout: float = Field(120.0, gt=0)
    hybrid_model: Literal["llamacpp", "openai", "seq2seq", "causal"] = "llamacpp"
    # check: the model's yes/no check on every extractive answer, the model's answer where it abstains;
    # confident: figure/date questions keep the extractive answer unchecked (rag/answer/hybrid.py).
    hybrid_policy: Literal["check", "confident"] = "check"
    # check policy: the model says yes/no (yesno) or answers again from only the cited sentences (answer;
    # on dev it refused 9 of 55 right extractive answers, yesno 0: rag/answer/generative/verify.py).
    hybrid_check: Literal["answer", "yesno"] = "yesno"
    # Generative answers: ask the model whether the cited sentences answer the question (a second,
    # short prompt; rag/answer/generative/verify.py).
    verify: bool = False

    @property
    def uses_model(self) -> bool:
        """Whether answering loads a generative model (a generative backend, or a model reading spans)."""
        return self.backend != "extractive" or self.headline == "model"

    @property
    def generative_passages(self) -> int:
        """Passages in a llamacpp/openai prompt: ``prompt_passages``, at most ``max_passages``."""
        return min(self.prompt_passages, self.max_passages)


class ServiceConfig(_Section):
    """The chat API (``rag serve``): keys, limits and what requests it trusts.

    ``RAG_API_KEYS`` / ``RAG_ADMIN_KEYS`` (comma-separated) add keys at run time. With no key at all the
    server only binds to loopback addresses and only answers requests addressed to a loopback name.
    """

    api_keys: list[str] = Field(default_factory=list)
    # Keys that may also replace or delete documents other keys (or the configured corpus) added.
    admin_keys: list[str] = Field(default_factory=list)
    # Shorter keys are refused at startup: a short key can be guessed.
    min_key_chars: int = Field(16, ge=1)
    model_id: str = "rag-zh"
    # Deprecated: the one limit is retrieval.max_question_chars (the pipeline enforces it for the CLI and the
    # API alike). Accepted here for old configs and left out of dumps; Settings copies the one value in.
    max_question_chars: int = Field(2000, ge=10, exclude=True)
    max_messages: int = Field(50, ge=1)
    max_request_bytes: int = Field(256 * 1024, ge=1024)
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    # Per API key (per client address when no keys are configured); 0 turns the limit off.
    requests_per_minute: int = Field(120, ge=0)
    cors_origins: list[str] = Field(default_factory=list)
    # Host names (``name`` or ``name:port``, ``*`` for any) requests may be addressed to besides the
    # loopback names; without keys and with this empty, only loopback names (DNS rebinding).
    allowed_hosts: list[str] = Field(default_factory=list)
    # Proxies whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips); empty: none.
    forwarded_allow_ips: list[str] = Field(default_factory=list)
    # Wrong keys per client address a minute before it gets 429; 0 turns the limit off.
    failed_auth_per_minute: int = Field(10, ge=0)
    # Writes (uploads, deletes) waiting for the one writer thread; more get 429 with Retry-After.
    write_queue_size: int = Field(8, ge=1)
    # Seconds a client may take to send a request's headers (slow-header clients are cut off).
    header_timeout: float = Field(10.0, gt=0)
    # Serve /docs and /redoc (their scripts come from a CDN: off by default; /openapi.json is always served).
    docs: bool = False


class Settings(_Section):
    """The whole configuration."""

    home: str = "${RAG_HOME}"
    corpus: str = str(DEFAULT_CORPUS)
    # The corpus's domain knowledge (rag/profile.py): a name under rag/profiles, a .yaml path, or "" for none.
    profile: str = "tibet"
    chunker: ChunkerConfig = Field(default_factory=ChunkerConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    answerer: AnswererConfig = Field(default_factory=AnswererConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)

    @model_validator(mode="after")
    def _one_question_limit(self) -> Settings:
        if "max_question_chars" in self.service.model_fields_set:
            warnings.warn(
                "service.max_question_chars is deprecated: set retrieval.max_question_chars",
                DeprecationWarning,
                stacklevel=2,
            )
            if "max_question_chars" not in self.retrieval.model_fields_set:
                self.retrieval.max_question_chars = self.service.max_question_chars
        # A mirror for readers of the service section, not a second setting (so not marked as set).
        self.service.__dict__["max_question_chars"] = self.retrieval.max_question_chars
        return self

    def path(self, value: str) -> Path:
        """Expand ``~`` and ``${RAG_HOME}`` in a configured path."""
        return expand_path(value)

    @property
    def home_dir(self) -> Path:
        return self.path(self.home)

    @property
    def models_dir(self) -> Path:
        return self.home_dir / "models"

    @property
    def cache_dir(self) -> Path:
        """Derived data kept across runs: embeddings, the jieba and English lexicon caches."""
        return self.home_dir / "cache"

    @property
    def embedding_cache(self) -> Path:
        """The on-disk passage-vector cache (shared across indexes)."""
        return self.cache_dir / "embeddings.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.path(self.index.dir)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Load settings from a YAML file (or the defaults) plus nested overrides.

    Args:
        path: A YAML file; None for the built-in defaults.
        overrides: Nested dict merged over the file, e.g. ``{"retrieval": {"top_k": 3}}``.

    Returns:
        Validated settings.

    Raises:
        ConfigError: The file is missing, not YAML, or does not validate.
    """
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {p}") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {p} must hold a mapping at the top level")
        data = loaded or {}
    data = _merge(data, overrides or {})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"invalid config{f' {path}' if path else ''}: {where}: {first['msg']}") from exc
