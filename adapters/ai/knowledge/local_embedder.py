"""The embedding model that ships inside a PyPI package: WordLlama's `l2_supercat` at 256
dimensions (token embeddings taken from large language models and averaged; MIT licence).

Its weights (16 MB of safetensors) and its tokenizer are files of the `wordllama` wheel, and
they are loaded from the package's own folder with downloads disabled: nothing is fetched at run
time, and no network is needed. (wordllama looks for its tokenizer under `tokenizer/`, the wheel
has it under `tokenizers/`; as a cache directory the package folder matches both.) It runs on
the CPU in microseconds per text, so the embedded default and the tests need no AI key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from application.ai.knowledge.ports import EmbeddedTexts
from application.ai.ports import EmbeddingTask

MODEL = "wordllama/l2_supercat_256"
# Averaged token vectors of Indonesian text are alike: on the sample SOPs (bench/kb.py) a
# question about something else still reaches 0.59 with its nearest passage, while a relevant
# passage that shares few of a question's words scores 0.69. Below this a passage is relevant
# only if it holds enough of the question's words.
LOCAL_MIN_SIMILARITY = 0.65


class WordLlamaEmbedder:
    """Implements `Embedder` on this machine: never unavailable, no AI usage to record."""

    def __init__(self, min_similarity: float = LOCAL_MIN_SIMILARITY) -> None:
        self._min_similarity = min_similarity
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return MODEL

    @property
    def min_similarity(self) -> float:
        return self._min_similarity

    def embed(self, tenant_id: UUID, texts: Sequence[str], task: EmbeddingTask) -> EmbeddedTexts:
        if not texts:
            return EmbeddedTexts([], [])
        vectors = self._loaded().embed(list(texts), norm=True)
        return EmbeddedTexts([[float(v) for v in row] for row in vectors], [])

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load()
            return self._model


def _load() -> Any:
    # Importing wordllama configures the root logger (logging.basicConfig in its inference
    # module): whatever it sets up is undone, so Niaga's own logging stays as configured.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    package = Path(wordllama.__file__).parent
    return WordLlama.load(cache_dir=package, disable_download=True)
