"""Retrieval as components: retrievers behind one protocol, a router, a fuser, a deduper and a reranker.

``rag/retrieval/hybrid.py`` wires them; each other module holds one stage.
"""

from rag.retrieval.base import BatchRetriever, LexicalIndex, Retriever
from rag.retrieval.dedupe import Deduper, near_duplicate
from rag.retrieval.dense import DenseRetriever
from rag.retrieval.fusion import Fuser, RRFFuser, rrf
from rag.retrieval.hybrid import HybridRetriever, build_retriever
from rag.retrieval.lexical import LexicalRetriever
from rag.retrieval.rerank import NoReranker, Reranker
from rag.retrieval.route import QueryTranslator, Router

__all__ = [
    "BatchRetriever",
    "Deduper",
    "DenseRetriever",
    "Fuser",
    "HybridRetriever",
    "LexicalIndex",
    "LexicalRetriever",
    "NoReranker",
    "QueryTranslator",
    "RRFFuser",
    "Reranker",
    "Retriever",
    "Router",
    "build_retriever",
    "near_duplicate",
    "rrf",
]
