"""storyline: follow a news story across outlets, languages and years, offline."""

from __future__ import annotations

import logging

from .config import Settings, load_settings
from .errors import StorylineError
from .ingest import iter_records
from .models import (
    Article,
    Attribution,
    DateMention,
    DateMethod,
    Entity,
    EntityType,
    Failure,
    PublicationDate,
    RawRecord,
    Source,
    Statement,
)
from .pipeline import analyze, analyze_text, read_articles

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Attribution",
    "DateMention",
    "DateMethod",
    "Entity",
    "EntityType",
    "Failure",
    "PublicationDate",
    "RawRecord",
    "Settings",
    "Source",
    "Statement",
    "StorylineError",
    "analyze",
    "analyze_text",
    "iter_records",
    "load_settings",
    "read_articles",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
