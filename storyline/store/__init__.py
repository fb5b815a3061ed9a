"""The embedded store (SQLite, WAL, FTS5) and its schema migrations."""

from .db import FailureRow, SearchHit, Store, StoryRow, StorySummary
from .migrations import Migrations

__all__ = ["FailureRow", "Migrations", "SearchHit", "Store", "StoryRow", "StorySummary"]
