from __future__ import annotations

from rag.headings import Headings


class Corpus:
    """Chunk contexts and a generation a test can change, counting how often the contexts are read."""

    def __init__(self, contexts: list[str]) -> None:
        self.contexts, self.generation, self.reads = contexts, 1, 0

    def read(self) -> list[str]:
        self.reads += 1
        return self.contexts


def test_titles_and_headings_count_and_body_text_does_not() -> None:
    corpus = Corpus(["昌都市易地扶贫搬迁", "拉萨市 ■ 拉萨市乡村振兴局"])
    in_headings = Headings(corpus.read, lambda: corpus.generation)
    assert in_headings("拉萨市乡村振兴局") and in_headings("昌都")
    assert not in_headings("那曲") and not in_headings("")


def test_headings_are_gathered_once_per_generation() -> None:
    corpus = Corpus(["昌都市易地扶贫搬迁"])
    in_headings = Headings(corpus.read, lambda: corpus.generation)
    assert not in_headings("那曲") and not in_headings("林芝")
    assert corpus.reads == 1
    corpus.contexts, corpus.generation = ["昌都市易地扶贫搬迁", "那曲市乡村振兴局"], 2
    assert in_headings("那曲") and corpus.reads == 2
