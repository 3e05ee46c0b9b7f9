"""The questions the learned models are fitted on, and the pipelines that answer them.

Both trainers (``eval.train_confidence``, ``eval.train_reranker``) read the same data:

- **public**: the public QA training articles (``TRAIN_SIZES`` of them: more than
  ``eval.public_eval --split train`` asks), indexed in a home directory of their own with no domain
  profile; the questions of the left-out articles are near-miss unanswerables;
- **default**: the default corpus's dev set and retired held-out sets (``eval/gold/heldout.jsonl``, the
  live held-out set, is never read), over the default index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.gold import GoldItem, load_gold
from rag.config import REPO_ROOT, load_settings
from rag.pipeline import Pipeline

if TYPE_CHECKING:
    from eval.public_data import PublicSplit

DEFAULT_SETS = (REPO_ROOT / "eval" / "gold" / "dev.jsonl", REPO_ROOT / "eval" / "gold" / "retired")
# Public training articles asked / distractors / left out (their questions: near-miss unanswerables).
TRAIN_SIZES = (240, 40, 80)
PROVENANCE = {
    "public-train": f"eval.public_data train articles, sizes {TRAIN_SIZES}: CMRC 2018 trial (CC BY-SA 4.0), "
    "DRCD test (CC BY-SA 3.0)",
    "default-dev": "eval/gold/dev.jsonl and eval/gold/retired/*.jsonl over data/corpus",
}


def default_corpus_files(sets: Sequence[Path] = DEFAULT_SETS) -> list[Path]:
    """The gold files of ``sets`` (files, or folders of ``*.jsonl``): by default the dev set and the retired
    held-out sets of the default corpus."""
    return [p for s in sets for p in ([s] if s.is_file() else sorted(s.glob("*.jsonl")))]


def default_corpus_items(sets: Sequence[Path] = DEFAULT_SETS) -> list[GoldItem]:
    """The questions of ``default_corpus_files(sets)``."""
    return [item for f in default_corpus_files(sets) for item in load_gold(f)]


def public_training(overrides: dict[str, Any] | None = None) -> tuple[Pipeline, list[GoldItem]]:
    """The public training articles' pipeline (their own index, built or brought up to date) and questions.

    Args:
        overrides: Config overrides on top of the defaults (the profile is always none).
    """
    from eval.public_eval import split_pipeline

    split = replace(public_training_split(), name="train-confidence")
    return split_pipeline(load_settings(None, {**(overrides or {}), "profile": ""}), split), split.items


def public_training_split() -> PublicSplit:
    """The public training articles (``TRAIN_SIZES``) and their questions, as the trainers read them."""
    from eval.public_data import build_split, load_articles

    return build_split("train", load_articles(), sizes=TRAIN_SIZES)


def default_training(
    overrides: dict[str, Any] | None = None, sets: Sequence[Path] = DEFAULT_SETS
) -> tuple[Pipeline, list[GoldItem]]:
    """The default corpus's pipeline and the questions of its gold ``sets`` (``default_corpus_items``)."""
    return Pipeline.from_config(None, overrides), default_corpus_items(sets)
