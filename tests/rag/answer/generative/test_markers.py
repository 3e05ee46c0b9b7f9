from __future__ import annotations

import pytest

from rag.answer.generative.markers import claims, normalize_markers, renumber_markers, says_not_found


def test_normalize_markers() -> None:
    assert normalize_markers("见【1】和[2, 3]及［4］。") == "见[1]和[2][3]及[4]。"
    assert normalize_markers("共9.9万人[1][1]。[2，3、4]") == "共9.9万人[1]。[2][3][4]"
    assert normalize_markers("2016年[ 1 ]") == "2016年[1]"
    assert normalize_markers("no markers (1) here") == "no markers (1) here"
    assert normalize_markers("About 99,000 people (passage 2).") == "About 99,000 people [2]."


def test_renumber_markers_by_first_use() -> None:
    assert renumber_markers("A[3]。B[1][3]。C[2]。") == ("A[1]。B[2][1]。C[3]。", [3, 1, 2])
    assert renumber_markers("无标记。") == ("无标记。", [])


@pytest.mark.parametrize(
    "text",
    ["文件中没有找到答案。", "資料中沒有提到這一點[1]。", "I cannot find the answer in the documents.",
     "The passages do not mention it [2]."],
)  # fmt: skip
def test_not_found_replies(text: str) -> None:
    assert says_not_found(text)


def test_claims_leave_out_not_found_remarks() -> None:
    assert claims("共9.9万人[1]。文件中没有提到其他数字。") == ["共9.9万人[1]。"]


def test_a_reply_of_only_markers_claims_nothing() -> None:
    assert claims("[2][1]") == []
    assert claims("[1]。邓小刚[2]。") == ["邓小刚[2]。"]
