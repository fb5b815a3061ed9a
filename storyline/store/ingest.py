"""Ingest into the store: analyse, embed, sign, cluster and write, batch by batch.

Every batch is written in one transaction together with the ingest-progress rows of
its records, so a process killed half-way loses at most the batch in flight; the
rerun skips the records already marked done (before analysing them) and completes
the rest. Articles whose id is already stored change nothing.

Example:
    >>> store = Store(":memory:")                       # doctest: +SKIP
    >>> report = ingest_paths(store, ["storyline/data/demo"])  # doctest: +SKIP
    >>> report.added > 0                                # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..cluster import (
    CLUSTER_VIEW,
    ClusterParams,
    DEFAULT_PARAMS,
    DocFeatures,
    StoryClusterer,
    doc_features,
    sign_article,
    stream_order,
)
from ..config import Settings
from ..errors import StoreError
from ..models import Article, Failure, RawRecord
from .db import Store

logger = logging.getLogger(__name__)

__all__ = ["IngestReport", "cluster_params", "ingest_articles", "ingest_paths", "load_clusterer"]

_CLUSTERER = "clusterer"  # key of the live clusterer in Store.extras


@dataclass
class IngestReport:
    """What an ingest did."""

    records: int = 0  # records read (articles + failures), skipped ones excluded
    added: int = 0  # new articles stored
    existing: int = 0  # articles whose id was already stored (nothing changed)
    copies: int = 0  # new articles that are near-duplicates of a stored one
    failed: int = 0  # records kept in the failures table
    skipped: int = 0  # records already ingested by an earlier (possibly killed) run
    new_stories: int = 0
    merges: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # "source: stage: reason", first 20

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def cluster_params(settings: Settings) -> ClusterParams:
    """Clusterer tunables with the thresholds the settings override."""
    return replace(
        DEFAULT_PARAMS,
        story_threshold=settings.story_threshold,
        storyline_threshold=settings.storyline_threshold,
        time_decay_days=settings.time_decay_days,
    )


def load_clusterer(store: Store, settings: Settings | None = None) -> StoryClusterer | None:
    """The store's live clusterer, rebuilt from the stored vectors, features and
    stories on first use (``None`` while the store holds no vectors)."""
    cached = store.extras.get(_CLUSTERER)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    settings = settings or Settings()
    ids, arr, _spec = store.load_vectors(CLUSTER_VIEW)
    if not ids:
        return None
    started = time.perf_counter()
    clusterer = StoryClusterer(dim=int(arr.shape[1]), params=cluster_params(settings),
                               num_perm=settings.minhash_perm)
    row_of = {aid: i for i, aid in enumerate(ids)}
    sigs = {aid: values for aid, _spec, values in store.load_signatures()}
    lines = {r["id"]: r["storyline_id"] for r in store.story_rows()}
    for aid, feats, story, dup in store.load_cluster_features():
        if aid not in row_of or story is None:
            continue
        sid = store.resolve_story(story)
        clusterer.restore(
            DocFeatures.from_dict(feats), arr[row_of[aid]], sid, lines.get(sid), sigs.get(aid), dup
        )
    clusterer.pop_changes()
    logger.info("clusterer rebuilt from %d articles in %.1fs", len(clusterer),
                time.perf_counter() - started)
    store.extras[_CLUSTERER] = clusterer
    return clusterer


def _embed(articles: Sequence[Article], settings: Settings) -> tuple[str, np.ndarray]:
    from ..represent import article_views, load_embedder

    emb = load_embedder(settings.embedding_model, settings.embedding_threads)
    texts = [article_views(a.title, a.body)[CLUSTER_VIEW][0] for a in articles]
    return emb.spec.key, emb.embed(texts).array


def _write_batch(
    store: Store,
    articles: Sequence[Article],
    settings: Settings,
    report: IngestReport,
    done: Sequence[tuple[str, str, str, str | None]] = (),
    failures: Sequence[Failure] = (),
) -> dict[str, bool]:
    """Cluster and store one batch in one transaction. Returns {id: newly added}."""
    out: dict[str, bool] = {}
    fresh: dict[str, Article] = {}
    for a in articles:
        out.setdefault(a.id, False)
        if a.id not in fresh and not store.has_article(a.id):
            fresh[a.id] = a
    new = list(fresh.values())
    report.existing += len(articles) - len(new)
    spec, vectors = _embed(new, settings) if new else ("", np.zeros((0, 0), np.float32))
    sig_spec = f"minhash/{settings.minhash_perm}/{settings.minhash_seed}/char{settings.shingle_size}"
    clusterer = load_clusterer(store, settings)
    if clusterer is None and new:
        clusterer = StoryClusterer(dim=int(vectors.shape[1]), params=cluster_params(settings),
                                   num_perm=settings.minhash_perm)
        store.extras[_CLUSTERER] = clusterer
    try:
        with store.transaction():
            for i in stream_order(new):
                a = new[i]
                assert clusterer is not None
                doc = doc_features(a)
                sig = sign_article(a, num_perm=settings.minhash_perm)
                decision = clusterer.add(doc, vectors[i], sig)
                report.added += 1
                report.copies += decision.dup_of is not None
                report.new_stories += decision.new_story
                report.merges += len(decision.merged)
                store.add_article(
                    a, vectors={CLUSTER_VIEW: (spec, vectors[i])}, signature=(sig_spec, sig),
                    features=doc.to_dict(), story_id=decision.story_id,
                    dup_group=clusterer.dup_group_of(a.id),
                )
                if decision.new_story:
                    store.save_story(decision.story_id, decision.storyline_id, label=a.title or None)
                out[a.id] = True
            if clusterer is not None:
                changes, line_merges = clusterer.pop_changes()
                for ch in changes:
                    if ch.merged_into is None:
                        store.save_story(ch.story_id, ch.storyline_id)
                for ch in changes:
                    if ch.merged_into is not None:
                        store.merge_story(ch.story_id, ch.merged_into)
                for gone, kept in line_merges:
                    store.merge_storyline(gone, kept)
            for f in failures:
                store.record_failure(f)
            for key, source, status, aid in done:
                store.mark_done(key, source, status, aid)
    except BaseException:
        # the in-memory state holds articles the store does not: rebuild it next time
        store.extras.pop(_CLUSTERER, None)
        raise
    return out


def ingest_articles(
    store: Store, articles: Sequence[Article], settings: Settings | None = None
) -> dict[str, bool]:
    """Store and cluster already analysed articles (one transaction).

    Returns:
        {article id: True if it was new}.
    """
    settings = settings or Settings()
    return _write_batch(store, list(articles), settings, IngestReport())


def record_key(record: RawRecord) -> str:
    """Identity of a raw record for resuming: where it is and what it holds."""
    h = hashlib.sha1(record.content.encode("utf-8", "replace")).hexdigest()[:16]
    return f"{record.source}#{h}"


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    batch_size: int = 32,
    on_progress: Callable[[IngestReport], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read, analyse, embed, cluster and store every record under ``paths``.

    Args:
        store: an open store.
        paths: files or folders in any format ``storyline read`` takes.
        batch_size: articles per transaction (and per embedding batch).
        on_progress: called after each record with the running report.
        total: called once with the number of records, before the work starts.

    Returns:
        the :class:`IngestReport`.
    """
    from ..pipeline import count_records, read_articles

    settings = settings or Settings()
    paths = [str(p) for p in paths]
    report = IngestReport()
    started = time.perf_counter()
    if total is not None:
        total(count_records(paths, settings))
    pending_key: list[str] = []

    def skip(rec: RawRecord) -> bool:
        key = record_key(rec)
        if store.is_done(key):
            report.skipped += 1
            if on_progress is not None:
                on_progress(report)
            return True
        pending_key.append(key)
        return False

    batch: list[Article] = []
    done: list[tuple[str, str, str, str | None]] = []
    fails: list[Failure] = []

    def flush() -> None:
        if batch or fails or done:
            _write_batch(store, batch, settings, report, done, fails)
        batch.clear()
        done.clear()
        fails.clear()

    for item in read_articles(paths, settings, skip=skip):
        key = pending_key.pop() if pending_key else None
        if isinstance(item, Failure) and key is None:
            # refused before analysis (unreadable file): known by source and reason
            key = f"{item.source}#{item.stage}:{item.reason}"
            if store.is_done(key) or any(k == key for k, *_ in done):
                report.skipped += 1
                continue
        report.records += 1
        if isinstance(item, Failure):
            report.failed += 1
            if len(report.failures) < 20:
                report.failures.append(str(item))
            fails.append(item)
            assert key is not None
            done.append((key, str(item.source), "failed", None))
        else:
            batch.append(item)
            done.append((key or f"{item.source}#{item.id}", str(item.source), "article", item.id))
        if len(batch) >= batch_size or len(done) >= 4 * batch_size:
            flush()
        if on_progress is not None:
            on_progress(report)
    flush()
    report.seconds = time.perf_counter() - started
    logger.info("ingest: %s", report.to_dict())
    return report

