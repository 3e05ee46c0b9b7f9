"""The ``seq2seq`` backend: an encoder-decoder transformers model (mT0, Chinese T5, ...) on one prompt string.

The conversation history is not sent (the question is already rewritten to stand alone), and the
answer does not share the encoder's window.
"""

from __future__ import annotations

from typing import Any

from rag.answer.generative.hf import TransformersAnswerer


class Seq2SeqAnswerer(TransformersAnswerer):
    """``AutoModelForSeq2SeqLM`` with the plain prompt (see ``TransformersAnswerer`` for the arguments)."""

    backend = "seq2seq"
    shares = False
    hint = " (is it an encoder-decoder model? use backend 'causal' for decoder-only models)"

    @classmethod
    def model_class(cls) -> Any:
        from transformers import AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM
