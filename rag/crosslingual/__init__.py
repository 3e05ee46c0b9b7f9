"""Cross-lingual retrieval and answering: English questions over Chinese documents, without an MT model.

An English question is turned into weighted Chinese terms with a bilingual dictionary (CC-CEDICT glosses and
pinyin, plus the domain profile's romanised place names: ``rag.profile``), keeping only the terms the corpus uses
(``translate.translate``). Retrieval queries BM25 with those terms and the dense index with both the English
question and a Chinese rendering; the extractive answerer matches the same terms in the passages.
"""

from rag.crosslingual.translate import Concept, TextVocabulary, Translation, Vocabulary, translate

__all__ = ["Concept", "TextVocabulary", "Translation", "Vocabulary", "translate"]
