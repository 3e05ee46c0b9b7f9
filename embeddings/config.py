"""The embedder's configuration section (``embedder:`` in the YAML config)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EmbedderConfig(BaseModel):
    """Dense embedder.

    ``model`` is a directory, a name under ``<home>/models`` or (with ``allow_hub``) a hub id.
    ``backend: auto`` embeds with ONNX Runtime when the model directory holds the ONNX export
    (``rag models install`` writes it) and ``device`` is ``auto`` or ``cpu``; otherwise (``device:
    cuda``, a hub id, a directory without the export) with sentence-transformers. ``device: auto``
    therefore means the CPU whenever the ONNX export exists: deciding never imports torch, and a
    GPU is used only when asked for (``configs/gpu.yaml``). ``threads`` is ONNX Runtime's intra-op
    thread count, 0 for one per available core. ``precision: int8`` runs the ONNX backend on the
    int8 variant of the export (``embeddings/onnx_int8.py``: faster ingest, vectors at cosine ≈ 0.996
    to the float ones, so an index built with one precision is rebuilt for the other).
    """

    model_config = ConfigDict(extra="forbid")

    backend: Literal["auto", "onnx", "sentence-transformers"] = "auto"
    model: str = "multilingual-e5-small"
    device: str = "auto"
    batch_size: int = Field(16, ge=1)
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    max_seq_length: int = Field(512, ge=16)
    allow_hub: bool = False
    threads: int = Field(0, ge=0)
    precision: Literal["float32", "int8"] = "float32"
