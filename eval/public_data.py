"""Retrieval-style QA examples from the public span-annotated sets (``/work/shared/qa-public``).

CMRC 2018 trial (simplified, CC BY-SA 4.0, Cui et al. 2019) and DRCD test (traditional, CC BY-SA 3.0,
Shao et al. 2018): SQuAD-style JSON. Anything derived from them (the examples, a scorer trained on them)
carries that attribution and the share-alike licence (``LICENCE``).

Articles are split into train and dev by a hash of their id, never one article on both sides. For a
split, a sample of its articles is indexed as a corpus: some are *asked* (their questions are answerable
examples), some are *distractors* (indexed, not asked), some are *left out* (not indexed: their questions
are near-miss unanswerables, kept only when no gold answer occurs anywhere in the indexed text).

A question that leans on its paragraph ("他司职什么位置?") has no subject in open retrieval. It is kept
only when it names its subject: a word of the article's title, or a word (2+ characters) of the article
that at most ``_RARE_DF`` articles of the whole data hold — and it holds no third-person pronoun.

There are no English questions: the public sets are Chinese only and none are invented here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import Evidence, GoldItem
from rag.answer import qtype
from rag.errors import InputError
from rag.fold import fold, fold_compact
from rag.segment import tokenizer
from rag.types import Document

PUBLIC_DIR = Path(os.environ.get("RAG_PUBLIC_QA", "/work/shared/qa-public"))
SOURCES = {"cmrc": ("cmrc2018_trial.json", "zh-Hans"), "drcd": ("drcd_test.json", "zh-Hant")}
LICENCE = (
    "derived from CMRC 2018 trial (Cui et al. 2019, CC BY-SA 4.0) and DRCD test (Shao et al. 2018, "
    "CC BY-SA 3.0); shared under CC BY-SA 4.0"
)
SPLITS = ("dev", "train")

DEV_SHARE = 0.3  # of articles, by hash
_RARE_DF = 3
_EVIDENCE_CONTEXT = 8  # characters either side of the gold span in the evidence quote
# Matched on folded (simplified) text.
_PRONOUN = re.compile(r"[他她它][们]?|其|该|此人|这")
_QUESTION_WORDS = re.compile(r"什么|甚么|哪|谁|多少|几|为什么|如何|怎么|是|的|了|吗|呢")

# Articles of a split that are asked / distractors / left out (half from each source), and questions
# taken per asked and per left-out article.
SIZES = {"dev": (60, 30, 20), "train": (90, 20, 30)}
PER_ARTICLE = 3
PER_LEFT_OUT = 2


@dataclass(frozen=True)
class Question:
    """One annotated question; the evidence is its first annotated span."""

    id: str
    question: str
    answers: tuple[str, ...]
    paragraph: int
    start: int


@dataclass(frozen=True)
class Article:
    """One article (a Wikipedia page): its paragraphs and their questions."""

    source: str
    id: str
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[Question, ...]

    @property
    def doc_id(self) -> str:
        return f"{self.source}_{self.id}.txt"

    @property
    def lang(self) -> str:
        return SOURCES[self.source][1]

    def document(self) -> Document:
        """The article as one indexed document: the title line, then its paragraphs."""
        text = self.title + "\n\n" + "\n\n".join(self.paragraphs)
        return Document(self.doc_id, self.title, text, f"public:{self.source}/{self.id}", {"format": "txt"})


def stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process and on every machine (``hash`` is salted)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def split_of(article: Article) -> str:
    """``dev`` or ``train``, from a hash of the source and article id (deterministic)."""
    return "dev" if stable_hash(f"{article.source}:{article.id}") % 1000 < DEV_SHARE * 1000 else "train"


def parse_articles(source: str, data: Mapping[str, Any]) -> list[Article]:
    """The articles of one SQuAD-style file (``{"data": [{title, id, paragraphs: [...]}]}``).

    Args:
        source: ``cmrc`` or ``drcd`` (a key of ``SOURCES``).
        data: The parsed JSON.

    Returns:
        The articles in file order; questions without an answer are dropped.
    """
    out = []
    for art in data["data"]:
        paragraphs = tuple(p["context"] for p in art["paragraphs"])
        questions = []
        for i, p in enumerate(art["paragraphs"]):
            for q in p["qas"]:
                if not q["answers"]:
                    continue
                first = q["answers"][0]
                answers = tuple(sorted({a["text"].strip() for a in q["answers"]} - {""}))
                if answers:
                    questions.append(Question(q["id"], q["question"].strip(), answers, i, first["answer_start"]))
        out.append(Article(source, str(art["id"]), art["title"].strip(), paragraphs, tuple(questions)))
    return out


def load_articles(directory: Path = PUBLIC_DIR) -> list[Article]:
    """Every article of both public sets.

    Raises:
        InputError: A file is missing or not the SQuAD-style JSON described above.
    """
    out = []
    for source, (name, _) in SOURCES.items():
        path = directory / name
        try:
            out += parse_articles(source, json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise InputError(f"public QA file not found: {path}") from exc
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path} is not SQuAD-style JSON ({exc})") from exc
    return out


class SubjectCheck:
    """Whether a question names its subject (see the module docstring).

    Args:
        articles: Every article of the data: a word held by few of them names a subject.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self._texts = [fold_compact(a.title + "".join(a.paragraphs)) for a in articles]

    def _df(self, word: str) -> int:
        return sum(word in t for t in self._texts)

    def __call__(self, question: str, article: Article) -> bool:
        """Whether ``question`` (about ``article``) can be asked in open retrieval."""
        q = fold(question)
        if _PRONOUN.search(q):
            return False
        title = fold_compact(article.title)
        words = [w for w in tokenizer().cut(_QUESTION_WORDS.sub(" ", q)) if len(w.strip()) >= 2]
        if title in q or any(w in title for w in words):
            return True
        text = fold_compact("".join(article.paragraphs))
        return any(w in text and self._df(w) <= _RARE_DF for w in words)


def _kind(question: str) -> str:
    kind = qtype.classify(question).kind
    return {qtype.QUANTITY: "numeric", qtype.REASON: "reason", qtype.LIST: "list"}.get(kind, "entity")


def _evidence(article: Article, q: Question) -> list[Evidence]:
    """The annotated span with a few characters either side (a quote of the article's text)."""
    p = article.paragraphs[q.paragraph]
    answer = next((a for a in q.answers if p[q.start : q.start + len(a)] == a), None)
    start = q.start if answer is not None else p.find(q.answers[0])
    if start < 0:
        return []
    end = start + len(answer or q.answers[0])
    return [Evidence(article.doc_id, p[max(0, start - _EVIDENCE_CONTEXT) : end + _EVIDENCE_CONTEXT])]


@dataclass
class PublicSplit:
    """A split's corpus and questions (answerable and near-miss unanswerable)."""

    name: str
    documents: list[Document]
    items: list[GoldItem]


def _by_hash(questions: Sequence[Question]) -> list[Question]:
    return sorted(questions, key=lambda q: stable_hash(q.id))


def build_split(
    name: str, articles: Sequence[Article] | None = None, sizes: tuple[int, int, int] | None = None
) -> PublicSplit:
    """The retrieval-style examples of ``name`` (``dev`` or ``train``); deterministic.

    Args:
        name: The split.
        articles: The data (default: ``load_articles()``).
        sizes: Articles asked / distractors / left out, half from each source (default: ``SIZES[name]``).

    Returns:
        The indexed documents (asked and distractor articles) and the items, ordered by a hash of their
        id so that the first N mix languages and answerable with unanswerable ones.
    """
    if name not in SIZES:
        raise InputError(f"unknown split '{name}': one of {', '.join(SPLITS)}")
    every = list(articles) if articles is not None else load_articles()
    check = SubjectCheck(every)
    n_ask, n_dist, n_out = sizes or SIZES[name]
    asked: list[Article] = []
    indexed: list[Article] = []
    left_out: list[Article] = []
    for source in SOURCES:
        pool = sorted((a for a in every if a.source == source and split_of(a) == name), key=lambda a: stable_hash(a.id))
        a, d, o = n_ask // 2, n_dist // 2, n_out // 2
        asked += pool[:a]
        indexed += pool[: a + d]
        left_out += pool[a + d : a + d + o]
    corpus = "\n".join(fold_compact(a.title + "".join(a.paragraphs)) for a in indexed)
    items: list[GoldItem] = []
    for art in asked:
        kept = [(q, _evidence(art, q)) for q in _by_hash(art.questions) if check(q.question, art)]
        for q, evidence in [(q, e) for q, e in kept if e][:PER_ARTICLE]:
            items.append(
                GoldItem(
                    f"{art.source}-{q.id}",
                    q.question,
                    art.lang,
                    _kind(q.question),
                    list(q.answers),
                    "any",
                    evidence,
                    LICENCE,
                )
            )
    for art in left_out:
        unanswerable = [
            q
            for q in _by_hash(art.questions)
            if check(q.question, art) and not any(fold_compact(x) in corpus for x in q.answers)
        ]
        items += [
            GoldItem(f"{art.source}-{q.id}-out", q.question, art.lang, "unanswerable", [], notes=LICENCE)
            for q in unanswerable[:PER_LEFT_OUT]
        ]
    items.sort(key=lambda i: stable_hash(i.id))
    return PublicSplit(name, [a.document() for a in indexed], items)


def gold_rows(items: Sequence[GoldItem]) -> list[dict[str, Any]]:
    """The items as gold JSONL objects (the ``eval/gold`` format, readable by ``rag eval --gold``)."""
    return [
        {
            "id": i.id,
            "question": i.question,
            "lang": i.lang,
            "type": i.type,
            "answers": i.answers,
            "answer_mode": i.answer_mode,
            "evidence": [{"doc": e.doc, "quote": e.quote} for e in i.evidence],
            "notes": i.notes,
        }
        for i in items
    ]


def write_gold(split: PublicSplit, path: Path) -> None:
    """Write the split's items as a gold JSONL file."""
    rows = gold_rows(split.items)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
