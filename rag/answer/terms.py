"""What a question asks about, in the words the passages use.

A Chinese question's content terms come from jieba's precise segmentation without question and
function words; an English question's from the dictionary translation (``rag.crosslingual``), each
English concept a group of Chinese alternatives found in the passages. ``Query`` bundles a question
with its kind and terms for the answerer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag import stopwords
from rag.answer import postags, qtype
from rag.crosslingual.lexicon import AnyLexicon, with_places
from rag.crosslingual.translate import TextVocabulary, translate
from rag.fold import fold
from rag.numbers import find_quantities
from rag.profile import EMPTY, Profile
from rag.question import question_script
from rag.segment import pos_cut

# Question words that jieba may glue to the asked unit (多少钱, 几个县): removed before segmenting.
_QUESTION_WORDS = re.compile(r"一共|总共|多少|几|哪些|哪几|哪个|哪|什么|为什么|为啥|是谁|谁|吗|呢|么")

_WORD = re.compile(r"\w")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")

# What a who-question says the person did: the words right after 谁 (是谁主持的 → 主持).
_AFTER_WHO = re.compile(r"谁(?:来|负责)?([\u4e00-\u9fff]{1,4})")

_HOW_MUCH = re.compile(r"多少|" + qtype.ASKING_JI)

_UNIT_WORD = re.compile(r"[人户]次|[万亿]?元|公里|平方米|亩|吨")  # 多少人次 measures what follows, not 人次

_COPULA = re.compile(r"的?(?:是|有|为|达到|达|约|共|一共|总共|累计|大概|大约)?")

# A calendar year as a question or a sentence writes it (2019, 2019年).
YEAR = re.compile(r"(?:19|20)\d{2}(?=年|\b|$)")
# English counting questions name what they count right after "how many" (or what they measure after "how
# much"), up to the verb or a preposition: the phrase's last word is the head noun (how many poor villages →
# villages, how much microcredit → microcredit).
_COUNTED = re.compile(
    r"\bhow (?:many|much) (?!(?:did|do|does|was|is|were|are|has|have|had|will|can)\b)"
    r"((?:[a-z]+[ -]){0,3}?[a-z]+)(?= (?:did|do|does|were|was|are|is|has|have|had|will|can|in|of|at"
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

# Alternatives the answerer keeps per English concept: it matches any of them, so more recall costs little.
_EN_MAX_TERMS = 8


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
    return flag.startswith(postags.FUNCTION_PREFIXES) and flag != "eng"  # eng: a Latin word (GDP), not an interjection


def _tagged_terms(question: str) -> dict[str, str]:
    """``question_terms`` with each term's jieba part-of-speech tag."""
    stripped = _QUESTION_WORDS.sub(" ", fold(question))
    out: dict[str, str] = {}
    for w in pos_cut(stripped):
        word, flag = w.word.strip(), w.flag
        if not word or word in stopwords.ZH or _is_function_word(flag) or not _WORD.search(word):
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


def match_terms(question: str, passages: list[str], lexicon: AnyLexicon | None = None) -> list[Term]:
    """The question's terms as the passages would state them.

    Args:
        question: The question, Chinese or English.
        passages: Texts the answer will come from (English terms are looked up in them).
        lexicon: English words' dictionary (``lexicon.with_places``); CC-CEDICT alone when None.

    Returns:
        A Chinese question's content terms, one alternative each. An English question's dictionary
        concepts (``rag.crosslingual.translate``) rendered in the passages' words, several alternatives
        each, and any Chinese it writes as written; a joined compound (贫困村) counts as an alternative of
        both its parts; only names anchor.

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
                can_anchor=flag in postags.NAMES,
                # "是谁主持的": a sentence without 主持 names someone who did something else.
                required=t in after_who,
                noun=flag not in postags.NAMES and flag.startswith(postags.NOUN_PREFIXES),
            )
            for t, flag in _tagged_terms(question).items()
        ]
    concepts = translate(question, TextVocabulary(passages), lexicon, _EN_MAX_TERMS).concepts
    counted = _COUNTED.search(question)
    head = re.split(r"[ -]", counted.group(1).lower())[-1] if counted else ""
    if counted and head in _EN_COUNT_WORDS:
        # "how many person-times of ecological jobs": the jobs are counted, person-times is the unit
        of = _EN_OF_PHRASE.match(question, counted.end())
        head = re.split(r"[ -]", of.group(1).lower())[-1] if of else ""
    who = _EN_WHO_DID.search(question)
    did = set(re.split(r"[ -]", who.group(1).lower())) - stopwords.EN if who else set()
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
    # Chinese written into an English question (paved-road access (通畅)) is the passages' own word.
    for run in _CJK_RUN.findall(question):
        out += [Term((t,), can_anchor=flag in postags.NAMES) for t, flag in _tagged_terms(run).items()]
    # A name the dictionary renders but the passages never write (in Tibet, of Nyingchi) stays a term
    # nothing matches, as a Chinese question's would: dropping it would let a sentence about another
    # subject cover the question on its remaining words.
    rendered = {c.source for c in concepts}
    for c in translate(question, _Everything(), lexicon, _EN_MAX_TERMS).concepts:
        if c.name and not c.compound and c.source not in rendered:
            out.append(Term(tuple(c.terms), float(c.words), True, False))
    if head and not any(t.required for t in out):
        # The passages never state the counted thing (How many tourists …, no 游客 anywhere): keep it as a
        # required term nothing matches, so the answerer abstains rather than count something else.
        unseen = translate(head, _Everything(), lexicon, _EN_MAX_TERMS).concepts
        if unseen:
            out.append(Term(tuple(unseen[0].terms), 1.0, False, True))
    return out


class _Everything:
    """A vocabulary that holds every term: the dictionary's own renderings, whatever the corpus says."""

    def __contains__(self, term: object) -> bool:
        return True

    def document_frequency(self, term: str) -> int:
        return 1


def measured(question: str, after: bool = True) -> set[str]:
    """The words of a Chinese quantity question next to its question word: what it measures.

    ``after=False`` keeps only the word before it (纯收入是多少): a word after it may be a unit
    word of the answer's (多少种类 is answered by 66种).

    Example:
        >>> sorted(measured("那曲十三五扶贫产业项目总投资多少?"))
        ['投资']
        >>> sorted(measured("昌都营养餐计划累计拨了多少经费?"))
        ['经费']
        >>> sorted(measured("试点总共投了多少钱?"))  # a verb between: the pilot is not what is measured
        []
    """
    folded = fold(question)
    m = _HOW_MUCH.search(folded)
    if not m:
        return set()
    before = [t for t in question_terms(folded[: m.start()]) if len(t) > 1]
    following = [t for t in question_terms(folded[m.end() :]) if len(t) > 1 and not _UNIT_WORD.fullmatch(t)]
    # The word before 多少 is what is measured only when nothing but a copula stands between
    # (纯收入是多少, 总投资多少), not a verb (试点总共投了多少钱 measures money, not the pilot).
    near = [t for t in before[-1:] if _COPULA.fullmatch(folded[folded.rfind(t, 0, m.start()) + len(t) : m.start()])]
    return set(near + (following[:1] if after else []))


def rarity(terms: Iterable[Term], texts: list[str]) -> dict[Term, float]:
    """How well each term tells ``texts`` apart: the rarer among them, the heavier.

    Args:
        terms: The question's terms.
        texts: The (folded) texts they are matched in.

    Returns:
        Term → ``log(1 + n / (1 + texts holding it)) + 0.5``.
    """
    n = len(texts)
    return {t: math.log(1 + n / (1 + sum(t.in_text(x) for x in texts))) + 0.5 for t in terms}


@dataclass(frozen=True)
class Query:
    """A question as the answerer reads it, worked out once per question.

    Attributes:
        text: The question as asked.
        kind: What it asks for (``qtype.classify``).
        terms: Its terms in the passages' words (``match_terms``).
        measured: What a quantity question measures: ``measured`` for Chinese, the counted thing's
            renderings for English (``How many tourists`` → 游客 …).
        years: The calendar years it names (``2019``).
        anchors: Its terms that name a subject of the corpus (set by the answerer, which knows the headings).
    """

    text: str
    kind: qtype.QuestionType
    terms: tuple[Term, ...]
    measured: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    anchors: tuple[Term, ...] = ()

    @classmethod
    def read(cls, question: str, passages: list[str], profile: Profile = EMPTY) -> Query:
        """Classify ``question`` and match its terms against ``passages`` (folded texts), with the corpus's
        domain ``profile`` (its units, head nouns and place names)."""
        terms = tuple(match_terms(question, passages, with_places(profile.place_names)))
        counted = {a for t in terms if t.required for a in t.alternatives}
        folded = fold(question)
        # Years in Chinese numerals too (二〇一八年), as find_quantities reads them.
        years = frozenset(YEAR.findall(folded)) | {str(int(q.value)) for q in find_quantities(folded) if q.is_year}
        kind = qtype.classify(question, profile)
        return cls(question, kind, terms, frozenset(measured(question) | counted), years)
