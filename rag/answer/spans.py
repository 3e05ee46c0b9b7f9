"""The exact answer span of a sentence: the name, date, place or figure a reader model would return.

Candidate spans are the sentence's jieba words and runs of up to four nouns (names, places, bodies,
times, numerals with their classifier), its quoted or bracketed terms (《…》, “…”, 「…」) and its dates.
Each is described by features the span model (``rag.answer.model``, trained by ``eval.train_answerer``)
weighs: what kind of word it is crossed with what the question asks, how much of it the question already
says, how near it stands to the question's words in the sentence, its length and place.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

import jieba.posseg as pseg

from rag.answer import qtype
from rag.answer.features import KINDS
from rag.answer.model import Logistic
from rag.answer.sentences import YEAR_OR_DATE
from rag.answer.terms import Query
from rag.fold import fold_compact
from rag.numbers import fold_same_length

# Kinds whose answer is a short span worth stating before the quote.
SPAN_KINDS = frozenset({qtype.WHO, qtype.PLACE, qtype.DATE, qtype.FACT})

_NOUNISH = ("n", "t", "m", "q", "eng", "j", "s", "nr", "ns", "nt", "nz")
_QUOTE = re.compile(r"《[^》]{1,30}》|“[^”]{1,30}”|「[^」]{1,30}」|『[^』]{1,30}』|〈[^〉]{1,30}〉")
_CN_NUM = r"[\d一二三四五六七八九十零〇○百千]+"
_CN_DATE = re.compile(rf"{_CN_NUM}年(?:{_CN_NUM}月(?:{_CN_NUM}日)?)?")
_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_MAX_SPAN = 24


@dataclass
class Span:
    """A candidate answer span: offsets into the sentence."""

    start: int
    end: int
    text: str
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


_COUNTED = re.compile(r"\d+(?:[年月日天个個人次位名岁歲倍件部本座]|小时|小時)")


def _counted(text: str) -> bool:
    """Whether ``text`` counts something, in digits or in Chinese numerals (兩個, 十三年零八個月: cn2an)."""
    if _COUNTED.search(text):
        return True
    if not re.search(r"[一二三四五六七八九十百千万萬两兩零〇]", text):
        return False
    import cn2an  # noqa: PLC0415 - 2 s to import; only span reading needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return bool(_COUNTED.search(cn2an.transform(text, "cn2an")))
        except (ValueError, KeyError):  # cn2an raises on malformed numerals
            return False


def _type_flags(flags: list[str], text: str) -> dict[str, float]:
    return {
        "counted": float(_counted(text)),
        "person": float(any(f.startswith("nr") for f in flags)),
        "place": float("ns" in flags),
        "org": float("nt" in flags),
        "name": float(any(f in ("nr", "nrt", "nrfg", "ns", "nt", "nz") for f in flags)),
        "time": float("t" in flags or bool(YEAR_OR_DATE.search(text) or _CN_DATE.search(text))),
        "number": float("m" in flags or any(c.isdigit() for c in text)),
        "quoted": float(bool(_QUOTE.fullmatch(text))),
        "noun": float(any(f.startswith("n") for f in flags)),
        "verb": float(all(f.startswith("v") for f in flags)),
    }


def candidate_spans(query: Query, sentence: str) -> list[Span]:
    """The candidate spans of ``sentence`` for ``query``, with their features."""
    folded = fold_same_length(sentence)
    words: list[tuple[int, int, str]] = []
    pos = 0
    for w in pseg.cut(folded):
        words.append((pos, pos + len(w.word), w.flag))
        pos += len(w.word)
    raw: dict[tuple[int, int], list[str]] = {}
    for i, (a, _, flag) in enumerate(words):
        if not flag.startswith(_NOUNISH) and not flag.startswith("v"):
            continue
        for j in range(i, min(i + 4, len(words))):
            # a verb alone may answer (what did he do), a run of words must be nouns
            if j > i and not (words[j][2].startswith(_NOUNISH) and flag.startswith(_NOUNISH)):
                break
            raw.setdefault((a, words[j][1]), [w[2] for w in words[i : j + 1]])
    for rx in (_QUOTE, YEAR_OR_DATE, _CN_DATE):
        for m in rx.finditer(folded):
            raw.setdefault(m.span(), ["x"])
    q = fold_compact(query.text)
    terms = [a for t in query.terms for a in t.alternatives if len(a) >= 2 or query.kind.kind == qtype.FACT]
    spots = [(m.start(), m.end()) for t in terms for m in re.finditer(re.escape(t), folded)]
    n = max(1, len(sentence))
    out = []
    for (a, b), flags in raw.items():
        text = sentence[a:b].strip()
        if not text or len(text) > _MAX_SPAN or _PUNCT.fullmatch(text):
            continue
        f = folded[a:b]
        chars = [c for c in f if c.strip()]
        in_q = sum(c in q for c in chars) / max(1, len(chars))
        near = min((min(abs(a - e), abs(s - b)) for s, e in spots), default=n)
        before = float(any(e <= a for _, e in spots))
        types = _type_flags(flags, f)
        x = {
            "in_question": in_q,
            "all_in_question": float(in_q >= 0.999),
            "distance": near / n,
            "adjacent": float(near <= 2),
            "after_terms": before,
            "length": math.log1p(len(f)),
            "words": float(len(flags)),
            "position": a / n,
            "copula_before": float(bool(re.search(r"(?:是|为|於|于|在|由|叫|称)$", folded[max(0, a - 2) : a]))),
            "de_after": float(folded[b : b + 1] == "的"),
        }
        for k in KINDS:
            if query.kind.kind == k:
                x |= {f"{k}_{t}": v for t, v in types.items()}
        x |= {f"is_{t}": v for t, v in types.items()}
        out.append(Span(a, b, sentence[a:b], x))
    return out


def span_f1(text: str, answers: list[str]) -> float:
    """Character F1 of a span against the gold answers (best one), on folded characters."""
    pred = [c for c in fold_compact(text) if c.isalnum()]
    best = 0.0
    for g in answers:
        ref = [c for c in fold_compact(g) if c.isalnum()]
        common = sum(min(pred.count(c), ref.count(c)) for c in set(pred))
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def best_span(model: Logistic | None, query: Query, sentence: str) -> Span | None:
    """The most probable span when the model is sure enough (its threshold), else None."""
    if model is None or query.kind.kind not in SPAN_KINDS:
        return None
    spans = candidate_spans(query, sentence)
    if not spans:
        return None
    p = model.probabilities([s.features for s in spans])
    i = int(p.argmax())
    spans[i].score = float(p[i])
    return spans[i] if p[i] >= model.threshold else None
