"""The embedded store (SQLite, WAL, FTS5), its schema migrations, and ingest into it."""

from .db import FailureRow, SearchHit, Store, StoryRow, StorySummary
from .ingest import IngestReport, ingest_articles, ingest_paths, load_clusterer
from .migrations import Migrations

__all__ = [
    "FailureRow",
    "IngestReport",
    "Migrations",
    "SearchHit",
    "Store",
    "StoryRow",
    "StorySummary",
    "ingest_articles",
    "ingest_paths",
    "load_clusterer",
]
