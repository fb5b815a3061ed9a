"""Named schema migrations, registered with a decorator and applied once each.

A :class:`Migrations` set records which of its steps a database has seen in the
``_migrations`` table, so opening an old database brings it up to date and opening
a current one does nothing.

Example:
    >>> m = Migrations("demo")
    >>> @m()
    ... def m001_items(conn):
    ...     conn.execute("CREATE TABLE items (id TEXT PRIMARY KEY)")
    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:")
    >>> m.apply(conn)
    ['m001_items']
    >>> m.apply(conn)
    []
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

__all__ = ["Migration", "Migrations", "STORE_MIGRATIONS"]

MigrationFn = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class Migration:
    """One named schema step."""

    name: str
    fn: MigrationFn


class Migrations:
    """An ordered set of named migrations.

    Args:
        name: the set's name; several sets can share a database.
    """

    def __init__(self, name: str) -> None:
        if not name:
            raise ValueError("a migration set needs a name")
        self.name = name
        self._steps: list[Migration] = []

    def __call__(self, *, name: str | None = None) -> Callable[[MigrationFn], MigrationFn]:
        """Decorator registering ``fn`` as the next migration (named after it by default)."""

        def register(fn: MigrationFn) -> MigrationFn:
            step = Migration(name or fn.__name__, fn)
            if any(s.name == step.name for s in self._steps):
                raise ValueError(f"migration {step.name!r} is registered twice")
            self._steps.append(step)
            return fn

        return register

    @property
    def steps(self) -> list[Migration]:
        return list(self._steps)

    def applied(self, conn: sqlite3.Connection) -> set[str]:
        """Names of this set's migrations the database has already seen."""
        _ensure_table(conn)
        rows = conn.execute(
            "SELECT name FROM _migrations WHERE migration_set = ?", (self.name,)
        ).fetchall()
        return {r[0] for r in rows}

    def pending(self, conn: sqlite3.Connection) -> list[Migration]:
        done = self.applied(conn)
        return [s for s in self._steps if s.name not in done]

    def apply(self, conn: sqlite3.Connection) -> list[str]:
        """Apply every pending migration, each in its own transaction.

        Returns:
            the names applied, in order.
        """
        names: list[str] = []
        for step in self.pending(conn):
            logger.info("applying migration %s/%s", self.name, step.name)
            conn.execute("BEGIN IMMEDIATE")
            try:
                step.fn(conn)
                conn.execute(
                    "INSERT INTO _migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
                    (self.name, step.name, dt.datetime.now(dt.timezone.utc).isoformat()),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            names.append(step.name)
        return names


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated statements inside the caller's transaction.

    ``executescript`` would commit the open transaction first, so a failing step
    could leave half a schema behind.
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _ensure_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations ("
        " migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,"
        " PRIMARY KEY (migration_set, name))"
    )


STORE_MIGRATIONS = Migrations("storyline")


@STORE_MIGRATIONS()
def m001_initial(conn: sqlite3.Connection) -> None:
    """Articles with full-text search, vectors, signatures, stories, failures, progress."""
    _run_script(
        conn,
        """
        CREATE TABLE articles (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            outlet TEXT,
            url TEXT,
            published TEXT,
            date_method TEXT,
            language TEXT,
            story_id TEXT,
            dup_group TEXT,
            source TEXT NOT NULL,
            added TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX articles_story ON articles (story_id);
        CREATE INDEX articles_dup ON articles (dup_group);
        CREATE INDEX articles_published ON articles (published);

        CREATE TABLE article_text (
            rowid INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE article_fts USING fts5 (
            title, body, content='article_text', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );

        CREATE TABLE vectors (
            article_id TEXT NOT NULL,
            view TEXT NOT NULL,
            spec TEXT NOT NULL,
            dim INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (article_id, view)
        );
        CREATE TABLE minhash (
            article_id TEXT PRIMARY KEY,
            spec TEXT NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE cluster_features (
            article_id TEXT PRIMARY KEY,
            data TEXT NOT NULL
        );

        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            storyline_id TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            label TEXT,
            merged_into TEXT
        );
        CREATE INDEX stories_storyline ON stories (storyline_id);
        CREATE TABLE storylines (
            id TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            label TEXT
        );

        CREATE TABLE failures (
            source TEXT NOT NULL,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (source, stage)
        );

        CREATE TABLE ingest_progress (
            record_key TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            article_id TEXT,
            status TEXT NOT NULL,
            done_at TEXT NOT NULL
        );

        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )
