"""Domain profiles: corpus-specific knowledge (place names, genre units) kept in data files.

A profile is a YAML file (``rag/profiles/<name>.yaml`` or a path) selected by ``profile:`` in the config;
``""`` is the empty profile, with which the engine works on any corpus. The active profile is process-wide
(the dictionary built from it is shared): ``use_profile`` sets it, the configured default until then.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from rag.errors import InputError

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "tibet"


@dataclass(frozen=True)
class Profile:
    """Attributes:
    name: The profile's name ('' for the empty one).
    place_names: Lower-case romanised name → Chinese.
    unit_hints: (regex over the folded question, unit) pairs a quantity question may name.
    heads: English "which <noun>" stem → the Chinese head noun of the answer.
    """

    name: str = ""
    place_names: dict[str, str] = field(default_factory=dict)
    unit_hints: tuple[tuple[re.Pattern[str], str], ...] = ()
    heads: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=8)
def load_profile(ref: str) -> Profile:
    """The profile named ``ref`` (a name under ``rag/profiles`` or a YAML path; '' is the empty profile)."""
    if not ref:
        return Profile()
    path = Path(ref) if ref.endswith((".yaml", ".yml")) else PROFILE_DIR / f"{ref}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the profile {ref}: {exc}") from exc
    return Profile(
        str(data.get("name", ref)),
        {str(k).lower(): str(v) for k, v in (data.get("place_names") or {}).items()},
        tuple((re.compile(rx, re.IGNORECASE), str(unit)) for rx, unit in data.get("unit_hints") or []),
        {str(k): str(v) for k, v in (data.get("heads") or {}).items()},
    )


_active = DEFAULT_PROFILE
_lock = threading.Lock()


def use_profile(ref: str) -> None:
    """Make ``ref`` the process's profile (loaded and checked now)."""
    global _active
    load_profile(ref)
    with _lock:
        _active = ref


def active_profile() -> Profile:
    """The process's profile."""
    return load_profile(_active)
