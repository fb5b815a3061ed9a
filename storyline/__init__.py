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
    "Dimension",
    "PairComparison",
    "analyze",
    "analyze_text",
    "compare_articles",
    "compare_texts",
    "iter_records",
    "load_settings",
    "read_articles",
]

_COMPARE_NAMES = ("Dimension", "PairComparison", "compare_articles", "compare_texts")


def __getattr__(name: str) -> object:
    """Pair comparison on first use: ``import storyline`` stays light (no numpy, no models)."""
    if name in _COMPARE_NAMES:
        from . import compare

        return getattr(compare, name)
    raise AttributeError(f"module 'storyline' has no attribute {name!r}")


logging.getLogger(__name__).addHandler(logging.NullHandler())
