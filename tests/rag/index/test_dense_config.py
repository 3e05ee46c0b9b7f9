"""The index directory builds the configured dense engine and kind, through writes, reopening and repair."""

from __future__ import annotations

from rag.index.faiss import FaissIndex


def test_pipeline_switches_to_the_approximate_kind_and_stays_consistent(pipeline_factory, small_corpus) -> None:
    # A threshold of 1 vector makes the small corpus "large": the first ingest builds HNSW directly.
    pipe = pipeline_factory(index={"exact_max": 1, "approximate": "hnsw", "use_gpu": "never"})
    pipe.ingest([small_corpus])
    dense = pipe.index.snapshot.dense
    assert isinstance(dense, FaissIndex) and dense.kind == "hnsw"
    hits = pipe.retriever().search("昌都搬迁了多少人", 3, mode="dense")
    assert hits
    pipe.delete("changdu.txt")  # tombstoned in HNSW
    assert pipe.index.check() == []
    assert all(h.chunk.doc_id != "changdu.txt" for h in pipe.retriever().search("昌都搬迁", 10, mode="dense"))

    reopened = pipeline_factory(index={"exact_max": 1, "approximate": "hnsw", "use_gpu": "never"})
    assert reopened.index.snapshot.dense.kind == "hnsw" and reopened.index.check() == []
    assert reopened.repair() == len(reopened.index.snapshot.dense)


def test_changing_the_configured_kind_rebuilds_at_the_next_write(pipeline_factory, small_corpus, tmp_path) -> None:
    pipe = pipeline_factory(index={"use_gpu": "never"})
    pipe.ingest([small_corpus])
    assert pipe.index.snapshot.dense.kind == "flat"
    ivf = pipeline_factory(index={"kind": "ivf", "use_gpu": "never"})
    assert ivf.index.snapshot.dense.kind == "flat"  # opening changes nothing
    extra = tmp_path / "extra.txt"
    extra.write_text("日喀则市新建学校12所。", encoding="utf-8")
    ivf.ingest([extra])
    assert ivf.index.snapshot.dense.kind == "ivf" and ivf.index.check() == []
