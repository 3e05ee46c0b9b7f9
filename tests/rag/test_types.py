from __future__ import annotations

from rag.types import Answer, Citation

CITE = Citation(1, "changdu.txt", 7, 3, 9, "搬迁9.9万人")


def test_a_citation_is_sent_by_document_id_with_its_exact_span() -> None:
    assert CITE.to_dict() == {"n": 1, "source": "changdu.txt", "start": 3, "end": 9, "quote": "搬迁9.9万人"}
    assert CITE.to_dict("昌都市易地扶贫搬迁")["title"] == "昌都市易地扶贫搬迁"


def test_an_answer_carries_titles_only_when_asked() -> None:
    answer = Answer("9.9万人[1]。", [CITE], related=[CITE], timings={"answer": 0.5}, question="昌都搬迁了多少人?")
    plain = answer.to_dict()
    assert plain == {
        "answer": "9.9万人[1]。",
        "abstained": False,
        "citations": [CITE.to_dict()],
        "related": [CITE.to_dict()],
        "timings": {"answer": 0.5},
        "question": "昌都搬迁了多少人?",
    }
    titled = answer.to_dict({"changdu.txt": "昌都"}.__getitem__)
    assert titled["citations"][0]["title"] == titled["related"][0]["title"] == "昌都"
