"""Timelines of stories and storylines, built from the store.

A story's timeline lists its reports by date (near-duplicate copies folded under
the report they copy, with every outlet that carried it), names the first report,
marks each new development (a report that brings people, places or dates no
earlier report had), shows what each outlet said and how firmly (asserted, hedged,
denied), and where outlets disagree: the same actors, stated with different
firmness by different outlets.

Example:
    >>> tl = build_timeline(store, "s-1a2b3c4d5e")   # doctest: +SKIP
    >>> tl.first_report.outlet                         # doctest: +SKIP
    'SouthFront'
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from .errors import NotFound
from .models import Article, DateMethod, EntityType, Statement
from .store.db import Store

logger = logging.getLogger(__name__)

__all__ = [
    "Disagreement",
    "Firmness",
    "OutletStatement",
    "Report",
    "StoryBrief",
    "StorylineView",
    "Timeline",
    "build_storyline",
    "build_timeline",
    "firmness",
    "timeline_of",
]


class Firmness(str, Enum):
    """How firmly a statement is made."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    DENIED = "denied"


# Denials the enrichment may not tag (it reports its own as "denial:<cue>").
_DENIAL = re.compile(
    r"(?<!\w)(denied|denies|dementi\w*|démenti\w*|bestreitet|bestritt\w*|desmintió|desmiente"
    r"|rejected the reports?|dismissed the reports?)(?!\w)",
    re.IGNORECASE,
)


def firmness(statement: Statement) -> Firmness:
    """Denied if it carries a denial cue, hedged if a hedging cue or a question, else asserted."""
    if any(c.startswith("denial") for c in statement.cues) or _DENIAL.search(statement.text):
        return Firmness.DENIED
    # a headline asking a question ("Is the CEO on his way out?") asserts nothing
    if statement.hedged or statement.text.rstrip().endswith(("?", "？", "؟")):
        return Firmness.HEDGED
    return Firmness.ASSERTED



def _plain(obj: Any) -> Any:
    """Dicts and lists with enums as their values and dates as ISO strings (for JSON)."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj

@dataclass
class OutletStatement:
    """One statement of one report."""

    outlet: str
    article_id: str
    date: dt.date | None
    text: str
    firmness: Firmness
    cues: list[str] = field(default_factory=list)
    source: str | None = None  # who the outlet attributes it to


@dataclass
class Report:
    """One report in a story: an article and the copies other outlets carried."""

    article_id: str
    title: str
    outlet: str
    date: dt.date | None
    date_method: str
    language: str | None
    url: str | None
    copies: list[dict[str, str]] = field(default_factory=list)  # article_id, outlet
    new_actors: list[str] = field(default_factory=list)
    new_places: list[str] = field(default_factory=list)
    new_dates: list[str] = field(default_factory=list)
    development: bool = False
    statements: list[OutletStatement] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return [self.outlet, *[c["outlet"] for c in self.copies]]


@dataclass
class Disagreement:
    """Outlets stating something about the same actors with different firmness."""

    actors: list[str]
    statements: list[OutletStatement]

    @property
    def firmness(self) -> list[str]:
        return sorted({s.firmness.value for s in self.statements})


@dataclass
class Timeline:
    """The timeline of one story."""

    story_id: str
    storyline_id: str | None
    label: str | None
    reports: list[Report]
    disagreements: list[Disagreement]

    @property
    def first_report(self) -> Report:
        return self.reports[0]

    @property
    def developments(self) -> list[Report]:
        return [r for r in self.reports if r.development]

    @property
    def outlets(self) -> list[str]:
        return sorted({o for r in self.reports for o in r.outlets}, key=str.casefold)

    @property
    def languages(self) -> list[str]:
        return sorted({r.language for r in self.reports if r.language})

    @property
    def first_date(self) -> dt.date | None:
        dates = [r.date for r in self.reports if r.date]
        return min(dates) if dates else None

    @property
    def last_date(self) -> dt.date | None:
        dates = [r.date for r in self.reports if r.date]
        return max(dates) if dates else None

    def date_is_estimate(self, date: dt.date | None) -> bool:
        """True when ``date`` comes only from reports whose date is an estimate."""
        on_day = [r.date_method for r in self.reports if date is not None and r.date == date]
        return bool(on_day) and all(m == "estimate" for m in on_day)

    def by_outlet(self) -> dict[str, list[OutletStatement]]:
        """Every outlet's statements (copies included), in date order."""
        out: dict[str, list[OutletStatement]] = {}
        for r in self.reports:
            for s in r.statements:
                out.setdefault(s.outlet, []).append(s)
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain({
            "story_id": self.story_id,
            "storyline_id": self.storyline_id,
            "label": self.label,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "outlets": self.outlets,
            "languages": self.languages,
            "first_report": self.first_report.article_id,
            "developments": [r.article_id for r in self.developments],
            "reports": [{**asdict(r), "outlets": r.outlets} for r in self.reports],
            "disagreements": [
                {"actors": d.actors, "firmness": d.firmness,
                 "statements": [asdict(s) for s in d.statements]}
                for d in self.disagreements
            ],
        })
        return out


def _outlet(a: Article) -> str:
    return a.outlet or (a.url.split("/")[2] if a.url and a.url.count("/") >= 2 else "unknown outlet")


def _date(a: Article) -> dt.date | None:
    return a.published.value


def timeline_of(
    articles: Sequence[Article],
    dup_groups: dict[str, str | None] | None = None,
    *,
    story_id: str = "",
    storyline_id: str | None = None,
    label: str | None = None,
) -> Timeline:
    """A timeline from a story's articles (no store needed).

    Args:
        articles: the story's articles, any order.
        dup_groups: article id -> near-duplicate group id (copies share one).

    Raises:
        ValueError: no articles.
    """
    if not articles:
        raise ValueError("a timeline needs at least one article")
    dup_groups = dup_groups or {}
    order = sorted(
        range(len(articles)),
        key=lambda i: (_date(articles[i]) or dt.date.max, i),
    )
    reports: list[Report] = []
    rep_of_group: dict[str, Report] = {}
    seen_keys: set[str] = set()
    seen_dates: set[dt.date] = set()
    for i in order:
        a = articles[i]
        statements = [
            OutletStatement(_outlet(a), a.id, _date(a), s.text, firmness(s), list(s.cues), s.source)
            for s in a.statements
        ]
        group = dup_groups.get(a.id) or a.id
        if group in rep_of_group:  # a copy: fold it under the report it copies
            rep = rep_of_group[group]
            rep.copies.append({"article_id": a.id, "outlet": _outlet(a)})
            rep.statements.extend(statements)
            continue
        actors: list[str] = []
        places: list[str] = []
        for e in a.entities:
            key = f"{e.type.value}:{e.key or e.canonical.casefold()}"
            if key in seen_keys:
                continue
            seen_keys.add(key)
            (places if e.type is EntityType.PLACE else actors).append(e.canonical)
        new_dates = []
        for m in a.dates:
            if m.value is not None and m.granularity == "day" and m.value not in seen_dates:
                seen_dates.add(m.value)
                new_dates.append(m.value.isoformat())
        rep = Report(
            article_id=a.id, title=a.title, outlet=_outlet(a), date=_date(a),
            date_method=a.published.method.value if a.published.method is not DateMethod.UNKNOWN else "unknown",
            language=a.language, url=a.url, new_actors=actors, new_places=places,
            new_dates=new_dates, statements=statements,
        )
        # the first report opens the story; later ones are developments when they
        # bring actors, places or event dates no earlier report had
        rep.development = not reports or bool(actors or places or new_dates)
        reports.append(rep)
        rep_of_group[group] = rep
    return Timeline(story_id, storyline_id, label, reports, _disagreements(articles, reports))


def _disagreements(articles: Sequence[Article], reports: list[Report]) -> list[Disagreement]:
    """Actors about whom outlets make statements of different firmness."""
    names: dict[str, tuple[str, list[str]]] = {}  # key -> (canonical, spellings)
    for a in articles:
        for e in a.entities:
            if e.type is EntityType.PLACE:
                continue
            key = e.key or e.canonical.casefold()
            spellings = names.setdefault(key, (e.canonical, []))[1]
            for v in [e.canonical, *e.variants]:
                if v and v not in spellings:
                    spellings.append(v)
    patterns = {
        key: re.compile("|".join(re.escape(s) for s in sorted(sp, key=len, reverse=True)), re.I)
        for key, (_c, sp) in names.items()
        if sp
    }
    about: dict[str, list[OutletStatement]] = {}
    for r in reports:
        for s in r.statements:
            for key, pat in patterns.items():
                if pat.search(s.text):
                    about.setdefault(key, []).append(s)
    found: list[Disagreement] = []
    used: set[tuple[str, str]] = set()
    for key, stmts in sorted(about.items(), key=lambda kv: -len(kv[1])):
        per_outlet: dict[str, set[Firmness]] = {}
        for s in stmts:
            per_outlet.setdefault(s.outlet, set()).add(s.firmness)
        if len(per_outlet) < 2:
            continue
        # each outlet's firmest stance about the actor: denied > asserted > hedged
        stance = {
            o: (Firmness.DENIED if Firmness.DENIED in f else
                Firmness.ASSERTED if Firmness.ASSERTED in f else Firmness.HEDGED)
            for o, f in per_outlet.items()
        }
        if len(set(stance.values())) < 2:
            continue
        picked: list[OutletStatement] = []
        for s in stmts:
            if s.firmness is stance[s.outlet] and (s.outlet, s.text) not in used:
                if s.firmness is not Firmness.ASSERTED or not any(
                    p.outlet == s.outlet for p in picked
                ):
                    picked.append(s)
                    used.add((s.outlet, s.text))
        if len({s.outlet for s in picked}) >= 2 and len({s.firmness for s in picked}) >= 2:
            found.append(Disagreement([names[key][0]], picked[:8]))
        if len(found) >= 5:
            break
    return found


def build_timeline(store: Store, story_id: str) -> Timeline:
    """The timeline of a stored story (a merged story's old id works too).

    Raises:
        NotFound: no such story, or it has no articles.
    """
    sid = store.resolve_story(story_id)
    row = store.get_story(sid)
    ids = store.story_article_ids(sid)
    if not ids:
        raise NotFound(f"story {story_id!r} has no articles")
    arts = store.get_articles(ids)
    groups = {r["id"]: r["dup_group"] for r in store.article_rows("WHERE story_id = ?", (sid,))}
    return timeline_of(arts, groups, story_id=sid, storyline_id=row.storyline_id, label=row.label)


@dataclass
class StoryBrief:
    """A story inside a storyline: its span, first report and key statement."""

    story_id: str
    label: str | None
    first_date: dt.date | None
    last_date: dt.date | None
    n_articles: int
    outlets: list[str]
    languages: list[str]
    first_report: dict[str, Any]
    key_statement: dict[str, Any] | None
    first_date_estimated: bool = False  # known only from estimated publication dates
    last_date_estimated: bool = False


@dataclass
class StorylineView:
    """A storyline: its stories in time order."""

    storyline_id: str
    stories: list[StoryBrief]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain({"storyline_id": self.storyline_id,
                                    "stories": [asdict(s) for s in self.stories]})
        return out


def build_storyline(store: Store, storyline_id: str) -> StorylineView:
    """A stored storyline's stories in time order, each with its first report and
    key statement (the first report's first hedged, denied or attributed
    statement, else its headline).

    Raises:
        NotFound: no such storyline.
    """
    briefs = []
    for sid in store.storyline_story_ids(storyline_id):
        try:
            tl = build_timeline(store, sid)
        except NotFound:
            continue  # a story emptied by a merge
        first = tl.first_report
        key = next((s for s in first.statements if s.firmness is not Firmness.ASSERTED or s.source),
                   first.statements[0] if first.statements else None)
        briefs.append(StoryBrief(
            story_id=sid, label=tl.label, first_date=tl.first_date, last_date=tl.last_date,
            n_articles=sum(1 + len(r.copies) for r in tl.reports), outlets=tl.outlets,
            languages=tl.languages,
            first_report={"article_id": first.article_id, "title": first.title,
                          "outlet": first.outlet, "date": first.date},
            key_statement=None if key is None else {
                "text": key.text, "firmness": key.firmness.value, "outlet": key.outlet,
                "source": key.source},
            first_date_estimated=tl.date_is_estimate(tl.first_date),
            last_date_estimated=tl.date_is_estimate(tl.last_date),
        ))
    if not briefs:
        raise NotFound(f"storyline {storyline_id!r} has no stories")
    briefs.sort(key=lambda b: (b.first_date or dt.date.max, b.story_id))
    return StorylineView(storyline_id, briefs)
