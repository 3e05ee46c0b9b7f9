"""A callback-driven generation read as an iterator: it stops when the reader leaves, errors reach the reader."""

from __future__ import annotations

import threading

import pytest

from rag.answer.generative.streaming import threaded_stream
from rag.errors import ModelError


def test_the_generation_is_told_to_stop_when_the_reader_leaves() -> None:
    told: list[bool] = []

    def run(emit, stop) -> None:
        emit("0")
        stop.wait(timeout=30)  # the reader closes the stream after its first piece
        told.append(emit("1"))

    stream = threaded_stream(run)
    assert next(stream) == "0"
    stream.close()  # joins the generating thread
    assert told == [True]
    assert not any(t.name == "rag-generate" and t.is_alive() for t in threading.enumerate())


def test_an_error_in_the_generation_reaches_the_reader_as_a_model_error() -> None:
    def run(emit, stop) -> None:
        emit("a")
        raise RuntimeError("out of memory")

    with pytest.raises(ModelError, match="out of memory"):
        list(threaded_stream(run))
