"""What every generative backend shares: prompt fitting, grounding, fallback, abstention and streaming.

A backend supplies three things: how it counts a prompt's tokens, how it generates text for a
prompt, and how it streams it (:class:`GenerativeAnswerer` documents the hooks). Everything else
happens here, the same for every model:

* The prompt (:mod:`rag.answer.generative.prompt`) holds the best ``max_passages`` passages, each
  cut to its best sentence and near ties (``sentences_per_passage``, ``sentence_margin``; a long one to
  its clauses around the question's terms, ``max_sentence_chars``), and is fitted to the context.
* The raw output is checked: markers normalised; a reply that opens by saying the passages do not
  answer is an abstention (the model refused); sentences without a marker are dropped;
  :func:`rag.answer.grounding.ground` drops sentences citing a passage not given or stating a figure
  their cited passages do not hold. (A sentence without a marker is first given the marker of the
  passage that supports it, if one does: small models forget markers; see ``_cite_missing``.)
* Each kept claim cites the exact sentence of its passage that holds it (``claim_span``); markers
  are renumbered by first use of each (passage, sentence). English answers state figures in
  English with the Chinese figure kept.
* The answer must be about what was asked (:func:`rag.answer.subject.missing`: the names the
  question shares with the corpus's headings, a quantity question's year, measure and unit, in the
  cited sentences, their headings or earlier in their passages; the answer must not state only
  figures of another unit than asked) and, with ``verify``, the model must say yes when asked whether
  the cited sentences answer the question (:mod:`rag.answer.generative.verify`). Otherwise it is
  treated as if nothing survived.
* :meth:`GenerativeAnswerer.judge` puts another answerer's answer to the model (the hybrid's check
  of the extractive answer): answering again from only its cited sentences, or yes/no.
* When the model wrote claims but none survived, the answer is the ``fallback`` answerer's
  (``answerer.fallback: extractive``) or an abstention (``abstain``); it is never passed through.
  With the extractive fallback the checks above overrule the model only where the extractive
  answerer abstains or has an answer of its own.
* An answer to a traditional-Chinese question is converted to traditional characters (OpenCC,
  as the extractive answerer does), except text it quotes from a cited passage; citation quotes
  are always the source's own text.

Streaming yields the RAW text as the model writes it, then the final ``Answer`` whose text is the
grounded one and may differ; clients replace what they showed with the final text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator

from rag.answer import subject
from rag.answer.base import Answerer, abstention
from rag.answer.generative.citing import cite_missing
from rag.answer.generative.markers import claims, normalize_markers, says_not_found
from rag.answer.generative.prompt import Prompt, fit, history_turns, instructions, select_sentences, user_message
from rag.answer.generative.verify import Check, answer_check_prompt, reads_found, reads_yes, verification_prompt
from rag.answer.grounding import (
    MARKER,
    claim_span,
    ground,
    markers,
    sentences,
    state_figures_in_english,
)
from rag.errors import ModelError
from rag.fold import to_traditional
from rag.profile import EMPTY, Profile
from rag.question import question_script
from rag.types import Answer, Citation, Hit

log = logging.getLogger(__name__)

RELATED = 3  # passages offered with an abstention, as the extractive answerer does
# Text an answer puts in quotation marks: kept byte for byte when it is the source's own.
_QUOTED = re.compile(r"“([^”]+)”|「([^」]+)」|『([^』]+)』|\"([^\"]+)\"")
MIN_PROMPT_BUDGET = 16
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """A cautious token count for a BPE model that has not been asked: a CJK character each, 3 other characters.

    >>> estimate_tokens("昌都 Chamdo")
    5
    """
    cjk = len(_CJK.findall(text))
    return cjk + -(-(len(text) - cjk) // 3)


class GenerativeAnswerer:
    """An answerer that has a model write the answer, then cites and grounds it.

    Backends override :meth:`generate_text` and :meth:`stream_text`, and may override
    :meth:`count_tokens`, :meth:`render` (to fill ``Prompt.text``) and ``control_tokens``.

    Args:
        name: The model's name (messages and logs).
        max_new_tokens: Longest answer in tokens.
        max_passages: Most passages put in the prompt (the best ones).
        context_length: The model's context window in tokens.
        sentences_per_passage: Sentences kept per passage (0 keeps whole passages).
        fallback: Answers when the model's claims all fail the checks (None: abstain).
        uses_history: Whether earlier turns go into the prompt.
        shares_context: Whether the answer shares the window with the prompt (decoder-only models).
        verify: Ask the model whether the cited sentences answer the question (``answerer.verify``).
        in_headings: Whether a term is a title or heading word of the corpus (the subject check's
            names; ``Pipeline.in_headings``). None: only the given passages' headings count.
        profile: The corpus's domain profile (``rag.profile``): units and place names for reading the
            question in sentence selection and the subject check.
        max_sentence_chars: A kept sentence longer than this is cut to its clauses around the
            question's terms (0: whole sentences; ``answerer.max_sentence_chars``).
    """

    control_tokens: list[str] = []

    def __init__(
        self,
        name: str,
        max_new_tokens: int = 128,
        max_passages: int = 5,
        context_length: int = 4096,
        sentences_per_passage: int = 0,
        fallback: Answerer | None = None,
        uses_history: bool = True,
        shares_context: bool = True,
        verify: bool = False,
        in_headings: Callable[[str], bool] | None = None,
        profile: Profile = EMPTY,
        max_sentence_chars: int = 0,
    ) -> None:
        self.name = name
        self.max_new_tokens = max_new_tokens
        self.max_passages = max_passages
        self.context_length = context_length
        self.sentences_per_passage = sentences_per_passage
        self.fallback = fallback
        self.uses_history = uses_history
        self.shares_context = shares_context
        self.verify = verify
        self.in_headings = in_headings
        self.profile = profile
        self.max_sentence_chars = max_sentence_chars
        # The extractive answerer's sentence scores (``ExtractiveAnswerer.sentence_scores``), when the
        # factory wires it: the prompt then keeps the sentences it ranks best.
        self.sentence_ranker: Callable[[str, list[Hit]], dict[tuple[int, int], float]] | None = None
        self.sentence_margin: float | None = None  # answerer.sentence_margin: near ties kept beyond the best

    def check_budget(self) -> None:
        """Raise ``ModelError`` when ``max_new_tokens`` leaves no room for a prompt."""
        if self.prompt_budget < MIN_PROMPT_BUDGET:
            # Otherwise every prompt would be "too long" and each question would silently abstain.
            raise ModelError(
                f"answerer.max_new_tokens={self.max_new_tokens} leaves no room for a prompt in the "
                f"{self.context_length}-token context of {self.name}"
            )

    @property
    def prompt_budget(self) -> int:
        """Tokens the prompt may use: the context, minus the answer when both share the window."""
        return self.context_length - (self.max_new_tokens if self.shares_context else 0)

    # -- backend hooks ------------------------------------------------------------------------------
    def count_tokens(self, prompt: Prompt) -> int:
        """Tokens ``prompt`` takes (default: :func:`estimate_tokens` over its messages)."""
        return sum(estimate_tokens(m["content"]) + 4 for m in prompt.messages())

    def render(self, prompt: Prompt) -> None:
        """Fill ``prompt.text`` / ``add_special_tokens`` for backends that tokenize one string (default: nothing)."""

    def generate_text(self, prompt: Prompt) -> str:
        """The raw answer to ``prompt`` (greedy).

        Raises:
            ModelError: Generation failed.
        """
        raise NotImplementedError

    def stream_text(self, prompt: Prompt) -> Iterator[str]:
        """Raw answer pieces as they are generated; closing the iterator stops generation.

        Raises:
            ModelError: Generation failed.
        """
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------------------------
    def answer(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``hits`` (see the module docstring).

        Returns:
            The grounded answer with citations numbered as in its text, the fallback's answer, or an
            abstention. ``timings["generate"]`` holds the generation seconds.
        """
        prompt = self.build_prompt(question, hits, history)
        if prompt is None:
            return abstention(question_script(question), hits, RELATED)
        t = time.perf_counter()
        raw = self.generate_text(prompt)
        return self.finish(raw, prompt, hits, {"generate": time.perf_counter() - t}, question, history)

    def stream(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield raw text pieces as the model writes them, then the final grounded ``Answer``.

        Raises:
            ModelError: Generation failed.
        """
        prompt = self.build_prompt(question, hits, history)
        if prompt is None:
            yield abstention(question_script(question), hits, RELATED)
            return
        t = time.perf_counter()
        pieces: list[str] = []
        stream = self.stream_text(prompt)
        try:
            for piece in stream:
                if piece:
                    if not pieces:
                        first = time.perf_counter() - t
                    pieces.append(piece)
                    yield piece
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        timings = {"generate": time.perf_counter() - t}
        if pieces:
            timings["first_token"] = first
        yield self.finish("".join(pieces), prompt, hits, timings, question, history)

    # -- prompt -------------------------------------------------------------------------------------
    def build_prompt(self, question: str, hits: list[Hit], history: list[dict] | None = None) -> Prompt | None:
        """The prompt for ``question``: best passages, trimmed to their sentences that matter, fitted to the context.

        Returns:
            The prompt, or None when there are no passages or not even one trimmed passage fits.
        """
        lang = question_script(question)
        hits = hits[: self.max_passages]
        if not hits:
            return None
        turns = history_turns(history, self.control_tokens) if self.uses_history else []
        scores = self.sentence_ranker(question, hits) if self.sentence_ranker is not None else None
        texts = [
            select_sentences(
                question,
                h.chunk.text,
                self.sentences_per_passage,
                self.max_sentence_chars,
                self.profile,
                None if scores is None else (lambda offset, i=i: scores.get((i, offset))),
                self.sentence_margin,
            )
            for i, h in enumerate(hits)
        ]
        system = instructions(lang)

        def render(n_turns: int, passages: list[str]) -> tuple[Prompt, int]:
            shown = hits[: len(passages)]
            prompt = Prompt(
                system=system,
                user=user_message(lang, question, shown, passages, self.control_tokens),
                hits=shown,
                passages=passages,
                lang=lang,
                turns=turns[len(turns) - n_turns :],
            )
            self.render(prompt)
            return prompt, self.count_tokens(prompt)

        return fit(render, texts, len(turns), self.prompt_budget, lambda n: turns[len(turns) - n]["role"] == "user")

    # -- checking the output ------------------------------------------------------------------------
    def finish(
        self,
        raw: str,
        prompt: Prompt,
        hits: list[Hit],
        timings: dict[str, float] | None = None,
        question: str = "",
        history: list[dict] | None = None,
    ) -> Answer:
        """Turn raw model output into the final, grounded ``Answer``.

        Args:
            raw: The model's text, with markers in prompt numbering.
            prompt: The prompt it answered (its ``hits`` define ``[1]..[k]``).
            hits: All hits (related passages for an abstention, and the fallback's input).
            timings: Seconds per stage, copied into the answer.
            question: The question (sentence matching for citation spans; the fallback).
            history: Earlier turns (the fallback).

        Returns:
            The answer with one ``Citation`` per cited (passage, sentence), numbered by first use; an
            abstention when the model said it cannot find the answer; the fallback's answer (or an
            abstention) when none of its claims survives the checks.
        """
        timings = dict(timings or {})
        text = normalize_markers(raw).strip()
        parts = [x for x in sentences(text) if x.strip()]
        # The model was told to say it cannot find the answer: opening with that is an abstention.
        if not parts or says_not_found(parts[0]):
            return abstention(prompt.lang, hits, RELATED, timings)
        passages = {i + 1: p for i, p in enumerate(prompt.passages)}
        cited = "".join(x for x in (cite_missing(c, passages) for c in claims(text)) if MARKER.search(x)).strip()
        checked = ground(cited, passages)
        if checked.dropped:
            log.debug("guard dropped %s (ungrounded figures %s)", checked.dropped, checked.ungrounded_numbers)
        if not checked.text or not markers(checked.text):
            return self._fall_back(question, hits, history, prompt.lang, timings)
        final, citations = self._cite(checked.text, prompt, question)
        if question and not self._on_subject(question, final, citations, prompt, timings):
            return self._fall_back(question, hits, history, prompt.lang, timings)
        return Answer(final, citations, False, [], timings)

    def _on_subject(
        self, question: str, text: str, citations: list[Citation], prompt: Prompt, timings: dict[str, float]
    ) -> bool:
        """Whether ``text`` is about what was asked: the subject check, its figures' unit, ``verify``'s yes."""
        gaps = subject.missing(question, citations, prompt.hits, self.in_headings, self.profile, MARKER.sub("", text))
        if gaps:
            log.debug("the cited sentences miss %s of the question: not answered", gaps)
            return False
        if not self.verify:
            return True
        check = verification_prompt(question, prompt.lang, citations, prompt.hits, self.control_tokens)
        self.render(check)
        t = time.perf_counter()
        verdict = reads_yes(self.generate_text(check))
        timings["verify"] = time.perf_counter() - t
        if verdict is False:
            log.debug("the model says the cited sentences do not answer the question")
        return verdict is not False

    def judge(self, question: str, answer: Answer, hits: list[Hit], check: Check = "yesno") -> bool | None:
        """The model's verdict on whether ``answer``'s cited sentences answer ``question`` (any answerer's answer).

        One short prompt of the answering system text, only the cited sentences and the question
        (:mod:`rag.answer.generative.verify`): ``yesno``, "do they answer it?", a reply of a token
        or two; ``answer``, the answering prompt itself, its reply cut after a few tokens (does the
        model find an answer there?).

        Args:
            question: The question answered.
            answer: The answer to check; only its citations (quotes of ``hits``) are shown.
            hits: The passages the answer came from (headings of the cited passages).
            check: ``yesno`` or ``answer``.

        Returns:
            False when the model says the sentences do not answer, True when it answers or says
            yes, None when its reply is neither or ``answer`` cites no passage of ``hits``.

        Raises:
            ModelError: Generation failed.
        """
        lang = question_script(question)
        build, read = (answer_check_prompt, reads_found) if check == "answer" else (verification_prompt, reads_yes)
        prompt = build(question, lang, answer.citations, hits, self.control_tokens)
        if not prompt.passages:
            return None
        self.render(prompt)
        return read(self.generate_text(prompt))

    def _fall_back(
        self, question: str, hits: list[Hit], history: list[dict] | None, lang: str, timings: dict[str, float]
    ) -> Answer:
        if self.fallback is None or not question:
            return abstention(lang, hits, RELATED, timings)
        answer = self.fallback.answer(question, hits, history)
        answer.timings = timings | answer.timings | {"fallback": 1.0}
        return answer

    def _cite(self, text: str, prompt: Prompt, question: str) -> tuple[str, list[Citation]]:
        """Renumber markers by (passage, claim sentence) and build exact-span citations."""
        keys: dict[tuple[int, int, int], int] = {}
        out: list[str] = []
        for sentence in sentences(text):
            cited = list(dict.fromkeys(markers(sentence)))
            spans = {n: claim_span(sentence, prompt.hits[n - 1].chunk.text, question) for n in cited}
            new = {n: keys.setdefault((n, *spans[n]), len(keys) + 1) for n in cited}
            body = MARKER.sub(lambda m, new=new: f"[{new[int(m.group(1))]}]", sentence)
            if prompt.lang == "en":
                body = state_figures_in_english(body, [prompt.passages[n - 1] for n in cited])
            elif prompt.lang == "zh-Hant":
                body = to_traditional(body, _quotes_of(body, [prompt.hits[n - 1].chunk.text for n in cited]))
            out.append(body)
        citations = []
        for (n, s, e), number in keys.items():
            c = prompt.hits[n - 1].chunk
            citations.append(Citation(number, c.doc_id, c.chunk_id, c.start + s, c.start + e, c.text[s:e]))
        return "".join(out).strip(), citations


def _quotes_of(text: str, sources: list[str]) -> list[str]:
    """The quoted pieces of ``text`` that are verbatim source text (left unconverted).

    >>> _quotes_of("称为“两不愁”和“三保障”。", ["实现“两不愁”"])
    ['两不愁']
    """
    pieces = (next(g for g in m.groups() if g) for m in _QUOTED.finditer(text))
    return [p for p in pieces if any(p in s for s in sources)]
