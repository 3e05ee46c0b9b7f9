"""The signals the learned models read: per candidate sentence, per question, per passage.

Every feature is a plain number computed from what the answerer already works out (term coverage of the
sentence and of its passage's headings, e5 similarity of question and sentence, retrieval scores and
rank, the answer kind and unit, BM25 of the sentence among the candidates, character overlap). The names
are the keys of ``rag/answer/models/scorer.json``; a feature the model does not know is ignored.

English questions match through dictionary translations: ``en_*`` features keep those matches apart from
direct ones (names matched as names, words matched only through the dictionary), so that a few translated
words cannot look like the full coverage of a Chinese question.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rag.answer import qtype
from rag.answer.figures import figure_by_measure, lead, unit_matches
from rag.answer.sentences import Candidate, figures, type_score
from rag.answer.terms import Query, Term
from rag.fold import fold_compact
from rag.types import Hit

KINDS = (qtype.QUANTITY, qtype.DATE, qtype.WHO, qtype.PLACE, qtype.LIST, qtype.REASON, qtype.FACT)

_K1, _B = 1.2, 0.75


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _bm25(terms: Sequence[Term], texts: list[str]) -> list[float]:
    """BM25 of each text for the question terms, document frequencies counted over ``texts``."""
    n = len(texts)
    avg = sum(len(t) for t in texts) / max(1, n)
    out = [0.0] * n
    for term in terms:
        tf = [max((t.count(a) for a in term.alternatives), default=0) for t in texts]
        df = sum(1 for x in tf if x)
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, (f, text) in enumerate(zip(tf, texts, strict=True)):
            if f:
                out[i] += idf * f * (_K1 + 1) / (f + _K1 * (1 - _B + _B * len(text) / max(1.0, avg)))
    return out


def _rank_share(values: list[float]) -> list[float]:
    """1/(1+rank) of each value among ``values`` (best = 1)."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    out = [0.0] * len(values)
    for r, i in enumerate(order):
        out[i] = 1.0 / (1 + r)
    return out


def score_candidates(
    query: Query,
    candidates: list[Candidate],
    hits: list[Hit],
    sims: list[float],
    anchors: Sequence[Term],
    english: bool,
) -> None:
    """Fill each candidate's coverage, similarity, type score and ``features`` (in place)."""
    folded = [fold_compact(c.text) for c in candidates]
    by_hit = [fold_compact(h.chunk.context) for h in hits]
    contexts = [by_hit[c.hit_index] for c in candidates]
    q_terms = query.terms
    required = [t for t in q_terms if t.required]
    n = len(candidates)
    # Rarer question terms among the candidates tell them apart (parallel sections of several places).
    weights = {t: t.factor * (math.log(1 + n / (1 + sum(t.in_text(f) for f in folded))) + 0.5) for t in q_terms}
    total = sum(weights.values()) or 1.0
    bm25 = _bm25(q_terms, folded)
    top_bm25 = max(bm25, default=0.0) or 1.0
    sim_share = _rank_share(sims) if any(sims) else [0.0] * n  # no embedder: no ranking either
    top_sim = max(sims, default=0.0)
    q_compact = fold_compact(query.text)
    q_bigrams = _bigrams(q_compact)
    dense = [h.scores.get("dense", 0.0) for h in hits]
    lexical = [h.scores.get("bm25", 0.0) for h in hits]
    top_lexical = max(lexical, default=0.0) or 1.0
    for i, (c, f, ctx, sim, b) in enumerate(zip(candidates, folded, contexts, sims, bm25, strict=True)):
        in_text = sum(w for t, w in weights.items() if t.in_text(f))
        in_ctx = sum(w for t, w in weights.items() if not t.in_text(f) and t.in_text(ctx))
        names = sum(w for t, w in weights.items() if t.can_anchor and (t.in_text(f) or t.in_text(ctx)))
        anchor_missing = any(not a.in_text(f) and not a.in_text(ctx) for a in anchors)
        required_missing = bool(required) and not any(t.in_text(f) or t.in_text(ctx) for t in required)
        c.coverage = (in_text + 0.8 * in_ctx) / total if q_terms else 0.0
        c.similarity = sim
        c.quantities = figures(c.text)
        c.type_score = type_score(query, c)
        figure = lead(query, c.text, c.quantities)
        grams = _bigrams(f + ctx)
        x = {
            "coverage_text": in_text / total if q_terms else 0.0,
            "coverage_context": in_ctx / total if q_terms else 0.0,
            "coverage_terms": sum(t.in_text(f) or t.in_text(ctx) for t in q_terms) / max(1, len(q_terms)),
            "anchor_missing": float(anchor_missing),
            "required_missing": float(required_missing),
            "n_terms": math.log1p(len(q_terms)),
            "similarity": sim,
            "similarity_gap": sim - top_sim,
            "similarity_rank": sim_share[i],
            "bm25_sentence": b / top_bm25,
            "bm25_sentence_raw": math.log1p(b),
            "bigram_overlap": len(q_bigrams & grams) / max(1, len(q_bigrams)),
            "passage_rank": 1.0 / (1 + c.hit_index),
            "passage_dense": dense[c.hit_index],
            "passage_bm25": lexical[c.hit_index] / top_lexical,
            "type_score": c.type_score,
            "has_figure": float(any(not q.is_year for q in c.quantities)),
            "unit_match": float(bool(query.kind.unit) and any(unit_matches(query.kind.unit, q) for q in c.quantities)),
            "figure_by_measure": float(figure is not None and figure_by_measure(query, c.text, figure)),
            "year_asked": float(bool(query.years) and any(y in f for y in query.years)),
            "year_missed": float(bool(query.years) and not any(y in f or y in ctx for y in query.years)),
            "length": math.log1p(len(f)),
            "english": float(english),
            "en_names": names / total if english and q_terms else 0.0,
            "en_words": (in_text + in_ctx - names) / total if english and q_terms else 0.0,
        }
        for k in KINDS:
            x[f"kind_{k}"] = float(query.kind.kind == k)
            x[f"type_{k}"] = c.type_score if query.kind.kind == k else 0.0
        # Coverage means less for an English question (dictionary alternatives match widely).
        x["en_coverage"] = c.coverage if english else 0.0
        x["en_similarity"] = sim if english else 0.0
        c.features = x
    for c in candidates:
        c.features["coverage"] = c.coverage
    add_derived([c.features for c in candidates])


_RELATIVE = ("coverage", "coverage_terms", "bigram_overlap", "passage_dense", "type_score", "bm25_sentence_raw")


def add_derived(rows: list[dict[str, float]]) -> None:
    """Add the features derived from the others (in place): each candidate's gap to the question's best
    on the main signals, and the quantity-specific signals crossed with the quantity kind."""
    tops = {k: max((r.get(k, 0.0) for r in rows), default=0.0) for k in _RELATIVE}
    for r in rows:
        for k in _RELATIVE:
            r[f"{k}_gap"] = r.get(k, 0.0) - tops[k]
        q = r.get("kind_quantity", 0.0)
        r["quantity_figure"] = q * r.get("has_figure", 0.0)
        r["quantity_no_figure"] = q * (1.0 - r.get("has_figure", 0.0))
        r["quantity_unit"] = q * r.get("unit_match", 0.0)
        r["quantity_measure"] = q * r.get("figure_by_measure", 0.0)
        r["en_required_missing"] = r.get("english", 0.0) * r.get("required_missing", 0.0)


def question_features(ranked: list[Candidate], probabilities: list[float]) -> dict[str, float]:
    """What the abstention model reads: the best candidates' probabilities and the best one's signals."""
    best = ranked[0].features
    p = sorted(probabilities, reverse=True)
    x = {f"best_{k}": v for k, v in best.items() if not k.startswith(("kind_", "type_"))}
    x |= {k: v for k, v in best.items() if k.startswith("kind_")}
    x["p_best"] = p[0]
    x["p_second"] = p[1] if len(p) > 1 else 0.0
    x["p_margin"] = p[0] - x["p_second"]
    x["logit_best"] = math.log(max(p[0], 1e-6) / max(1 - p[0], 1e-6))
    x["n_candidates"] = math.log1p(len(p))
    x["en_p_best"] = p[0] if best.get("english") else 0.0
    return x
