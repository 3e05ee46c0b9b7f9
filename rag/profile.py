"""Domain profiles: what is true of one corpus, not of Chinese (place-name romanisations, genre units).

A profile is a YAML file named by ``profile:`` in the config: a name under ``rag/profiles`` (``tibet``, the
default corpus's) or the path of a ``.yaml`` file; ``""`` (or ``none``) is the empty profile, with which the
engine works on any corpus: CC-CEDICT alone renders English words and names, and only the general units and
head nouns of ``rag.answer.qtype`` are known. The pipeline loads the configured profile once and hands it to
the retriever (its place names join the dictionary, ``rag.crosslingual.lexicon.with_places``) and the
answerer (``qtype.classify`` reads its units and head nouns).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rag.config import ConfigError

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
_NONE = ("", "none")


class UnitHint(BaseModel):
    """A unit a quantity question may name: ``pattern`` (over the folded question) asks for ``unit``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: re.Pattern[str]
    unit: str = Field(min_length=1)


class Profile(BaseModel):
    """One corpus's domain knowledge.

    Attributes:
        name: What the profile is called ('' for the empty one).
        place_names: Lower-case romanised place name (one word or a phrase) → Chinese, added to the
            dictionary's own entries (``Chamdo``, ``Qamdo`` → 昌都).
        unit_hints: The genre's units a quantity question may name (多少户 → 户), tried before the general ones.
        heads: English "which <noun>" (singular, lower case) → the Chinese head noun of the answer
            (a Tibetan prefecture is a 市), beside the general ones.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    place_names: dict[str, str] = Field(default_factory=dict)
    unit_hints: tuple[UnitHint, ...] = ()
    heads: dict[str, str] = Field(default_factory=dict)

    @field_validator("place_names", "heads")
    @classmethod
    def _lower_case_keys(cls, table: dict[str, str]) -> dict[str, str]:
        out = {" ".join(str(k).lower().split()): str(v).strip() for k, v in table.items()}
        if any(not k or not v for k, v in out.items()):
            raise ValueError("keys and values must not be empty")
        return out


EMPTY = Profile()


def profile_path(ref: str) -> Path | None:
    """The file a ``profile:`` setting names (None for the empty profile)."""
    ref = ref.strip()
    if ref.lower() in _NONE:
        return None
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        return Path(ref).expanduser()
    return PROFILE_DIR / f"{ref}.yaml"


@lru_cache(maxsize=8)
def load_profile(ref: str) -> Profile:
    """Load and check the profile a ``profile:`` setting names.

    Args:
        ref: A name under ``rag/profiles``, a YAML path, or ''/'none' for the empty profile.

    Returns:
        The validated profile.

    Raises:
        ConfigError: The file is missing, not YAML, or holds an unknown key or a bad value.

    Example:
        >>> load_profile("") == EMPTY, load_profile("tibet").place_names["qamdo"]
        (True, '昌都')
    """
    path = profile_path(ref)
    if path is None:
        return EMPTY
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yaml")))
        raise ConfigError(f"profile not found: {ref} (built in: {known}; or a .yaml path; '' for none)") from exc
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"profile {path} is not readable YAML: {exc}") from exc
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"profile {path} must hold a mapping at the top level")
    try:
        return Profile.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"invalid profile {path}: {where}: {first['msg']}") from exc
