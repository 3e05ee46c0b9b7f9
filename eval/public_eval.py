"""Evaluate the real pipeline on the public-data examples (``eval.public_data``).

Retrieval runs over the split's own corpus, indexed in a directory of its own under
``$RAG_HOME/public/<split>`` (re-used while the corpus is unchanged), so the measured code path is the
one ``rag ask`` takes. Besides the gold harness's figures (containment accuracy, Recall@5, abstention on
the near-miss unanswerables, false abstention), it reports CMRC-style exact match and character F1 of the
answer's headline (its first sentence) against the gold spans.

Usage: ``python -m eval.public_eval --split dev [--out out/public_dev]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from eval.gold import GoldItem
from eval.harness import evaluate
from eval.metrics import char_f1, exact_match, first_sentence, mean
from eval.public_data import PublicSplit, build_split
from rag.config import expand_path
from rag.pipeline import Pipeline


def split_pipeline(split: PublicSplit, overrides: dict | None = None) -> Pipeline:
    """A pipeline whose index holds exactly the split's corpus (built on first use)."""
    key = hashlib.sha1("\n".join(sorted(d.doc_id + str(len(d.text)) for d in split.documents)).encode()).hexdigest()
    directory = expand_path("${RAG_HOME}") / "public" / f"{split.name}-{key[:10]}"
    over = {"index": {"dir": str(directory)}} | (overrides or {})
    pipeline = Pipeline.from_config(None, over)
    if not pipeline.index.store.has_documents():
        pipeline.index.ingest(split.documents)
    return pipeline


def headline_scores(items: list[GoldItem], predictions: list[dict[str, Any]]) -> dict[str, float | None]:
    """Exact match and character F1 of each answered item's first sentence (abstaining scores 0)."""
    em, f1 = [], []
    for item, pred in zip(items, predictions, strict=True):
        if not item.answerable:
            continue
        head = "" if pred["abstained"] else first_sentence(pred["answer"]).rstrip("。.")
        head = head.split("原文：")[0]
        em.append(exact_match(head, item.answers) if head else 0.0)
        f1.append(char_f1(head, item.answers) if head else 0.0)
    return {"headline_em": mean(em), "headline_f1": mean(f1)}


def _row(name: str, m: dict[str, Any]) -> str:
    keys = (
        "n",
        "answer_accuracy",
        "headline_em",
        "headline_f1",
        "recall@1",
        "recall@5",
        "abstention_recall",
        "false_abstention_rate",
        "citation_precision",
    )
    cells = [f"{m.get(k):.3f}" if isinstance(m.get(k), float) else str(m.get(k)) for k in keys]
    return f"| {name} | " + " | ".join(cells) + " |"


def run(split_name: str, out_dir: Path | None = None) -> dict[str, Any]:
    """Evaluate one split; prints a markdown table and returns the metrics."""
    split = build_split(split_name)
    pipeline = split_pipeline(split)
    predictions, metrics = evaluate(pipeline, split.items, ["hybrid"])
    preds, m = predictions["hybrid"], metrics["hybrid"]
    m["overall"] |= headline_scores(split.items, preds)
    for lang in m["lang"]:
        pairs = [(i, p) for i, p in zip(split.items, preds, strict=True) if i.lang == lang]
        m["lang"][lang] |= headline_scores([i for i, _ in pairs], [p for _, p in pairs])
    print("| group | n | acc | head EM | head F1 | R@1 | R@5 | abst.rec | false abst | cit.prec |")
    print("| --- " * 10 + "|")
    print(_row("overall", m["overall"]))
    for lang, values in sorted(m["lang"].items()):
        print(_row(lang, values))
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "predictions.jsonl").write_text(
            "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds), encoding="utf-8"
        )
        (out_dir / "metrics.json").write_text(json.dumps(m, ensure_ascii=False, indent=1), encoding="utf-8")
    return m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "train"], default="dev")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    run(args.split, args.out)


if __name__ == "__main__":
    main()
