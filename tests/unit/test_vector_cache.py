"""Embedding vectors kept on disk between runs: the second encoder computes nothing, and a broken
cache file costs a warning, never a run."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from agents.embedding import DIMENSIONS, SentenceEncoder
from agents.vector_cache import VectorCache

TEXTS = ["Prices go up 30% next month.", "The library keeps its Sunday hours.",
         "We should spend $2M on a Super Bowl ad."]


class CountingEncoder(SentenceEncoder):
    computed = 0

    def _forward(self, texts):
        CountingEncoder.computed += len(texts)
        return super()._forward(texts)


def test_a_second_encoder_reads_what_the_first_computed(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    first = CountingEncoder(disk=VectorCache(path, DIMENSIONS)).encode(TEXTS)
    assert CountingEncoder.computed == 3
    again = CountingEncoder(disk=VectorCache(path, DIMENSIONS)).encode([*TEXTS, "Something new."])
    assert CountingEncoder.computed == 4  # only the new sentence
    np.testing.assert_array_equal(again[:3], first)


def test_a_corrupt_cache_file_is_set_aside_with_a_warning(tmp_path: Path, caplog) -> None:
    path = tmp_path / "vectors.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        vectors = SentenceEncoder(disk=VectorCache(path, DIMENSIONS)).encode(TEXTS)
    assert vectors.shape == (3, DIMENSIONS)
    assert "embedding cache" in caplog.text and "fix:" in caplog.text


def test_an_unwritable_cache_folder_costs_nothing(tmp_path: Path, caplog) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        cache = VectorCache(blocked / "vectors.sqlite", DIMENSIONS)
        vectors = SentenceEncoder(disk=cache).encode(TEXTS)
    assert vectors.shape == (3, DIMENSIONS) and "unusable" in caplog.text
    assert cache.get(TEXTS) == {}


def test_a_foreign_vector_is_recomputed(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    cache = VectorCache(path, DIMENSIONS)
    cache.put({TEXTS[0]: np.ones(7, np.float32)})  # another model's, or a cut-off write
    assert cache.get([TEXTS[0]]) == {}
