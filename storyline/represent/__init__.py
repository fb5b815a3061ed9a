"""Represent an article as vectors: several embedding views and a MinHash signature.

Views (all built from the title and body only, so they do not change when the
enrichment stage changes):

- ``title``: the title, or the first sentence when there is no usable title;
- ``lead``: title plus the first sentences (~400 characters);
- ``headtail``: title, the head and the tail of the body (the 2022 winners found the
  end of a long article carries as much signal as its start);
- ``chunks``: the body cut into sentence-bounded pieces of ~600 characters, at most
  ``max_chunks`` of them spread over the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Article
from .embeddings import (
    EmbeddingCache,
    EmbeddingModel,
    EmbeddingSpec,
    Embedder,
    Vectors,
    cosine,
    cosine_matrix,
    embed_texts,
    load_embedder,
)
from .minhash import MinHashSpec, Signature, jaccard, minhash_signature

__all__ = [
    "EmbeddingCache",
    "EmbeddingModel",
    "EmbeddingSpec",
    "Embedder",
    "MinHashSpec",
    "Representation",
    "Signature",
    "Vectors",
    "article_views",
    "cosine",
    "cosine_matrix",
    "embed_texts",
    "jaccard",
    "load_embedder",
    "minhash_signature",
    "represent_article",
    "split_sentences",
]

VIEWS = ("title", "lead", "headtail", "chunks")
# Which views each model embeds. e5 (a 12-layer transformer) costs ~0.1 s per 100
# tokens on 2 cores against ~1 ms for USE, so it reads the lead only (~100 tokens).
DEFAULT_VIEWS: dict[str, tuple[str, ...]] = {
    "usem3": ("title", "lead", "headtail", "chunks"),
    "e5": ("lead",),
}

_SENT_END = re.compile(r"(?<=[.!?。！？؟])\s+|\n+|(?<=[。！？])")
_MAX_TITLE = 250
_LEAD_CHARS = 400
_HEAD_CHARS = 1400
_TAIL_CHARS = 500
_CHUNK_CHARS = 600


def split_sentences(text: str) -> list[str]:
    """A light, language-agnostic sentence split (punctuation and line breaks)."""
    return [s.strip() for s in _SENT_END.split(text) if s and s.strip()]


def _clean(text: str) -> str:
    return " ".join(text.split())


def _title_of(title: str, sentences: list[str]) -> str:
    t = _clean(title or "")
    if t and len(t) <= _MAX_TITLE:
        return t
    first = sentences[0] if sentences else t
    return first[:_MAX_TITLE]


def article_views(title: str, body: str, max_chunks: int = 8) -> dict[str, list[str]]:
    """The texts each view embeds (``chunks`` has one or more; the others exactly one).

    Example:
        >>> v = article_views("Talks in Moscow", "Officials met. They talked.")
        >>> v["lead"]
        ['Talks in Moscow. Officials met. They talked.']
    """
    sentences = split_sentences(body)
    head_title = _title_of(title, sentences)
    body_c = _clean(body)
    if head_title and body_c.startswith(head_title):  # HFL-style texts: title as prefix
        body_c = body_c[len(head_title) :].lstrip(" .:-")
        rest = split_sentences(body_c)
    else:
        rest = sentences

    lead_parts: list[str] = []
    for s in rest:
        if lead_parts and sum(len(p) for p in lead_parts) + len(s) > _LEAD_CHARS:
            break
        lead_parts.append(_clean(s))
    lead = _join(head_title, " ".join(lead_parts))

    if len(body_c) <= _HEAD_CHARS + _TAIL_CHARS:
        headtail = _join(head_title, body_c)
    else:
        head = body_c[:_HEAD_CHARS].rsplit(" ", 1)[0]
        tail = body_c[-_TAIL_CHARS:].split(" ", 1)[-1]
        headtail = _join(head_title, f"{head} … {tail}")

    chunks: list[str] = []
    cur = ""
    for s in rest:
        s = _clean(s)
        if cur and len(cur) + len(s) > _CHUNK_CHARS:
            chunks.append(cur)
            cur = ""
        cur = f"{cur} {s}".strip()
    if cur:
        chunks.append(cur)
    if not chunks:
        chunks = [head_title or "."]
    if len(chunks) > max_chunks:
        step = (len(chunks) - 1) / (max_chunks - 1)
        chunks = [chunks[round(i * step)] for i in range(max_chunks)]
    return {"title": [head_title or "."], "lead": [lead], "headtail": [headtail], "chunks": chunks}


def _join(title: str, text: str) -> str:
    if not title:
        return text or "."
    if not text:
        return title
    sep = " " if title[-1:] in ".!?。！？؟:" else ". "
    return f"{title}{sep}{text}"


@dataclass
class Representation:
    """Vectors of one article: ``vectors[(model, view)]`` and a MinHash signature."""

    article_id: str
    vectors: dict[tuple[str, str], Vectors] = field(default_factory=dict)
    signature: Signature | None = None

    @property
    def specs(self) -> set[EmbeddingSpec]:
        return {v.spec for v in self.vectors.values()}


def represent_article(
    article: Article,
    embedders: Iterable[Embedder] | None = None,
    views: dict[str, tuple[str, ...]] | None = None,
    minhash: MinHashSpec | None = MinHashSpec(),
) -> Representation:
    """Embed an article's views with each model and sign it with MinHash.

    Args:
        article: the article (title and body are used).
        embedders: loaded models; default both ``usem3`` and ``e5`` with 2 threads.
        views: per model name, which views to embed (default :data:`DEFAULT_VIEWS`).
        minhash: MinHash parameters, or ``None`` for no signature.

    Raises:
        ModelError: a model is missing or failed.
    """
    if embedders is None:
        embedders = [load_embedder("usem3"), load_embedder("e5")]
    views = views or DEFAULT_VIEWS
    texts = article_views(article.title, article.body)
    rep = Representation(article.id)
    for emb in embedders:
        wanted = views.get(emb.spec.model, ())
        flat: list[str] = []
        spans: list[tuple[str, int, int]] = []
        for view in wanted:
            spans.append((view, len(flat), len(flat) + len(texts[view])))
            flat.extend(texts[view])
        if not flat:
            continue
        vecs = emb.embed(flat)
        for view, lo, hi in spans:
            rep.vectors[(emb.spec.model, view)] = vecs[lo:hi]
    if minhash is not None:
        rep.signature = minhash_signature(
            f"{article.title}\n{article.body}", minhash.num_perm, minhash.seed, minhash.shingle
        )
    return rep
