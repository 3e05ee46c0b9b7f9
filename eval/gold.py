"""Reading and validating gold QA files (format: eval/gold/README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import InputError

LANGS = {"zh-Hans", "zh-Hant", "en"}
TYPES = {"numeric", "entity", "list", "reason", "unanswerable"}


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question."""

    id: str
    question: str
    lang: str
    type: str
    answers: list[str]
    answer_mode: str = "any"
    evidence: list[Evidence] = field(default_factory=list)
    notes: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def _item(obj: object, where: str) -> GoldItem:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    for key in ("id", "question", "lang", "type"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise InputError(f"{where}: field '{key}' must be a non-empty string")
    if obj["lang"] not in LANGS:
        raise InputError(f"{where}: lang '{obj['lang']}' is not one of {sorted(LANGS)}")
    if obj["type"] not in TYPES:
        raise InputError(f"{where}: type '{obj['type']}' is not one of {sorted(TYPES)}")
    answers = obj.get("answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise InputError(f"{where}: 'answers' must be a list of strings")
    if obj["type"] != "unanswerable" and not answers:
        raise InputError(f"{where}: an answerable item needs at least one answer")
    mode = obj.get("answer_mode", "any")
    if mode not in ("any", "all"):
        raise InputError(f"{where}: answer_mode must be 'any' or 'all'")
    evidence = []
    for ev in obj.get("evidence", []) or []:
        if not isinstance(ev, dict) or not isinstance(ev.get("doc"), str) or not isinstance(ev.get("quote"), str):
            raise InputError(f"{where}: each evidence needs string 'doc' and 'quote'")
        evidence.append(Evidence(ev["doc"], ev["quote"]))
    return GoldItem(
        obj["id"], obj["question"], obj["lang"], obj["type"], answers, mode, evidence, obj.get("notes", "") or ""
    )


def load_gold(path: Path) -> list[GoldItem]:
    """Read and validate a gold file; nothing is returned unless every line is valid.

    Args:
        path: A JSONL file, one item a line (blank lines allowed).

    Returns:
        The items in file order.

    Raises:
        InputError: Naming the first bad line (``FILE:LINE: what is wrong``) or a duplicate id.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise InputError(f"gold file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8") from exc
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from exc
        item = _item(obj, where)
        if item.id in seen:
            raise InputError(f"{where}: duplicate id '{item.id}'")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputError(f"{path} holds no items")
    return items
