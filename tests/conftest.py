"""Shared fixtures: a tiny embedding model built once per session, small corpora, pipelines."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from rag.config import REPO_ROOT, load_settings
from tests import tiny_models
from tests.tiny_models import build_tiny_sentence_transformer, cached_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CORPUS = REPO_ROOT / "data" / "corpus"
SMALL_DOCS = {
    "changdu.txt": "昌都市易地扶贫搬迁\n\n2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人。"
    "三岩片区跨市整体搬迁已搬迁7211人。\n",
    "lhasa.txt": "■ 拉萨市乡村振兴局\n\n到2020年，建档立卡人口人均纯收入从2015年的2982元增加到13741.44元，"
    "年均增长率达到35.74%。拉萨市累计投入产业项目资金10亿元。\n",
    "tibet_hant.txt": "西藏是全國唯一省級集中連片特困地區。西藏累計實現62.8萬貧困人口脫貧、74個貧困縣區全部摘帽。\n",
}


# Fixtures whose setup imports torch: transformers models built or run.
_TORCH_FIXTURES = frozenset({"tiny_embedder", "t5_dir", "gpt_dir"})


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark ``torch`` the tests that need torch through a fixture (others carry the mark themselves)."""
    if _TORCH_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.torch)


@pytest.fixture(scope="session")
def tiny_model_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny sentence-transformers model directory, this session's own copy of one built once per machine."""
    texts = list(SMALL_DOCS.values()) + [p.read_text(encoding="utf-8")[:20000] for p in sorted(CORPUS.glob("*.txt"))]
    return cached_model(
        tiny_model_cache(request.config),
        tmp_path_factory.mktemp("models") / "tiny-bert",
        lambda path: build_tiny_sentence_transformer(path, texts),
        Path(tiny_models.__file__),
        *texts,
    )


def tiny_model_cache(config: pytest.Config) -> Path | None:
    """Where tiny models are kept between runs: pytest's cache directory (None when its plugin is off)."""
    cache = getattr(config, "cache", None)
    return None if cache is None else Path(cache.mkdir("tiny-models"))


@pytest.fixture(scope="session")
def tiny_onnx_dir(
    request: pytest.FixtureRequest, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The tiny model with its ONNX export, as ``rag models install`` leaves a model (built once per machine).

    Pipelines, servers and CLI runs in the tests use it, so they run on the CPU default backend without
    importing torch; ``tiny_model_dir`` stays without the export for the sentence-transformers tests.
    """
    import embeddings.onnx_export
    import embeddings.tokenizer_subset

    def build(path: Path) -> None:
        shutil.copytree(tiny_model_dir, path)
        embeddings.onnx_export.export_onnx(path)

    weights = sorted(p for p in tiny_model_dir.rglob("*") if p.is_file())
    return cached_model(
        tiny_model_cache(request.config),
        tmp_path_factory.mktemp("onnx-models") / "tiny-bert",
        build,
        Path(embeddings.onnx_export.__file__),
        Path(embeddings.tokenizer_subset.__file__),
        *weights,
    )


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The tiny model behind the real sentence-transformers backend."""
    from embeddings.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(str(tiny_model_dir), tmp_path_factory.mktemp("unused"), device="cpu")


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Three small documents (simplified, with a section heading, and traditional)."""
    d = tmp_path / "corpus"
    d.mkdir()
    for name, text in SMALL_DOCS.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def settings_factory(tmp_path: Path, tiny_onnx_dir: Path):
    """Settings pointing at a temp home and the tiny model; pass nested overrides."""

    def make(**overrides):
        base = {
            "home": str(tmp_path / "home"),
            "index": {"dir": str(tmp_path / "home" / "index")},
            "embedder": {"model": str(tiny_onnx_dir), "query_prompt": "", "passage_prompt": ""},
        }
        for key, value in overrides.items():
            base[key] = value if not isinstance(value, dict) else {**base.get(key, {}), **value}
        return load_settings(None, base)

    return make


@pytest.fixture
def config_file(tmp_path: Path, tiny_onnx_dir: Path, small_corpus: Path) -> Path:
    """A YAML config for the tiny model over ``small_corpus`` in a temp home (for CLI-level tests)."""
    cfg = {
        "home": str(tmp_path / "home"),
        "corpus": str(small_corpus),
        "index": {"dir": str(tmp_path / "home" / "index")},
        "embedder": {"model": str(tiny_onnx_dir), "query_prompt": "", "passage_prompt": ""},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def pipeline_factory(settings_factory):
    """Pipelines over the tiny model in a temp home."""
    from rag.pipeline import Pipeline

    def make(**overrides):
        return Pipeline(settings_factory(**overrides))

    return make
