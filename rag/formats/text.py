"""Decoding text files: UTF-8 (with or without BOM), else GB18030 or Big5, never rewriting newlines."""

from __future__ import annotations

import codecs
from functools import lru_cache

from rag.errors import InputError

# Share of control bytes above which a ".txt" is really binary. Bytes < 0x20 never occur inside
# multi-byte UTF-8, GB18030 or Big5 characters, so counting raw bytes is valid for all three.
_MAX_CONTROL_SHARE = 0.02
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (BOM stripped), else GB18030 or Big5; never rewrites newlines.

    Returns:
        (text, encoding name).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name} is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in data or _control_share(data) > _MAX_CONTROL_SHARE:
        raise InputError(f"{name} is not a text file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    candidates: list[tuple[str, str]] = []
    for enc in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(enc), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputError(f"cannot decode {name}: it is not UTF-8, GB18030 or Big5 text")
    # Big5 bytes nearly always also decode as GB18030 (into nonsense), so the order alone
    # cannot decide: prefer the reading made of common characters; ties go to GB18030.
    return max(candidates, key=lambda c: _common_share(c[0]))


def _control_share(data: bytes) -> float:
    sample = data[: 64 * 1024]
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
    return bad / len(sample)


def _common_share(text: str) -> float:
    """Share of non-ASCII characters that are common Chinese characters or CJK punctuation."""
    common = _common_chars()
    sample = [c for c in text[:200_000] if ord(c) > 0x7F and not c.isspace()][:20_000]
    if not sample:
        return 1.0
    good = sum(1 for c in sample if c in common or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return good / len(sample)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """GB2312 level-1 plus Big5 level-1 characters: the ~7,000 frequent simplified and traditional."""
    chars: set[str] = set()
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    tables = (("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)), ("big5", range(0xA4, 0xC7), big5_trails))
    for enc, leads, trail_bytes in tables:
        for lead in leads:
            for trail in trail_bytes:
                try:
                    chars.add(bytes((lead, trail)).decode(enc))
                except UnicodeDecodeError:
                    continue
    return frozenset(chars)
