"""Cross-lingual: dictionary translation of English questions, routing, English answers."""

from __future__ import annotations

import pytest

from rag.answer import qtype
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.terms import match_terms
from rag.crosslingual.english import stem, words
from rag.crosslingual.lexicon import LayeredLexicon, build, place_entries, with_places
from rag.crosslingual.translate import TextVocabulary, translate
from rag.index.bm25 import BM25Index
from rag.profile import load_profile
from rag.segment import tokens
from rag.types import Chunk, Hit

CEDICT = [
    "# comment line",
    "搬遷 搬迁 [ban1 qian1] /to move/to relocate/removal/",
    "昌都 昌都 [Chang1 du1] /Kham or Chamdo, Tibetan: Chab mdo historic capital of Kham (Chinese Qamdo or Changdu)/",
    "貧困 贫困 [pin2 kun4] /impoverished/poverty/",
    "窮 穷 [qiong2] /poor/destitute/",
    "貧 贫 [pin2] /poor/",
    "村 村 [cun1] /village/",
    "村莊 村庄 [cun1 zhuang1] /village/hamlet/CL:座[zuo4]/",
    "扶貧 扶贫 [fu2 pin2] /assistance to the poor/poverty alleviation/",
    "人 人 [ren2] /person/people/CL:個|个[ge4],位[wei4]/",
    "遊客 游客 [you2 ke4] /traveler; tourist/",
    "林芝 林芝 [Lin2 zhi1] /Nyingchi prefecture of Tibet/",
    "曲水 曲水 [Qu1 shui3] /Qüxü county, in Lhasa/",
]
CORPUS_TERMS = ["昌都", "搬迁", "贫困", "贫困村", "村", "扶贫", "人", "林芝", "拉萨", "日喀则", "2021"]
TIBET = load_profile("tibet")  # the default corpus's domain profile (rag/profiles/tibet.yaml)


class SetVocabulary:
    """A corpus vocabulary given as term → document frequency (stands in for the BM25 index)."""

    def __init__(self, df: dict[str, int], n: int = 100) -> None:
        self.df, self.n = df, n

    def __contains__(self, term: object) -> bool:
        return term in self.df

    def __len__(self) -> int:
        return self.n

    def document_frequency(self, term: str) -> int:
        return self.df.get(term, 0)


@pytest.fixture(scope="module")
def lexicon():
    return build(CEDICT)


@pytest.fixture(scope="module")
def profiled(lexicon):
    """The test dictionary with the Tibet profile's place names added."""
    return LayeredLexicon(place_entries(TIBET.place_names), lambda: lexicon)


@pytest.fixture
def vocab() -> SetVocabulary:
    return SetVocabulary({t: 5 for t in CORPUS_TERMS})


def test_stem_is_consistent_between_gloss_and_question_forms() -> None:
    assert stem("relocated") == stem("relocate") == stem("relocation")
    assert stem("villages") == stem("village")
    assert stem("counties") == "county"
    assert stem("people") == "person"


def test_words_split_hyphens_and_drop_possessives() -> None:
    assert words("Lhasa's person-times in 2021") == ["lhasa", "person", "times", "in", "2021"]


def test_lexicon_inverts_glosses_phrases_and_pinyin(lexicon) -> None:
    assert lexicon.words[stem("move")]["搬迁"] == 1.0  # "to move" is a whole first sense
    assert lexicon.words[stem("relocate")]["搬迁"] == pytest.approx(0.85)  # a later sense
    assert lexicon.phrases[("poverty", stem("alleviation"))] == {"扶贫": pytest.approx(0.85)}
    assert "村庄" in lexicon.words[stem("village")]
    assert lexicon.names["qushui"] == {"曲水": 0.8}  # a proper noun's toneless pinyin
    assert "座" not in str(lexicon.words)  # classifier senses are references, not translations


@pytest.mark.parametrize("spelling", ["Chamdo", "Qamdo", "Changdu"])
def test_romanised_place_names_translate_as_names_with_the_profile(profiled, vocab, spelling: str) -> None:
    t = translate(f"How many people were relocated in {spelling}?", vocab, profiled)
    assert "昌都" in t.weighted_terms()
    assert any(c.name and c.best == "昌都" for c in t.concepts)


@pytest.mark.parametrize("spelling", ["Chamdo", "Qamdo", "Changdu"])
def test_without_a_profile_the_dictionary_alone_renders_the_place(lexicon, vocab, spelling: str) -> None:
    t = translate(f"How many people were relocated in {spelling}?", vocab, lexicon)
    assert "昌都" in t.weighted_terms()  # from the gloss (Chamdo, Qamdo) or the pinyin (Changdu)


def test_the_profile_names_spellings_cedict_lacks_or_glosses_weakly() -> None:
    profiled = with_places(TIBET.place_names)  # over the bundled CC-CEDICT
    for spelling, chinese in [("Lhokha", "山南"), ("Xigaze", "日喀则"), ("Nagqu", "那曲"), ("Ngari", "阿里")]:
        concepts = translate(f"What did {spelling} do?", SetVocabulary({chinese: 3}), profiled).concepts
        assert [(c.best, c.name) for c in concepts] == [(chinese, True)]


def test_only_terms_the_corpus_contains_are_kept(lexicon, vocab) -> None:
    t = translate("How many tourists were relocated in Chamdo?", vocab, lexicon)
    terms = t.weighted_terms()
    assert "游客" not in terms  # the corpus never says tourists
    assert set(terms) <= set(CORPUS_TERMS)
    assert {"搬迁", "昌都"} <= set(terms)


def test_numbers_stay_and_compounds_join(lexicon, vocab) -> None:
    t = translate("How many poor villages were there in 2021?", vocab, lexicon)
    terms = t.weighted_terms()
    assert "2021" in terms
    t2 = translate("poverty village", vocab, lexicon)
    assert any(c.compound and "贫困村" in c.terms for c in t2.concepts)


def test_term_supported_by_more_words_weighs_more(lexicon, vocab) -> None:
    once = translate("relocated", vocab, lexicon).weighted_terms()["搬迁"]
    twice = translate("relocated relocation", vocab, lexicon).weighted_terms()["搬迁"]
    assert twice == pytest.approx(2 * once)


def test_rendering_follows_question_order(lexicon, vocab) -> None:
    assert translate("relocated in Chamdo", vocab, lexicon).rendering() == "搬迁 昌都"


def test_bm25_weighted_search_and_document_frequency() -> None:
    texts = ["昌都搬迁9.9万人", "拉萨人均纯收入", "林芝旅游游客"]
    index = BM25Index([10, 11, 12], [tokens(t) for t in texts])
    assert index.document_frequency("昌都") == 1 and index.document_frequency("火星") == 0
    assert "昌都" in index and "火星" not in index
    scores, ids = index.search_weighted({"昌都": 1.0, "拉萨": 0.1, "火星": 5.0}, 3)
    assert ids.tolist()[0] == 10 and len(ids) == 2
    assert index.search_weighted({"火星": 1.0}, 3)[1].size == 0


def test_english_search_finds_the_chinese_passage(pipeline_factory, small_corpus) -> None:
    pipe = pipeline_factory(corpus=str(small_corpus))
    pipe.ingest([small_corpus])
    timings: dict[str, float] = {}
    hits = pipe.search("How many people were relocated in Chamdo?", top_k=3, mode="bm25", timings=timings)
    assert hits[0].chunk.doc_id == "changdu.txt"
    assert "translate" in timings
    hybrid = pipe.search("How many people were relocated in Chamdo?", top_k=3)
    assert "dense_translated" in hybrid[0].scores or "bm25" in hybrid[0].scores


def _hit(doc_id: str, text: str, context: str, n: int) -> Hit:
    return Hit(Chunk(n, doc_id, text, 0, len(text), context), 1.0 / (n + 1), {})


@pytest.fixture
def hits() -> list[Hit]:
    return [
        _hit(
            "changdu.txt",
            "2016年以来,全市开工建设易地扶贫搬迁安置点268个,涉及建档立卡贫困人口9.9万人。",
            "昌都市易地扶贫搬迁",
            0,
        ),
        _hit("lhasa.txt", "拉萨市累计投入产业项目资金10亿元。全市搬迁群众3.2万人。", "拉萨市乡村振兴局", 1),
    ]


def test_english_answer_is_stated_in_english_with_the_quote(hits: list[Hit]) -> None:
    answer = ExtractiveAnswerer().answer("How many people were relocated in Chamdo?", hits)
    assert not answer.abstained
    assert answer.text.startswith("About 99,000 people (9.9万人)[1]. The source says: “")
    c = answer.citations[0]
    assert c.doc_id == "changdu.txt" and hits[0].chunk.text[c.start : c.end] == c.quote
    assert "9.9万人" in c.quote


def test_english_answer_picks_the_asked_place(hits: list[Hit]) -> None:
    answer = ExtractiveAnswerer().answer("How many people were relocated in Lhasa?", hits)
    assert not answer.abstained and "32,000 people (3.2万人)" in answer.text


def test_english_question_about_an_uncounted_thing_abstains(hits: list[Hit]) -> None:
    answer = ExtractiveAnswerer().answer("How many tourists visited Chamdo?", hits)
    assert answer.abstained and answer.text.startswith("The documents do not say.")


def test_match_terms_groups_alternatives_for_english() -> None:
    terms = match_terms("How many tourists visited Chamdo?", ["林芝游客", "昌都搬迁"], with_places(TIBET.place_names))
    tourists = next(t for t in terms if "游客" in t.alternatives)
    assert tourists.required and not tourists.can_anchor
    assert next(t for t in terms if "昌都" in t.alternatives).can_anchor
    chinese = match_terms("昌都搬迁了多少人?", [])
    assert [t.alternatives for t in chinese] == [("昌都",), ("搬迁",), ("人",)]
    # Only the place name anchors; 人 is the noun a figure must measure.
    assert [(t.can_anchor, t.noun) for t in chinese] == [(True, False), (False, False), (False, True)]


def test_text_vocabulary_counts_single_characters_only_as_words() -> None:
    v = TextVocabulary(["完成年度指标", "县里的村"])
    assert "指标" in v and "标" not in v and "村" in v
    assert v.document_frequency("指标") == 1 and len(v) == 2


def test_text_vocabulary_counts_the_character_a_compound_adds_to_a_word() -> None:
    v = TextVocabulary(["1669个贫困村居全部退出"])  # jieba: 贫困村 = 贫困 + 村
    assert "村" in v and "贫" not in v


@pytest.mark.parametrize(
    ("question", "kind", "unit"),
    [
        ("How many person-times of cadres were sent?", qtype.QUANTITY, "人次"),
        ("How many poor villages in Shigatse exited poverty?", qtype.QUANTITY, "个"),
        ("How much did Chamdo budget in 2021?", qtype.QUANTITY, "元"),
        ("On what date were all counties lifted out of poverty?", qtype.DATE, ""),
        ("Who gave the work report?", qtype.WHO, ""),
        ("Why is Tibet called the poorest of the poor?", qtype.REASON, ""),
        ("多少人次", qtype.QUANTITY, "人次"),  # person-times, not persons
    ],
)
def test_question_type_understands_english(question: str, kind: str, unit: str) -> None:
    assert qtype.classify(question, TIBET) == qtype.QuestionType(kind, unit)
