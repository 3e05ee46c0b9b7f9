"""Romanised place names → Chinese: domain lexicon for the Tibet corpus.

CC-CEDICT glosses already name most of these (昌都: "Kham or Chamdo … Qamdo or Changdu"), but spread over
long glosses with other words, and some common spellings are missing (Lhokha for 山南, Nagqu, Xigaze
alone). English reports use several romanisations of each prefecture (Tibetan, Wylie-like, pinyin), so
every common one is listed. Keys are lower case; multi-word keys are matched as phrases. Keep this table
to place and body names of the region: general words belong to the dictionary.
"""

from __future__ import annotations

PLACE_NAMES: dict[str, str] = {
    # The seven prefecture-level divisions of the Tibet Autonomous Region.
    "lhasa": "拉萨",
    "chamdo": "昌都",
    "qamdo": "昌都",
    "changdu": "昌都",
    "shigatse": "日喀则",
    "xigaze": "日喀则",
    "rikaze": "日喀则",
    "nyingchi": "林芝",
    "linzhi": "林芝",
    "lhokha": "山南",
    "lhoka": "山南",
    "shannan": "山南",
    "nagqu": "那曲",
    "nagchu": "那曲",
    "naqu": "那曲",
    "ngari": "阿里",
    # The region itself.
    "tibet": "西藏",
    "tibetan": "西藏",
    "xizang": "西藏",
    "tibet autonomous region": "西藏自治区",
}
