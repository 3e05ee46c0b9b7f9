"""Word segmentation for the lexical index: jieba over folded text, numbers kept whole.

``tokenizer()`` is the process's one jieba tokenizer and ``pos_cut`` its part-of-speech tagging (the
answerer's). Both read jieba's dictionary from a table built once under ``<home>/cache``
(rag/wordtable.py), entry by entry, instead of loading all of it into every process.
"""

from __future__ import annotations

import io
import logging
import re
import sqlite3
import threading
from pathlib import Path

import jieba

from rag import wordtable
from rag.fold import fold
from rag.stopwords import stopwords
from rag.wordtable import WordTable

# 9.9万, 16.42%, 2,982, 2020年 stay single tokens: figures are what users ask about.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:%|‰|万|亿|千|百)*")
_WORDLIKE = re.compile(r"\w", re.UNICODE)
# The index keeps the question-only words (累计 is a content word of reports) and most English
# function words: rag/data/stopwords-*.txt.
_STOPWORDS = stopwords("zh", "function", "question") | stopwords("en", "index")


class _TableTokenizer(jieba.Tokenizer):
    """jieba's tokenizer over the word table (rag/wordtable.py) instead of its in-memory dictionary."""

    def __init__(self, table: WordTable) -> None:
        super().__init__()
        self.FREQ = table.freq
        self.total = table.total
        self.initialized = True

    def get_dict_file(self) -> io.BytesIO:
        # jieba.posseg reads every word's tag from this file when it wraps a tokenizer (≈ 0.7 s); ours come
        # from the table.
        return io.BytesIO(b"")


_lock = threading.Lock()
_loaded: tuple[jieba.Tokenizer, object] | None = None


def _load() -> tuple[jieba.Tokenizer, object]:
    """The process's tokenizer and part-of-speech tokenizer, over the word table when the home allows."""
    global _loaded
    with _lock:
        if _loaded is None:
            from rag.config import default_home

            jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO
            tok: jieba.Tokenizer = jieba.dt
            table = _open_table(default_home() / "cache")
            if table is not None:
                tok = _TableTokenizer(table)
                # jieba.posseg wraps jieba.dt when it is first imported; handing it ours keeps that import
                # from reading the whole dictionary file.
                jieba.dt = tok
            from jieba.posseg import POSTokenizer

            pos = POSTokenizer(tok)
            if table is not None:
                pos.word_tag_tab = table.tags
            _loaded = (tok, pos)
        return _loaded


def _open_table(cache: Path) -> WordTable | None:
    path = wordtable.table_path(cache)
    try:
        if not path.exists():
            cache.mkdir(parents=True, exist_ok=True)
            wordtable.build(path)
        return WordTable(path)
    except (OSError, sqlite3.Error):  # a read-only home: jieba's own in-memory dictionary still works
        return None


def tokenizer() -> jieba.Tokenizer:
    """The process's one jieba tokenizer, its dictionary ready.

    Returns:
        A ``jieba.Tokenizer`` reading the word table, or jieba's default one when no table can be made.
    """
    tok = _load()[0]
    tok.check_initialized()  # jieba's own lock: concurrent first callers wait for one load
    return tok


def pos_cut(text: str) -> list:
    """Segment text with jieba's part-of-speech tags.

    Args:
        text: The text, as given (not folded here).

    Returns:
        jieba ``pair`` objects (``.word``, ``.flag``) in order.
    """
    tok, pos = _load()
    tok.check_initialized()
    return list(pos.cut(text))


def tokens(text: str) -> list[str]:
    """Segment text into lexical tokens for BM25.

    Args:
        text: Original or folded text; it is folded here.

    Returns:
        Folded tokens: whole numbers with their 万/亿/% suffix, jieba search-mode
        words (a long word and its parts), no punctuation, no stopwords.
    """
    folded = fold(text)
    out: list[str] = []
    pos = 0
    for m in _NUMBER.finditer(folded):
        out.extend(_words(folded[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    out.extend(_words(folded[pos:]))
    return out


def _words(text: str) -> list[str]:
    if not text.strip():
        return []
    return [w for w in tokenizer().cut_for_search(text) if _WORDLIKE.search(w) and w.strip() and w not in _STOPWORDS]
