"""The public-data evaluation: the split's own index, the harness's scores plus headline EM/F1, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from eval.gold import GoldItem, load_gold
from eval.public_data import build_split, load_articles
from eval.public_eval import add_headline_scores, index_dir, main, run, split_pipeline
from rag.config import load_settings

DATA = Path(__file__).parent / "data" / "qa-public"
TINY = (2, 2, 2)


def consoles() -> tuple[Console, Console]:
    return Console(record=True, width=200), Console(record=True, width=200, stderr=True)


@pytest.fixture
def split():
    return build_split("dev", load_articles(DATA), TINY)


def test_a_run_scores_the_split_over_its_own_index(settings_factory, split, tmp_path: Path) -> None:
    settings = settings_factory(profile="")
    out, err = consoles()
    report = run(split, settings, tmp_path / "out", out=out, err=err)
    assert report["corpus"]["documents"] == len(split.documents)
    assert Path(report["corpus"]["directory"]) == index_dir(settings, "dev")
    assert index_dir(settings, "dev").parent == settings.home_dir / "public"
    written = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert written["overall"]["n"] == len(split.items)
    for lang in ("zh-Hans", "zh-Hant"):
        assert 0.0 <= written["lang"][lang]["headline_f1"] <= 1.0
        assert 0.0 <= written["lang"][lang]["headline_em"] <= written["lang"][lang]["headline_f1"]
    assert "headline_f1" not in written["type"]["unanswerable"]
    rows = (tmp_path / "out" / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["id"] for r in rows] == [i.id for i in split.items]
    assert load_gold(tmp_path / "out" / "gold.jsonl") == split.items
    assert "Headline" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "head F1" in out.export_text()


def test_the_index_is_reused_and_follows_a_changed_document(settings_factory, split) -> None:
    settings = settings_factory(profile="")
    _, err = consoles()
    first = split_pipeline(settings, split, err)
    assert "added" in err.export_text()
    generation = first.index.generation
    _, err = consoles()
    again = split_pipeline(settings, split, err)
    assert err.export_text() == "" and again.index.generation == generation
    doc = split.documents[0]
    changed = replace(split, documents=[replace(doc, text=doc.text + "\n\n补充一段。"), *split.documents[1:]])
    _, err = consoles()
    assert split_pipeline(settings, changed, err).counts()["documents"] == len(split.documents)
    assert "1 updated" in err.export_text()


def test_the_index_directory_is_named_by_the_settings_that_shape_it(tmp_path: Path) -> None:
    base = load_settings(None, {"home": str(tmp_path)})
    assert index_dir(base, "dev") == index_dir(load_settings(None, {"home": str(tmp_path)}), "dev")
    assert index_dir(base, "dev") != index_dir(base, "train")
    rechunked = load_settings(None, {"home": str(tmp_path), "chunker": {"size": 300}})
    assert index_dir(base, "dev") != index_dir(rechunked, "dev")
    # The answerer does not shape the index.
    other = load_settings(None, {"home": str(tmp_path), "answerer": {"backend": "hybrid"}})
    assert index_dir(base, "dev") == index_dir(other, "dev")


def test_headline_scores_are_added_per_item_and_per_group() -> None:
    items = [
        GoldItem("a", "白鹭书院由谁创办？", "zh-Hans", "entity", ["周延年"]),
        GoldItem("b", "霧峰天文台成立於哪一年?", "zh-Hant", "entity", ["1979年"]),
        GoldItem("c", "星野号的排水量是多少？", "zh-Hans", "unanswerable", []),
    ]
    predictions = [
        {"answer": "周延年[1]。原文：由知州周延年创办[1]。", "abstained": False},
        {"answer": "文件中沒有找到這個問題的答案。", "abstained": True},
        {"answer": "文件中没有找到这个问题的答案。", "abstained": True},
    ]
    metrics = {
        "overall": {},
        "lang": {"zh-Hans": {}, "zh-Hant": {}},
        "type": {"entity": {}, "unanswerable": {}},
        "items": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    }
    add_headline_scores(items, predictions, metrics)
    assert metrics["overall"] == {"headline_em": 0.5, "headline_f1": 0.5}
    assert metrics["lang"]["zh-Hans"]["headline_em"] == 1.0 and metrics["lang"]["zh-Hant"]["headline_f1"] == 0.0
    assert metrics["type"]["unanswerable"] == {}
    assert [sorted(r) for r in metrics["items"]] == [["headline_em", "headline_f1", "id"]] * 2 + [["id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--limit", "0"], "--limit must be at least 1"), (["--answerer", "nonesuch"], "answerer")],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path, capsys) -> None:
    code = main(["--data", str(DATA), "--out", str(tmp_path / "out"), *args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert not (tmp_path / "out").exists()
