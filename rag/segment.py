"""Word segmentation for the lexical index: jieba over folded text, numbers kept whole.

``tokenizer()`` is the process's one jieba tokenizer: jieba's default one, which ``jieba.posseg`` (the
answerer's part-of-speech tags) wraps too, so the dictionary is loaded once per process. Its prefix
dictionary is cached under ``<home>/cache`` (keyed by jieba's version) rather than in the system temp dir.
"""

from __future__ import annotations

import logging
import re

import jieba

from rag.fold import fold
from rag.stopwords import stopwords

# 9.9万, 16.42%, 2,982, 2020年 stay single tokens: figures are what users ask about.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:%|‰|万|亿|千|百)*")
_WORDLIKE = re.compile(r"\w", re.UNICODE)
# The index keeps the question-only words (累计, 主要 are content words of reports) and most English
# function words: rag/data/stopwords-*.txt.
_STOPWORDS = stopwords("zh", "function", "question") | stopwords("en", "index")


def _configure(tok: jieba.Tokenizer) -> None:
    """Point jieba's dictionary cache into the home (before anything initialises the tokenizer)."""
    from rag.config import default_home

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO
    cache = default_home() / "cache"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: jieba's own default (the temp dir) still works
        return
    tok.tmp_dir = str(cache)
    # jieba trusts a cache of its bundled dictionary without checking it; the version in the name does.
    tok.cache_file = f"jieba-{jieba.__version__}.cache"


_configure(jieba.dt)


def tokenizer() -> jieba.Tokenizer:
    """jieba's default tokenizer, its dictionary loaded (once per process).

    Returns:
        ``jieba.dt``, the instance ``jieba.posseg`` also uses.
    """
    jieba.dt.check_initialized()  # jieba's own lock: concurrent first callers wait for one load
    return jieba.dt


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
