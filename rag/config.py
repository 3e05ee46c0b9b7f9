"""Configuration: pydantic models loaded from YAML.

The model defaults are the offline defaults; ``configs/default.yaml`` spells them out.
Paths may use ``~`` and ``${RAG_HOME}``; ``RAG_HOME`` defaults to ``~/.cache/rag``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / "data" / "corpus"


def expand_path(value: str) -> Path:
    """Expand ``~`` and ``${RAG_HOME}`` (default ``~/.cache/rag``) in a configured path."""
    home = os.environ.get("RAG_HOME") or str(Path("~/.cache/rag").expanduser())
    return Path(os.path.expanduser(value.replace("${RAG_HOME}", home)))


class ConfigError(ValueError):
    """A config file that cannot be read or does not validate."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkerConfig(_Section):
    """Sentence-aware chunking, sizes in characters."""

    size: int = Field(250, ge=20, le=20000)
    overlap: int = Field(50, ge=0)
    min_size: int = Field(40, ge=1)


class EmbedderConfig(_Section):
    """Dense embedder.

    ``model`` is a directory, a name under ``<home>/models`` or (with ``allow_hub``) a hub id.
    """

    backend: Literal["sentence-transformers"] = "sentence-transformers"
    model: str = "multilingual-e5-small"
    device: str = "auto"
    batch_size: int = Field(16, ge=1)
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    max_seq_length: int = Field(512, ge=16)
    allow_hub: bool = False


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
    # English questions (rag/crosslingual): BM25 over dictionary translations, dense over the English
    # question and over its Chinese rendering, fused with their own weights (set on the dev set).
    # A sharper rank discount (en_rrf_k) rewards the stages agreeing at the top: translated rankings have noisy tails.
    translate_english: bool = True
    en_dense_weight: float = Field(0.25, ge=0)
    en_bm25_weight: float = Field(1.0, ge=0)
    en_dense_translated_weight: float = Field(0.75, ge=0)
    en_rrf_k: int = Field(20, ge=1)


class AnswererConfig(_Section):
    """Which answerer and its thresholds."""

    backend: Literal["extractive", "seq2seq", "causal"] = "extractive"
    model: str | None = None
    device: str = "auto"
    max_new_tokens: int = Field(128, ge=1)
    max_passages: int = Field(5, ge=1)
    # The extractive answerer's learned models (eval/train_answerer.py); '' is the shipped file. Its
    # abstention threshold is calibrated on the dev data; ``threshold`` overrides it.
    scorer: str = ""
    threshold: float | None = Field(None, ge=0, le=1)
    embed_sentences: bool = False  # e5 similarity of each candidate sentence (the shipped model has none)


class ServiceConfig(_Section):
    """The chat API (``rag serve``): keys and limits.

    ``RAG_API_KEYS`` (comma-separated) adds keys at run time. With no key at all the
    server only binds to loopback addresses.
    """

    api_keys: list[str] = Field(default_factory=list)
    model_id: str = "rag-zh"
    max_question_chars: int = Field(2000, ge=10)
    max_messages: int = Field(50, ge=1)
    max_request_bytes: int = Field(256 * 1024, ge=1024)
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    # Per API key (per client address when no keys are configured); 0 turns the limit off.
    requests_per_minute: int = Field(120, ge=0)
    cors_origins: list[str] = Field(default_factory=list)


class Settings(_Section):
    """The whole configuration."""

    home: str = "${RAG_HOME}"
    corpus: str = str(DEFAULT_CORPUS)
    # Domain knowledge of the corpus (rag/profiles/<name>.yaml or a path; "" for none): rag/profile.py.
    profile: str = "tibet"
    chunker: ChunkerConfig = Field(default_factory=ChunkerConfig)
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)
    index: IndexConfig = Field(default_factory=IndexConfig)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    answerer: AnswererConfig = Field(default_factory=AnswererConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)

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
