"""Tiny random-weight transformers models built here (no downloads) and the passages the tests answer from.

Random weights write garbage, so the machinery is tested deterministically: prompt building and
fencing, fitting the context, greedy generation, citation parsing, the guard on crafted outputs,
streaming, and model location errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.generative.causal import CausalAnswerer
from rag.answer.generative.hf import TransformersAnswerer
from rag.answer.generative.seq2seq import Seq2SeqAnswerer
from tests.rag.answer.generative.data import CHAT_TEMPLATE, TRAIN, settings


def _tokenizer(specials: list[str], model_max_length: int):
    from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers, trainers
    from tokenizers import models as tok_models
    from transformers import PreTrainedTokenizerFast

    # One token per character: a vocabulary that covers Chinese without any download.
    tok = Tokenizer(tok_models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"\S"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.train_from_iterator(TRAIN, trainers.WordLevelTrainer(special_tokens=specials, min_frequency=1))
    return tok, PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=model_max_length)


@pytest.fixture(scope="session")
def t5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-dim T5 with a character vocabulary, saved like a user's model directory."""
    import torch
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    tok, _ = _tokenizer(["<pad>", "</s>", "<unk>"], 1024)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=1024
    )
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=tok.get_vocab_size(),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    path = tmp_path_factory.mktemp("gen") / "tiny-t5"
    model = T5ForConditionalGeneration(config)
    # Random weights favour <pad>; never writing <pad>/<unk> makes the garbage visible text to stream.
    model.generation_config.suppress_tokens = [0, 2]
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def gpt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-dim GPT-2 with a character vocabulary and a chat template."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    # [CTRL] stands for control tokens without angle brackets (GLM's [gMASK], ...).
    specials = ["<pad>", "<eos>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>", "[CTRL]"]
    tok, fast = _tokenizer(specials, 100_000)
    fast.pad_token, fast.eos_token, fast.unk_token = "<pad>", "<eos>", "<unk>"
    fast.add_special_tokens({"additional_special_tokens": specials[3:]})
    fast.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_embd=32,
        n_layer=2,
        n_head=2,
        n_positions=768,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
    )
    path = tmp_path_factory.mktemp("gen") / "tiny-gpt"
    model = GPT2LMHeadModel(config)
    model.generation_config.suppress_tokens = [0, 2]  # no invisible <pad>/<unk> (see t5_dir)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def seq2seq(t5_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TransformersAnswerer:
    """The tiny T5 loaded the way a user's model is: ``from_settings``."""
    return Seq2SeqAnswerer.from_settings(
        settings(tmp_path_factory.mktemp("s"), "seq2seq", str(t5_dir), max_new_tokens=8)
    )


@pytest.fixture(scope="session")
def causal(gpt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TransformersAnswerer:
    """The tiny GPT-2 loaded through ``from_settings``."""
    return CausalAnswerer.from_settings(
        settings(tmp_path_factory.mktemp("c"), "causal", str(gpt_dir), max_new_tokens=8)
    )


@pytest.fixture
def fresh(t5_dir: Path, tmp_path: Path):
    """A new answerer per test, for tests that change its settings."""

    def make(backend: str = "seq2seq", model: Path | None = None, **answerer) -> TransformersAnswerer:
        cls = Seq2SeqAnswerer if backend == "seq2seq" else CausalAnswerer
        return cls.from_settings(settings(tmp_path, backend, str(model or t5_dir), **answerer))

    return make
