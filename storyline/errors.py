"""The exception hierarchy.

::

    StorylineError
    ├── InputError          a record or file cannot be read (empty, binary, undecodable, too big)
    │   └── MalformedInput  a container is broken (bad JSON line, truncated WARC)
    ├── ExtractionError     no article could be pulled out of a page
    ├── EnrichmentError     a model failed on an article
    ├── ModelError          a model is missing, or representations of different models are mixed
    ├── CompareError        a pair cannot be compared
    ├── StoreError          the database refused an operation
    │   └── NotFound        no such article / story
    └── ConfigError         bad settings

Every error carries the name of the input it is about where there is one, so a
batch can report it and go on.
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base class of every error storyline raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        self.reason = message
        super().__init__(f"{source}: {message}" if source else message)


class InputError(StorylineError):
    """A file or record cannot be read."""


class MalformedInput(InputError):
    """A container format (JSON lines, WARC, HTML) is broken."""


class ExtractionError(StorylineError):
    """No article text could be extracted."""


class EnrichmentError(StorylineError):
    """An enrichment step failed."""


class ModelError(StorylineError):
    """A model is missing or its outputs are mixed with another model's."""


class CompareError(StorylineError):
    """Two articles cannot be compared."""


class StoreError(StorylineError):
    """The store refused an operation."""


class NotFound(StoreError):
    """The requested object does not exist."""


class ConfigError(StorylineError):
    """Invalid settings."""
