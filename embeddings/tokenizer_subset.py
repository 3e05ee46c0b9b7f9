"""Fast-loading tokenizers for the scripts this system serves, exact for the texts each accepts.

Loading a multilingual Unigram tokenizer (e5: 250,002 pieces) takes about a second, and its load time
grows with the number of pieces. Unigram segmentation chooses among the pieces that occur in the
(normalised) text, so dropping pieces that cannot occur in a text changes nothing for it. Two subsets
are written once beside the full tokenizer (``rag models install``), each with the map from its ids back
to the full tokenizer's:

- **Chinese/ASCII** (≈ 100,000 pieces of e5's, ≈ 0.3 s to load): the pieces made of Chinese (CJK
  ideographs, their punctuation, full-width forms) and ASCII. It serves a text with no other character.
- **Chinese** (≈ 20,000 pieces, ≈ 0.04 s): of those, the pieces without a Latin letter, plus the pieces
  that can match inside or across the end of an embedding prompt (``query: ``). It serves a text that
  is, after its prompt, letter-free: a Chinese question or passage.

- **the text's own pieces**: for a short batch the Chinese subset does not serve (an English question),
  a tokenizer of just the pieces that occur in its pre-tokens, looked up in a table of the
  Chinese/ASCII pieces (``PIECES_NAME``) and built in memory in a few milliseconds, instead of loading
  the 100,000-piece subset (0.3 s). A Unigram tokenizer only ever chooses among such pieces, and the
  unknown-piece penalty follows the lowest score, which every tier keeps: the ids are the same.

A text goes to the smallest tokenizer that accepts it; each is loaded on first need.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SUBSET_NAME = "tokenizer.subset.json"
IDS_NAME = "tokenizer.subset.ids.npy"
CHINESE_NAME = "tokenizer.chinese.json"
CHINESE_IDS_NAME = "tokenizer.chinese.ids.npy"
CHINESE_PROMPTS_NAME = "tokenizer.chinese.prompts.json"
PIECES_NAME = "tokenizer.pieces.sqlite"
# A batch of at most this many characters is served by its own pieces; a longer one (ingest) loads the
# Chinese/ASCII subset once.
OWN_PIECES_MAX_CHARS = 2000
# Chinese (CJK ideographs, their punctuation and full-width forms), ASCII, and SentencePiece's ▁.
_RANGES = "\u0000-\u007f\u2581\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_COVERED = re.compile(f"[{_RANGES}]*")
_LATIN = re.compile("[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
DEFAULT_PROMPTS = ("query: ", "passage: ")  # e5's (embeddings.config); other prompts use the wider subset


def write_subset(export_dir: Path, full_name: str, prompts: Iterable[str] = DEFAULT_PROMPTS) -> bool:
    """Write both subsets of ``export_dir/full_name`` and their id maps, unless present or not Unigram.

    Args:
        export_dir: The directory holding the full ``tokenizer.json``.
        full_name: Its file name.
        prompts: The embedding prompts whose pieces the Chinese subset keeps.

    Returns:
        True if the subsets are there afterwards.
    """
    names = (SUBSET_NAME, IDS_NAME, CHINESE_NAME, CHINESE_IDS_NAME, CHINESE_PROMPTS_NAME, PIECES_NAME)
    if all((export_dir / n).is_file() for n in names):
        return True
    spec = json.loads((export_dir / full_name).read_text(encoding="utf-8"))
    if spec["model"].get("type") != "Unigram":
        return False
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(json.dumps(spec))
    prompts = [tok.normalizer.normalize_str(p) if tok.normalizer else p for p in prompts]
    forms = _prompt_forms(prompts, tok.pre_tokenizer)
    vocab = spec["model"]["vocab"]
    special = {t["id"] for t in spec.get("added_tokens", [])} | {spec["model"].get("unk_id")}
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])  # Unigram's unknown-piece penalty uses it
    required = special | {lowest}
    covered = [i for i, (piece, _) in enumerate(vocab) if i in required or _COVERED.fullmatch(piece)]
    chinese = [i for i in covered if i in required or _matches_without_latin(vocab[i][0], forms)]
    _write_tier(export_dir, SUBSET_NAME, IDS_NAME, spec, covered)
    _write_tier(export_dir, CHINESE_NAME, CHINESE_IDS_NAME, spec, chinese)
    _write_pieces(export_dir / PIECES_NAME, spec, covered, sorted(required))
    _atomic_write(export_dir / CHINESE_PROMPTS_NAME, lambda f: f.write(json.dumps(prompts).encode()))
    return True


def _write_pieces(path: Path, spec: dict, covered: list[int], required: list[int]) -> None:
    """The table of the Chinese/ASCII pieces (piece → id, score) and the spec that every own-pieces
    tokenizer starts from: the full spec with only the ``required`` pieces (special, lowest)."""
    vocab = spec["model"]["vocab"]
    template = json.loads(json.dumps(spec))
    template["model"]["vocab"] = []
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as db:
        db.execute("CREATE TABLE pieces (piece TEXT PRIMARY KEY, id INTEGER, score REAL) WITHOUT ROWID")
        db.executemany(
            "INSERT OR IGNORE INTO pieces VALUES (?, ?, ?)", ((vocab[i][0], i, vocab[i][1]) for i in covered)
        )
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        rows = [[i, vocab[i][0], vocab[i][1]] for i in required]
        longest = max(len(vocab[i][0]) for i in covered)
        meta = {
            "template": json.dumps(template, ensure_ascii=False),
            "required": json.dumps(rows),
            "longest": str(longest),
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.close()
    os.replace(tmp, path)


def _prompt_forms(prompts: list[str], pre_tokenizer: Any) -> list[str]:
    """The strings a prompt's pieces are matched in: the normalised prompt, and its pre-tokens (where
    the pre-tokenizer marks spaces, ▁) one by one and joined."""
    forms = list(prompts)
    if pre_tokenizer is not None:
        for p in prompts:
            pieces = [w for w, _ in pre_tokenizer.pre_tokenize_str(p)]
            forms += pieces + ["".join(pieces)]
    return forms


def _matches_without_latin(piece: str, forms: list[str]) -> bool:
    """Whether ``piece`` can occur in a text whose Latin letters all lie in its prompt.

    Such a piece has no Latin letter, lies within a form of a prompt (``_prompt_forms``), or starts at
    the end of one and goes on with no Latin letter. Keeping more pieces than can occur costs load
    time only; keeping fewer would change the ids.
    """
    if not _LATIN.search(piece):
        return True
    for p in forms:
        if piece in p:
            return True
        if any(p.endswith(piece[:k]) and not _LATIN.search(piece[k:]) for k in range(1, len(piece))):
            return True
    return False


def _write_tier(export_dir: Path, name: str, ids_name: str, spec: dict, keep: list[int]) -> None:
    tier = _subset_spec(spec, keep, spec["model"]["vocab"])
    _atomic_write(export_dir / ids_name, lambda f: np.save(f, np.asarray(keep, dtype=np.int64)))
    _atomic_write(export_dir / name, lambda f: f.write(json.dumps(tier, ensure_ascii=False).encode()))


def _subset_spec(spec: dict, keep: list[int], rows: Any) -> dict:
    """A copy of ``spec`` holding only the pieces ``keep`` (full ids; ``rows[id]`` is [piece, score]),
    renumbered in that order."""
    spec = json.loads(json.dumps(spec))  # a copy: each tier renumbers its own
    new_id = {old: new for new, old in enumerate(keep)}
    spec["model"]["vocab"] = [list(rows[i]) for i in keep]
    if spec["model"].get("unk_id") is not None:
        spec["model"]["unk_id"] = new_id[spec["model"]["unk_id"]]
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    _renumber_post_processor(spec.get("post_processor"), new_id)
    return spec


def _renumber_post_processor(node: Any, new_id: dict[int, int]) -> None:
    """Special tokens' ids in the template (``"special_tokens": {"<s>": {"ids": [0]}}``) follow the subset."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ids" and isinstance(value, list):
                node[key] = [new_id[i] for i in value]
            elif key in ("cls", "sep") and isinstance(value, list) and len(value) == 2:  # RobertaProcessing
                node[key] = [value[0], new_id[value[1]]]
            else:
                _renumber_post_processor(value, new_id)
    elif isinstance(node, list):
        for item in node:
            _renumber_post_processor(item, new_id)


def _atomic_write(path: Path, write: Callable[[Any], object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


class _OwnPieces:
    """Tokenizers of just the pieces that can occur in given pre-tokens, from the table ``PIECES_NAME``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        # Read from the table's meta rows when it is first opened.
        self._template: dict[str, Any] = {}
        self._required: dict[int, tuple[str, float]] = {}
        self._longest = 0

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(db.execute("SELECT key, value FROM meta"))
            self._template = json.loads(meta["template"])
            self._required = {i: (piece, score) for i, piece, score in json.loads(meta["required"])}
            self._longest = int(meta["longest"])
            self._db = db
        return self._db

    def tokenizer(self, pre_tokens: Iterable[str]) -> tuple[Any, np.ndarray]:
        """A tokenizer for texts with these pre-tokens, and the map from its ids to the full tokenizer's."""
        from tokenizers import Tokenizer

        db = self._open()
        found = sorted(
            {
                w[i:j]
                for w in pre_tokens
                for i in range(len(w))
                for j in range(i + 1, min(len(w), i + self._longest) + 1)
            }
        )
        rows = dict(self._required)
        for k in range(0, len(found), 500):  # SQLite's bound-parameter limit
            chunk = found[k : k + 500]
            query = f"SELECT piece, id, score FROM pieces WHERE piece IN ({','.join('?' * len(chunk))})"
            rows.update({i: (piece, score) for piece, i, score in db.execute(query, chunk)})
        keep = sorted(rows)
        return Tokenizer.from_str(json.dumps(_subset_spec(self._template, keep, rows))), np.asarray(
            keep, dtype=np.int64
        )


@dataclass
class _Tier:
    """One tokenizer: which normalised texts it serves, and how to load it."""

    accepts: Callable[[str], bool]
    path: Path
    ids_path: Path | None  # None: the full tokenizer (its ids are the model's)
    tokenizer: Any = None
    ids: np.ndarray | None = None


class SubsetTokenizer:
    """Token ids of the full tokenizer, computed with the smallest subset that accepts each text.

    Args:
        export_dir: The directory of the full tokenizer (and its subsets, if written).
        full_name: The full tokenizer's file name.
        configure: Applied to each loaded ``tokenizers.Tokenizer`` (truncation, special tokens).
    """

    def __init__(self, export_dir: Path, full_name: str, configure: Callable[[Any], None]) -> None:
        self._configure = configure
        self._lock = threading.Lock()
        self._tiers: list[_Tier] = []
        prompts_file = export_dir / CHINESE_PROMPTS_NAME
        if all((export_dir / n).is_file() for n in (CHINESE_NAME, CHINESE_IDS_NAME)) and prompts_file.is_file():
            prompts = json.loads(prompts_file.read_text(encoding="utf-8"))
            self._tiers.append(
                _Tier(partial_chinese(prompts), export_dir / CHINESE_NAME, export_dir / CHINESE_IDS_NAME)
            )
        self._covered: _Tier | None = None
        if (export_dir / SUBSET_NAME).is_file() and (export_dir / IDS_NAME).is_file():
            self._covered = _Tier(_covered, export_dir / SUBSET_NAME, export_dir / IDS_NAME)
            self._tiers.append(self._covered)
        self._tiers.append(_Tier(lambda _: True, export_dir / full_name, None))
        self._own = _OwnPieces(export_dir / PIECES_NAME) if (export_dir / PIECES_NAME).is_file() else None
        first = self._load(self._tiers[0])
        self._normalizer, self._pre_tokenizer = first.normalizer, first.pre_tokenizer

    @property
    def full_loaded(self) -> bool:
        """Whether a text has needed the full tokenizer yet (or there is no subset)."""
        return self._tiers[-1].tokenizer is not None

    def loaded(self) -> list[str]:
        """The file names of the tokenizers loaded so far."""
        return [t.path.name for t in self._tiers if t.tokenizer is not None]

    def _load(self, tier: _Tier) -> Any:
        with self._lock:
            if tier.tokenizer is None:
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(tier.path))
                self._configure(tok)
                tier.ids = np.load(tier.ids_path) if tier.ids_path else None
                tier.tokenizer = tok
            return tier.tokenizer

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """The full tokenizer's ids for each text.

        Args:
            texts: Texts as the model sees them (prompt in front, case already folded).

        Returns:
            One id list per text, special tokens included.
        """
        normalized = [self._normalizer.normalize_str(t) if self._normalizer else t for t in texts]
        tier_of = [next(k for k, tier in enumerate(self._tiers) if tier.accepts(n)) for n in normalized]
        out: list[list[int]] = [[] for _ in texts]
        for k, tier in enumerate(self._tiers):
            rows = [i for i, t in enumerate(tier_of) if t == k]
            if not rows:
                continue
            batch = [texts[i] for i in rows]
            if tier is self._covered and self._own_pieces_serve([normalized[i] for i in rows]):
                tok, ids = self._own.tokenizer(
                    w for i in rows for w, _ in self._pre_tokenizer.pre_tokenize_str(normalized[i])
                )
                self._configure(tok)
                encodings = tok.encode_batch(batch)
            else:
                encodings, ids = self._load(tier).encode_batch(batch), tier.ids
            for i, enc in zip(rows, encodings, strict=True):
                out[i] = ids[enc.ids].tolist() if ids is not None else enc.ids
        return out

    def _own_pieces_serve(self, normalized: list[str]) -> bool:
        """Whether a batch the Chinese/ASCII subset accepts is served by its own pieces instead: when
        the table is there, the subset is not loaded yet, the batch is short and pre-tokenizable."""
        return (
            self._own is not None
            and self._covered is not None
            and self._covered.tokenizer is None
            and self._pre_tokenizer is not None
            and sum(map(len, normalized)) <= OWN_PIECES_MAX_CHARS
        )


def _covered(normalized: str) -> bool:
    return _COVERED.fullmatch(normalized) is not None


def partial_chinese(prompts: list[str]) -> Callable[[str], bool]:
    """The test of the Chinese subset: a Chinese/ASCII text with no Latin letter after its prompt.

    Args:
        prompts: The normalised prompts the subset was written for.

    Returns:
        A test of a normalised text.
    """
    # longest first: "passage: " must not be read as the prompt "" followed by letters
    ordered = sorted(prompts, key=len, reverse=True)

    def accepts(normalized: str) -> bool:
        if not _covered(normalized):
            return False
        prompt = next((p for p in ordered if normalized.startswith(p)), None)
        return prompt is not None and not _LATIN.search(normalized[len(prompt) :])

    return accepts
