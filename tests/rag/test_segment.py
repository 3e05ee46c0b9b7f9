"""BM25 tokens, and the one jieba tokenizer with its dictionary cache in the home."""

from __future__ import annotations

from pathlib import Path

import jieba
import jieba.posseg

from rag.config import default_home
from rag.segment import tokenizer, tokens


def test_numbers_stay_whole_and_stopwords_go() -> None:
    assert tokens("昌都搬迁了9.9万人") == ["昌都", "搬迁", "9.9万", "人"]


def test_one_tokenizer_serves_segmentation_and_part_of_speech_tags() -> None:
    assert tokenizer() is jieba.dt is jieba.posseg.dt.tokenizer


def test_the_dictionary_cache_lives_in_the_home() -> None:
    # The session's private home (conftest.py): the cache was pointed there when rag.segment was imported.
    tok = tokenizer()
    assert Path(tok.tmp_dir) == default_home() / "cache"
    assert (Path(tok.tmp_dir) / tok.cache_file).is_file()
    assert jieba.__version__ in tok.cache_file
