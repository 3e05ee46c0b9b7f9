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

import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import jieba
import jieba.posseg as pseg

from embeddings.base import Embedder
from rag.answer import qtype
from rag.answer.grounding import ground
from rag.chunking import split_units
from rag.crosslingual.translate import TextVocabulary, translate
from rag.fold import fold, fold_compact, to_traditional
from rag.numbers import Quantity, find_quantities, render_english
from rag.question import question_script
from rag.retrieval import near_duplicate
from rag.types import Answer, Citation, Hit

_YEAR_OR_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")
_REASON_CUES = re.compile(r"因为|由于|为了|旨在|目的|确保|以便|从而|所以|因此|是.{0,12}的|决定|顺应")
_LIST_CUES = re.compile(r"、|一是|二是|；|;")
_LIST_SEPARATORS = re.compile(r"[、，,；;]")
_CN_DIGITS = "一二三四五六七八九十"
_COUNT_ASKED = re.compile(r"(?:哪|这|那)?([二三四五六七八九十两])(?:个|大|项|条|类|种|笔|带|批)")
_PLACE_HEADS = frozenset({"县", "市", "区", "村", "乡", "镇", "省", "地区"})
_PLACE_FLAGS = frozenset({"ns", "nr", "nrt", "nz"})  # jieba tags many Tibetan place names nr
_QUESTION_NOISE = frozenset(
    [
        "多少",
        "几",
        "哪些",
        "哪个",
        "哪",
        "什么",
        "谁",
        "为什么",
        "为啥",
        "如何",
        "怎么",
        "一共",
        "总共",
        "累计",
        "有",
        "是",
        "了",
        "的",
        "吗",
        "呢",
    ]
)
# Question words that jieba may glue to the asked unit (多少钱, 几个县): removed before segmenting.
_QUESTION_WORDS = re.compile(r"一共|总共|多少|几|哪些|哪几|哪个|哪|什么|为什么|为啥|是谁|谁|吗|呢|么")
_ARABIC = re.compile(r"\d")
# jieba part-of-speech tags of words that carry no subject: pronouns, prepositions, particles, adverbs,
# conjunctions, modal particles, interjections, onomatopoeia, punctuation, classifiers, locatives.
_FUNCTION_POS = ("r", "p", "u", "d", "c", "y", "e", "o", "x", "w", "q", "f")
_WORD = re.compile(r"\w")
# Clauses of a sentence: the answer to "how much X" sits in the clause that names X.
_CLAUSE = re.compile(r"[^，,；;、：:（）()—]+")
_YEAR_TERM = re.compile(r"(?:19|20)\d{2}(?=年|\b|$)")
_YEAR_WEIGHT = 6
_MEASURED_WEIGHT = 3
_HOW_MUCH = re.compile(r"多少|几")
_UNIT_WORD = re.compile(r"[人户]次|[万亿]?元|公里|平方米|亩|吨")  # 多少人次 measures what follows, not 人次
_COPULA = re.compile(r"的?(?:是|有|为|达到|达|约|共|一共|总共|累计|大概|大约)?")
# The year a figure is stated for: right before it (2015年的1499元, 2020年底达到12975元).
_YEAR_OF_FIGURE = re.compile(r"((?:19|20)\d{2})年(?:底|末|初)?(?:的|为|是|达到|达|共|有|实现)?$")
# What a who-question says the person did: the words right after 谁 (是谁主持的 → 主持).
_AFTER_WHO = re.compile(r"谁(?:来|负责)?([\u4e00-\u9fff]{1,4})")
# A line of 20+ characters ending inside a sentence (on a character, a digit or an opening quote).
_BROKEN_LINE = re.compile(r".{19}[\w“‘「『(（、，,]$", re.DOTALL)
_LINE_BREAK = re.compile(r"[ \t]*\r?\n\s*")
_SENTENCE_PIECE = re.compile(r"\d|[、，,]")
_COUNT_UNITS = frozenset({"人", "户", "个", "次", "人次", "户次"})
_NOUN_POS = ("n", "vn", "eng", "j")
_NAME_FLAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
_WHO_FLAGS = frozenset({"nr", "nrt", "nrfg", "nt"})  # 谁 asks for a person or a body, not a place


def question_terms(question: str) -> list[str]:
    """The content terms of a question: its words without question and function words, in order, unique.

    Precise segmentation keeps compounds whole (贫困人口, not 贫困/困人/人口); pronouns, adverbs,
    particles and prepositions (那次, 亲自, 已经) are dropped: reports rarely repeat how a user
    phrases a question, so such words only lower the coverage of the sentence that answers.

    Example:
        >>> question_terms("拉薩的「三包」標準是每人多少錢?")
        ['拉萨', '三包', '标准', '钱']
    """
    return list(_tagged_terms(question))


def _is_function_word(flag: str) -> bool:
    return flag.startswith(_FUNCTION_POS) and flag != "eng"  # eng: a Latin word (GDP), not an interjection


def _tagged_terms(question: str) -> dict[str, str]:
    """``question_terms`` with each term's jieba part-of-speech tag."""
    jieba.setLogLevel(logging.WARNING)
    stripped = _QUESTION_WORDS.sub(" ", fold(question))
    out: dict[str, str] = {}
    for w in pseg.cut(stripped):
        word, flag = w.word.strip(), w.flag
        if not word or word in _QUESTION_NOISE or _is_function_word(flag) or not _WORD.search(word):
            continue
        if flag == "m" and len(word) == 1:  # a bare numeral or 年 after a year: not a subject
            continue
        out.setdefault(word, flag)
    return out


@dataclass(frozen=True)
class Term:
    """A question term as the passages may spell it.

    Attributes:
        alternatives: Any of these (folded) counts as the term.
        factor: Weight multiplier: an English dictionary phrase renders several words at once.
        can_anchor: Whether it may act as an anchor (see ``ExtractiveAnswerer._score``).
        required: A sentence without it (text or context) is off the subject: the thing a quantity
            question counts (``How many tourists …`` → 游客).
        noun: A common noun of a Chinese question (发生率, 经费, GDP): what a figure would measure.
    """

    alternatives: tuple[str, ...]
    factor: float = 1.0
    can_anchor: bool = True
    required: bool = False
    noun: bool = False

    def in_text(self, folded: str) -> bool:
        """True when ``folded`` text holds one of the alternatives."""
        return any(a in folded for a in self.alternatives)


# English counting questions name what they count right after "how many", up to the verb or a preposition:
# the phrase's last word is the head noun (how many poor villages → villages).
_COUNTED = re.compile(
    r"\bhow many ((?:[a-z]+[ -]){0,3}?[a-z]+)(?= (?:did|do|does|were|was|are|is|has|have|had|will|can|in|of|at"
    r"|for|from|and|with|by|on|to|[a-z]+ed)\b|[?.,]|$)",
    re.IGNORECASE,
)
_EN_COUNT_WORDS = frozenset({"times", "person-times", "people", "persons", "households", "units", "cases"})
_EN_OF_PHRASE = re.compile(
    r" of ((?:[a-z]+[ -]){0,3}?[a-z]+)"
    r"(?= (?:did|do|does|were|was|are|is|has|have|had|in|at|for|from|by|on|to)\b|[?.,]|$)",
    re.IGNORECASE,
)
# What an English who-question says the person did: the words after "who", up to a preposition.
_EN_WHO_DID = re.compile(r"\bwho ((?:[a-z]+[ -]){0,5}?[a-z]+)(?= (?:at|in|of|for|on|to|during|from)\b|[?.,]|$)", re.I)
_EN_FILLER = frozenset({"the", "a", "an", "main", "was", "is", "did", "has", "had"})
# Alternatives the answerer keeps per English concept: it matches any of them, so more recall costs little.
_EN_MAX_TERMS = 8


def match_terms(question: str, passages: list[str]) -> list[Term]:
    """The question's terms as the passages would state them.

    Args:
        question: The question, Chinese or English.
        passages: Texts the answer will come from (English terms are looked up in them).

    Returns:
        A Chinese question's content terms, one alternative each. An English question's dictionary
        concepts (``rag.crosslingual.translate``) rendered in the passages' words, several alternatives
        each; a joined compound (贫困村) counts as an alternative of both its parts; only names anchor.

    Example:
        >>> match_terms("昌都搬迁了多少人?", [])[0]
        Term(alternatives=('昌都',), factor=1.0, can_anchor=True, required=False, noun=False)
        >>> match_terms("昌都搬迁了多少人?", [])[1].can_anchor
        False
    """
    if question_script(question) != "en":
        # Only proper nouns anchor: 全区 or 工作 in a section title does not make a sentence off the subject.
        after_who = "".join(_AFTER_WHO.findall(fold(question)))
        return [
            Term(
                (t,),
                can_anchor=flag in _NAME_FLAGS,
                # "是谁主持的": a sentence without 主持 names someone who did something else.
                required=t in after_who,
                noun=flag not in _NAME_FLAGS and flag.startswith(_NOUN_POS),
            )
            for t, flag in _tagged_terms(question).items()
        ]
    concepts = translate(question, TextVocabulary(passages), max_terms=_EN_MAX_TERMS).concepts
    counted = _COUNTED.search(question)
    head = re.split(r"[ -]", counted.group(1).lower())[-1] if counted else ""
    if counted and head in _EN_COUNT_WORDS:
        # "how many person-times of ecological jobs": the jobs are counted, person-times is the unit
        of = _EN_OF_PHRASE.match(question, counted.end())
        head = re.split(r"[ -]", of.group(1).lower())[-1] if of else ""
    who = _EN_WHO_DID.search(question)
    did = set(re.split(r"[ -]", who.group(1).lower())) - _EN_FILLER if who else set()
    acts = {c.source for c in concepts if did and set(re.split(r"[ -]", c.source.lower())) <= did}
    # "work report" says it; "work" alone would let any sentence about work through.
    acts = {a for a in acts if not any(a != b and a in b for b in acts)}
    out: list[Term] = []
    for i, c in enumerate(concepts):
        if c.compound:
            continue
        alternatives = list(c.terms)
        for neighbour in concepts[max(0, i - 1) : i + 2]:
            if neighbour.compound and c.source in neighbour.source.split(" ", c.source.count(" ") + 1):
                alternatives += [t for t in neighbour.terms if t not in alternatives]
        source = re.split(r"[ -]", c.source.lower())
        # the counted thing (how many tourists) or what the person did (who gave the work report)
        required = (bool(head) and head in source) or c.source in acts
        out.append(Term(tuple(alternatives), float(c.words), c.name, required))
    if head and not any(t.required for t in out):
        # The passages never state the counted thing (How many tourists …, no 游客 anywhere): keep it as a
        # required term nothing matches, so the answerer abstains rather than count something else.
        unseen = translate(head, _Everything(), max_terms=_EN_MAX_TERMS).concepts
        if unseen:
            out.append(Term(tuple(unseen[0].terms), 1.0, False, True))
    return out


class _Everything:
    """A vocabulary that holds every term: the dictionary's own renderings, whatever the corpus says."""

    def __contains__(self, term: object) -> bool:
        return True

    def __len__(self) -> int:
        return 1

    def document_frequency(self, term: str) -> int:
        return 1


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
        kind = qtype.classify(question)
        lang = question_script(question)
        candidates = self._score(question, kind, hits)
        best = self._pick(question, kind, candidates, hits)
        if best is None or best.coverage < self.settings.min_coverage or best.score < self.settings.min_score:
            return self._abstain(lang, hits)
        candidates = [best] + [c for c in candidates if c is not best]
        return self._compose(question, kind, lang, hits, candidates)

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence, then the ``Answer``."""
        answer = self.answer(question, hits, history)
        yield from re.findall(r"[^。！？!?]+[。！？!?]?(?:\s*\[\d+\])*", answer.text)
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
                    units[k].newline_after
                    and k + 1 < len(units)
                    and not units[k + 1].heading_level
                    and _BROKEN_LINE.search(c.text[unit.start : units[k].end])
                ):
                    k += 1
                    end = units[k].end
                k += 1
                text = c.text[unit.start : end]
                if len(fold_compact(text)) < 6 or unit.heading_level:
                    continue
                out.append(Candidate(i, c.start + unit.start, c.start + end, text))
        return out

    def _score(self, question: str, kind: qtype.QuestionType, hits: list[Hit]) -> list[Candidate]:
        candidates = self._candidates(hits)
        if not candidates:
            return []
        # Whitespace says nothing in Chinese and a PDF's line breaks split words (美\n\n丽乡村).
        folded = [fold_compact(c.text) for c in candidates]
        contexts = [fold_compact(hits[c.hit_index].chunk.context) for c in candidates]
        q_terms = match_terms(question, folded + sorted(set(contexts)))
        # Anchors: question terms the retrieved passages use in titles or section headings
        # (拉萨, 林芝 …). A sentence whose own text and context lack an anchor is about
        # another subject — the parallel-sections trap — and cannot answer.
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
            c.quantities = find_quantities(c.text)
            c.type_score = _type_score(kind, c, question)
            rank = 1.0 / (1 + c.hit_index)
            s = self.settings
            c.score = (
                s.w_coverage * c.coverage
                + s.w_similarity * max(0.0, min(1.0, (sim - 0.7) / 0.25))
                + s.w_type * c.type_score
                + s.w_rank * rank
            )
        return sorted(candidates, key=lambda c: -c.score)

    def _pick(
        self, question: str, kind: qtype.QuestionType, candidates: list[Candidate], hits: list[Hit]
    ) -> Candidate | None:
        """The answering sentence: the best one, or for a quantity question the best that states what is
        asked among those scored within ``fallback_margin`` of the top (None: abstain)."""
        if not candidates or kind.kind != qtype.QUANTITY:
            return candidates[0] if candidates else None
        floor = candidates[0].score - self.settings.fallback_margin
        return next(
            (c for c in candidates if c.score >= floor and self._measures(question, kind, c, hits)),
            None,
        )

    def _measures(self, question: str, kind: qtype.QuestionType, best: Candidate, hits: list[Hit]) -> bool:
        """Whether the best sentence states a figure of what a quantity question asks.

        It must hold a figure; of the asked unit when the question names one (多少个 is not
        answered by 户); stated next to what is measured when the sentence names that at all
        (``_figure_by_measure``); and, for a Chinese question, one of the question's common nouns
        in its text or context (发生率, GDP): a figure next to the right place and year but about
        something else is the near miss that abstention is for.
        """
        figures = [q for q in best.quantities if not _is_year(q)]
        if not figures:
            return False
        if kind.unit and not any(_unit_compatible(kind.unit, q) for q in figures):
            return False
        if not _figure_by_measure(kind, best, question):
            return False
        nouns = [t for t in match_terms(question, []) if t.noun]
        if not nouns:
            return True
        text = fold(best.text) + "\n" + fold(hits[best.hit_index].chunk.context)
        return any(t.in_text(text) for t in nouns)

    def _similarities(self, question: str, texts: list[str]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(texts)
        q = self.embedder.embed_queries([fold(question)])[0]
        p = self.embedder.embed_passages(texts)
        return (p @ q).astype(float).tolist() if len(p) else []

    # -- composing ----------------------------------------------------------------------------
    def _compose(
        self, question: str, kind: qtype.QuestionType, lang: str, hits: list[Hit], candidates: list[Candidate]
    ) -> Answer:
        best = candidates[0]
        lead = _lead(kind, best, question)
        agreeing = [best] + [
            c
            for c in candidates[1:]
            if c.hit_index != best.hit_index
            and (
                near_duplicate(c.text, best.text, 0.6)
                or (lead and lead.text in c.text and c.coverage >= best.coverage * 0.8)
            )
        ]
        # One citation per passage: the first (best) sentence taken from it.
        cited: list[Candidate] = []
        for c in agreeing:
            if all(c.hit_index != x.hit_index for x in cited):
                cited.append(c)
        rival = _rival(kind, best, lead, candidates, cited)
        citations = [_citation(i + 1, hits[c.hit_index], c) for i, c in enumerate(cited)]
        marks = "".join(f"[{i + 1}]" for i in range(len(cited)))
        parts = _statement(lang, lead, best.text, marks)
        if rival is not None:
            citations.append(_citation(len(citations) + 1, hits[rival.hit_index], rival))
            parts += _rival_statement(lang, rival.text, f"[{len(citations)}]")
        text = to_traditional(parts) if lang == "zh-Hant" else parts
        checked = ground(text, {c.n: c.quote for c in citations})
        if not checked.text:
            return self._abstain(lang, hits)
        used = set(int(n) for n in re.findall(r"\[(\d+)\]", checked.text))
        return Answer(checked.text, [c for c in citations if c.n in used], False, [], {})

    def _abstain(self, lang: str, hits: list[Hit]) -> Answer:
        related = [
            Citation(i + 1, h.chunk.doc_id, h.chunk.chunk_id, h.chunk.start, h.chunk.end, h.chunk.text)
            for i, h in enumerate(hits[: self.settings.related])
        ]
        text = {
            "en": "The documents do not say. The closest passages are listed as related, not as an answer.",
            "zh-Hant": "文件中沒有找到這個問題的答案。下面列出最相關的段落供參考，並非答案。",
        }.get(lang, "文件中没有找到这个问题的答案。下面列出最相关的段落供参考，并非答案。")
        return Answer(text, [], True, related, {})


def _has_figure(c: Candidate) -> bool:
    return any(not q.is_year for q in c.quantities)


def _is_year(q: Quantity) -> bool:
    return q.is_year


def _names(text: str, question: str, head: str = "", flags: frozenset[str] = _NAME_FLAGS) -> list[str]:
    """Proper nouns (people, places, bodies) in ``text`` that the question does not already name.

    Args:
        text: A sentence.
        question: The question (names it already holds are not answers).
        head: Keep only names ending with this noun (班戈县 for 哪个县); '' keeps all.
        flags: The jieba tags that count as names.
    """
    jieba.setLogLevel(logging.WARNING)
    q = fold(question)
    return [
        w.word
        for w in pseg.cut(fold(text))
        if w.flag in flags and len(w.word) >= 2 and w.word not in q and w.word.endswith(head)
    ]


def _type_score(kind: qtype.QuestionType, c: Candidate, question: str) -> float:
    if kind.kind == qtype.QUANTITY:
        figures = [q for q in c.quantities if not _is_year(q)]
        if not figures:
            return 0.0
        # A bare count (500万非贫困人口) may answer, but a figure in the asked unit is the likelier answer.
        return 1.0 if not kind.unit or any(_unit_matches(kind.unit, q) for q in figures) else 0.5
    if kind.kind == qtype.DATE:
        return 1.0 if _YEAR_OR_DATE.search(c.text) else 0.0
    if kind.kind == qtype.LIST:
        return _list_score(kind, c.text, question)
    if kind.kind == qtype.REASON:
        return 1.0 if _REASON_CUES.search(c.text) else 0.3
    if kind.kind == qtype.WHO and kind.head:
        return 1.0 if _names(c.text, question, kind.head) else 0.3
    if kind.kind == qtype.WHO:
        names = _names(c.text, question, flags=_WHO_FLAGS)
        if not names:
            return 0.3
        # "是谁主持的": the answer is the name that does it (丁业现主持会议), not any name nearby.
        acts = [a for t in match_terms(question, []) if t.required for a in t.alternatives]
        if not acts:
            return 1.0
        f = fold(c.text)
        return 1.0 if any(re.search(re.escape(n) + r"\w{0,3}?" + re.escape(a), f) for n in names for a in acts) else 0.6
    return 0.5


def _list_score(kind: qtype.QuestionType, text: str, question: str) -> float:
    """How well a sentence enumerates what a list question asks.

    "Which cities" wants several names ending in (or tagged as) that noun; "which four" wants at least
    four items, counted by the separators between them (、，；).
    """
    if kind.head:
        names = set(_names(text, question, flags=_PLACE_FLAGS if kind.head in _PLACE_HEADS else _NAME_FLAGS))
        return 1.0 if len(names) >= 2 else 0.5 if names else 0.2
    items = len(_LIST_SEPARATORS.findall(text)) + 1
    wanted = _asked_count(question)
    if wanted:
        return 1.0 if items >= wanted else 0.3
    return 1.0 if _LIST_CUES.search(text) else 0.3


def _asked_count(question: str) -> int:
    """The number of items a list question asks for (哪四个 → 4, 三大主战场是哪几个 → 3), 0 when unsaid."""
    m = _COUNT_ASKED.search(fold(question))
    return _CN_DIGITS.index(m.group(1).replace("两", "二")) + 1 if m else 0


def _unit_matches(unit: str, q: Quantity) -> bool:
    if unit == "%":
        return q.unit == "%"
    return q.unit.endswith(unit) or unit in q.text


def _unit_compatible(unit: str, q: Quantity) -> bool:
    """The figure has the asked unit, or is a bare count, whose unit is the noun that follows (500万非贫困人口)."""
    return _unit_matches(unit, q) or (not q.unit and unit in _COUNT_UNITS)


def _lead(kind: qtype.QuestionType, best: Candidate, question: str) -> Quantity | None:
    """The figure that answers a quantity question.

    Of the sentence's figures in the asked unit, the one whose clause (the stretch between commas
    and enumeration marks) holds most of the question's words, whose year is the year asked
    (从2015年的1499元增加到2019年的9328元: the year right before a figure), then the one nearest a
    question word.
    """
    if kind.kind != qtype.QUANTITY:
        return None
    figures = [q for q in best.quantities if not _is_year(q)]
    if kind.unit:
        figures = (
            [q for q in figures if _unit_matches(kind.unit, q)]
            or [q for q in figures if _unit_compatible(kind.unit, q)]
            or figures
        )
    # Reports state figures in digits; a Chinese numeral is often part of a name (四个不摘).
    figures = [q for q in figures if _ARABIC.search(q.text)] or figures
    if len(figures) < 2:
        return figures[0] if figures else None
    text = best.text
    f = fold(text)
    if len(f) != len(text):  # folding changed lengths: match on the raw text, offsets stay valid
        f = text.lower()
    # Single characters (人, 钱) and years match everywhere in such a sentence; they place nothing.
    matched = match_terms(question, [f])
    terms = [a for t in matched for a in t.alternatives if len(a) > 1 and not _YEAR_TERM.fullmatch(a)]
    years = set(_YEAR_TERM.findall(fold(question)))
    # What is measured: next to 多少 in Chinese, the counted thing of "how many …" in English.
    measured = _measured(question) | {a for t in matched if t.required for a in t.alternatives}
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]

    def rank(q: Quantity) -> tuple[float, int]:
        a, b = next(((a, b) for a, b in clauses if a <= q.start < b), (0, len(text)))
        clause = f[a:b]
        words = sum(min(len(t), 4) * (_MEASURED_WEIGHT if t in measured else 1) for t in terms if t in clause)
        year = _YEAR_OF_FIGURE.search(f[max(a, q.start - 12) : q.start])
        if years and year:
            words += _YEAR_WEIGHT if year.group(1) in years else -_YEAR_WEIGHT
        spots = [m.start() for t in terms for m in re.finditer(re.escape(t), clause)]
        distance = min((abs(a + p - q.start) for p in spots), default=len(text))
        return (-words, distance)

    return min(figures, key=rank)


def _figure_by_measure(kind: qtype.QuestionType, c: Candidate, question: str) -> bool:
    """False when the sentence names what is measured, but not in or just before the lead figure's clause.

    "资助大学生1.16万人次，…，生态岗位…" does not count ecological jobs: the figure counts students.
    """
    lead = _lead(kind, c, question)
    if lead is None:
        return True
    text = c.text
    f = fold(text)
    if len(f) != len(text):
        f = text.lower()
    wanted = _measured(question) | {a for t in match_terms(question, [f]) if t.required for a in t.alternatives}
    wanted = {w for w in wanted if len(w) > 1 and w in f}
    if not wanted:
        return True
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    i = next((k for k, (a, b) in enumerate(clauses) if a <= lead.start < b), 0)
    window = f[clauses[max(0, i - 1)][0] : clauses[i][1]] if clauses else f
    return any(w in window for w in wanted)


def _measured(question: str) -> set[str]:
    """The words of a Chinese quantity question next to its question word: what it measures.

    Example:
        >>> sorted(_measured("那曲十三五扶贫产业项目总投资多少?"))
        ['投资']
        >>> sorted(_measured("昌都营养餐计划累计拨了多少经费?"))
        ['经费']
        >>> sorted(_measured("试点总共投了多少钱?"))  # a verb between: the pilot is not what is measured
        []
    """
    folded = fold(question)
    m = _HOW_MUCH.search(folded)
    if not m:
        return set()
    before = [t for t in question_terms(folded[: m.start()]) if len(t) > 1]
    after = [t for t in question_terms(folded[m.end() :]) if len(t) > 1 and not _UNIT_WORD.fullmatch(t)]
    # The word before 多少 is what is measured only when nothing but a copula stands between
    # (纯收入是多少, 总投资多少), not a verb (试点总共投了多少钱 measures money, not the pilot).
    near = [t for t in before[-1:] if _COPULA.fullmatch(folded[folded.rfind(t, 0, m.start()) + len(t) : m.start()])]
    return set(near + after[:1])


def _rival(
    kind: qtype.QuestionType,
    best: Candidate,
    lead: Quantity | None,
    candidates: list[Candidate],
    cited: list[Candidate],
) -> Candidate | None:
    """A close runner-up from another passage stating a different figure of the same unit."""
    if lead is None:
        return None
    for c in candidates[1:6]:
        if any(c.hit_index == x.hit_index for x in cited) or c.score < best.score * 0.92:
            continue
        if c.coverage < best.coverage * 0.95:
            continue
        same_unit = [q for q in c.quantities if q.unit == lead.unit and not _is_year(q)]
        if same_unit and all(q.value != lead.value for q in same_unit):
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
