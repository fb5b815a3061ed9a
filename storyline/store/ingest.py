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
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
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
from .db import Store, article_json

logger = logging.getLogger(__name__)

__all__ = ["IngestReport", "cluster_params", "consolidate", "ingest_articles", "ingest_paths", "load_clusterer"]

_CLUSTERER = "clusterer"  # key of the live clusterer in Store.extras
_CONSOLIDATED = "consolidated_through"  # meta: the last article row a consolidation saw


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
    splits: int = 0  # stories split off by consolidation
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
    # stories grown by a run that ended (or was killed) before its consolidation
    clusterer.mark_for_consolidation(store.story_ids_after(int(store.get_meta(_CONSOLIDATED) or 0)))
    logger.info("clusterer rebuilt from %d articles in %.1fs", len(clusterer),
                time.perf_counter() - started)
    store.extras[_CLUSTERER] = clusterer
    return clusterer


def _embed(articles: Sequence[Article], settings: Settings, threads: int | None = None) -> tuple[str, np.ndarray]:
    from ..represent import article_views, load_embedder

    emb = load_embedder(settings.embedding_model, threads or settings.embedding_threads)
    texts = [article_views(a.title, a.body)[CLUSTER_VIEW][0] for a in articles]
    return emb.spec.key, emb.embed(texts).array


def _write_batch(
    store: Store,
    articles: Sequence[Article],
    settings: Settings,
    report: IngestReport,
    done: Sequence[tuple[str, str, str, str | None]] = (),
    failures: Sequence[Failure] = (),
    prepared: dict[str, _Prepared] | None = None,
    embed_threads: int | None = None,
    final: bool = False,
) -> dict[str, bool]:
    """Cluster and store one batch in one transaction (consolidating the stories
    grown so far when ``final`` is set or ``consolidate_every`` articles were
    added since the last time). Returns {id: newly added}."""
    out: dict[str, bool] = {}
    fresh: dict[str, Article] = {}
    for a in articles:
        out.setdefault(a.id, False)
        if a.id not in fresh and not store.has_article(a.id):
            fresh[a.id] = a
    new = list(fresh.values())
    report.existing += len(articles) - len(new)
    given = [prepared.get(a.id) if prepared else None for a in new]
    made = [p.vector for p in given if p is not None and p.vector is not None]
    if new and len(made) == len(new):
        spec = made[0][0]
        vectors = np.stack([vec for _spec, vec in made])
    else:
        spec, vectors = _embed(new, settings, embed_threads) if new else ("", np.zeros((0, 0), np.float32))
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
                prep = given[i]
                features: dict[str, Any] | str
                data: str | None
                if prep is not None:
                    doc, sig, features, data = prep.features, prep.signature, prep.features_json, prep.data_json
                else:
                    doc = doc_features(a)
                    sig = sign_article(a, num_perm=settings.minhash_perm)
                    features, data = doc.to_dict(), None
                decision = clusterer.add(doc, vectors[i], sig)
                report.added += 1
                report.copies += decision.dup_of is not None
                report.new_stories += decision.new_story
                report.merges += len(decision.merged)
                store.add_article(
                    a, vectors={CLUSTER_VIEW: (spec, vectors[i])}, signature=(sig_spec, sig),
                    features=features, story_id=decision.story_id,
                    dup_group=clusterer.dup_group_of(a.id), data_json=data,
                )
                if decision.new_story:
                    store.save_story(decision.story_id, decision.storyline_id, label=a.title or None)
                out[a.id] = True
            if clusterer is not None:
                if final or clusterer.added_since_consolidation >= clusterer.params.consolidate_every:
                    report.splits += _consolidate(store, clusterer)
                _save_changes(store, clusterer)
            for f in failures:
                store.record_failure(f)
            for key, source, status, aid in done:
                store.mark_done(key, source, status, aid)
    except BaseException:
        # the in-memory state holds articles the store does not: rebuild it next time
        store.extras.pop(_CLUSTERER, None)
        raise
    return out


def _save_changes(store: Store, clusterer: StoryClusterer) -> None:
    """Write what the clusterer changed since the last call (inside a transaction)."""
    changes, line_merges = clusterer.pop_changes()
    for ch in changes:
        if ch.merged_into is None:
            store.save_story(ch.story_id, ch.storyline_id)
    for ch in changes:
        if ch.moved:
            store.move_articles(ch.merged_into or ch.story_id, ch.moved)
    for ch in changes:
        if ch.merged_into is not None:
            store.merge_story(ch.story_id, ch.merged_into)
    for gone, kept in line_merges:
        store.merge_storyline(gone, kept)


def _consolidate(store: Store, clusterer: StoryClusterer) -> int:
    """Consolidate the clusterer and mark how far it looked (inside a transaction)."""
    splits = len(clusterer.consolidate())
    store.set_meta(_CONSOLIDATED, str(store.last_article_rowid()))
    return splits


def consolidate(store: Store, settings: Settings | None = None, report: IngestReport | None = None) -> int:
    """Revisit the stories grown since the last consolidation
    (:meth:`StoryClusterer.consolidate`) and store the result. Returns the number of
    stories split off."""
    clusterer = load_clusterer(store, settings)
    if clusterer is None:
        return 0
    try:
        with store.transaction():
            splits = _consolidate(store, clusterer)
            _save_changes(store, clusterer)
    except BaseException:
        store.extras.pop(_CLUSTERER, None)
        raise
    if report is not None:
        report.splits += splits
    return splits


def ingest_articles(
    store: Store, articles: Sequence[Article], settings: Settings | None = None
) -> dict[str, bool]:
    """Store and cluster already analysed articles (one transaction), then
    consolidate the stories they touched.

    Returns:
        {article id: True if it was new}.
    """
    settings = settings or Settings()
    return _write_batch(store, list(articles), settings, IngestReport(), final=True)


def record_key(record: RawRecord) -> str:
    """Identity of a raw record for resuming: where it is and what it holds."""
    h = hashlib.sha1(record.content.encode("utf-8", "replace")).hexdigest()[:16]
    return f"{record.source}#{h}"


@dataclass
class _Prepared:
    """What the store needs of an analysed article besides the article itself,
    computed where the article was analysed: its clustering features, MinHash
    values, the JSON of both, and (with ``Settings.parallel_embedding``) its vector."""

    features: DocFeatures
    signature: np.ndarray
    data_json: str
    features_json: str
    vector: tuple[str, np.ndarray] | None = None  # (spec key, clustering-view vector)


# An analysed record: (resume key or None, Article or Failure, its _Prepared or None).
_Item = tuple[str | None, Article | Failure, _Prepared | None]

# inputs smaller than this are analysed in-process when the worker count is automatic:
# starting the workers (each loads the NER models) costs more than it saves
_AUTO_MIN_RECORDS = 256

# per worker process: the settings and the boilerplate line counts (set by _init_worker)
_WORKER: dict[str, Any] = {}


def _prepare(record: RawRecord, settings: Settings, groups: dict[str, Any]) -> tuple[Article | Failure, _Prepared | None]:
    """Analyse one record, then compute its clustering features and signature."""
    from ..pipeline import analyze_record, outlet_lines_of

    item = analyze_record(record, settings, outlet_lines=outlet_lines_of(groups, record))
    if isinstance(item, Failure):
        return item, None
    try:
        feats = doc_features(item)
        return item, _Prepared(
            feats, sign_article(item, num_perm=settings.minhash_perm), article_json(item),
            json.dumps(feats.to_dict(), ensure_ascii=False),
        )
    except Exception as exc:  # one bad article must not stop a batch
        logger.exception("features failed on %s", record.source)
        return Failure(record.source, "enrich", f"unexpected error: {type(exc).__name__}: {exc}"), None


def _init_worker(settings: Settings, groups: dict[str, Any]) -> None:
    """Worker set-up: its inputs, Ctrl-C left to the parent, and an exit when the
    parent dies (a killed ingest must not leave workers behind)."""
    import signal
    import threading

    _WORKER["settings"] = settings
    _WORKER["groups"] = groups
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="storyline-parent-watch", daemon=True).start()


def _work(records: list[RawRecord | Failure]) -> list[tuple[Article | Failure, _Prepared | None]]:
    """A worker's job: a chunk of records, analysed in order (read failures pass through)."""
    settings, groups = _WORKER["settings"], _WORKER["groups"]
    out = [(r, None) if isinstance(r, Failure) else _prepare(r, settings, groups) for r in records]
    if settings.parallel_embedding:
        todo = [(a, p) for a, p in out if isinstance(a, Article) and p is not None]
        if todo:
            try:
                # one thread: the other cores run the other workers and the writer
                spec, vectors = _embed([a for a, _ in todo], settings, threads=1)
            except Exception:  # noqa: BLE001 - the writer embeds them and reports the error
                logger.exception("embedding in the worker failed")
            else:
                for (_a, prep), vec in zip(todo, vectors):
                    prep.vector = (spec, vec)
    return out


def _warm_up(settings: Settings) -> None:
    """Load what analysis loads lazily (tables, models) once, before the workers fork."""
    from ..pipeline import analyze_text

    try:
        analyze_text("Ministers met in Paris on Monday, 14 January 2020. \"We agreed,\" said Anna Schmidt.",
                     settings=settings)
    except Exception:  # noqa: BLE001 - only a warm-up; the real records report their own failures
        logger.debug("warm-up failed", exc_info=True)
    if settings.parallel_embedding:
        from ..represent import load_embedder

        load_embedder(settings.embedding_model, 1).embed(["Ministers met in Paris."])


def _analysed(
    paths: list[str],
    settings: Settings,
    skip: Callable[[RawRecord], str | None],
    workers: int,
    chunk: int = 16,
) -> Iterator[_Item]:
    """Every record under ``paths``, analysed, in input order.

    ``workers`` 0 picks the number itself (see :attr:`Settings.ingest_workers`).

    ``skip(record)`` is asked first and returns the record's resume key, or None to
    leave the record out (already ingested). With ``workers`` > 1 the records are
    analysed by that many processes, ``chunk`` records per job, at most
    ``4 * workers`` jobs in flight (memory stays bounded, order is kept).
    """
    from ..ingest import iter_records
    from ..pipeline import count_outlet_lines

    n_records = 0

    def counted() -> Iterator[RawRecord | Failure]:
        nonlocal n_records
        for rec in iter_records(paths, settings):
            n_records += 1
            yield rec

    groups = count_outlet_lines(counted())
    if workers == 0:
        workers = min(2, os.cpu_count() or 1) if n_records >= _AUTO_MIN_RECORDS else 1
    if workers <= 1:
        for rec in iter_records(paths, settings):
            if isinstance(rec, Failure):
                yield None, rec, None
                continue
            key = skip(rec)
            if key is not None:
                yield (key, *_prepare(rec, settings, groups))
        return
    import concurrent.futures as cf
    import multiprocessing as mp
    from collections import deque

    # fork shares the loaded tables and the line counts with the workers for free
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pending: deque[tuple[list[str | None], cf.Future[list[tuple[Article | Failure, _Prepared | None]]]]] = deque()

    def drain(pool_done: bool = False) -> Iterator[_Item]:
        while pending and (pool_done or len(pending) >= 4 * workers or pending[0][1].done()):
            keys, fut = pending.popleft()
            try:
                results = fut.result()
            except cf.process.BrokenProcessPool as exc:
                raise StoreError(
                    "an ingest worker process died (out of memory?); what was written is kept, "
                    "run the ingest again to finish"
                ) from exc
            for key, (item, prep) in zip(keys, results):
                yield key, item, prep

    _warm_up(settings)
    pool = cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(settings, groups))
    try:
        keys: list[str | None] = []
        recs: list[RawRecord | Failure] = []
        for rec in iter_records(paths, settings):
            if isinstance(rec, Failure):
                keys.append(None)
                recs.append(rec)
            else:
                key = skip(rec)
                if key is None:
                    continue
                keys.append(key)
                recs.append(rec)
            if len(recs) >= chunk:
                pending.append((keys, pool.submit(_work, recs)))
                keys, recs = [], []
                yield from drain()
        if recs:
            pending.append((keys, pool.submit(_work, recs)))
        yield from drain(pool_done=True)
    finally:
        # on an error or an interrupt, jobs not started are dropped (they were not written)
        pool.shutdown(wait=True, cancel_futures=True)


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    batch_size: int = 32,
    workers: int | None = None,
    on_progress: Callable[[IngestReport], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read, analyse, embed, cluster and store every record under ``paths``.

    Args:
        store: an open store.
        paths: files or folders in any format ``storyline read`` takes.
        batch_size: articles per transaction (and per embedding batch).
        workers: processes that read, extract and enrich (and compute clustering
            features and MinHash values) in parallel; default
            ``settings.ingest_workers`` (0: automatic). Embedding, clustering and writing stay in
            this process, in input order, so the result is the same for any number
            of workers.
        on_progress: called after each record with the running report.
        total: called once with the number of records, before the work starts.

    Returns:
        the :class:`IngestReport`.
    """
    from ..pipeline import count_records

    settings = settings or Settings()
    workers = settings.ingest_workers if workers is None else workers
    if workers < 0:
        raise ValueError("workers must be >= 0 (0: automatic)")
    names = [str(p) for p in paths]
    report = IngestReport()
    started = time.perf_counter()
    if total is not None:
        total(count_records(names, settings))

    def skip(rec: RawRecord) -> str | None:
        key = record_key(rec)
        if store.is_done(key):
            report.skipped += 1
            if on_progress is not None:
                on_progress(report)
            return None
        return key

    batch: list[Article] = []
    prepared: dict[str, _Prepared] = {}
    done: list[tuple[str, str, str, str | None]] = []
    fails: list[Failure] = []

    def flush() -> None:
        if batch or fails or done:
            # with workers busy on the other cores, a single BLAS thread embeds faster
            # than two fighting them (same vectors either way)
            _write_batch(store, batch, settings, report, done, fails, prepared,
                         1 if workers != 1 else None)
        batch.clear()
        prepared.clear()
        done.clear()
        fails.clear()

    for key, item, prep in _analysed(names, settings, skip, workers):
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
            if prep is not None:
                prepared.setdefault(item.id, prep)
            done.append((key or f"{item.source}#{item.id}", str(item.source), "article", item.id))
        if len(batch) >= batch_size or len(done) >= 4 * batch_size:
            flush()
        if on_progress is not None:
            on_progress(report)
    flush()
    consolidate(store, settings, report)
    report.seconds = time.perf_counter() - started
    logger.info("ingest: %s", report.to_dict())
    return report
