"""sentence-transformers backend of ``Embedder``: a local model directory (or a hub id if allowed)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from embeddings.errors import ModelError
from embeddings.models import resolve_model


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``; anything else as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model; vectors are float32 and L2-normalised.

    Args:
        model: Directory, name under ``models_dir``, or hub id.
        models_dir: Where ``rag models install`` puts models.
        device: ``auto``, ``cpu``, ``cuda``...
        batch_size: Passages per forward pass.
        query_prompt: Prefix for queries (e5: ``query: ``).
        passage_prompt: Prefix for passages (e5: ``passage: ``).
        max_seq_length: Token limit per text.
        allow_hub: Permit hub ids (otherwise loading is local-files-only).
    """

    def __init__(
        self,
        model: str,
        models_dir: Path,
        device: str = "auto",
        batch_size: int = 16,
        query_prompt: str = "",
        passage_prompt: str = "",
        max_seq_length: int = 512,
        allow_hub: bool = False,
    ) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # per-load weight bars are noise on a CLI

        path = resolve_model(model, models_dir, allow_hub, what="embedding model")
        if not allow_hub:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.device = resolve_device(device)
        try:
            self._model = SentenceTransformer(path, device=self.device, local_files_only=not allow_hub)
        except Exception as exc:  # a broken model directory surfaces as many exception types
            raise ModelError(f"cannot load embedding model from {path}: {exc}") from exc
        if self.device == "cuda":
            self._model.half()
        self._model.max_seq_length = min(max_seq_length, self._model.max_seq_length or max_seq_length)
        self.name = Path(path).name if Path(path).exists() else model
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prompt + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries with the query prompt."""
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages with the passage prompt."""
        return self._encode(texts, self.passage_prompt)
