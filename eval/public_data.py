"""Retrieval-style QA examples from the public span-annotated sets (``/work/shared/qa-public``).

CMRC 2018 trial (simplified, CC BY-SA 4.0, Cui et al. 2019) and DRCD test (traditional, CC BY-SA 3.0,
Shao et al. 2018): SQuAD-style JSON. Anything derived from them (the examples, a scorer trained on them)
carries that attribution and the share-alike licence.

Articles are split into train and dev by a hash of their id, never one article on both sides. For a
split, a sample of its articles is indexed as a corpus: some are *asked* (their questions are answerable
examples), some are *distractors* (indexed, not asked), some are *left out* (not indexed: their questions
are near-miss unanswerables, kept only when the gold answer occurs nowhere in the indexed text).

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
from dataclasses import dataclass
from pathlib import Path

import jieba

from eval.gold import Evidence, GoldItem
from rag.answer import qtype
from rag.fold import fold, fold_compact
from rag.types import Document

PUBLIC_DIR = Path(os.environ.get("RAG_PUBLIC_QA", "/work/shared/qa-public"))
SOURCES = {"cmrc": ("cmrc2018_trial.json", "zh-Hans"), "drcd": ("drcd_test.json", "zh-Hant")}
LICENCE = (
    "derived from CMRC 2018 trial (Cui et al. 2019, CC BY-SA 4.0) and DRCD test (Shao et al. 2018, "
    "CC BY-SA 3.0); shared under CC BY-SA 4.0"
)

DEV_SHARE = 0.3  # of articles, by hash
_RARE_DF = 3
_PRONOUN = re.compile(r"[他她它][们們]?|其|该|此人|這|这")
_QUESTION_WORDS = re.compile(r"什么|甚麼|什麼|哪|谁|誰|多少|几|幾|为什么|為什麼|如何|怎么|怎麼|是|的|了|吗|嗎|呢")

# How many articles of a split are asked / distractors / left out, and questions per asked article.
SIZES = {"dev": (60, 30, 20), "train": (90, 20, 30)}
PER_ARTICLE = 3
PER_LEFT_OUT = 2


@dataclass(frozen=True)
class Article:
    source: str
    id: str
    title: str
    paragraphs: tuple[str, ...]
    qas: tuple[dict, ...]  # {"id", "question", "answers": [str]}

    @property
    def doc_id(self) -> str:
        return f"{self.source}_{self.id}.txt"

    @property
    def lang(self) -> str:
        return SOURCES[self.source][1]

    def document(self) -> Document:
        text = self.title + "\n\n" + "\n\n".join(self.paragraphs)
        return Document(self.doc_id, self.title, text, f"public:{self.source}/{self.id}", {"format": "txt"})


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def split_of(article: Article) -> str:
    """``dev`` or ``train``, from a hash of the article id (deterministic)."""
    return "dev" if _hash(f"{article.source}:{article.id}") % 1000 < DEV_SHARE * 1000 else "train"


def load_articles(directory: Path = PUBLIC_DIR) -> list[Article]:
    """Every article of both public sets."""
    out = []
    for source, (name, _) in SOURCES.items():
        data = json.loads((directory / name).read_text(encoding="utf-8"))["data"]
        for a in data:
            qas = tuple(
                {"id": q["id"], "question": q["question"].strip(), "answers": sorted({x["text"] for x in q["answers"]})}
                for p in a["paragraphs"]
                for q in p["qas"]
                if q["answers"]
            )
            paragraphs = tuple(p["context"] for p in a["paragraphs"])
            out.append(Article(source, str(a["id"]), a["title"].strip(), paragraphs, qas))
    return out


class SubjectCheck:
    """Whether a question names its subject (see the module docstring)."""

    def __init__(self, articles: list[Article]) -> None:
        self._texts = [fold_compact(a.title + "".join(a.paragraphs)) for a in articles]

    def _df(self, word: str) -> int:
        return sum(word in t for t in self._texts)

    def __call__(self, question: str, article: Article) -> bool:
        q = fold(question)
        if _PRONOUN.search(q):
            return False
        title = fold_compact(article.title)
        words = [w for w in jieba.cut(_QUESTION_WORDS.sub(" ", q)) if len(w.strip()) >= 2]
        if title in q or any(w in title for w in words):
            return True
        text = fold_compact("".join(article.paragraphs))
        return any(w in text and self._df(w) <= _RARE_DF for w in words)


def _kind(question: str) -> str:
    kind = qtype.classify(question).kind
    return {qtype.QUANTITY: "numeric", qtype.REASON: "reason", qtype.LIST: "list"}.get(kind, "entity")


def _evidence(article: Article, answer: str) -> list[Evidence]:
    for p in article.paragraphs:
        i = p.find(answer)
        if i >= 0:
            return [Evidence(article.doc_id, p[max(0, i - 8) : i + len(answer) + 8])]
    return []


@dataclass
class PublicSplit:
    """A split's corpus and questions (answerable and near-miss unanswerable)."""

    name: str
    documents: list[Document]
    items: list[GoldItem]


def build_split(name: str, articles: list[Article] | None = None) -> PublicSplit:
    """The retrieval-style examples of ``name`` (``dev`` or ``train``); deterministic.

    Each source contributes half of ``SIZES[name]``'s articles, ordered by hash.
    """
    every = articles if articles is not None else load_articles()
    check = SubjectCheck(every)
    n_ask, n_dist, n_out = SIZES[name]
    asked: list[Article] = []
    indexed: list[Article] = []
    left_out: list[Article] = []
    for source in SOURCES:
        pool = sorted((a for a in every if a.source == source and split_of(a) == name), key=lambda a: _hash(a.id))
        a, d, o = n_ask // 2, n_dist // 2, n_out // 2
        asked += pool[:a]
        indexed += pool[: a + d]
        left_out += pool[a + d : a + d + o]
    corpus = "\n".join(fold_compact(a.title + "".join(a.paragraphs)) for a in indexed)
    items: list[GoldItem] = []
    for art in asked:
        qs = [q for q in sorted(art.qas, key=lambda q: _hash(q["id"])) if check(q["question"], art)][:PER_ARTICLE]
        for q in qs:
            items.append(
                GoldItem(
                    f"{art.source}-{q['id']}",
                    q["question"],
                    art.lang,
                    _kind(q["question"]),
                    q["answers"],
                    "any",
                    _evidence(art, q["answers"][0]),
                )
            )
    for art in left_out:
        qs = [
            q
            for q in sorted(art.qas, key=lambda q: _hash(q["id"]))
            if check(q["question"], art) and not any(fold_compact(x) in corpus for x in q["answers"])
        ][:PER_LEFT_OUT]
        items += [GoldItem(f"{art.source}-{q['id']}-out", q["question"], art.lang, "unanswerable", []) for q in qs]
    return PublicSplit(name, [a.document() for a in indexed], items)


def write_gold(split: PublicSplit, path: Path) -> None:
    """The split's items as a gold JSONL file (the ``eval/gold`` format)."""
    rows = [
        {
            "id": i.id,
            "question": i.question,
            "lang": i.lang,
            "type": i.type,
            "answers": i.answers,
            "answer_mode": i.answer_mode,
            "evidence": [{"doc": e.doc, "quote": e.quote} for e in i.evidence],
            "notes": LICENCE,
        }
        for i in split.items
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
