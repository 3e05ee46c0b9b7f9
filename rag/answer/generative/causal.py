"""The ``causal`` backend: a decoder-only transformers model, prompted through its chat template.

System instructions, earlier turns, then the passages and the question; without a chat template,
the plain prompt with the same parts. The answer shares the context window with the prompt.
"""

from __future__ import annotations

from typing import Any

from rag.answer.generative.hf import TransformersAnswerer
from rag.answer.generative.prompt import Prompt


class CausalAnswerer(TransformersAnswerer):
    """``AutoModelForCausalLM`` with its chat template (see ``TransformersAnswerer`` for the arguments)."""

    backend = "causal"
    shares = True

    @classmethod
    def model_class(cls) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def render(self, prompt: Prompt) -> None:
        if not getattr(self.tokenizer, "chat_template", None):
            super().render(prompt)
            return
        try:
            text = self.tokenizer.apply_chat_template(prompt.messages(), tokenize=False, add_generation_prompt=True)
        except Exception:
            # Some templates (Gemma, Mistral) reject a system turn: fold it into the first user turn.
            body = [*prompt.turns, {"role": "user", "content": prompt.user}]
            body[0] = {"role": "user", "content": f"{prompt.system}\n\n{body[0]['content']}"}
            text = self.tokenizer.apply_chat_template(body, tokenize=False, add_generation_prompt=True)
        prompt.text, prompt.add_special_tokens = str(text), False  # the template wrote BOS and turn tokens itself
