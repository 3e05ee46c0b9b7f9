"""Texts of the embeddings tests: fixed hard cases, corpus slices, random mixes (tiny models: tests/conftest.py)."""

from __future__ import annotations

import random

from rag.config import REPO_ROOT

CORPUS = sorted((REPO_ROOT / "data" / "corpus").glob("*.txt"))

FIXED = [
    "",
    " ",
    "\n",
    "。",
    "a",
    "你好，世界！",
    "如何申请居住证？需要哪些材料",
    "臺灣的總統府在哪裡？繁體中文測試",
    "how much protein should a woman eat per day",
    "The Quick Brown Fox Jumps Over The Lazy Dog.",
    "2024年3月15日，GDP增长5.2%，约合1,234,567.89元",
    "１２３ＡＢＣ　全角，标点！？：；（）【】《》“”‘’",
    "😀👍🏽 👨\u200d👩\u200d👧 ❤️ 🇨🇳",
    "[CLS] a [SEP] b [UNK] <s> c </s> <pad>",
    "tabs\tand\nnewlines\r\n\r\nand   runs     of spaces   ",
    "   leading spaces",
    "trailing spaces   ",
    "\u3000ideographic\u3000space\u00a0nbsp\u200bzwsp",
    "mixed中English混合text测试123",
    "3.14159 2.71828 1e-12 -42 +7 100% ½ ①②③",
]


def varied_texts(n_random: int = 250) -> list[str]:
    """A deterministic mix: fixed cases, corpus slices from one sentence to far past 512 tokens, combos."""
    rnd = random.Random(20261201)
    out = list(FIXED)
    for path in CORPUS:
        text = path.read_text(encoding="utf-8")
        for length in (12, 60, 250, 900, 3000):  # 3000 characters is well past 512 tokens
            start = rnd.randrange(max(1, len(text) - length))
            out.append(text[start : start + length])
    pieces = [
        "你", "好", "世界", "臺灣", "總統", "简体", "繁體", "扶贫", "搬迁", "abc", "XYZ", "Hello", "42", "3.14",
        "，", "。", "！", "?", "、", "“", "”", "(", "）", " ", "  ", "\t", "\n", "\u3000", "😀", "１２", "ＡＢ",
        "①", "%", "-", "/", "[CLS]", "<s>", "0", "1999", "万",
    ]  # fmt: skip
    for _ in range(n_random):
        out.append("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 40))))
    return out
