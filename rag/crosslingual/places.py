"""Romanised place names → Chinese, from the active domain profile (``rag.profile``).

The names live in the profile's YAML (``rag/profiles/tibet.yaml`` for the default corpus), not in code.
They are added to CC-CEDICT's entries by ``lexicon.build``; the dictionary's own entries are never removed.
"""

from __future__ import annotations

from rag.profile import active_profile


def place_names() -> dict[str, str]:
    """Lower-case romanised name → Chinese, of the active profile (empty for the empty profile)."""
    return dict(active_profile().place_names)
