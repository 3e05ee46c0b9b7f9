"""What the two transformers backends (seq2seq, causal) share: loading, token counting, greedy generation."""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer.base import Answerer
from rag.answer.generative.base import GenerativeAnswerer
from rag.answer.generative.models import allow_hub_from_env, model_context_length, resolve_model_path
from rag.answer.generative.prompt import Prompt
from rag.answer.generative.streaming import threaded_stream
from rag.config import Settings
from rag.errors import ModelError


class _StopFlag:
    """A stopping criterion that ends generation once ``event`` is set (the stream's reader left)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class TransformersAnswerer(GenerativeAnswerer):
    """A local transformers model (subclasses pick the model class and the prompt form).

    Args:
        model_path: A local model directory (or a hub id when ``allow_hub``).
        device: ``auto`` (cuda when available), ``cpu``, ``cuda``, ...
        max_new_tokens: Longest answer in tokens.
        max_passages: Most passages put in the prompt (the best ones).
        allow_hub: Permit a hub id (otherwise local-files-only).
        context_length: Override the context window read from the tokenizer/config.
        sentences_per_passage: Sentences kept per passage (0: whole passages).
        fallback: Answers when every claim fails the checks (None: abstain).

    Raises:
        ModelError: The model or tokenizer cannot be loaded, or ``max_new_tokens`` fills a
            decoder-only model's whole context.
    """

    backend = ""
    shares = True  # a decoder-only model writes its answer into the prompt's window
    hint = ""

    def __init__(
        self,
        model_path: str,
        device: str = "auto",
        max_new_tokens: int = 128,
        max_passages: int = 5,
        allow_hub: bool = False,
        context_length: int | None = None,
        sentences_per_passage: int = 0,
        fallback: Answerer | None = None,
    ) -> None:
        from transformers.utils import logging as hf_logging

        from embeddings.sentence_transformer import resolve_device

        hf_logging.disable_progress_bar()  # per-load weight bars are noise on a CLI
        name = Path(model_path).name if Path(model_path).exists() else model_path
        super().__init__(
            name,
            max_new_tokens,
            max_passages,
            0,
            sentences_per_passage,
            fallback,
            uses_history=self.shares,
            shares_context=self.shares,
        )
        self.device = resolve_device(device)
        try:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=not allow_hub)
            import torch

            # The checkpoint's own dtype (often bf16) only on a GPU: half precision is slow or
            # unsupported on CPU, so CPU runs in float32.
            dtype: Any = "auto" if self.device.startswith("cuda") else torch.float32
            self.model = self.model_class().from_pretrained(model_path, dtype=dtype, local_files_only=not allow_hub)
        except Exception as exc:  # a broken or mismatched model directory surfaces as many exception types
            raise ModelError(f"cannot load {self.backend} model from {model_path}: {exc}{self.hint}") from exc
        self.model.to(self.device)
        self.model.eval()
        if self.tokenizer.pad_token_id is None and self.tokenizer.eos_token is not None:
            # Decoder-only tokenizers often lack a pad token; generate() needs one for its mask.
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.context_length = context_length or model_context_length(self.tokenizer, self.model.config)
        self.check_budget()

    @classmethod
    def model_class(cls) -> Any:
        """The ``AutoModel…`` class to load."""
        raise NotImplementedError

    @classmethod
    def from_settings(cls, settings: Settings, fallback: Answerer | None = None) -> TransformersAnswerer:
        """Build from ``settings.answerer``; ``answerer.model`` is a directory or a name under the models dir.

        Raises:
            ModelError: The model is not configured, not found, or cannot be loaded.
        """
        cfg = settings.answerer
        allow_hub = allow_hub_from_env()
        path = resolve_model_path(cfg.model, settings.models_dir, allow_hub)
        return cls(
            path,
            device=cfg.device,
            max_new_tokens=cfg.max_new_tokens,
            max_passages=cfg.max_passages,
            allow_hub=allow_hub,
            sentences_per_passage=cfg.sentences_per_passage,
            fallback=fallback,
        )

    @functools.cached_property
    def control_tokens(self) -> list[str]:  # type: ignore[override]
        """The tokenizer's control tokens, longest first (the tokenizer never changes after loading)."""
        tok = self.tokenizer
        names = set(getattr(tok, "all_special_tokens", []) or [])
        added = getattr(tok, "added_tokens_decoder", None) or {}
        names.update(str(t) for t in added.values())
        return sorted((t for t in names if len(t) > 1), key=len, reverse=True)

    def count_tokens(self, prompt: Prompt) -> int:
        # verbose=False: an over-long candidate is expected while fitting, not worth a warning.
        return len(
            self.tokenizer(prompt.text, add_special_tokens=prompt.add_special_tokens, verbose=False)["input_ids"]
        )

    def plain_text(self, prompt: Prompt) -> str:
        """The prompt as one plain string: instructions, earlier turns, passages and question, answer cue."""
        en = prompt.lang == "en"
        labels = (
            ("User: ", "Assistant: ", "Earlier conversation:", "Answer: ")
            if en
            else ("用户：", "助手：", "此前的对话：", "回答：")
        )
        parts = [prompt.system]
        if prompt.turns:
            lines = [labels[2]] + [
                f"{labels[0] if t['role'] == 'user' else labels[1]}{t['content']}" for t in prompt.turns
            ]
            parts.append("\n".join(lines))
        parts.append(prompt.user)
        return "\n\n".join(parts) + f"\n{labels[3]}"

    def render(self, prompt: Prompt) -> None:
        prompt.text, prompt.add_special_tokens = self.plain_text(prompt), True

    def _generation_config(self, prompt: Prompt) -> Any:
        gc = copy.deepcopy(self.model.generation_config)
        # Greedy decoding: drop any sampling knobs a checkpoint ships, which would only warn.
        gc.do_sample = False
        gc.num_beams = 1
        gc.temperature = None
        gc.top_p = None
        gc.top_k = None
        gc.max_new_tokens = prompt.max_tokens or self.max_new_tokens
        gc.max_length = None
        if gc.pad_token_id is None:
            gc.pad_token_id = self.tokenizer.pad_token_id
        if gc.eos_token_id is None:
            gc.eos_token_id = self.tokenizer.eos_token_id
        return gc

    def _generate_ids(self, prompt: Prompt, streamer: Any = None, stop: threading.Event | None = None) -> Any:
        import torch
        from transformers import StoppingCriteriaList

        enc = self.tokenizer(prompt.text, add_special_tokens=prompt.add_special_tokens, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        kwargs: dict[str, Any] = {"generation_config": self._generation_config(prompt)}
        if streamer is not None:
            kwargs["streamer"] = streamer
        if stop is not None:
            kwargs["stopping_criteria"] = StoppingCriteriaList([_StopFlag(stop)])
        with torch.inference_mode():
            out = self.model.generate(**enc, **kwargs)
        if self.shares:
            # A decoder-only model returns the prompt followed by the answer.
            out = out[:, enc["input_ids"].shape[1] :]
        return out[0]

    def generate_text(self, prompt: Prompt) -> str:
        try:
            ids = self._generate_ids(prompt)
        except Exception as exc:  # CUDA OOM, shape errors from odd checkpoints, ...
            raise ModelError(f"generation failed: {exc}") from exc
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))

    def stream_text(self, prompt: Prompt) -> Iterator[str]:
        from transformers import TextStreamer

        tokenizer = self.tokenizer

        class _Emit(TextStreamer):
            def __init__(self, emit: Any) -> None:
                super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
                self.emit = emit

            def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
                self.emit(text)

        def run(emit: Any, stop: threading.Event) -> None:
            self._generate_ids(prompt, streamer=_Emit(emit), stop=stop)

        return threaded_stream(run)
