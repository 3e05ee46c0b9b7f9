"""English versions of the public QA questions, machine-translated by the local model (translate-train).

The public sets are Chinese only, so English questions over Chinese documents were measured only on
the default corpus's gold sets (15 a set) and the abstention model saw 50 English drafts, 10 of them
unanswerable. The English versions give a public English measure (``eval.public_eval --english``) and
opt-in training data (``eval.train_confidence --english``). Each public question is translated once
by the local GGUF model (greedy, one short prompt) and kept when the reply is an English question: no
Chinese character left, at least three words. Its answers, evidence and type stay the Chinese
item's: the documents are the same Chinese text, only the asker's language changes. The
translations are stored (``eval/data/public-en-<split>.jsonl``, CC BY-SA as their source), so training
reads them without the model::

    python -m eval.translate_questions --split train [--limit N] [--threads 2]

The run appends to the file and skips ids already there, so it can be stopped and resumed.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import replace
from pathlib import Path

from eval.gold import GoldItem
from rag.config import REPO_ROOT

DATA_DIR = REPO_ROOT / "eval" / "data"
INSTRUCTION = (
    "Translate the user's Chinese question into natural English, as an English speaker would ask it. "
    "Write Chinese names in pinyin or their usual English name. Do not answer it. "
    "Reply with the English question only."
)
ENGLISH_PROVENANCE = (
    "the public-train questions machine-translated into English by the local model (Qwen2.5-1.5B GGUF): "
    "eval/data/public-en-train.jsonl, python -m eval.translate_questions; CC BY-SA as their source"
)
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")  # ideographs, CJK and full-width marks
_WORDS = re.compile(r"[A-Za-z]+")


def translations_path(split: str) -> Path:
    """Where the English versions of ``split``'s public questions are stored."""
    return DATA_DIR / f"public-en-{split}.jsonl"


def usable(reply: str) -> str | None:
    """The reply's first line when it is an English question (no CJK left, three words or more), else None.

    Example:
        >>> usable("How many people play chess?"), usable("How many people play西洋棋?")
        ('How many people play chess?', None)
    """
    text = reply.strip()
    line = text.splitlines()[0].strip().strip('"“”') if text else ""
    if not line or _CJK.search(line) or len(_WORDS.findall(line)) < 3:
        return None
    return line


def load_translations(split: str, path: Path | None = None) -> dict[str, str]:
    """Item id → English question, for ``split`` (empty when none are stored).

    Args:
        split: ``train`` or ``dev``.
        path: The file to read (default: ``translations_path(split)``).
    """
    return {r["id"]: r["en"] for r in stored(path or translations_path(split)) if r.get("en")}


def stored(path: Path) -> list[dict]:
    """The rows of a translations file (rejected replies included, ``en: null``); none when it is missing."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def english_items(items: list[GoldItem], translations: dict[str, str]) -> list[GoldItem]:
    """The items that have an English version, asked in English (same answers, evidence and type)."""
    return [
        replace(item, id=f"{item.id}-en", question=translations[item.id], lang="en")
        for item in items
        if item.id in translations
    ]


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    from eval.public_data import build_split, load_articles
    from eval.training_data import public_training_split
    from rag.answer.generative.gguf_models import resolve_gguf
    from rag.answer.generative.llamacpp import start_server
    from rag.config import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "dev"), default="train")
    parser.add_argument("--limit", type=int, default=0, help="translate at most this many new questions (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=None, help="a .gguf path or installed name (default: the config's)")
    args = parser.parse_args(argv)
    settings = load_settings(None)
    # The training split as the trainers build it, so the ids are theirs.
    split = public_training_split() if args.split == "train" else build_split("dev", load_articles())
    path = translations_path(args.split)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = {r["id"] for r in stored(path)}
    todo = [i for i in split.items if i.id not in done]
    if args.limit:
        todo = todo[: args.limit]
    server = start_server(resolve_gguf(args.model or settings.answerer.model, settings.models_dir), args.threads, 2048)
    started, kept = time.perf_counter(), 0
    with path.open("a", encoding="utf-8") as out:
        for n, item in enumerate(todo, 1):
            reply = server.handle_chat_completions(
                {
                    "messages": [
                        {"role": "system", "content": INSTRUCTION},
                        {"role": "user", "content": item.question},
                    ],
                    "max_tokens": 60,
                    "temperature": 0.0,
                    "cache_prompt": True,
                }
            )
            en = usable(str(reply["choices"][0]["message"].get("content") or ""))
            kept += en is not None
            # A rejected reply is recorded too (en: null), so a resumed run does not ask again.
            out.write(json.dumps({"id": item.id, "zh": item.question, "en": en}, ensure_ascii=False) + "\n")
            out.flush()
            if n % 50 == 0:
                print(f"{n}/{len(todo)} translated, {kept} kept, {time.perf_counter() - started:.0f} s", flush=True)
    print(f"{len(todo)} translated, {kept} kept: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
