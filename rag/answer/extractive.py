"""The extractive answerer: picks the sentence that answers, states it, and cites it.

No generative model is needed. The question's kind (quantity, date, who, list,
reason) is detected; every sentence of the top passages is scored by how much of
the question it covers (its text plus the chunk's section context), by embedding
similarity to the question, and by whether it holds an answer of the asked kind.
The best sentence is stated with a short lead (the figure or date), sentences that
agree are cited together, and a close runner-up with a different figure is shown as
a disagreement. When nothing covers the question well enough, it abstains.

English questions are matched through the dictionary translation (``rag.crosslingual``): each English
word becomes a group of Chinese alternatives found in the passages, and a sentence covers the word when it
holds any of them. The answer is stated in English, the figure converted exactly (9.9万人 → 99,000 people),
the Chinese quote kept as the source has it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from embeddings.base import Embedder
from rag.answer import qtype
from rag.answer.base import abstention
from rag.answer.figures import figure_by_measure, lead, unit_compatible, unit_matches
from rag.answer.grounding import ground, markers, sentences
from rag.answer.terms import NAME_FLAGS, Query
from rag.chunking import split_units
from rag.fold import fold, fold_compact, to_traditional
from rag.numbers import Quantity, find_quantities, fold_same_length, render_english
from rag.question import question_script
from rag.retrieval import near_duplicate
from rag.segment import pos_cut
from rag.types import Answer, Citation, Hit

_YEAR_OR_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")

_REASON_CUES = re.compile(r"因为|由于|为了|旨在|目的|确保|以便|从而|所以|因此|是.{0,12}的|决定|顺应")

_LIST_CUES = re.compile(r"、|一是|二是|；|;")

_LIST_SEPARATORS = re.compile(r"[、，,；;]")

_CN_DIGITS = "一二三四五六七八九十"

_COUNT_ASKED = re.compile(r"(?<![一二三四五六七八九十百])([二三四五六七八九两])(?:个|大|项|条|类|种|笔|带|批)")

_PLACE_HEADS = frozenset({"县", "市", "区", "村", "乡", "镇", "省", "地区"})

_PLACE_FLAGS = frozenset({"ns", "nr", "nrt", "nz"})  # jieba tags many Tibetan place names nr

# A line of 20+ characters ending inside a sentence (on a character, a digit or an opening quote).
_BROKEN_LINE = re.compile(r".{19}[\w“‘「『(（、，,]$", re.DOTALL)

_ADMIN_SUFFIX = re.compile(r"(?:市|县|区|省|州|镇|乡|村|地区)$")
_BRACKETED_NAME = re.compile(r"[（(][\u4e00-\u9fff、]{2,24}[)）]")
_QUOTED = re.compile(r"“[^”]{1,20}”|「[^」]{1,20}」|『[^』]{1,20}』")
_LINE_BREAK = re.compile(r"[ \t]*\r?\n\s*")

_SENTENCE_PIECE = re.compile(r"\d|[、，,]")

_WHO_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt"})  # 谁 asks for a person or a body, not a place

_UNCORROBORATED_SHARE = 0.8  # a rival's score and coverage share against an answer one passage states

@dataclass
class Candidate:
    """A sentence of a retrieved passage, scored."""

    hit_index: int
    start: int  # offsets into the document text
    end: int
    text: str
    coverage: float = 0.0
    similarity: float = 0.0
    type_score: float = 0.0
    score: float = 0.0
    quantities: list[Quantity] = field(default_factory=list)


@dataclass(frozen=True)
class ExtractiveSettings:
    """Weights and abstention thresholds (set on the dev set; see configs/default.yaml)."""

    max_passages: int = 5
    min_coverage: float = 0.4
    min_score: float = 0.4
    w_coverage: float = 0.45
    w_similarity: float = 0.25
    w_type: float = 0.2
    w_rank: float = 0.1
    context_discount: float = 0.8
    off_subject_penalty: float = 0.3
    fallback_margin: float = 0.05
    related: int = 3


class ExtractiveAnswerer:
    """Answers by selecting and citing the answering span.

    Args:
        embedder: Scores sentence similarity to the question (None: lexical only).
        settings: Weights and thresholds.
        in_headings: Whether a term occurs in the corpus's titles or section headings. A name in the
            question that does (那曲) is the subject: a sentence without it in its text or context
            answers for another place, even when nothing retrieved is about that one. None: only the
            retrieved passages' headings count.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        settings: ExtractiveSettings | None = None,
        in_headings: Callable[[str], bool] | None = None,
    ) -> None:
        self.embedder = embedder
        self.settings = settings or ExtractiveSettings()
        self.in_headings = in_headings

    # -- public API ---------------------------------------------------------------------------
    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``hits`` (see the module docstring)."""
        hits = hits[: self.settings.max_passages]
        lang = question_script(question)
        query, candidates = self._score(question, hits)
        best = self._pick(query, candidates, hits)
        if best is None or best.coverage < self.settings.min_coverage or best.score < self.settings.min_score:
            return self._abstain(lang, hits)
        candidates = [best] + [c for c in candidates if c is not best]
        return self._compose(query, lang, hits, candidates)

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence, then the ``Answer``."""
        answer = self.answer(question, hits, history)
        yield from sentences(answer.text)  # an answer holds no line breaks (see _inline)
        yield answer

    # -- scoring ------------------------------------------------------------------------------
    def _candidates(self, hits: list[Hit]) -> list[Candidate]:
        out = []
        for i, hit in enumerate(hits):
            c = hit.chunk
            # A short unpunctuated line reads as a heading; one with figures or enumeration marks is a
            # piece of a sentence the chunk (or the PDF's layout) cut: keep it as body text.
            units = [
                replace(u, heading_level=0)
                if u.heading_level == 3 and _SENTENCE_PIECE.search(c.text[u.start : u.end])
                else u
                for u in split_units(c.text)
            ]
            k = 0
            while k < len(units):
                unit, end = units[k], units[k].end
                # A long line that stops mid-sentence was broken by the PDF's layout (村居“美\n\n丽乡村…):
                # the sentence goes on in the next body line.
                while (
                    not unit.heading_level
                    and units[k].newline_after
                    and k + 1 < len(units)
                    and not units[k + 1].heading_level
                    and _BROKEN_LINE.search(c.text[units[k].start : units[k].end])
                ):
                    k += 1
                    end = units[k].end
                k += 1
                text = c.text[unit.start : end]
                if len(fold_compact(text)) < 6 or unit.heading_level:
                    continue
                out.append(Candidate(i, c.start + unit.start, c.start + end, text))
        return out

    def _score(self, question: str, hits: list[Hit]) -> tuple[Query, list[Candidate]]:
        candidates = self._candidates(hits)
        if not candidates:
            return Query.read(question, []), []
        # Whitespace says nothing in Chinese and a PDF's line breaks split words (美\n\n丽乡村).
        folded = [fold_compact(c.text) for c in candidates]
        by_hit = [fold_compact(h.chunk.context) for h in hits]
        contexts = [by_hit[c.hit_index] for c in candidates]
        query = Query.read(question, folded + sorted(set(contexts)))
        q_terms = query.terms
        # Anchors: names in the question that the retrieved passages, or any document of the corpus
        # (``in_headings``), use in titles or section headings (拉萨, 那曲 …). A sentence whose own text
        # and context lack an anchor is about another subject — the parallel-sections trap.
        headings = set(contexts)
        anchors = [
            t
            for t in q_terms
            if t.can_anchor
            and any(
                len(a) >= 2 and (any(a in ctx for ctx in headings) or (self.in_headings and self.in_headings(a)))
                for a in t.alternatives
            )
        ]
        query = replace(query, anchors=tuple(anchors))
        required = [t for t in q_terms if t.required]
        n = len(candidates)
        # Rarer question terms among the candidates tell them apart (Chamdo vs Lhasa sections).
        weights = {t: t.factor * (math.log(1 + n / (1 + sum(t.in_text(f) for f in folded))) + 0.5) for t in q_terms}
        total = sum(weights.values()) or 1.0
        sims = self._similarities(question, [c.text for c in candidates])
        for c, f, ctx, sim in zip(candidates, folded, contexts, sims, strict=True):
            in_text = sum(w for t, w in weights.items() if t.in_text(f))
            in_ctx = sum(w for t, w in weights.items() if not t.in_text(f) and t.in_text(ctx))
            c.coverage = (in_text + self.settings.context_discount * in_ctx) / total if q_terms else 0.0
            if any(not a.in_text(f) and not a.in_text(ctx) for a in anchors):
                c.coverage *= self.settings.off_subject_penalty
            if required and not any(t.in_text(f) or t.in_text(ctx) for t in required):
                c.coverage *= self.settings.off_subject_penalty
            c.similarity = sim
            c.quantities = _figures(c.text)
            c.type_score = _type_score(query, c)
            rank = 1.0 / (1 + c.hit_index)
            s = self.settings
            c.score = (
                s.w_coverage * c.coverage
                + s.w_similarity * max(0.0, min(1.0, (sim - 0.7) / 0.25))
                + s.w_type * c.type_score
                + s.w_rank * rank
            )
        return query, sorted(candidates, key=lambda c: -c.score)

    def _pick(self, query: Query, candidates: list[Candidate], hits: list[Hit]) -> Candidate | None:
        """The answering sentence: the best one, or for a quantity question the best that states what is
        asked among those scored within ``fallback_margin`` of the top (None: abstain)."""
        if not candidates or query.kind.kind != qtype.QUANTITY:
            return candidates[0] if candidates else None
        floor = candidates[0].score - self.settings.fallback_margin
        return next((c for c in candidates if c.score >= floor and self._measures(query, c, hits)), None)

    def _measures(self, query: Query, c: Candidate, hits: list[Hit]) -> bool:
        """Whether a sentence states a figure of what a quantity question asks (the answer, or a rival).

        It must hold a figure; of the asked unit when the question names one (多少个 is not
        answered by 户); stated next to what is measured when the sentence names that at all
        (``figures.figure_by_measure``); and, for a Chinese question, one of the question's common nouns
        in its text or context (发生率, GDP): a figure next to the right place and year but about
        something else is the near miss that abstention is for.
        """
        figures = [q for q in c.quantities if not q.is_year]
        if not figures:
            return False
        if query.kind.unit and not any(unit_compatible(query.kind.unit, q) for q in figures):
            return False
        figure = lead(query, c.text, c.quantities)
        if not figure_by_measure(query, c.text, figure):
            return False
        if figure is not None and query.anchors:
            # The place asked about named only after the figure (…危房16141户…,阿里与藏中电网联网…) is a
            # passing mention in another place's sentence; its subject comes first or in the headings.
            context, text = fold_compact(hits[c.hit_index].chunk.context), fold_same_length(c.text)
            if any(not t.in_text(context) and not t.in_text(text[: figure.start]) for t in query.anchors):
                return False
        nouns = [t for t in query.terms if t.noun]
        if not nouns:
            return True
        text = fold(c.text) + "\n" + fold(hits[c.hit_index].chunk.context)
        return any(t.in_text(text) for t in nouns)

    def _similarities(self, question: str, texts: list[str]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(texts)
        q = self.embedder.embed_queries([fold(question)])[0]
        p = self.embedder.embed_passages(texts)
        return (p @ q).astype(float).tolist() if len(p) else []

    # -- composing ----------------------------------------------------------------------------
    def _compose(self, query: Query, lang: str, hits: list[Hit], candidates: list[Candidate]) -> Answer:
        best = candidates[0]
        figure = lead(query, best.text, best.quantities)
        agreeing = [best] + [
            c
            for c in candidates[1:]
            if c.hit_index != best.hit_index
            # the same sentence elsewhere, or another sentence stating the same figure; a near copy with
            # another figure (1万人 / 11万人) disagrees
            and (figure is None or _states(c, figure))
            and (near_duplicate(c.text, best.text, 0.6) or (figure and c.coverage >= best.coverage * 0.8))
        ]
        # One citation per passage: the first (best) sentence taken from it.
        cited: list[Candidate] = []
        for c in agreeing:
            if all(c.hit_index != x.hit_index for x in cited):
                cited.append(c)
        rival = _rival(query, best, figure, candidates, cited, lambda c: self._measures(query, c, hits))
        citations = [_citation(i + 1, hits[c.hit_index], c) for i, c in enumerate(cited)]
        marks = "".join(f"[{i + 1}]" for i in range(len(cited)))
        parts = _statement(lang, figure, best.text, marks)
        if rival is not None:
            citations.append(_citation(len(citations) + 1, hits[rival.hit_index], rival))
            parts += _rival_statement(lang, rival.text, f"[{len(citations)}]")
        text = to_traditional(parts) if lang == "zh-Hant" else parts
        checked = ground(text, {c.n: c.quote for c in citations})
        if not checked.text:
            return self._abstain(lang, hits)
        used = set(markers(checked.text))
        return Answer(checked.text, [c for c in citations if c.n in used], False, [], {})

    def _abstain(self, lang: str, hits: list[Hit]) -> Answer:
        return abstention(lang, hits, self.settings.related)


def _names(text: str, question: str, head: str = "", flags: frozenset[str] = NAME_FLAGS) -> list[str]:
    """Proper nouns (people, places, bodies) in ``text`` that the question does not already name.

    Args:
        text: A sentence.
        question: The question (names it already holds are not answers).
        head: Keep only names ending with this noun (班戈县 for 哪个县); '' keeps all.
        flags: The jieba tags that count as names.
    """
    q = fold(question)

    def named_by_question(word: str) -> bool:  # 拉萨市 is the 拉萨 of the question
        base = _ADMIN_SUFFIX.sub("", word)
        return word in q or (len(base) >= 2 and base in q)

    return [
        w.word
        for w in pos_cut(fold(text))
        if w.flag in flags and len(w.word) >= 2 and not named_by_question(w.word) and w.word.endswith(head)
    ]


def _type_score(query: Query, c: Candidate) -> float:
    kind, question = query.kind, query.text
    if kind.kind == qtype.QUANTITY:
        figures = [q for q in c.quantities if not q.is_year]
        if not figures:
            return 0.0
        # A bare count (500万非贫困人口) may answer, but a figure in the asked unit is the likelier answer.
        return 1.0 if not kind.unit or any(unit_matches(kind.unit, q) for q in figures) else 0.5
    if kind.kind == qtype.DATE:
        return 1.0 if _YEAR_OR_DATE.search(c.text) else 0.0
    if kind.kind == qtype.LIST:
        return _list_score(kind, c.text, question)
    if kind.kind == qtype.REASON:
        return 1.0 if _REASON_CUES.search(c.text) else 0.3
    if kind.kind == qtype.PLACE:
        # a place name, or one named in brackets after what is there (填埋场1个(曲水))
        return 1.0 if _names(c.text, question, flags=_PLACE_FLAGS) or _BRACKETED_NAME.search(c.text) else 0.3
    if kind.kind == qtype.WHO and kind.head:
        return 1.0 if _names(c.text, question, kind.head) else 0.3
    if kind.kind == qtype.WHO:
        found = _names(c.text, question, flags=_WHO_FLAGS)
        if not found:
            return 0.3
        # "是谁主持的": the answer is the name that does it (丁业现主持会议), not any name nearby.
        acts = [a for t in query.terms if t.required for a in t.alternatives]
        if not acts:
            return 1.0
        f = fold(c.text)
        return 1.0 if any(re.search(re.escape(n) + r"\w{0,3}?" + re.escape(a), f) for n in found for a in acts) else 0.6
    return 0.5


def _list_score(kind: qtype.QuestionType, text: str, question: str) -> float:
    """How well a sentence enumerates what a list question asks.

    "Which cities" wants several names ending in (or tagged as) that noun; "which four" wants at least
    four items, counted by the separators between them (、，；).
    """
    if kind.head:
        found = set(_names(text, question, flags=_PLACE_FLAGS if kind.head in _PLACE_HEADS else NAME_FLAGS))
        return 1.0 if len(found) >= 2 else 0.5 if found else 0.2
    items = len(_LIST_SEPARATORS.findall(text)) + 1
    wanted = _asked_count(question)
    if wanted:
        return 1.0 if items >= wanted else 0.3
    return 1.0 if _LIST_CUES.search(text) else 0.3


def _asked_count(question: str) -> int:
    """The number of items a list question asks for (哪四个 → 4, 三大主战场是哪几个 → 3), 0 when unsaid."""
    m = _COUNT_ASKED.search(fold(question))
    return _CN_DIGITS.index(m.group(1).replace("两", "二")) + 1 if m else 0


def _figures(text: str) -> list[Quantity]:
    """The quantities of a sentence that can be statistics: not those inside quotation marks, which are
    names (“五个一批”, “十三五”, “两不愁三保障”)."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    return [q for q in find_quantities(text) if not any(a <= q.start and q.end <= b for a, b in quoted)]


def _states(c: Candidate, figure: Quantity) -> bool:
    """Whether the sentence states this figure (by value and unit: 1万人 is not in 11万人)."""
    return any(q.value == figure.value and q.unit == figure.unit for q in c.quantities)


def _rival(
    query: Query,
    best: Candidate,
    figure: Quantity | None,
    candidates: list[Candidate],
    cited: list[Candidate],
    measures: Callable[[Candidate], bool],
) -> Candidate | None:
    """A close runner-up from another passage that answers the question itself with another figure.

    It must pass the same checks as the answer (``measures``), and its own lead figure must be of the
    answer's unit and differ in value: a sentence that merely holds some other number is not a
    disagreement. An answer only one passage states is uncorroborated: a sentence made to echo the
    question (an uploaded claim) outscores every real one, so against it a looser runner-up counts.
    """
    if figure is None:
        return None
    score_share, coverage_share = (0.92, 0.95) if len(cited) > 1 else (_UNCORROBORATED_SHARE, _UNCORROBORATED_SHARE)
    for c in candidates[1:6]:
        if any(c.hit_index == x.hit_index for x in cited) or c.score < best.score * score_share:
            continue
        if c.coverage < best.coverage * coverage_share or not measures(c):
            continue
        other = lead(query, c.text, c.quantities)
        if other is not None and other.unit == figure.unit and other.value != figure.value:
            return c
    return None


def _inline(sentence: str) -> str:
    """The sentence on one line: a line break inside it (a PDF's layout) would split the claim from its mark."""
    return _LINE_BREAK.sub("", sentence).rstrip("。；;，, ")


def _statement(lang: str, lead: Quantity | None, sentence: str, marks: str) -> str:
    sentence = _inline(sentence)
    if lang == "en":
        if lead is not None:
            # "more than 16,000" already says how exact it is.
            about = "" if lead.approx else "About "
            return f"{about}{render_english(lead)} ({lead.text}){marks}. The source says: “{sentence}”{marks}."
        return f"The documents say: “{sentence}”{marks}."
    if lead is not None:
        return f"{lead.text}{marks}。原文：{sentence}{marks}。"
    return f"{sentence}{marks}。"


def _rival_statement(lang: str, sentence: str, mark: str) -> str:
    sentence = _inline(sentence)
    if lang == "en":
        return f" Another passage gives a different figure: “{sentence}”{mark}."
    return f"另有资料给出不同的数字：{sentence}{mark}。"


def _citation(n: int, hit: Hit, c: Candidate) -> Citation:
    return Citation(n, hit.chunk.doc_id, hit.chunk.chunk_id, c.start, c.end, c.text)
