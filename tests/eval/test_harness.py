"""The eval harness end to end on the tiny model and a tiny gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from eval.gold import load_gold
from eval.harness import run_cli
from eval.thresholds import check, load_thresholds
from rag.errors import InputError

GOLD = [
    {
        "id": "q1",
        "question": "昌都搬迁了多少人?",
        "lang": "zh-Hans",
        "type": "numeric",
        "answers": ["9.9万人"],
        "evidence": [{"doc": "changdu.txt", "quote": "涉及建档立卡贫困人口9.9万人"}],
    },
    {
        "id": "q2",
        "question": "拉薩建檔立卡人口2020年人均純收入有多少?",
        "lang": "zh-Hant",
        "type": "numeric",
        "answers": ["13741.44元"],
        "evidence": [{"doc": "lhasa.txt", "quote": "增加到13741.44元"}],
    },
    {"id": "q3", "question": "那曲2020年GDP是多少?", "lang": "zh-Hans", "type": "unanswerable", "answers": []},
]


@pytest.fixture
def setup(tmp_path: Path, config_file: Path) -> tuple[Path, Path]:
    config = config_file
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD), encoding="utf-8")
    return config, gold


def consoles() -> tuple[Console, Console]:
    return Console(record=True, width=200), Console(record=True, width=200, stderr=True)


def test_writes_predictions_metrics_and_report(setup, tmp_path: Path, small_corpus: Path) -> None:
    config, gold = setup
    out, err = consoles()
    code = run_cli(gold, tmp_path / "out", config, None, True, None, out, err)
    assert code == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    for r in rows:
        assert {"id", "question", "answer", "abstained", "citations", "retrieved", "timings"} <= set(r)
        assert len(r["retrieved"]) <= 10
        for c in r["citations"] + r["retrieved"]:
            text = (small_corpus / c["source"]).read_text(encoding="utf-8")
            assert text[c["start"] : c["end"]] == c.get("quote", c.get("text"))
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert set(metrics["lang"]) == {"zh-Hans", "zh-Hant"}
    assert set(metrics["type"]) == {"numeric", "unanswerable"}
    assert set(metrics["baselines"]) == {"bm25", "dense"}
    assert metrics["overall"]["quote_exactness"] == 1.0
    assert (tmp_path / "out" / "predictions_bm25.jsonl").exists()
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| lang zh-Hant |" in report and "Baselines" in report
    assert (tmp_path / "out" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gate_fails_below_a_floor_and_passes_above(setup, tmp_path: Path) -> None:
    config, gold = setup
    floors = tmp_path / "floors.yaml"
    floors.write_text("overall:\n  quote_exactness: 1.0\n  recall@5: 1.01\n", encoding="utf-8")
    out, err = consoles()
    assert run_cli(gold, tmp_path / "out", config, None, False, floors, out, err) == 1
    assert "overall.recall@5" in err.export_text()
    floors.write_text("overall:\n  quote_exactness: 1.0\n", encoding="utf-8")
    assert run_cli(gold, tmp_path / "out2", config, None, False, floors, *consoles()) == 0


def test_malformed_gold_is_reported_by_line_and_nothing_runs(setup, tmp_path: Path) -> None:
    config, gold = setup
    lines = gold.read_text(encoding="utf-8").splitlines()
    lines.insert(1, '{"id": "x", "question": "", "lang": "zh-Hans", "type": "numeric"}')
    gold.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"gold.jsonl:2: field 'question'"):
        run_cli(gold, tmp_path / "out", config, None, False, None, *consoles())
    assert not (tmp_path / "out").exists()


def test_evidence_outside_the_index_is_a_harness_error(setup, tmp_path: Path) -> None:
    config, gold = setup
    gold.write_text(gold.read_text(encoding="utf-8").replace("changdu.txt", "missing.txt"), encoding="utf-8")
    with pytest.raises(InputError, match="missing.txt"):
        run_cli(gold, tmp_path / "out", config, None, False, None, *consoles())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"id": "a", "question": "q", "lang": "fr", "type": "numeric", "answers": ["1"]}', "lang 'fr'"),
        ('{"id": "a", "question": "q", "lang": "en", "type": "numeric", "answers": []}', "at least one answer"),
        (
            '{"id": "a", "question": "q", "lang": "en", "type": "list", "answers": ["1"], "answer_mode": "x"}',
            "answer_mode",
        ),
    ],
)
def test_gold_validation_messages(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_gold(path)


def test_the_shipped_dev_set_and_thresholds_are_valid() -> None:
    root = Path(__file__).resolve().parents[2]
    items = load_gold(root / "eval" / "gold" / "dev.jsonl")
    assert len(items) == 61 and len({i.id for i in items}) == 61
    floors = load_thresholds(root / "eval" / "thresholds.yaml")
    assert floors["overall.quote_exactness"] == 1.0


def test_check_reports_missing_metrics_as_failures() -> None:
    results = check({"lang": {"en": {"recall@5": 0.4}}}, {"lang.en.recall@5": 0.5, "lang.xx.recall@5": 0.1})
    assert [(c.ok, c.value) for c in results] == [(False, 0.4), (False, None)]


def test_an_index_dir_given_is_built_and_scored_instead_of_the_configured_one(setup, tmp_path: Path) -> None:
    config, gold = setup
    configured = tmp_path / "home" / "index"  # config_file's index.dir
    own = tmp_path / "eval-index"
    assert run_cli(gold, tmp_path / "out", config, None, False, None, *consoles(), index_dir=own) == 0
    assert (own / "store.sqlite").is_file()
    assert not (configured / "store.sqlite").exists()


def test_a_subset_runs_by_ids_and_limit_with_answer_figures_per_group(setup, tmp_path: Path) -> None:
    config, gold = setup
    out = tmp_path / "out"
    assert run_cli(gold, out, config, None, False, None, *consoles(), ids=["q3", "q1"], threads=3) == 0
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q3"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_threads"] == 3 and set(metrics["lang"]) == {"zh-Hans"}
    for group in (metrics["overall"], metrics["type"]["numeric"], metrics["type"]["unanswerable"]):
        assert group["ungrounded_figures"] == 0 and group["answer_p50_s"] <= group["answer_p95_s"]
    assert "answer p95 s" in (out / "report.md").read_text()
    assert run_cli(gold, tmp_path / "out2", config, None, False, None, *consoles(), limit=1) == 0
    assert len((tmp_path / "out2" / "predictions.jsonl").read_text().splitlines()) == 1
    with pytest.raises(InputError, match="no item q9"):
        run_cli(gold, tmp_path / "out3", config, None, False, None, *consoles(), ids=["q9"])
