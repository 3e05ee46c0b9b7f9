"""The subsets of a Unigram tokenizer give the full tokenizer's ids, or defer to a wider one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

from embeddings.tokenizer_subset import (
    CHINESE_NAME,
    SUBSET_NAME,
    SubsetTokenizer,
    _matches_without_latin,
    write_subset,
)

_TRAIN = [
    "2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人。",
    "西藏累計實現62.8萬貧困人口脫貧、74個貧困縣區全部摘帽。",
    "How many people were relocated in Qamdo since 2016? About 99,000.",
    "Москва — столица России, население около 13 миллионов человек.",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "Café crème à Zürich, naïve façade.",
] * 20
_CHINESE_OR_ASCII = [
    "query: 昌都搬迁了多少人?",
    "query: 西藏累計實現多少貧困人口脫貧？",
    "query: how many people were relocated in qamdo?",
    "passage: 拉萨市的人均纯收入从2982元增加到13741.44元（年均增长35.74%）",
]
_OTHER_SCRIPTS = ["query: москва столица", "query: café in zürich 昌都"]
_CHINESE = [t for t in _CHINESE_OR_ASCII if "how many" not in t]


def _configure(tok: Tokenizer) -> None:
    tok.no_padding()
    tok.enable_truncation(max_length=64)


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    special = ["<s>", "<pad>", "</s>", "<unk>"]
    tok.train_from_iterator(_TRAIN, trainers.UnigramTrainer(vocab_size=300, special_tokens=special, unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))]
    )
    d = tmp_path_factory.mktemp("export")
    tok.save(str(d / "tokenizer.json"))
    assert write_subset(d, "tokenizer.json")
    return d


def _full(export_dir: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
    _configure(tok)
    return tok


def test_the_subset_drops_pieces_of_other_scripts(export_dir: Path) -> None:
    full = json.loads((export_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    subset = json.loads((export_dir / SUBSET_NAME).read_text(encoding="utf-8"))["model"]["vocab"]
    assert any("м" in piece for piece, _ in full)
    assert not any("м" in piece for piece, _ in subset)
    assert len(subset) < len(full)


def test_chinese_and_ascii_texts_get_the_full_ids_without_loading_it(export_dir: Path) -> None:
    ours = SubsetTokenizer(export_dir, "tokenizer.json", _configure)
    assert ours.encode_batch(_CHINESE_OR_ASCII) == [e.ids for e in _full(export_dir).encode_batch(_CHINESE_OR_ASCII)]
    assert not ours.full_loaded


def test_the_chinese_subset_keeps_only_the_prompts_letters(export_dir: Path) -> None:
    def pieces(name: str) -> set[str]:
        return {p for p, _ in json.loads((export_dir / name).read_text(encoding="utf-8"))["model"]["vocab"]}

    wide, narrow = pieces(SUBSET_NAME), pieces(CHINESE_NAME)
    special = {"<s>", "</s>", "<unk>", "<pad>"}

    def lettered(pieces: set[str]) -> set[str]:
        return {p for p in pieces - special if any(c.isascii() and c.isalpha() for c in p)}

    assert narrow < wide and lettered(wide - narrow)  # English pieces dropped
    assert lettered(narrow) and all(p in "▁query:▁" or p in "▁passage:▁" for p in lettered(narrow))


def test_chinese_texts_are_served_by_the_chinese_subset_alone(export_dir: Path) -> None:
    ours = SubsetTokenizer(export_dir, "tokenizer.json", _configure)
    assert ours.encode_batch(_CHINESE) == [e.ids for e in _full(export_dir).encode_batch(_CHINESE)]
    assert ours.loaded() == [CHINESE_NAME]


def test_letters_after_the_prompt_go_to_the_wider_subset(export_dir: Path) -> None:
    ours = SubsetTokenizer(export_dir, "tokenizer.json", _configure)
    texts = ["query: 昌都的GDP是多少?", "query: how many people were relocated in qamdo?", "昌都"]
    long = [t * 40 for t in texts]  # past OWN_PIECES_MAX_CHARS: the batch of an ingest
    assert ours.encode_batch(long) == [e.ids for e in _full(export_dir).encode_batch(long)]
    assert ours.loaded() == [CHINESE_NAME, SUBSET_NAME]


def test_a_short_lettered_batch_gets_the_full_ids_from_its_own_pieces(export_dir: Path) -> None:
    ours = SubsetTokenizer(export_dir, "tokenizer.json", _configure)
    texts = [
        "query: how many people were relocated in qamdo?",
        "query: 昌都的GDP是多少?",
        "query: xqzvw jjkk 9.9 ~~ {}",  # pieces the vocabulary lacks: the unknown-piece penalty decides
        "passage: About 99,000 people since 2016.",
    ]
    assert ours.encode_batch(texts) == [e.ids for e in _full(export_dir).encode_batch(texts)]
    assert ours.loaded() == [CHINESE_NAME]


@pytest.mark.parametrize(
    ("piece", "kept"),
    [("昌都", True), ("ry:", True), ("ry:▁昌", True), ("ry:▁x", False), ("many", False), ("▁que", True)],
)
def test_a_lettered_piece_is_kept_when_it_can_match_the_prompt(piece: str, kept: bool) -> None:
    assert _matches_without_latin(piece, ["▁query:▁"]) is kept


def test_other_scripts_go_to_the_full_tokenizer(export_dir: Path) -> None:
    ours = SubsetTokenizer(export_dir, "tokenizer.json", _configure)
    texts = _OTHER_SCRIPTS + _CHINESE_OR_ASCII[:1]
    assert ours.encode_batch(texts) == [e.ids for e in _full(export_dir).encode_batch(texts)]
    assert ours.full_loaded


def test_without_a_subset_the_full_tokenizer_serves(tmp_path: Path, export_dir: Path) -> None:
    (tmp_path / "tokenizer.json").write_bytes((export_dir / "tokenizer.json").read_bytes())
    ours = SubsetTokenizer(tmp_path, "tokenizer.json", _configure)
    assert ours.encode_batch(_CHINESE_OR_ASCII) == [e.ids for e in _full(export_dir).encode_batch(_CHINESE_OR_ASCII)]


def test_only_unigram_tokenizers_get_a_subset(tmp_path: Path) -> None:
    tok = Tokenizer(models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok.save(str(tmp_path / "tokenizer.json"))
    assert not write_subset(tmp_path, "tokenizer.json")
    assert not (tmp_path / SUBSET_NAME).exists()
