"""MinHash signatures for near-duplicate detection, with the parameters that made them.

A :class:`Signature` records ``num_perm``, ``seed`` and the shingle size; comparing
two signatures made with different parameters raises :class:`ModelError` instead of
returning a meaningless number.

Example:
    >>> a = minhash_signature("the meeting was held in Moscow on Monday")
    >>> b = minhash_signature("the meeting was held in Moscow on Monday.")
    >>> jaccard(a, b) > 0.8
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from ..errors import ModelError

__all__ = ["MinHashSpec", "Signature", "jaccard", "minhash_signature", "shingles"]

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class MinHashSpec:
    """Parameters of a MinHash signature."""

    num_perm: int = 128
    seed: int = 1
    shingle: int = 5  # characters per shingle


@dataclass(frozen=True)
class Signature:
    """A MinHash signature (hash values) and its spec."""

    spec: MinHashSpec
    hashvalues: np.ndarray

    def to_minhash(self) -> MinHash:
        """The datasketch object (for LSH indexes)."""
        return MinHash(num_perm=self.spec.num_perm, seed=self.spec.seed, hashvalues=self.hashvalues)


def shingles(text: str, size: int = 5) -> set[str]:
    """Lower-cased, whitespace-normalised character shingles of a text.

    Characters rather than words so the same code works for Chinese or Arabic.
    """
    if size < 1:
        raise ValueError("shingle size must be >= 1")
    norm = _WS.sub(" ", text.lower()).strip()
    if len(norm) <= size:
        return {norm} if norm else set()
    return {norm[i : i + size] for i in range(len(norm) - size + 1)}


def minhash_signature(text: str, num_perm: int = 128, seed: int = 1, shingle: int = 5) -> Signature:
    """MinHash signature of the character shingles of ``text``.

    Args:
        text: any text.
        num_perm: number of permutations (signature length).
        seed: permutation seed; only signatures with the same seed are comparable.
        shingle: characters per shingle.
    """
    if num_perm < 1:
        raise ValueError("num_perm must be >= 1")
    mh = MinHash(num_perm=num_perm, seed=seed)
    grams = shingles(text, shingle)
    if grams:
        mh.update_batch([g.encode("utf-8") for g in grams])
    return Signature(MinHashSpec(num_perm, seed, shingle), mh.hashvalues.copy())


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of two signatures.

    Raises:
        ModelError: the signatures were made with different parameters.
    """
    if a.spec != b.spec:
        raise ModelError(f"cannot compare MinHash signatures made with {a.spec} and {b.spec}")
    return float(np.mean(a.hashvalues == b.hashvalues))
