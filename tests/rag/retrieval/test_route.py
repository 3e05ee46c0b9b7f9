from __future__ import annotations

from rag.config import RetrievalConfig
from rag.crosslingual.lexicon import build
from rag.index.bm25 import BM25Index
from rag.retrieval.route import QueryTranslator, Router
from rag.segment import tokens

ZH = "昌都搬迁了多少人?"
EN = "How many people were relocated in Qamdo?"
# A few CC-CEDICT lines: building the bundled dictionary takes seconds.
LEXICON = build(
    [
        "搬遷 搬迁 [ban1 qian1] /to move/to relocate/removal/",
        "昌都 昌都 [Chang1 du1] /Chamdo (Chinese Qamdo or Changdu)/",
        "人 人 [ren2] /person/people/",
    ]
)


def router(config: RetrievalConfig | None = None, texts: tuple[str, ...] = ("昌都搬迁9.9万人",)) -> Router:
    config = config or RetrievalConfig()
    index = BM25Index(list(range(len(texts))), [tokens(t) for t in texts])
    return Router(QueryTranslator(index, config.translate_english, LEXICON), config)


def test_a_chinese_question_searches_its_own_folded_words() -> None:
    config = RetrievalConfig()
    timings: dict[str, float] = {}
    route = router(config).route("昌都搬遷了多少人?", "hybrid", timings)
    assert route.language == "zh" and route.weights == {"dense": config.dense_weight, "bm25": config.bm25_weight}
    assert [(s.name, s.retriever, s.query, s.terms) for s in route.stages] == [
        ("dense", "dense", ZH, None),
        ("bm25", "bm25", ZH, None),
    ]
    assert set(timings) == {"fold"}


def test_an_english_question_adds_the_translated_dense_search_and_weighted_terms() -> None:
    timings: dict[str, float] = {}
    route = router().route(EN, "hybrid", timings)
    assert route.language == "en" and set(route.weights) == {"dense", "bm25", "dense_translated"}
    assert [s.name for s in route.stages] == ["dense", "dense_translated", "bm25"]
    translated, lexical = route.stages[1], route.stages[2]
    assert translated.retriever == "dense" and "昌都" in translated.query
    assert lexical.terms is not None and "昌都" in lexical.terms
    assert set(timings) == {"fold", "translate"}


def test_modes_keep_their_retriever_only() -> None:
    assert [s.name for s in router().route(EN, "bm25", {}).stages] == ["bm25"]
    assert [s.name for s in router().route(EN, "dense", {}).stages] == ["dense", "dense_translated"]


def test_translation_off_or_an_empty_index_searches_the_english_words() -> None:
    off = router(RetrievalConfig(translate_english=False)).route(EN, "hybrid", {})
    assert off.language == "zh" and all(s.terms is None for s in off.stages) and len(off.stages) == 2
    empty = router(texts=()).route(EN, "hybrid", {})
    assert empty.language == "en" and [s.name for s in empty.stages] == ["dense", "bm25"]
    assert empty.stages[1].terms is None
