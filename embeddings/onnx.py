"""ONNX Runtime backend of ``Embedder``: the CPU default, with no torch on the query path.

It replays the sentence-transformers pipeline of the exported model (``embeddings/onnx_export.py``):
the same tokenizer (``tokenizers``, truncation at ``max_seq_length``), the word-embedding rows
gathered from the memory-mapped table, the transformer in ONNX Runtime, then mean pooling over the
attention mask and L2 normalisation. Texts are batched by similar token length (as
sentence-transformers does) so little padding is computed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.errors import ModelError
from embeddings.onnx_export import GRAPH_NAME, ONNX_DIR, TABLE_NAME, TOKENIZER_NAME, read_export
from embeddings.onnx_int8 import int8_graph
from embeddings.onnx_optimized import optimized_graph
from embeddings.tokenizer_subset import SubsetTokenizer


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _providers(device: str) -> list[str]:
    import onnxruntime as ort

    if device in ("auto", "cpu"):
        return ["CPUExecutionProvider"]
    if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    raise ModelError(
        f"the onnx embedder backend runs on the CPU here, not on '{device}': "
        "set embedder.backend: sentence-transformers for a GPU (configs/gpu.yaml)"
    )


class OnnxEmbedder:
    """Embeds with the ONNX export of a sentence-transformers model; rows float32, L2-normalised.

    Args:
        export_dir: The ``onnx`` directory of the model.
        marker: Its export marker (``read_export``).
        name: Identifies the model (the index manifest, the passage cache): the model directory's
            name, as the sentence-transformers backend reports it, so both serve one index.
        batch_size: Texts per forward pass.
        query_prompt: Prefix for queries (e5: ``query: ``).
        passage_prompt: Prefix for passages (e5: ``passage: ``).
        max_seq_length: Token limit per text (capped at the model's own).
        threads: ONNX Runtime intra-op threads; 0 for one per available core.
        device: ``auto`` or ``cpu`` (``cuda`` only with onnxruntime-gpu).
        precision: ``float32`` (the export) or ``int8`` (its quantized variant, made on first use).
    """

    def __init__(
        self,
        export_dir: Path,
        marker: dict[str, Any],
        name: str,
        batch_size: int = 16,
        query_prompt: str = "",
        passage_prompt: str = "",
        max_seq_length: int = 512,
        threads: int = 0,
        device: str = "cpu",
        precision: str = "float32",
    ) -> None:
        import onnxruntime as ort

        providers = _providers(device)
        limit = min(max_seq_length, int(marker["max_seq_length"]))
        # transformers' split_special_tokens: special-token text in the input is tokenized as text
        split_special = bool(marker["split_special_tokens"])

        def configure(tokenizer: Any) -> None:
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=limit)
            tokenizer.encode_special_tokens = split_special

        try:
            self._table = np.load(export_dir / TABLE_NAME, mmap_mode="r")
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or available_cores()
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings about unused initializers are noise on a CLI
            # Pre-packed weight copies cost ~55 MB for e5 and save ~4 % of ingest time: memory matters more.
            options.add_session_config_entry("session.disable_prepacking", "1")
            # Idle workers spinning for work burn CPU that other processes (or the other half of a
            # hybrid search) could use; a forward pass is long enough that waking them costs nothing.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            graph = export_dir / GRAPH_NAME if precision == "float32" else int8_graph(export_dir, GRAPH_NAME)
            if providers == ["CPUExecutionProvider"]:  # fused CPU kernels: a GPU session optimizes its own
                graph, optimized = optimized_graph(graph)
                if optimized:
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            self._session = ort.InferenceSession(str(graph), options, providers=providers)
            self._tokenizer = SubsetTokenizer(export_dir, TOKENIZER_NAME, configure)
        except Exception as exc:  # onnxruntime and tokenizers raise their own exception types
            raise ModelError(f"cannot load the ONNX embedder from {export_dir}: {exc}") from exc
        self._lower = bool(marker["do_lower_case"])
        self._pad_id = int(marker["pad_id"])
        # the passage cache and the index manifest tell the int8 vectors from the float ones by name
        self.name = name if precision == "float32" else f"{name}+{precision}"
        self.dim = int(marker["dim"])
        self.batch_size = batch_size
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt

    @classmethod
    def from_model_dir(cls, model_dir: Path, **kwargs: Any) -> OnnxEmbedder:
        """Open the export of ``model_dir``; ``kwargs`` as for the constructor (name: the directory's).

        Raises:
            ModelError: ``model_dir`` has no complete, current export.
        """
        marker = read_export(model_dir)
        if marker is None:
            raise ModelError(
                f"{model_dir} has no current ONNX export: run `rag models install` "
                f"(or `python -m embeddings.onnx_export {model_dir}`), or set embedder.backend: sentence-transformers"
            )
        kwargs.setdefault("name", Path(model_dir).name)
        return cls(Path(model_dir) / ONNX_DIR, marker, **kwargs)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The token ids the model sees for ``texts`` (lower-cased if the model is, truncated).

        Args:
            texts: Texts with their prompt, if any, already in front.

        Returns:
            One id list per text, special tokens included.
        """
        if self._lower:
            texts = [t.lower() for t in texts]
        return self._tokenizer.encode_batch(texts)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.token_ids([prompt + t for t in texts])
        lengths = np.array([len(e) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = int(lengths[rows].max())
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, row in enumerate(rows):
                n = lengths[row]
                ids[i, :n] = encodings[row]
                mask[i, :n] = 1
            embeds = self._table[ids].astype(np.float32)
            (hidden,) = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled / norms
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries with the query prompt."""
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages with the passage prompt."""
        return self._encode(texts, self.passage_prompt)
