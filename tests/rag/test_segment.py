"""BM25 tokens, part-of-speech tags, and the one jieba tokenizer reading its word table in the home."""

from __future__ import annotations

import jieba
from jieba.posseg import POSTokenizer

from rag import wordtable
from rag.config import default_home
from rag.segment import pos_cut, tokenizer, tokens

_SENTENCES = [
    "2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人。",
    "西藏累計實現62.8萬貧困人口脫貧、74個貧困縣區全部摘帽。",
    "拉萨市乡村振兴局的唐卡艺术家在布达拉宫广场展出了新作品",
    "GDP增长率达到35.74%,Wow! eye Taiwan",
]


def test_numbers_stay_whole_and_stopwords_go() -> None:
    assert tokens("昌都搬迁了9.9万人") == ["昌都", "搬迁", "9.9万", "人"]


def test_one_tokenizer_per_process_reading_the_table_in_the_home() -> None:
    assert tokenizer() is tokenizer()
    assert wordtable.table_path(default_home() / "cache").is_file()


def test_segmentation_and_tags_equal_jiebas_own_dictionary() -> None:
    reference = jieba.Tokenizer()  # the bundled dictionary, loaded whole into memory as jieba does
    reference.check_initialized()
    tagger = POSTokenizer(reference)
    for text in _SENTENCES:
        assert tokenizer().lcut_for_search(text) == reference.lcut_for_search(text)
        assert tokenizer().lcut(text, HMM=True) == reference.lcut(text, HMM=True)
        assert [(p.word, p.flag) for p in pos_cut(text)] == [(p.word, p.flag) for p in tagger.cut(text)]
