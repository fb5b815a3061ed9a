"""Plain data objects passed between the pipeline stages.

Every stage takes and returns these dataclasses; nothing here does any work
beyond (de)serialisation, so they are cheap to build in tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class InputKind(str, Enum):
    """What a raw record holds."""

    TEXT = "text"
    HTML = "html"


class DateMethod(str, Enum):
    """How a publication date was found, from most to least trustworthy."""

    METADATA = "metadata"  # given by the record (JSON field, WARC header, HTML meta tags)
    TEXT = "text"  # printed on the page ("Tuesday, 14 January, 2020 - 07:15")
    URL = "url"  # a /2020/01/14/ style path
    ESTIMATE = "estimate"  # inferred from indirect evidence; never presented as fact
    UNKNOWN = "unknown"


class EntityType(str, Enum):
    """Named-entity classes storyline keeps."""

    PERSON = "person"
    ORG = "org"
    PLACE = "place"


@dataclass(frozen=True)
class Source:
    """Where a record came from: a file and, within it, a line or WARC record."""

    path: str
    locator: str | None = None  # "line 3", "record 5 <urn:uuid:...>"

    def __str__(self) -> str:
        return f"{self.path}:{self.locator}" if self.locator else self.path


@dataclass
class RawRecord:
    """One scraped page as read from disk, before extraction."""

    source: Source
    kind: InputKind
    content: str
    url: str | None = None
    title: str | None = None
    date: str | None = None
    outlet: str | None = None
    lang: str | None = None
    id: str | None = None
    fetched: str | None = None  # crawl time (WARC-Date): an upper bound, not a publication date


@dataclass
class PublicationDate:
    """A publication date with how it was found.

    ``value`` is ``None`` when unknown. When ``method`` is ``ESTIMATE`` the value
    is a best guess (``earliest``/``latest`` bound it) and ``evidence`` says why.
    """

    value: dt.date | None
    method: DateMethod
    evidence: str = ""
    earliest: dt.date | None = None
    latest: dt.date | None = None

    @property
    def is_estimate(self) -> bool:
        return self.method is DateMethod.ESTIMATE


@dataclass
class Entity:
    """A named actor or place, with every spelling seen in the article."""

    canonical: str
    type: EntityType
    variants: list[str] = field(default_factory=list)
    mentions: int = 1
    country: str | None = None  # ISO 3166-1 alpha-2, places only
    key: str = ""  # spelling-independent matching key (see enrich.entities.name_key)


@dataclass
class DateMention:
    """A date expression in the text, resolved to a calendar date where possible."""

    text: str
    value: dt.date | None
    granularity: str  # "day", "month", "year"
    sentence: str = ""
    relative: bool = False  # resolved against the publication date ("on Monday")


@dataclass
class Attribution:
    """A statement credited to a source ("Reuters reported", "according to al-Hadath")."""

    source: str
    cue: str
    sentence: str


@dataclass
class Statement:
    """A key sentence with how firmly it is made."""

    text: str
    hedged: bool
    cues: list[str] = field(default_factory=list)
    source: str | None = None  # who it is attributed to, if anyone


@dataclass
class Article:
    """A cleaned, enriched article."""

    id: str
    source: Source
    title: str
    body: str
    url: str | None = None
    outlet: str | None = None
    published: PublicationDate = field(
        default_factory=lambda: PublicationDate(None, DateMethod.UNKNOWN)
    )
    language: str | None = None
    language_score: float = 0.0
    removed_lines: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    countries: dict[str, int] = field(default_factory=dict)  # ISO2 -> mentions
    dates: list[DateMention] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    input_kind: InputKind = InputKind.TEXT

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, enums as their values)."""
        out: dict[str, Any] = _jsonable(asdict(self))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Rebuild an article from :meth:`to_dict` output."""
        d = dict(data)
        d["source"] = Source(**d["source"])
        pub = dict(d.get("published") or {"value": None, "method": "unknown"})
        d["published"] = PublicationDate(
            value=_date(pub.get("value")),
            method=DateMethod(pub.get("method", "unknown")),
            evidence=pub.get("evidence", ""),
            earliest=_date(pub.get("earliest")),
            latest=_date(pub.get("latest")),
        )
        d["entities"] = [
            Entity(**{**e, "type": EntityType(e["type"])}) for e in d.get("entities", [])
        ]
        d["dates"] = [
            DateMention(**{**m, "value": _date(m.get("value"))}) for m in d.get("dates", [])
        ]
        d["attributions"] = [Attribution(**a) for a in d.get("attributions", [])]
        d["statements"] = [Statement(**s) for s in d.get("statements", [])]
        d["input_kind"] = InputKind(d.get("input_kind", "text"))
        return cls(**d)

    def entities_of(self, etype: EntityType) -> list[Entity]:
        return [e for e in self.entities if e.type is etype]


@dataclass
class Failure:
    """A record that could not be turned into an article, and why."""

    source: Source
    stage: str  # "ingest", "extract", "enrich"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": str(self.source), "stage": self.stage, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.source}: {self.stage} failed: {self.reason}"


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    return obj
