"""The embedded store: one SQLite file (WAL mode, FTS5 full-text search).

Articles are keyed by their stable id, so writing the same article twice changes
nothing. Writes happen inside :meth:`Store.transaction`; an ingest commits one small
batch at a time, so a killed process loses at most the batch in flight and a rerun
(which skips the records already marked done) completes it.

Example:
    >>> from storyline.models import Article, Source
    >>> store = Store(":memory:")
    >>> store.add_article(Article(id="a1", source=Source("x.txt"), title="T", body="Talks in Moscow."))
    True
    >>> store.add_article(Article(id="a1", source=Source("x.txt"), title="T", body="Talks in Moscow."))
    False
    >>> [h.article_id for h in store.search_text("moscow")]
    ['a1']
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import default_db_path
from ..errors import NotFound, StoreError
from ..models import Article, Failure
from .migrations import STORE_MIGRATIONS

logger = logging.getLogger(__name__)

__all__ = [
    "FailureRow",
    "SearchHit",
    "Store",
    "StoryRow",
    "StorySummary",
]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class SearchHit:
    """One full-text (or semantic) search result."""

    article_id: str
    title: str
    snippet: str
    score: float
    story_id: str | None = None
    published: str | None = None
    outlet: str | None = None


@dataclass
class FailureRow:
    """A record that could not be stored, with its reason."""

    source: str
    stage: str
    reason: str
    first_seen: str
    last_seen: str
    count: int


@dataclass
class StoryRow:
    """A story as stored (id, storyline, label)."""

    id: str
    storyline_id: str | None
    created: str
    updated: str
    label: str | None
    merged_into: str | None = None


@dataclass
class StorySummary:
    """A story with the figures the ``stories`` listing shows."""

    id: str
    storyline_id: str | None
    label: str | None
    first_date: str | None
    last_date: str | None
    n_articles: int
    n_outlets: int
    languages: list[str] = field(default_factory=list)
    n_copies: int = 0  # articles that are near-duplicates of another article of the story
    # the first / last date comes only from estimated publication dates (no article
    # of the story has a stated date that early / that late)
    first_date_estimated: bool = False
    last_date_estimated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "storyline_id": self.storyline_id,
            "label": self.label,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "n_articles": self.n_articles,
            "n_outlets": self.n_outlets,
            "languages": self.languages,
            "n_copies": self.n_copies,
            "first_date_estimated": self.first_date_estimated,
            "last_date_estimated": self.last_date_estimated,
        }


class Store:
    """An embedded SQLite store of articles, their vectors, stories and failures.

    Args:
        path: database file; ``None`` for :func:`storyline.config.default_db_path`,
            ``":memory:"`` for a throwaway store.

    Raises:
        StoreError: the file cannot be opened or is not a storyline database.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None and str(path) != ":memory:" else None
        if path is None:
            self.path = default_db_path()
        target = ":memory:" if self.path is None else str(self.path)
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # autocommit mode: transactions are opened explicitly in transaction()
            self._conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            if self.path is not None:
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            STORE_MIGRATIONS.apply(self._conn)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open store: {exc}", source=target) from exc
        self._lock = threading.RLock()
        # per-store state of the layers above (the live clusterer), dropped on close
        self.extras: dict[str, Any] = {}

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self.extras.clear()
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path) if self.path else ':memory:'!r})"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one.

        Raises:
            StoreError: SQLite refused the write (the transaction is rolled back).
        """
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot start a transaction: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise StoreError(f"commit failed: {exc}") from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description or ()]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
        except sqlite3.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- articles ----------------------------------------------------------------

    def add_article(
        self,
        article: Article,
        *,
        vectors: Mapping[str, tuple[str, np.ndarray]] | None = None,
        signature: tuple[str, np.ndarray] | None = None,
        features: Mapping[str, Any] | str | None = None,
        story_id: str | None = None,
        dup_group: str | None = None,
        data_json: str | None = None,
    ) -> bool:
        """Insert an article (and its vectors and signature) unless its id is stored.

        Args:
            article: the enriched article.
            vectors: per view, ``(spec key, 1-D or 2-D float32 array)``.
            signature: ``(spec key, MinHash hash values)``.
            features: what the clusterer keeps of the article (JSON-able, or its JSON).
            story_id: the story it joined, if already known.
            dup_group: id of the near-duplicate group it belongs to.
            data_json: :func:`article_json` of the article, when already computed
                (the parallel ingest serialises in its workers).

        Returns:
            True if the article was new, False if it was already there (nothing changed).
        """
        body = article.body
        if data_json is None:
            data_json = article_json(article)
        with self.transaction() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO articles (id, title, outlet, url, published, date_method,"
                " language, story_id, dup_group, source, added, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    article.title,
                    article.outlet,
                    article.url,
                    article.published.value.isoformat() if article.published.value else None,
                    article.published.method.value,
                    article.language,
                    story_id,
                    dup_group,
                    str(article.source),
                    _now(),
                    data_json,
                ),
            )
            if cur.rowcount == 0:
                return False
            rowid = cur.lastrowid
            c.execute(
                "INSERT INTO article_text (rowid, title, body) VALUES (?, ?, ?)",
                (rowid, article.title, body),
            )
            c.execute(
                "INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)",
                (rowid, article.title, body),
            )
            for view, (spec, arr) in (vectors or {}).items():
                a = np.asarray(arr, dtype=np.float32)
                c.execute(
                    "INSERT OR REPLACE INTO vectors (article_id, view, spec, dim, data)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (article.id, view, spec, int(a.shape[-1]), a.tobytes()),
                )
            if signature is not None:
                spec, values = signature
                c.execute(
                    "INSERT OR REPLACE INTO minhash (article_id, spec, data) VALUES (?, ?, ?)",
                    (article.id, spec, np.asarray(values, dtype=np.uint64).tobytes()),
                )
            if features is not None:
                c.execute(
                    "INSERT OR REPLACE INTO cluster_features (article_id, data) VALUES (?, ?)",
                    (article.id, features if isinstance(features, str) else json.dumps(features, ensure_ascii=False)),
                )
        return True

    def has_article(self, article_id: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row is not None

    def get_article(self, article_id: str) -> Article:
        """The stored article.

        Raises:
            NotFound: no article has this id.
        """
        row = self._conn.execute(
            "SELECT a.data, t.body FROM articles a JOIN article_text t ON t.rowid = a.rowid"
            " WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no article {article_id!r}")
        return _article_from(row[0], row[1])

    def get_articles(self, article_ids: Iterable[str]) -> list[Article]:
        """Several stored articles, in the order asked (unknown ids are skipped)."""
        ids = list(article_ids)
        found: dict[str, Article] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for aid, data, body in self._conn.execute(
                "SELECT a.id, a.data, t.body FROM articles a JOIN article_text t"
                f" ON t.rowid = a.rowid WHERE a.id IN ({marks})",
                chunk,
            ):
                found[aid] = _article_from(data, body)
        return [found[i] for i in ids if i in found]

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every stored article, in insertion order."""
        last = 0
        while True:
            rows = self._conn.execute(
                "SELECT a.rowid, a.data, t.body FROM articles a JOIN article_text t"
                " ON t.rowid = a.rowid WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            for rowid, data, body in rows:
                last = rowid
                yield _article_from(data, body)

    def count_articles(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def article_rows(self, where: str = "", params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Light article rows (no JSON): id, title, outlet, url, published, language, story, dup group."""
        sql = (
            "SELECT id, title, outlet, url, published, date_method, language, story_id, dup_group,"
            " added FROM articles"
        )
        return self._query(f"{sql} {where}", params)

    def article_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT id FROM articles ORDER BY rowid")]

    def set_story(self, article_ids: Iterable[str], story_id: str) -> None:
        with self.transaction() as c:
            c.executemany(
                "UPDATE articles SET story_id = ? WHERE id = ?",
                [(story_id, aid) for aid in article_ids],
            )

    def set_dup_group(self, article_id: str, group: str) -> None:
        with self.transaction() as c:
            c.execute("UPDATE articles SET dup_group = ? WHERE id = ?", (group, article_id))

    # -- vectors, signatures, cluster features -----------------------------------

    def load_vectors(self, view: str) -> tuple[list[str], np.ndarray, str | None]:
        """All vectors of one view: (article ids, 2-D float32 array, spec key).

        Raises:
            StoreError: vectors of the view were made by different models.
        """
        ids: list[str] = []
        rows: list[np.ndarray] = []
        specs: set[str] = set()
        for aid, spec, dim, data in self._conn.execute(
            "SELECT v.article_id, v.spec, v.dim, v.data FROM vectors v JOIN articles a"
            " ON a.id = v.article_id WHERE v.view = ? ORDER BY a.rowid",
            (view,),
        ):
            specs.add(spec)
            ids.append(aid)
            rows.append(np.frombuffer(data, dtype=np.float32).reshape(-1, dim)[0])
        if len(specs) > 1:
            raise StoreError(f"view {view!r} mixes vectors of {sorted(specs)}")
        arr = np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
        return ids, arr, (specs.pop() if specs else None)

    def get_vectors(self, article_id: str, view: str) -> tuple[str, np.ndarray]:
        """One article's vectors of a view: (spec key, 2-D array).

        Raises:
            NotFound: no such vectors.
        """
        row = self._conn.execute(
            "SELECT spec, dim, data FROM vectors WHERE article_id = ? AND view = ?",
            (article_id, view),
        ).fetchone()
        if row is None:
            raise NotFound(f"no {view!r} vectors for article {article_id!r}")
        return row[0], np.frombuffer(row[2], dtype=np.float32).reshape(-1, row[1])

    def load_signatures(self) -> Iterator[tuple[str, str, np.ndarray]]:
        """(article id, spec key, hash values) of every stored MinHash signature."""
        for aid, spec, data in self._conn.execute(
            "SELECT m.article_id, m.spec, m.data FROM minhash m JOIN articles a"
            " ON a.id = m.article_id ORDER BY a.rowid"
        ):
            yield aid, spec, np.frombuffer(data, dtype=np.uint64)

    def load_cluster_features(self) -> Iterator[tuple[str, dict[str, Any], str | None, str | None]]:
        """(article id, features, story id, dup group) in insertion order."""
        for aid, data, story, dup in self._conn.execute(
            "SELECT f.article_id, f.data, a.story_id, a.dup_group FROM cluster_features f"
            " JOIN articles a ON a.id = f.article_id ORDER BY a.rowid"
        ):
            yield aid, json.loads(data), story, dup

    # -- stories -----------------------------------------------------------------

    def save_story(
        self, story_id: str, storyline_id: str | None, label: str | None = None
    ) -> None:
        """Create or update a story (and its storyline row)."""
        now = _now()
        with self.transaction() as c:
            if storyline_id is not None:
                c.execute(
                    "INSERT OR IGNORE INTO storylines (id, created, label) VALUES (?, ?, ?)",
                    (storyline_id, now, label),
                )
            c.execute(
                "INSERT INTO stories (id, storyline_id, created, updated, label) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET storyline_id = excluded.storyline_id,"
                " updated = excluded.updated, label = coalesce(excluded.label, stories.label),"
                " merged_into = NULL",
                (story_id, storyline_id, now, now, label),
            )

    def merge_story(self, old: str, into: str) -> None:
        """Move every article of story ``old`` to ``into`` and mark ``old`` merged."""
        with self.transaction() as c:
            c.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (into, old))
            c.execute(
                "UPDATE stories SET merged_into = ?, updated = ? WHERE id = ?", (into, _now(), old)
            )
            c.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", (into, old))

    def last_article_rowid(self) -> int:
        """Row id of the latest stored article (0 for none): a position in the stream."""
        row = self._conn.execute("SELECT max(rowid) FROM articles").fetchone()
        return int(row[0] or 0)

    def story_ids_after(self, rowid: int) -> list[str]:
        """Stories of the articles stored after row ``rowid``."""
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT story_id FROM articles WHERE rowid > ? AND story_id IS NOT NULL", (rowid,))]

    def move_articles(self, story_id: str, article_ids: Sequence[str]) -> None:
        """Put articles in story ``story_id`` (a story split off by the clusterer);
        an unlabelled story takes the title of its first article."""
        with self.transaction() as c:
            c.executemany("UPDATE articles SET story_id = ? WHERE id = ?",
                          [(story_id, aid) for aid in article_ids])
            c.execute(
                "UPDATE stories SET updated = ?, label = coalesce(label, (SELECT title FROM articles"
                " WHERE story_id = ? ORDER BY rowid LIMIT 1)) WHERE id = ?",
                (_now(), story_id, story_id),
            )

    def merge_storyline(self, gone: str, kept: str) -> None:
        """Move every story of storyline ``gone`` to storyline ``kept``."""
        with self.transaction() as c:
            c.execute(
                "INSERT OR IGNORE INTO storylines (id, created, label) VALUES (?, ?, NULL)",
                (kept, _now()),
            )
            c.execute("UPDATE stories SET storyline_id = ? WHERE storyline_id = ?", (kept, gone))

    def story_rows(self) -> list[dict[str, Any]]:
        """Every story row (live and merged)."""
        return self._query("SELECT * FROM stories ORDER BY created, id")

    def resolve_story(self, story_id: str) -> str:
        """The live id of a story, following merges (an old id keeps working).

        Raises:
            NotFound: no such story.
        """
        seen = set()
        sid = story_id
        while True:
            row = self._conn.execute(
                "SELECT merged_into FROM stories WHERE id = ?", (sid,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no story {story_id!r}")
            if row[0] is None or row[0] in seen:
                return sid
            seen.add(sid)
            sid = row[0]

    def get_story(self, story_id: str) -> StoryRow:
        """A story row (merged ids are followed).

        Raises:
            NotFound: no such story.
        """
        sid = self.resolve_story(story_id)
        row = self._query("SELECT * FROM stories WHERE id = ?", (sid,))[0]
        return StoryRow(**row)

    def story_article_ids(self, story_id: str) -> list[str]:
        sid = self.resolve_story(story_id)
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM articles WHERE story_id = ? ORDER BY coalesce(published, '9999'),"
                " rowid",
                (sid,),
            )
        ]

    def list_stories(
        self, *, storyline_id: str | None = None, min_articles: int = 1, limit: int | None = None
    ) -> list[StorySummary]:
        """Live stories with dates spanned, article/outlet counts and languages.

        Ordered by the latest publication date, newest first.
        """
        where = "WHERE s.merged_into IS NULL"
        params: list[Any] = []
        if storyline_id is not None:
            where += " AND s.storyline_id = ?"
            params.append(storyline_id)
        sql = (
            "SELECT s.id, s.storyline_id, s.label, min(a.published) AS first_date,"
            " max(a.published) AS last_date, count(a.id) AS n_articles,"
            " count(DISTINCT coalesce(a.outlet, a.id)) AS n_outlets,"
            " group_concat(DISTINCT a.language) AS langs,"
            " count(a.id) - count(DISTINCT coalesce(a.dup_group, a.id)) AS n_copies,"
            " min(CASE WHEN a.date_method = 'estimate' THEN NULL ELSE a.published END) AS first_firm,"
            " max(CASE WHEN a.date_method = 'estimate' THEN NULL ELSE a.published END) AS last_firm"
            f" FROM stories s JOIN articles a ON a.story_id = s.id {where}"
            " GROUP BY s.id HAVING count(a.id) >= ?"
            " ORDER BY max(coalesce(a.published, '')) DESC, count(a.id) DESC, s.id"
        )
        params.append(min_articles)
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        out = []
        for r in self._query(sql, params):
            langs = sorted(x for x in (r.pop("langs") or "").split(",") if x)
            first_firm, last_firm = r.pop("first_firm"), r.pop("last_firm")
            first_est = r["first_date"] is not None and (first_firm is None or first_firm > r["first_date"])
            last_est = r["last_date"] is not None and (last_firm is None or last_firm < r["last_date"])
            out.append(StorySummary(languages=langs, first_date_estimated=first_est,
                                    last_date_estimated=last_est, **r))
        return out

    def storyline_story_ids(self, storyline_id: str) -> list[str]:
        """Live stories of a storyline.

        Raises:
            NotFound: no such storyline.
        """
        if self._conn.execute(
            "SELECT 1 FROM storylines WHERE id = ?", (storyline_id,)
        ).fetchone() is None:
            raise NotFound(f"no storyline {storyline_id!r}")
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM stories WHERE storyline_id = ? AND merged_into IS NULL ORDER BY id",
                (storyline_id,),
            )
        ]

    def count_stories(self) -> int:
        return int(
            self._conn.execute(
                "SELECT count(*) FROM stories WHERE merged_into IS NULL"
                " AND id IN (SELECT story_id FROM articles)"
            ).fetchone()[0]
        )

    # -- failures ----------------------------------------------------------------

    def record_failure(self, failure: Failure) -> None:
        """Keep a failed record with its reason (counted, not duplicated, on rerun)."""
        now = _now()
        with self.transaction() as c:
            c.execute(
                "INSERT INTO failures (source, stage, reason, first_seen, last_seen, count)"
                " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(source, stage) DO UPDATE SET"
                " reason = excluded.reason, last_seen = excluded.last_seen, count = count + 1",
                (str(failure.source), failure.stage, failure.reason, now, now),
            )

    def failures(self) -> list[FailureRow]:
        rows = self._query("SELECT * FROM failures ORDER BY first_seen, source")
        return [FailureRow(**r) for r in rows]

    # -- ingest progress ---------------------------------------------------------

    def is_done(self, record_key: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM ingest_progress WHERE record_key = ?", (record_key,)
        ).fetchone()
        return row is not None

    def done_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` were already ingested."""
        out: set[str] = set()
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            out.update(
                r[0]
                for r in self._conn.execute(
                    f"SELECT record_key FROM ingest_progress WHERE record_key IN ({marks})", chunk
                )
            )
        return out

    def mark_done(
        self, record_key: str, source: str, status: str, article_id: str | None = None
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO ingest_progress (record_key, source, article_id, status,"
                " done_at) VALUES (?, ?, ?, ?, ?)",
                (record_key, source, article_id, status, _now()),
            )

    # -- search ------------------------------------------------------------------

    def search_text(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Full-text search (FTS5, BM25 ranking) over titles and bodies.

        Every word of the query is searched for; articles with more (and rarer) of
        them rank first. Query syntax characters are treated as plain text.
        """
        terms = _fts_terms(query)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = self._query(
            "SELECT a.id AS article_id, a.title, snippet(article_fts, 1, '[', ']', '…', 16)"
            " AS snippet, bm25(article_fts, 3.0, 1.0) AS score, a.story_id, a.published, a.outlet"
            " FROM article_fts JOIN articles a ON a.rowid = article_fts.rowid"
            " WHERE article_fts MATCH ? ORDER BY score LIMIT ?",
            (match, limit),
        )
        # bm25() is lower-is-better; report higher-is-better
        return [SearchHit(**{**r, "score": -float(r["score"])}) for r in rows]

    def search_vectors(
        self, query: np.ndarray, view: str, spec: str, limit: int = 20
    ) -> list[tuple[str, float]]:
        """Brute-force cosine search of one query vector against a stored view.

        (Stores hold up to ~1e5-1e6 articles; a matrix product is fast enough for an
        interactive query and needs no index to be kept in sync.)

        Raises:
            StoreError: the stored vectors were made by another model than ``spec``.
        """
        ids, arr, stored = self.load_vectors(view)
        if not ids:
            return []
        if stored != spec:
            raise StoreError(f"query vector is {spec}, stored {view!r} vectors are {stored}")
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        scores = arr @ q
        top = np.argsort(-scores)[:limit]
        return [(ids[i], float(scores[i])) for i in top]


_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def article_json(article: Article) -> str:
    """The ``data`` column of an article: its JSON without the body (stored apart)."""
    data = article.to_dict()
    data.pop("body")
    return json.dumps(data, ensure_ascii=False)


def _fts_terms(query: str) -> list[str]:
    return _FTS_TOKEN.findall(query)[:32]


def _article_from(data: str, body: str) -> Article:
    d = json.loads(data)
    d["body"] = body
    return Article.from_dict(d)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
