"""The answer's exact span inside its sentence, learned: the name, date, place or figure a question asks.

A reader model states the span before the quote (``赵盘[1]。原文：…由赵盘执导[1]。``). Candidates are runs
of up to ``MAX_TOKENS`` jieba words of the sentence that cross no punctuation, whole 《titles》, and one or
two whole clauses or the sentence (a how or what-kind question is answered by a clause). Each
is described by general signals: its words' part-of-speech tags against the question's wh-word (谁 wants
a name, 哪一年 a time), whether the words beside it are the words beside the wh-word in the question
(the answer takes the wh-word's place: 谁执导了… ↔ 由赵盘执导), how far it is from the question's words in
the sentence, whether it repeats the question, its length and shape. A linear model over those signals
(``python -m eval.train_span`` fits it from the public QA training articles, given their gold sentences)
scores every candidate; the best is the span when its score reaches the model's threshold.

The model is a JSON file of feature weights (``models/span.json``): answering reads it with ``json``, no
learning library.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rag.answer import qtype
from rag.fold import fold
from rag.segment import pos_cut

MODEL_PATH = Path(__file__).parent / "models" / "span.json"

# The question kinds that ask for one thing (``rag.answer.qtype``): the kinds a span answers.
KINDS = frozenset({qtype.WHO, qtype.PLACE, qtype.DATE, qtype.FACT})

MAX_TOKENS = 6
MAX_CHARS = 30

# The words that ask (longest first): the answer takes their place in the sentence.
_WH = re.compile(
    r"什么时候|多少年|几年|何时|何地|何处|为什么|为何|怎么样|怎样|如何|怎么|哪里|哪儿"
    r"|哪一?[年天]|哪一?[个位种些家国次部本条座所名项类支间场届首段]?|谁|什么|甚么|啥|多少|几|多[大高长远重久深宽]"
)
# 哪 with its classifier (哪一位, 哪家, 哪国 …) asks the same thing as 哪个: one key for the features. 哪里
# asks for a place, as 何处 does, and is read before 哪 + any character would take it for 哪个.
_WH_KEYS = [
    (re.compile(r"哪一?[年天]"), "哪年"),
    (re.compile(r"哪一?些"), "哪些"),
    (re.compile(r"哪里|哪儿|何地|何处"), "哪里"),
    (re.compile(r"哪一?."), "哪个"),
]
_CLAUSE_MARKS = frozenset(",，;；:：。!！?？")
_PUNCT = re.compile(r"^[^\w《》·．\-]+$")
_TITLE = re.compile(r"《[^《》]{1,28}》")
_DIGIT = re.compile(r"\d|[〇一二三四五六七八九十百千万亿两]")
_TIME = re.compile(r"\d+\s*[年月日]|[年月日]$|世纪|年代|朝|时期")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Token:
    """A word of the (folded) sentence: its text, tag and offsets."""

    word: str
    flag: str
    start: int
    end: int


@dataclass(frozen=True)
class Question:
    """What the span features read of the question: its wh-word and the words either side of it."""

    wh: str
    left: str  # the question's text before the wh-word, folded
    right: str  # … and after it
    words: frozenset[str]  # its content words (2+ characters, or a 1-character noun/verb), folded
    head: str = ""  # the noun the wh-word asks about (哪一个流域 → 流域, 什么奖项 → 奖项)

    @classmethod
    def read(cls, question: str) -> Question:
        """Read a question (simplified or traditional Chinese)."""
        q = fold(question).strip().rstrip("?？。!！ ")
        m = _WH.search(q)
        wh, left, right = (m.group(), q[: m.start()], q[m.end() :]) if m else ("", q, "")
        wh = next((key for rx, key in _WH_KEYS if rx.fullmatch(wh)), wh)
        words, pos = set(), 0
        for p in pos_cut(q):
            start, pos = pos, pos + len(p.word)
            inside_wh = m is not None and start < m.end() and pos > m.start()
            if not inside_wh and (len(p.word) >= 2 or p.flag[:1] in ("n", "v")) and not _PUNCT.match(p.word):
                words.add(p.word)
        # What the wh-word asks about: the word after it (哪一个组织 → 组织, 什么奖项 → 奖项). After 哪 and
        # its classifier only a noun can follow, whatever jieba tags it (组织 as a verb).
        after = [p for p in pos_cut(right) if not _PUNCT.match(p.word)] if m else []
        noun = bool(after) and (after[0].flag[:1] == "n" or wh.startswith("哪"))
        head = after[0].word if noun else ""
        return cls(wh, left, right, frozenset(words), head)


def tokens(sentence: str) -> list[Token]:
    """The sentence's words, tagged on its folded (simplified) form, with offsets into ``sentence``."""
    folded = fold(sentence)
    if len(folded) != len(sentence):  # offsets would not map back
        folded = sentence
    out, pos = [], 0
    for p in pos_cut(folded):
        out.append(Token(p.word, p.flag, pos, pos + len(p.word)))
        pos += len(p.word)
    return out


def candidates(toks: list[Token]) -> list[tuple[int, int]]:
    """Candidate spans as (first token, last token + 1): runs with no punctuation, whole 《titles》, one or
    two whole clauses and the sentence."""
    out = []
    for i in range(len(toks)):
        for j in range(i + 1, min(len(toks), i + MAX_TOKENS) + 1):
            if _PUNCT.match(toks[j - 1].word) or toks[j - 1].word in "《》":
                break
            if toks[j - 1].end - toks[i].start > MAX_CHARS:
                break
            out.append((i, j))
    text = "".join(t.word for t in toks)
    starts = {t.start: k for k, t in enumerate(toks)}
    ends = {t.end: k + 1 for k, t in enumerate(toks)}
    for m in _TITLE.finditer(text):
        if m.start() in starts and m.end() in ends:
            out.append((starts[m.start()], ends[m.end()]))
    # Whole clauses, one or two, and the sentence: a question of how or what kind is answered by a clause.
    cuts = [k for k, t in enumerate(toks) if t.word in _CLAUSE_MARKS]
    bounds = [(a + 1, b) for a, b in zip([-1, *cuts], [*cuts, len(toks)], strict=True) if b > a + 1]
    seen = set(out)
    for n in (1, 2, len(bounds)):
        for k in range(len(bounds) - n + 1):
            span = (bounds[k][0], bounds[k + n - 1][1])
            if span not in seen and toks[span[1] - 1].end - toks[span[0]].start > MAX_CHARS // 3:
                seen.add(span)
                out.append(span)
    return out


def _coarse(flag: str) -> str:
    if flag in ("nr", "nrfg", "nrt", "ns", "nt", "nz", "eng", "vn", "m", "mq", "t", "f", "s"):
        return flag
    return flag[:1] or "?"


def _bin(value: float, edges: tuple[float, ...]) -> int:
    return sum(value >= e for e in edges)


def features(q: Question, toks: list[Token], i: int, j: int) -> list[str]:
    """The names of the signals that hold for the span of tokens ``i..j-1`` (binary features).

    Args:
        q: The question, read.
        toks: The sentence's words.
        i: The span's first token.
        j: One past its last token.

    Returns:
        Feature names (a linear model's weights are keyed by them).
    """
    span = toks[i:j]
    text = "".join(t.word for t in span)
    prev = toks[i - 1] if i > 0 else None
    nxt = toks[j] if j < len(toks) else None
    wh = q.wh or "none"
    in_q = [k for k, t in enumerate(toks) if t.word in q.words]
    first, last = _coarse(span[0].flag), _coarse(span[-1].flag)
    clauses = (
        sum(t.word in _CLAUSE_MARKS for t in span) + 1
        if len(span) > MAX_TOKENS or any(t.word in _CLAUSE_MARKS for t in span)
        else 0
    )
    f = [
        "bias",
        f"wh={wh}|clauses={min(clauses, 3)}",
        f"wh={wh}|first={first}",
        f"wh={wh}|last={last}",
        f"wh={wh}|first={first}|last={last}",
        f"wh={wh}|tokens={min(j - i, MAX_TOKENS)}",
        f"wh={wh}|chars={_bin(len(text), (2, 3, 4, 6, 9, 13, 20))}",
        f"wh={wh}|prev={_coarse(prev.flag) if prev else '^'}",
        f"wh={wh}|next={_coarse(nxt.flag) if nxt else '$'}",
    ]
    # Repeating the question is not answering it.
    echoed = sum(len(t.word) for t in span if t.word in q.words) / max(1, len(text))
    chars_in_q = sum(ch in q.left or ch in q.right for ch in text) / max(1, len(text))
    f.append(f"echo={_bin(echoed, (0.01, 0.5, 0.99))}")
    f.append(f"wh={wh}|chars_in_q={_bin(chars_in_q, (0.01, 0.34, 0.67, 0.99))}")
    # The answer takes the wh-word's place: the words beside it are the question's words beside it.
    before = "".join(t.word for t in toks[max(0, i - 3) : i])
    after = "".join(t.word for t in toks[j : j + 3])
    for n in (1, 2, 3):
        if q.left and len(q.left) >= n and before.endswith(q.left[-n:]):
            f.append(f"left_match={n}")
        if q.right and len(q.right) >= n and after.startswith(q.right[:n]):
            f.append(f"right_match={n}")
    f.append(f"left_common={_bin(_common_suffix(q.left, before), (1, 2, 3, 5))}")
    f.append(f"right_common={_bin(_common_prefix(q.right, after), (1, 2, 3, 5))}")
    if q.head:
        f.append(f"head_last={span[-1].word == q.head}")
        f.append(f"head_char={text[-1] in q.head}")
        f.append(f"head_inside={q.head in text}")
        f.append(f"head_next={bool(nxt) and nxt.word == q.head}")
    # The question's words before the wh-word should come before the answer, those after it after.
    left_words = {w for w in q.words if w in q.left}
    right_words = q.words - left_words
    before_words = [toks[k].word for k in in_q if k < i]
    after_words = [toks[k].word for k in in_q if k >= j]
    agree = sum(w in left_words for w in before_words) + sum(w in right_words for w in after_words)
    disagree = sum(w in right_words for w in before_words) + sum(w in left_words for w in after_words)
    f.append(f"order_agree={_bin(agree, (1, 2, 3, 5))}")
    f.append(f"order_disagree={_bin(disagree, (1, 2, 3))}")
    if q.head:
        f.append(f"head={q.head}|last={last}")
    if prev and prev.word in q.words:
        f.append("prev_in_q")
    if nxt and nxt.word in q.words:
        f.append("next_in_q")
    # How close the span is to the question's words, and how many of them are around it.
    gaps = [i - k for k in in_q if k < i] + [k - j + 1 for k in in_q if k >= j]
    f.append(f"gap={_bin(min(gaps), (2, 3, 5, 8)) if gaps else 'none'}")
    near = {t.word for t in toks[max(0, i - 5) : j + 5] if t.word in q.words}
    f.append(f"near={_bin(len(near) / max(1, len(q.words)), (0.01, 0.25, 0.5, 0.75))}")
    # Lexical cues beside the span (由…执导, 于…年, …是): function words, learned from the data.
    if prev and len(prev.word) <= 2:
        f.append(f"wh={wh}|prev_word={prev.word}")
    if nxt and len(nxt.word) <= 2:
        f.append(f"wh={wh}|next_word={nxt.word}")
    f.append(f"wh={wh}|digit={bool(_DIGIT.search(text))}")
    f.append(f"wh={wh}|time={bool(_TIME.search(text))}")
    f.append(f"wh={wh}|latin={bool(_LATIN.search(text))}")
    f.append(f"wh={wh}|title={text.startswith('《')}")
    f.append(f"at_start={i == 0}")
    return f


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


class SpanReader(Protocol):
    """Reads the answer span out of a sentence: ``SpanModel`` here, or a model
    (``rag.answer.generative.reader.ModelSpanReader``)."""

    def best(self, question: str, sentence: str) -> tuple[int, int, float] | None:
        """``(start, end, score)`` of the span in ``sentence``, or None when none is likely enough."""
        ...


class SpanModel:
    """Feature weights of a pairwise ranker and the score the best span must reach to be stated.

    Args:
        path: The model file (written by ``eval.train_span``); read on first use, so a process that
            answers only quantities never loads it.
    """

    def __init__(self, path: Path = MODEL_PATH) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _model(self) -> dict[str, Any]:
        with self._lock:
            if self._data is None:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
            return self._data

    @property
    def weights(self) -> Mapping[str, float]:
        return self._model()["weights"]

    @property
    def threshold(self) -> float:
        return float(self._model()["threshold"])

    @property
    def provenance(self) -> Mapping[str, Any]:
        return self._model().get("provenance", {})

    def score(self, names: list[str]) -> float:
        """The ranker's score of a span with these features (higher: likelier the answer)."""
        return sum(self.weights.get(n, 0.0) for n in names)

    def top(self, question: str, sentence: str) -> tuple[int, int, float] | None:
        """The best-scored span of ``sentence`` for ``question``, whatever its score.

        Args:
            question: The question.
            sentence: A sentence.

        Returns:
            ``(start, end, score)`` with offsets into ``sentence`` (the first of equal scores), or None when
            the sentence has no candidate.
        """
        toks = tokens(sentence)
        q = _question(question)
        scored = [(self.score(features(q, toks, i, j)), -i, j) for i, j in candidates(toks)]
        if not scored:
            return None
        score, i, j = max(scored)
        return toks[-i].start, toks[j - 1].end, score

    def best(self, question: str, sentence: str) -> tuple[int, int, float] | None:
        """The likeliest answer span of ``sentence`` for ``question``.

        Args:
            question: The question.
            sentence: The sentence that answers it.

        Returns:
            ``(start, end, score)`` with offsets into ``sentence``, or None when no span reaches the
            threshold (the sentence itself is then the answer's headline).
        """
        found = self.top(question, sentence)
        return found if found is not None and found[2] >= self.threshold else None


@functools.lru_cache(maxsize=64)
def _question(question: str) -> Question:
    """A question read once for all the sentences an answer weighs."""
    return Question.read(question)
