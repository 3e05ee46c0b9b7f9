"""A fast-loading tokenizer for the scripts this system serves, exact for the texts it accepts.

Loading a multilingual Unigram tokenizer (e5: 250,002 pieces) takes about a second, most of a cold
``ask``. A question is Chinese or English, so it can only be split into pieces made of Chinese, ASCII
and their punctuation: Unigram segmentation chooses among the pieces that occur in the (normalised)
text, so dropping every piece that holds another character changes nothing for such a text. The subset
(≈ 100,000 pieces) is written once beside the full tokenizer (``rag models install``) with the map from
its ids back to the full tokenizer's; a text with any other character, after normalisation, goes to the
full tokenizer, loaded then.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SUBSET_NAME = "tokenizer.subset.json"
IDS_NAME = "tokenizer.subset.ids.npy"
# Chinese (CJK ideographs, their punctuation and full-width forms), ASCII, and SentencePiece's ▁.
_RANGES = "\u0000-\u007f\u2581\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_COVERED = re.compile(f"[{_RANGES}]*")


def write_subset(export_dir: Path, full_name: str) -> bool:
    """Write the subset of ``export_dir/full_name`` and its id map, unless present or not a Unigram model.

    Args:
        export_dir: The directory holding the full ``tokenizer.json``.
        full_name: Its file name.

    Returns:
        True if a subset is there afterwards.
    """
    full = export_dir / full_name
    if (export_dir / SUBSET_NAME).is_file() and (export_dir / IDS_NAME).is_file():
        return True
    spec = json.loads(full.read_text(encoding="utf-8"))
    if spec["model"].get("type") != "Unigram":
        return False
    vocab = spec["model"]["vocab"]
    special = {t["id"] for t in spec.get("added_tokens", [])} | {spec["model"].get("unk_id")}
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])  # Unigram's unknown-piece penalty uses it
    keep = [i for i, (piece, _) in enumerate(vocab) if i in special or i == lowest or _COVERED.fullmatch(piece)]
    new_id = {old: new for new, old in enumerate(keep)}
    spec["model"]["vocab"] = [vocab[i] for i in keep]
    if spec["model"].get("unk_id") is not None:
        spec["model"]["unk_id"] = new_id[spec["model"]["unk_id"]]
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    _renumber_post_processor(spec.get("post_processor"), new_id)
    _atomic_write(export_dir / IDS_NAME, lambda f: np.save(f, np.asarray(keep, dtype=np.int64)))
    _atomic_write(export_dir / SUBSET_NAME, lambda f: f.write(json.dumps(spec, ensure_ascii=False).encode()))
    return True


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


class SubsetTokenizer:
    """Token ids of the full tokenizer, computed with the subset whenever the text allows.

    Args:
        export_dir: The directory of the full tokenizer (and its subset, if written).
        full_name: The full tokenizer's file name.
        configure: Applied to each loaded ``tokenizers.Tokenizer`` (truncation, special tokens).
    """

    def __init__(self, export_dir: Path, full_name: str, configure: Callable[[Any], None]) -> None:
        from tokenizers import Tokenizer

        self._full_path = export_dir / full_name
        self._configure = configure
        self._full: Any = None
        self._lock = threading.Lock()
        self._subset: Any = None
        self._ids: np.ndarray | None = None
        if (export_dir / SUBSET_NAME).is_file() and (export_dir / IDS_NAME).is_file():
            self._subset = Tokenizer.from_file(str(export_dir / SUBSET_NAME))
            self._ids = np.load(export_dir / IDS_NAME)
            configure(self._subset)
        else:
            self.full()

    @property
    def full_loaded(self) -> bool:
        """Whether a text has needed the full tokenizer yet (or there is no subset)."""
        return self._full is not None

    def full(self) -> Any:
        """The full tokenizer, loaded on first need."""
        with self._lock:
            if self._full is None:
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(self._full_path))
                self._configure(tok)
                self._full = tok
            return self._full

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """The full tokenizer's ids for each text.

        Args:
            texts: Texts as the model sees them (prompt in front, case already folded).

        Returns:
            One id list per text, special tokens included.
        """
        if self._subset is None:
            return [e.ids for e in self.full().encode_batch(texts)]
        normalizer = self._subset.normalizer
        covered = [_COVERED.fullmatch(normalizer.normalize_str(t) if normalizer else t) is not None for t in texts]
        out: list[list[int]] = [[] for _ in texts]
        inside = [i for i, ok in enumerate(covered) if ok]
        outside = [i for i, ok in enumerate(covered) if not ok]
        if inside:
            for i, enc in zip(inside, self._subset.encode_batch([texts[i] for i in inside]), strict=True):
                out[i] = self._ids[enc.ids].tolist()
        if outside:
            for i, enc in zip(outside, self.full().encode_batch([texts[i] for i in outside]), strict=True):
                out[i] = enc.ids
        return out
