"""jieba's dictionary as a table: the mapping jieba expects, built once from jieba's own file."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from rag import wordtable
from rag.config import default_home
from rag.segment import tokenizer
from rag.wordtable import WordTable


@pytest.fixture(scope="module")
def table() -> WordTable:
    tokenizer()  # builds the home's table if the session has none
    return WordTable(wordtable.table_path(default_home() / "cache"))


def test_words_prefixes_and_misses(table: WordTable) -> None:
    assert table.freq["搬迁"] > 0
    assert "自治区" in table.freq
    assert table.freq["西藏自"] == 0  # a prefix of 西藏自治区: present, as in jieba's prefix dictionary
    assert "搬迁x" not in table.freq
    assert table.freq.get("搬迁x", 7) == 7
    with pytest.raises(KeyError):
        table.freq["搬迁x"]


def test_tags_come_from_the_dictionary_file(table: WordTable) -> None:
    assert table.tags.get("北京") == "ns"
    assert table.tags.get("西藏自", "x") == "x"  # prefixes have no tag


def test_added_words_stay_in_the_process(table: WordTable) -> None:
    table.freq["易地扶贫搬迁安置点"] = 5
    assert table.freq["易地扶贫搬迁安置点"] == 5
    assert WordTable(wordtable.table_path(default_home() / "cache")).freq.get("易地扶贫搬迁安置点") is None


def test_the_path_names_jiebas_version() -> None:
    assert jieba.__version__ in wordtable.table_path(Path("/c")).name


@pytest.mark.slow
def test_build_holds_jiebas_prefix_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "words.sqlite"
    wordtable.build(path)
    freq, total = jieba.Tokenizer.gen_pfdict(jieba.get_module_res(jieba.DEFAULT_DICT_NAME))
    built = WordTable(path)
    assert built.total == total
    assert len(built.freq) == len(freq)
    assert all(built.freq[w] == freq[w] for w in list(freq)[::997])
