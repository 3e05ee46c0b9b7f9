"""The pipeline façade on the tiny model: ask, cite, abstain, stream, follow up."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import InputError, NotFoundError
from rag.types import Answer


@pytest.fixture
def pipe(pipeline_factory, small_corpus: Path):
    p = pipeline_factory(corpus=str(small_corpus))
    p.ensure_index()
    return p


def test_ask_cites_exact_spans(pipe, small_corpus: Path) -> None:
    answer, hits = pipe.ask("昌都易地扶贫搬迁涉及多少建档立卡贫困人口?")
    assert not answer.abstained
    assert "9.9万" in answer.text
    assert answer.citations
    for c in answer.citations:
        assert (small_corpus / c.doc_id).read_text(encoding="utf-8")[c.start : c.end] == c.quote
        assert f"[{c.n}]" in answer.text
    assert any("9.9万" in c.quote for c in answer.citations)
    assert {"embed", "dense", "bm25", "fuse", "answer"} <= set(answer.timings)


def test_traditional_question_is_answered_with_the_source_quoted_as_written(pipe) -> None:
    answer, _ = pipe.ask("拉薩建檔立卡人口2020年人均純收入有多少?")
    assert "13741.44" in answer.text
    # only the system's words are converted (tests/rag/answer/test_assembly.py): the simplified source stays so
    assert answer.citations[0].quote.rstrip("。") in answer.text


def test_a_question_the_documents_do_not_answer_abstains(pipe) -> None:
    answer, _ = pipe.ask("那曲2021年的旅游收入是多少?")
    assert answer.abstained
    assert answer.citations == []
    assert "没有" in answer.text


def test_follow_up_uses_history(pipe) -> None:
    history = [{"role": "user", "content": "昌都搬迁了多少人?"}]
    answer, _ = pipe.ask("那拉萨呢?", history=history)
    assert answer.question == "拉萨搬迁了多少人?"


def test_stream_yields_pieces_then_the_answer(pipe) -> None:
    pieces = list(pipe.ask_stream("昌都搬迁了多少人?"))
    assert isinstance(pieces[-1], Answer)
    assert "".join(p for p in pieces[:-1]) == pieces[-1].text


def test_bad_question_and_unknown_document(pipe) -> None:
    with pytest.raises(InputError):
        pipe.ask("   ")
    with pytest.raises(NotFoundError):
        pipe.delete("nope.txt")


def test_upload_then_delete(pipe) -> None:
    before = pipe.index.store.counts()
    report = pipe.ingest_bytes("那曲新建学校12所。".encode(), "../../etc/nagqu.txt")
    assert report.added == ["nagqu.txt"]
    assert pipe.index.store.counts()["documents"] == before["documents"] + 1
    pipe.delete("nagqu.txt")
    assert pipe.index.store.counts() == before


def test_the_pipeline_answers_heading_questions_for_the_whole_index(pipeline_factory, small_corpus) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    pipe.ingest([small_corpus])
    assert pipe.in_headings("拉萨市乡村振兴局") and pipe.in_headings("昌都")  # a heading, a title
    assert not pipe.in_headings("9.9万人")  # body text is not a heading
    pipe.ingest_bytes("那曲市乡村振兴局\n\n那曲完成搬迁。\n".encode(), "naqu.txt")
    assert pipe.in_headings("那曲")  # gathered again after a write


def test_info_check_and_counts_go_through_the_pipeline(pipeline_factory, small_corpus) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    with pytest.raises(NotFoundError, match="no index"):
        pipe.info()
    assert pipe.check() and "no index" in pipe.check()[0]
    pipe.ingest([small_corpus])
    assert pipe.info()["counts"] == pipe.counts() and pipe.counts()["documents"] == 3
    assert pipe.check() == []


def test_check_reports_a_damaged_index_and_leaves_it_alone(pipeline_factory, small_corpus) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    pipe.ingest([small_corpus])
    dense = pipe.settings.index_dir / "dense.faiss"
    dense.write_bytes(b"broken")
    problems = pipeline_factory(corpus=str(small_corpus)).check()
    assert problems and "damaged" in problems[0]
    assert dense.read_bytes() == b"broken"  # reported, not repaired


def test_warm_up_goes_through_retrieval_and_the_extractive_answerer_only(
    pipeline_factory, small_corpus, monkeypatch
) -> None:
    def no_model(*args, **kwargs):
        raise AssertionError("warm-up built the configured (generative) answerer")

    monkeypatch.setattr("rag.answer.factory.make_answerer", no_model)
    pipe = pipeline_factory(corpus=str(small_corpus), answerer={"backend": "llamacpp"})
    pipe.ensure_index()
    pipe.warm_up(["昌都搬迁了多少人?", "How many people were relocated?"])
    assert not pipe.answerer_loaded
    monkeypatch.undo()
    extractive = pipeline_factory(corpus=str(small_corpus))
    extractive.ensure_index()
    extractive.warm_up(["昌都搬迁了多少人?"])
    assert extractive.answerer_loaded  # the extractive answerer is the configured one: loaded while warming up
