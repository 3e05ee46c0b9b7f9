"""Readers answering while a writer ingests, updates and deletes: no exception, no torn read."""

from __future__ import annotations

import threading
from pathlib import Path

from rag.chunking import Chunker
from rag.types import Document

EXTRA = {
    f"extra{i}.txt": f"■ 那曲市乡村振兴局\n\n那曲第{i}批新建学校{i + 10}所，惠及学生{i * 100 + 7}人。\n"
    for i in range(4)
}
VERSIONS = [
    "■ 林芝市乡村振兴局\n\n林芝新建安置点12个，搬迁群众759户。全市贫困发生率从16.42%降至0。\n",
    "林芝市\n\n补充说明：林芝搬迁群众共计3000人，其中三岩片区508户。全市新建安置点20个。贫困发生率降至0。\n",
]


def expected_chunk_texts(small_corpus: Path) -> set[str]:
    """Every chunk text any committed state can hold: a torn read would produce another."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in small_corpus.iterdir()} | EXTRA
    docs = [Document(n, n, t, n) for n, t in texts.items()] + [Document("lz.txt", "lz.txt", v, "") for v in VERSIONS]
    return {c.text for d in docs for c in Chunker().chunk(d)}


def test_readers_see_whole_states_while_a_writer_changes_the_index(pipeline_factory, small_corpus: Path) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    pipe.ensure_index()
    allowed = expected_chunk_texts(small_corpus)
    errors: list[BaseException] = []
    # Each write waits for an answer completed since the previous one: readers see every intermediate
    # state, however the threads are scheduled (a count of answers within a time would race).
    progress = threading.Condition()
    asked = 0
    stop = threading.Event()

    def reader(offset: int) -> None:
        nonlocal asked
        questions = ["昌都搬迁了多少人?", "林芝新建了多少个安置点?", "那曲新建学校多少所?"]
        n = offset
        while not stop.is_set():
            try:
                answer, hits = pipe.ask(questions[n % len(questions)])
                torn = [h.chunk.text for h in hits if h.chunk.text not in allowed]
                torn += [c.quote for c in answer.citations if not any(c.quote in t for t in allowed)]
                assert torn == [], torn
            except Exception as exc:  # noqa: BLE001 - any failure in a reader fails the test
                errors.append(exc)
                with progress:
                    progress.notify_all()
                return
            n += 1
            with progress:
                asked += 1
                progress.notify_all()

    seen = 0  # answers completed when the previous write started

    def after_an_answer(write) -> None:
        nonlocal seen
        with progress:
            if not progress.wait_for(lambda: asked > seen or errors, timeout=120) or errors:
                raise RuntimeError("no reader answered between two writes")
            seen = asked
        write()

    def writer() -> None:
        try:
            for i in range(6):
                after_an_answer(lambda i=i: pipe.ingest_bytes(VERSIONS[i % 2].encode(), "lz.txt"))
            for name, text in EXTRA.items():
                after_an_answer(lambda name=name, text=text: pipe.ingest_bytes(text.encode(), name))
            for name in list(EXTRA)[::2]:
                after_an_answer(lambda name=name: pipe.delete(name))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            stop.set()

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in readers:
        t.start()
    w = threading.Thread(target=writer)
    w.start()
    w.join(timeout=300)
    stop.set()
    for t in readers:
        t.join(timeout=60)

    assert errors == []
    assert asked >= 12  # at least one answer before each of the 12 writes

    # the final state equals the serial result
    names = sorted([p.name for p in small_corpus.iterdir()] + list(EXTRA)[1::2] + ["lz.txt"])
    assert sorted(d.doc_id for d in pipe.documents()) == names
    assert pipe.document("lz.txt").text == VERSIONS[1]
    assert pipe.index.check() == []
