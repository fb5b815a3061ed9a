"""HTTP API and web UI: a thin shell over the library, served by one process.

``create_app(db)`` builds a FastAPI application with

- a JSON API under ``/api`` (OpenAPI schema at ``/api/openapi.json``): add articles (single and batch), compare two stored articles or
  two texts, list and filter stories and storylines, a story with its timeline,
  an article, full-text search;
- a web UI (server-rendered Jinja2 pages, no JavaScript at all): story list,
  story page with an SVG timeline, storyline page, article page, compare page,
  search.

Security: article text is untrusted. Templates autoescape everything, the SVG
pictures are built in templates from escaped text, and every response carries a
Content-Security-Policy that allows no script at all. Every write endpoint needs
``Authorization: Bearer <token>``; request bodies over ``max_body_bytes`` are
refused with 413 before they are parsed.

Example:
    >>> app = create_app(":memory:", token="s3cret")  # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app)               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import secrets
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
from .errors import (
    CompareError,
    ConfigError,
    ExtractionError,
    InputError,
    ModelError,
    NotFound,
    StoreError,
    StorylineError,
)
from .models import Article, EntityType
from .store.db import Store

logger = logging.getLogger(__name__)

__all__ = ["ApiError", "StorylineService", "create_app", "make_token"]

WEB_DIR = Path(__file__).resolve().parent / "web"
TOKEN_ENV = "STORYLINE_TOKEN"
DEFAULT_MAX_BODY_BYTES = 4_000_000  # a batch of 100 long articles fits; a 100 MB dump does not
MAX_TEXT_CHARS = 1_000_000
MAX_BATCH = 100
MAX_PAGE = 200

# No script of any origin, no plugins, no framing; styles and images from us only.
CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; "
    "connect-src 'self'"
)
def make_token() -> str:
    """A fresh random bearer token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


class ApiError(StorylineError):
    """An HTTP-level error with its status code (raised by the service layer)."""

    def __init__(self, status: int, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# --------------------------------------------------------------------------- request bodies


class ArticleIn(BaseModel):
    """A text (or HTML page) to analyse and add."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Plain text or HTML.")
    title: str | None = Field(default=None, max_length=2000)
    url: str | None = Field(default=None, max_length=4000)
    date: str | None = Field(default=None, max_length=100, description="Publication date, any common format.")
    lang: str | None = Field(default=None, max_length=20)
    outlet: str | None = Field(default=None, max_length=500)
    html: bool = Field(default=False, description="Treat `text` as an HTML page.")
    id: str | None = Field(default=None, max_length=500, description="Your id; default: a content hash.")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleIn] = Field(min_length=1, max_length=MAX_BATCH)


class CompareIdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: str = Field(min_length=1, max_length=500, description="Id of a stored article.")
    b: str = Field(min_length=1, max_length=500, description="Id of a stored article.")


class CompareTextsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: ArticleIn
    b: ArticleIn


class Page(BaseModel):
    """One page of a listing."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class AddResult(BaseModel):
    id: str
    created: bool
    story_id: str | None
    storyline_id: str | None
    title: str
    language: str | None
    published: str | None


class BatchItem(BaseModel):
    index: int
    ok: bool
    result: AddResult | None = None
    error: dict[str, Any] | None = None


class BatchOut(BaseModel):
    results: list[BatchItem]
    added: int
    failed: int


# --------------------------------------------------------------------------- service


@dataclass
class StoryFilter:
    """Filters of the story list (all optional)."""

    since: dt.date | None = None
    until: dt.date | None = None
    language: str | None = None
    outlet: str | None = None
    text: str | None = None
    storyline: str | None = None


@dataclass
class _Index:
    """Per-story facts the listings need, rebuilt after each write."""

    rows_by_story: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    outlets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


class StorylineService:
    """What the HTTP layer calls: the store, the pipeline and compare, behind one lock.

    Args:
        store: an open store.
        settings: pipeline settings.
    """

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self._lock = threading.RLock()
        self._index: _Index | None = None
        self._compare_cache: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        # stored articles never change, so their compare profiles (embeddings) can be kept
        self._profiles: OrderedDict[str, Any] = OrderedDict()
        # story views are rebuilt from the store after every write (see add_articles)
        self._story_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        if self.settings.max_running_compares < 1:
            raise ConfigError("max_running_compares must be >= 1")
        self._compare_slots = threading.BoundedSemaphore(self.settings.max_running_compares)

    @contextmanager
    def _compare_slot(self) -> Iterator[None]:
        """Admission for a fresh comparison: busy (503) when all slots are taken, so a
        burst of requests fails fast instead of queueing behind seconds of CPU each."""
        if not self._compare_slots.acquire(blocking=False):
            raise ApiError(503, f"busy: {self.settings.max_running_compares} comparisons are running;"
                           " retry in a few seconds", code="busy")
        try:
            yield
        finally:
            self._compare_slots.release()

    # -- writes ------------------------------------------------------------------

    def add_articles(self, items: Sequence[ArticleIn]) -> list[AddResult | StorylineError]:
        """Analyse, store and cluster texts; one bad item never stops the others."""
        from .pipeline import analyze_text

        analysed: list[Article | StorylineError] = []
        for item in items:
            try:
                analysed.append(
                    analyze_text(
                        item.text, title=item.title, url=item.url, date=item.date,
                        lang=item.lang, outlet=item.outlet, html=item.html, id=item.id,
                        settings=self.settings,
                    )
                )
            except StorylineError as exc:
                analysed.append(exc)
            except (ValueError, TypeError) as exc:  # a library choking on odd input
                analysed.append(InputError(f"cannot analyse the text: {exc}"))
        good = [a for a in analysed if isinstance(a, Article)]
        with self._lock:
            created = ingest_into_store(self.store, good, self.settings) if good else {}
            self._index = None
            self._story_cache.clear()
        out: list[AddResult | StorylineError] = []
        for a in analysed:
            if not isinstance(a, Article):
                out.append(a)
                continue
            with self._lock:
                story_id, line_id = self._story_of(a.id)
            out.append(
                AddResult(
                    id=a.id, created=created.get(a.id, False), story_id=story_id,
                    storyline_id=line_id, title=a.title, language=a.language,
                    published=a.published.value.isoformat() if a.published.value else None,
                )
            )
        return out

    def _story_of(self, article_id: str) -> tuple[str | None, str | None]:
        rows = self.store.article_rows("WHERE id = ?", (article_id,))
        if not rows or not rows[0]["story_id"]:
            return None, None
        sid = self.store.resolve_story(rows[0]["story_id"])
        return sid, self.store.get_story(sid).storyline_id

    # -- reads -------------------------------------------------------------------

    def _build_index(self) -> _Index:
        idx = self._index
        if idx is not None:
            return idx
        with self._lock:
            rows = self.store.article_rows("ORDER BY coalesce(published, '9999'), rowid")
            by_story: dict[str, list[dict[str, Any]]] = {}
            outlets: set[str] = set()
            langs: set[str] = set()
            for r in rows:
                if r["outlet"]:
                    outlets.add(r["outlet"])
                if r["language"]:
                    langs.add(r["language"])
                if r["story_id"]:
                    by_story.setdefault(r["story_id"], []).append(r)
            idx = _Index(by_story, sorted(outlets, key=str.casefold), sorted(langs))
            self._index = idx
        return idx

    def facets(self) -> dict[str, list[str]]:
        idx = self._build_index()
        return {"outlets": idx.outlets, "languages": idx.languages}

    def list_stories(self, flt: StoryFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Stories matching the filter, newest first: (one page, total matching)."""
        idx = self._build_index()
        with self._lock:
            summaries = self.store.list_stories(storyline_id=flt.storyline)
            text_stories: set[str] | None = None
            if flt.text and flt.text.strip():
                hits = self.store.search_text(flt.text, limit=1000)
                text_stories = {h.story_id for h in hits if h.story_id}
        line_sizes = Counter(s.storyline_id for s in summaries if s.storyline_id)
        out = []
        for s in summaries:
            rows = idx.rows_by_story.get(s.id, [])
            if flt.language and flt.language not in s.languages:
                continue
            if flt.outlet and not any((r["outlet"] or "") == flt.outlet for r in rows):
                continue
            if text_stories is not None and s.id not in text_stories:
                continue
            first = _parse_date(s.first_date)
            last = _parse_date(s.last_date)
            if flt.since and (last is None or last < flt.since):
                continue
            if flt.until and (first is None or first > flt.until):
                continue
            d = s.to_dict()
            d["headline"] = _headline(s.label, rows)
            d["outlets"] = sorted({r["outlet"] for r in rows if r["outlet"]}, key=str.casefold)
            d["storyline_stories"] = line_sizes.get(s.storyline_id, 1) if s.storyline_id else 1
            out.append(d)
        return out[offset : offset + limit], len(out)

    def list_storylines(self, flt: StoryFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Storylines with at least one story matching the filter (and the span of
        those stories), newest first."""
        stories, _total = self.list_stories(flt, limit=10**9, offset=0)
        lines: dict[str, dict[str, Any]] = {}
        for s in stories:
            lid = s["storyline_id"] or s["id"]
            line = lines.setdefault(
                lid, {"id": lid, "stories": [], "n_articles": 0, "first_date": None,
                      "last_date": None, "first_date_estimated": False, "last_date_estimated": False,
                      "languages": set(), "outlets": set()},
            )
            line["stories"].append({k: s[k] for k in (
                "id", "headline", "first_date", "last_date", "n_articles",
                "first_date_estimated", "last_date_estimated")})
            line["n_articles"] += s["n_articles"]
            line["languages"].update(s["languages"])
            line["outlets"].update(s["outlets"])
            # a date shared by several stories is an estimate only if it is one in all of them
            for end, later in (("first", False), ("last", True)):
                date, est = s[f"{end}_date"], s[f"{end}_date_estimated"]
                if not date:
                    continue
                cur = line[f"{end}_date"]
                if cur is None or (date > cur if later else date < cur):
                    line[f"{end}_date"], line[f"{end}_date_estimated"] = date, est
                elif date == cur:
                    line[f"{end}_date_estimated"] = line[f"{end}_date_estimated"] and est
        out = []
        for line in lines.values():
            line["stories"].sort(key=lambda x: x["first_date"] or "9999")
            line["headline"] = line["stories"][0]["headline"]
            line["n_stories"] = len(line["stories"])
            line["languages"] = sorted(line["languages"])
            line["outlets"] = sorted(line["outlets"], key=str.casefold)
            out.append(line)
        out.sort(key=lambda x: (x["last_date"] or "", x["n_articles"]), reverse=True)
        return out[offset : offset + limit], len(out)

    def get_storyline(self, line_id: str) -> dict[str, Any]:
        """A storyline with its stories in time order (each with its first report and
        key statement)."""
        from .story import build_storyline

        with self._lock:
            view = build_storyline(self.store, line_id).to_dict()
        stories = view["stories"]
        for st in stories:
            st["headline"] = st["label"] or st["first_report"]["title"]
        return {"id": line_id, "headline": stories[0]["headline"], "stories": stories,
                "svg": _storyline_layout(stories)}

    def get_story(self, story_id: str) -> dict[str, Any]:
        """A story with its articles and timeline (a fresh copy of the top level)."""
        with self._lock:
            hit = self._story_cache.get(story_id)
            if hit is not None:
                self._story_cache.move_to_end(story_id)
                return dict(hit)
            story = self._load_story(story_id)
            self._story_cache[story_id] = story
            while len(self._story_cache) > 256:
                self._story_cache.popitem(last=False)
            return dict(story)

    def _load_story(self, story_id: str) -> dict[str, Any]:
        from .story import timeline_of

        with self._lock:
            sid = self.store.resolve_story(story_id)
            row = self.store.get_story(sid)
            arts = self.store.get_articles(self.store.story_article_ids(sid))
            dup_rows = {r["id"]: r["dup_group"] for r in self.store.article_rows(
                "WHERE story_id = ?", (sid,))}
        if not arts:
            raise NotFound(f"no story {story_id!r}")
        timeline = timeline_of(arts, dup_rows, story_id=sid, storyline_id=row.storyline_id,
                               label=row.label)
        return {
            "id": sid,
            "requested_id": story_id,
            "storyline_id": row.storyline_id,
            "label": row.label,
            "headline": row.label or timeline.first_report.title,
            "timeline": timeline.to_dict(),
            "view": timeline_view(timeline, {a.id: a for a in arts}),
        }

    def get_article(self, article_id: str) -> Article:
        with self._lock:
            return self.store.get_article(article_id)

    def article_story(self, article_id: str) -> tuple[str | None, str | None]:
        with self._lock:
            return self._story_of(article_id)

    def search(self, q: str, limit: int, offset: int, *, semantic: bool = False) -> tuple[list[dict[str, Any]], int]:
        """Search hits (title, snippet, story), best first: full-text (BM25) by default,
        or by meaning (cosine of the query's embedding to the articles' lead vectors).

        ``total`` counts the hits found up to ``offset + limit`` (at most 1,000).
        """
        want = min(offset + limit, 1000)
        if semantic:
            return self._semantic_search(q, want)[offset : offset + limit], 0
        with self._lock:
            hits = self.store.search_text(q, limit=want)
        items = [
            {"article_id": h.article_id, "title": h.title, "snippet": h.snippet,
             "score": round(h.score, 4), "story_id": h.story_id, "published": h.published,
             "outlet": h.outlet}
            for h in hits
        ]
        return items[offset : offset + limit], len(items)

    def _semantic_search(self, q: str, want: int) -> list[dict[str, Any]]:
        from .cluster import CLUSTER_VIEW
        from .represent import load_embedder

        emb = load_embedder(self.settings.embedding_model, self.settings.embedding_threads)
        vec = emb.embed([q]).array[0]
        with self._lock:
            ranked = self.store.search_vectors(vec, CLUSTER_VIEW, emb.spec.key, limit=want)
            rows = {r["id"]: r for r in self.store.article_rows(
                f"WHERE id IN ({','.join('?' * len(ranked))})", [aid for aid, _ in ranked])} if ranked else {}
        out = []
        for aid, score in ranked:
            r = rows.get(aid)
            if r is None:
                continue
            out.append({"article_id": aid, "title": r["title"], "snippet": "", "score": round(score, 4),
                        "story_id": r["story_id"], "published": r["published"], "outlet": r["outlet"]})
        return out

    # -- compare -------------------------------------------------------------------

    def compare_ids(self, a_id: str, b_id: str) -> dict[str, Any]:
        """Compare two stored articles (results are cached per pair)."""
        key = (a_id, b_id)
        with self._lock:
            hit = self._compare_cache.get(key)
            if hit is not None:
                self._compare_cache.move_to_end(key)
                return hit
            a = self.store.get_article(a_id)
            b = self.store.get_article(b_id)
        with self._compare_slot():
            result = comparison_to_dict(compare_stored(a, b, self.settings, self._profiles))
        with self._lock:
            self._compare_cache[key] = result
            while len(self._compare_cache) > 512:
                self._compare_cache.popitem(last=False)
        return result

    def compare_texts(self, a: ArticleIn, b: ArticleIn) -> dict[str, Any]:
        """Analyse two texts and compare them: the seven scores with their evidence,
        as JSON-ready data (nothing is stored)."""
        with self._compare_slot():
            return comparison_to_dict(run_compare(
                analyze_for_compare(a, self.settings), analyze_for_compare(b, self.settings), self.settings))


# --------------------------------------------------------------------------- adapters
# Thin adapters over the store, cluster and compare modules, so the HTTP layer
# depends on one small surface.


def ingest_into_store(store: Store, articles: Sequence[Article], settings: Settings) -> dict[str, bool]:
    """Store and cluster analysed articles -> {article id: newly added}
    (:func:`storyline.store.ingest_articles`, one transaction)."""
    from .store import ingest_articles

    return ingest_articles(store, list(articles), settings)


def analyze_for_compare(item: ArticleIn, settings: Settings) -> Article:
    """Analyse a text given for comparison only. Plain text goes through
    ``compare.analyze_lenient`` (a text given as an article is kept even when the
    boilerplate remover would find no article in it); HTML through the pipeline."""
    from . import compare as cmp
    from .pipeline import analyze_text

    try:
        if not item.html and hasattr(cmp, "analyze_lenient"):
            article: Article = cmp.analyze_lenient(item.text, title=item.title, url=item.url,
                                                   date=item.date, lang=item.lang, id=item.id,
                                                   settings=settings)
            if item.outlet:
                article.outlet = item.outlet
            return article
        return analyze_text(item.text, title=item.title, url=item.url, date=item.date, lang=item.lang,
                            outlet=item.outlet, html=item.html, id=item.id, settings=settings)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot analyse the text: {exc}") from exc


def run_compare(a: Article, b: Article, settings: Settings) -> Any:
    """``compare.compare_articles`` with its errors kept in our tree."""
    from . import compare as cmp

    try:
        return cmp.compare_articles(a, b, settings)
    except StorylineError:
        raise
    except (ValueError, TypeError) as exc:
        raise CompareError(f"cannot compare {a.id!r} and {b.id!r}: {exc}") from exc


_PROFILE_LOCK = threading.Lock()
MAX_PROFILES = 1024  # ~30 kB each


def compare_stored(a: Article, b: Article, settings: Settings, profiles: OrderedDict[str, Any]) -> Any:
    """Compare two stored articles, keeping each one's profile (its embeddings) in
    ``profiles`` so the next pair with either article only computes pair features."""
    from .compare import load_comparator

    for art in (a, b):
        if not (art.body or art.title).strip():
            raise CompareError("article has no text to compare", source=art.id)
    try:
        # One comparison at a time: on 2 cores, parallel ones only thrash the models
        # and profile the same article several times over.
        with _PROFILE_LOCK:
            comparator = load_comparator(settings)
            pair = []
            for art in (a, b):
                prof = profiles.get(art.id)
                if prof is None:
                    prof = comparator.profile(art)
                    profiles[art.id] = prof
                    while len(profiles) > MAX_PROFILES:
                        profiles.popitem(last=False)
                else:
                    profiles.move_to_end(art.id)
                pair.append(prof)
            return comparator.compare_profiles(pair[0], pair[1])
    except StorylineError:
        raise
    except (ValueError, TypeError) as exc:
        raise CompareError(f"cannot compare {a.id!r} and {b.id!r}: {exc}") from exc


def comparison_to_dict(result: Any) -> dict[str, Any]:
    """A PairComparison as JSON data: ``scores`` and ``evidence`` per dimension name."""
    if hasattr(result, "to_dict"):
        data = result.to_dict()
    else:
        data = {}
    scores = {}
    evidence = {}
    for dim, value in getattr(result, "scores", {}).items():
        name = getattr(dim, "value", str(dim))
        scores[name] = round(float(value), 3)
    for dim, ev in getattr(result, "evidence", {}).items():
        name = getattr(dim, "value", str(dim))
        evidence[name] = {
            "summary": getattr(ev, "summary", str(ev)),
            "details": _jsonable(getattr(ev, "details", {})),
        }
    out: dict[str, Any] = _jsonable(data)
    out["scores"] = scores
    out["evidence"] = evidence
    return out


def _jsonable(obj: Any) -> Any:
    from enum import Enum

    if isinstance(obj, dict):
        return {str(getattr(k, "value", k)): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "to_dict"):
        return _jsonable(obj.to_dict())
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return _jsonable(asdict(obj))
    return obj


# --------------------------------------------------------------------------- view helpers


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _headline(label: str | None, rows: Sequence[dict[str, Any]]) -> str:
    if label:
        return label
    return rows[0]["title"] if rows else "(untitled story)"


def _row_brief(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", "title", "outlet", "published", "language")}


def _key_statement(article: Article | None) -> dict[str, Any] | None:
    if article is None:
        return None
    body_statements = [s for s in article.statements if s.text.strip() != article.title.strip()]
    if not body_statements:
        return None
    s = body_statements[0]
    return {"text": s.text, "hedged": s.hedged, "cues": s.cues, "source": s.source}


def _is_denial(cues: Iterable[str]) -> bool:
    return any(c.startswith("denial") for c in cues)


def _firmness_of(statements: Sequence[Any]) -> str:
    """One report's stance: denied if it denies, hedged if it mostly hedges, else asserted."""
    values = [getattr(s.firmness, "value", s.firmness) for s in statements]
    if "denied" in values:
        return "denied"
    hedged = values.count("hedged")
    return "hedged" if hedged and hedged >= values.count("asserted") else "asserted"


def timeline_view(timeline: Any, articles: dict[str, Article]) -> dict[str, Any]:
    """What the story page shows of a :class:`storyline.story.Timeline`: reports with
    their copies, each one's stance, and the SVG layout (time across, outlets down;
    copies are drawn in their own outlet's row at their own date)."""
    reports = []
    entries = []
    for i, r in enumerate(timeline.reports):
        own = [s for s in r.statements if s.article_id == r.article_id]
        stance = _firmness_of(own)
        copies = []
        for c in r.copies:
            art = articles.get(c["article_id"])
            date = art.published.value.isoformat() if art and art.published.value else None
            c_stance = _firmness_of([s for s in r.statements if s.article_id == c["article_id"]])
            copies.append({"id": c["article_id"], "outlet": c["outlet"], "published": date,
                           "firmness": c_stance})
            entries.append({"id": c["article_id"], "outlet": c["outlet"], "published": date,
                            "firmness": c_stance, "development": False, "first": False,
                            "is_copy": True, "title": art.title if art else r.title})
        published = r.date.isoformat() if r.date else None
        reports.append({
            "id": r.article_id, "title": r.title, "outlet": r.outlet, "url": r.url,
            "language": r.language, "published": published, "date_method": r.date_method,
            "first": i == 0, "development": r.development, "firmness": stance, "copies": copies,
            "new_names": [*r.new_actors, *r.new_places][:8], "new_dates": r.new_dates[:5],
            "statements": [
                {"text": s.text, "firmness": s.firmness.value, "cues": s.cues, "source": s.source}
                for s in own if s.text.strip() != r.title.strip()  # the title restated adds nothing
            ][:3],
        })
        entries.append({"id": r.article_id, "outlet": r.outlet, "published": published,
                        "firmness": stance, "development": r.development, "first": i == 0,
                        "is_copy": False, "title": r.title})
    entries.sort(key=lambda e: (e["published"] or "9999", e["is_copy"]))
    outlets: list[str] = []
    for e in entries:
        if e["outlet"] not in outlets:
            outlets.append(e["outlet"])
    disagreements = [
        {"actors": d.actors,
         "statements": [{"outlet": s.outlet, "article_id": s.article_id, "text": s.text,
                         "firmness": s.firmness.value,
                         "date": s.date.isoformat() if s.date else None} for s in d.statements]}
        for d in timeline.disagreements
    ]
    return {"reports": reports, "outlets": outlets, "n_articles": len(entries),
            "disagreements": disagreements, "svg": _timeline_layout(entries, outlets)}


def _timeline_layout(reports: Sequence[dict[str, Any]], outlets: Sequence[str]) -> dict[str, Any]:
    """Positions for the SVG timeline: time across, outlets down."""
    left, right, top, row_h = 190, 40, 18, 38
    width = 960
    dated = [_parse_date(r["published"]) for r in reports]
    known = [d for d in dated if d is not None]
    has_undated = any(d is None for d in dated)
    plot_right = width - right - (110 if has_undated else 0)
    lo: dt.date | None = None
    hi: dt.date | None = None
    if known:
        lo, hi = min(known), max(known)
        if lo == hi:
            lo, hi = lo - dt.timedelta(days=1), hi + dt.timedelta(days=1)
    span = (hi - lo).days if lo and hi else 1

    def x_of(d: dt.date | None) -> float:
        if d is None or lo is None:
            return float(width - right - 25)
        return left + (plot_right - left) * (d - lo).days / span

    rows = {o: i for i, o in enumerate(outlets)}
    marks = []
    stacked: Counter[tuple[int, int]] = Counter()
    for r, d in zip(reports, dated):
        x = x_of(d)
        row = rows[r["outlet"]]
        bump = stacked[(row, int(x) // 10)]
        stacked[(row, int(x) // 10)] += 1
        marks.append({
            "x": round(x + bump * 9, 1), "y": top + row * row_h + row_h / 2,
            "id": r["id"], "firmness": r["firmness"], "development": r["development"],
            "first": r["first"], "is_copy": r["is_copy"],
            "label": f"{r['published'] or 'undated'} · {r['outlet']} · {r['title']}",
        })
    ticks = []
    if lo is not None and hi is not None:
        n = 5
        for k in range(n + 1):
            d = lo + dt.timedelta(days=round(span * k / n))
            ticks.append({"x": round(x_of(d), 1), "label": d.isoformat() if span < 800 else d.strftime("%Y-%m")})
    height = top + len(outlets) * row_h + 50
    return {
        "width": width, "height": height, "left": left, "plot_right": plot_right,
        "rows": [{"label": o, "y": top + i * row_h + row_h / 2} for i, o in enumerate(outlets)],
        "marks": marks, "ticks": ticks, "axis_y": top + len(outlets) * row_h + 8,
        "undated_x": (width - right - 25) if has_undated else None,
    }


def _storyline_layout(stories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Positions for the storyline SVG: time across, one row per story (a bar from
    its first to its last report)."""
    left, right, top, row_h, width = 40, 40, 16, 30, 960
    dates = [d for st in stories for d in (_parse_date(st["first_date"]), _parse_date(st["last_date"])) if d]
    if not dates:
        return {"width": width, "height": 0, "rows": [], "ticks": [], "axis_y": 0}
    lo, hi = min(dates), max(dates)
    if lo == hi:
        lo, hi = lo - dt.timedelta(days=1), hi + dt.timedelta(days=1)
    span = (hi - lo).days

    def x_of(d: dt.date) -> float:
        return round(left + (width - left - right) * (d - lo).days / span, 1)

    rows = []
    for i, st in enumerate(stories):
        first, last = _parse_date(st["first_date"]), _parse_date(st["last_date"])
        if first is None:
            continue
        x1, x2 = x_of(first), x_of(last or first)
        y = top + i * row_h + row_h / 2
        firm = (st.get("key_statement") or {}).get("firmness", "asserted")
        rows.append({"id": st["story_id"], "x1": x1, "x2": max(x2, x1 + 4), "y": y, "firmness": firm,
                     "label": st["headline"], "anchor": "end" if x1 > width * 0.6 else "start",
                     "tx": x1 - 8 if x1 > width * 0.6 else x2 + 8,
                     "title": f"{st['first_date']} · {st['headline']}"})
    axis_y = top + len(stories) * row_h + 6
    ticks = []
    years = range(lo.year, hi.year + 2)
    for yv in years:
        d = dt.date(yv, 1, 1)
        if lo <= d <= hi:
            ticks.append({"x": x_of(d), "label": str(yv)})
    if not ticks:
        ticks = [{"x": x_of(lo), "label": lo.isoformat()}, {"x": x_of(hi), "label": hi.isoformat()}]
    return {"width": width, "height": axis_y + 26, "rows": rows, "ticks": ticks, "axis_y": axis_y,
            "left": left, "right": width - right}


_WORD_EDGE = r"(?<![\w])({})(?![\w])"


def highlight_segments(text: str, terms: dict[str, str]) -> list[tuple[str, str | None]]:
    """Split ``text`` into (piece, css class or None) so the shared terms can be marked.

    The template escapes every piece; nothing here produces markup.
    """
    usable = {t: c for t, c in terms.items() if t and len(t) >= 2}
    if not usable:
        return [(text, None)]
    ordered = sorted(usable, key=len, reverse=True)
    pattern = re.compile(_WORD_EDGE.format("|".join(re.escape(t) for t in ordered)), re.IGNORECASE)
    lower = {t.casefold(): c for t, c in usable.items()}
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()], None))
        out.append((m.group(0), lower.get(m.group(0).casefold(), "shared")))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def snippet_segments(snippet: str) -> list[tuple[str, str | None]]:
    """A search snippet (matches between ``[`` and ``]``) as (piece, css class or None)."""
    out: list[tuple[str, str | None]] = []
    for i, part in enumerate(re.split(r"\[([^\[\]]*)\]", snippet)):
        if part:
            out.append((part, "hit" if i % 2 else None))
    return out


def shared_terms(a: Article, b: Article, comparison: dict[str, Any] | None = None) -> dict[str, Any]:
    """People, organisations, places and dates both articles mention, with the
    spellings each uses: entities matched by their spelling-independent key, plus
    the pairs the comparison's evidence matched (``Entities.details.shared``,
    ``Geography.details.places_shared``)."""
    def by_key(x: Article, etype: EntityType) -> dict[str, Any]:
        return {(e.key or e.canonical.casefold()): e for e in x.entities_of(etype)}

    shared: dict[str, list[dict[str, Any]]] = {}
    terms_a: dict[str, str] = {}
    terms_b: dict[str, str] = {}
    for etype, css in ((EntityType.PERSON, "person"), (EntityType.ORG, "org"), (EntityType.PLACE, "place")):
        ea, eb = by_key(a, etype), by_key(b, etype)
        common = sorted(set(ea) & set(eb))
        shared[css] = [
            {"a": ea[k].canonical, "b": eb[k].canonical,
             "variants_a": ea[k].variants, "variants_b": eb[k].variants}
            for k in common
        ]
    evidence = (comparison or {}).get("evidence", {})
    matched = [
        *((evidence.get("Entities") or {}).get("details", {}).get("shared") or []),
        *((evidence.get("Geography") or {}).get("details", {}).get("places_shared") or []),
    ]
    for pair in matched:
        xa, xb = pair.get("a") or {}, pair.get("b") or {}
        css = {"person": "person", "org": "org", "place": "place"}.get(str(xa.get("type") or "place"), "place")
        if not xa.get("name") or not xb.get("name"):
            continue
        if any(e["a"] == xa["name"] and e["b"] == xb["name"] for e in shared[css]):
            continue
        shared[css].append({"a": xa["name"], "b": xb["name"], "variants_a": xa.get("variants") or [],
                            "variants_b": xb.get("variants") or []})
    for css in ("person", "org", "place"):
        for e in shared[css]:
            for v in [e["a"], *e["variants_a"]]:
                terms_a.setdefault(v, css)
            for v in [e["b"], *e["variants_b"]]:
                terms_b.setdefault(v, css)
    da = {m.value: m for m in a.dates if m.value is not None}
    db_ = {m.value: m for m in b.dates if m.value is not None}
    common_dates = sorted(set(da) & set(db_))
    shared["date"] = [{"value": d.isoformat(), "a": da[d].text, "b": db_[d].text} for d in common_dates]
    for d in common_dates:
        for m in a.dates:
            if m.value == d:
                terms_a.setdefault(m.text, "date")
        for m in b.dates:
            if m.value == d:
                terms_b.setdefault(m.text, "date")
    return {"shared": shared, "terms_a": terms_a, "terms_b": terms_b}


def score_bars(scores: dict[str, float]) -> list[dict[str, Any]]:
    """Bar geometry of the seven scores (1 = very similar, drawn full; 4 = dissimilar)."""
    out = []
    for name, value in scores.items():
        sim = (4.0 - max(1.0, min(4.0, value))) / 3.0  # 1 -> 1.0, 4 -> 0.0
        out.append({"name": name, "value": value, "width": round(8 + 292 * sim, 1),
                    "band": "high" if value < 2.0 else ("mid" if value < 3.0 else "low")})
    return out


# --------------------------------------------------------------------------- middleware


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before anything parses them.

    A declared Content-Length over the limit is refused without reading; a chunked
    body is read up to the limit and refused as soon as it passes it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _send_json(send, 400, "bad_request", "invalid Content-Length header")
                return
            if size > self.max_bytes:
                await _send_json(send, 413, "too_large",
                                 f"request body is {size} bytes; the limit is {self.max_bytes}")
                return
        chunks: list[bytes] = []
        total = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await _send_json(send, 413, "too_large", f"request body over the {self.max_bytes}-byte limit")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body"))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class WriteAuthMiddleware:
    """Check the bearer token of write requests before their body is read or parsed,
    so a client without the token learns nothing but 401 (the route dependency
    :func:`require_token` checks it again and documents it in the OpenAPI schema)."""

    def __init__(self, app: ASGIApp, token: str, write_paths: frozenset[str]) -> None:
        self.app = app
        self.token = token.encode()
        self.write_paths = write_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.write_paths:
            auth = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, value = auth.partition(b" ")
            if scheme.lower() != b"bearer" or not value.strip():
                await _send_json(send, 401, "unauthorized",
                                 "missing bearer token (Authorization: Bearer <token>)")
                return
            if not secrets.compare_digest(value.strip(), self.token):
                await _send_json(send, 401, "unauthorized", "invalid bearer token")
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """CSP and the other hardening headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_json(send: Send, status: int, code: str, message: str) -> None:
    import json

    body = json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *([(b"www-authenticate", b"Bearer")] if status == 401 else []),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- errors

_STATUS: list[tuple[type[Exception], int, str]] = [
    (NotFound, 404, "not_found"),
    (InputError, 422, "bad_input"),
    (ExtractionError, 422, "no_article"),
    (CompareError, 422, "cannot_compare"),
    (ConfigError, 500, "config"),
    (ModelError, 503, "model_unavailable"),
    (StoreError, 500, "store"),
]


def status_of(exc: StorylineError) -> tuple[int, str]:
    """HTTP status and error code of a library error."""
    if isinstance(exc, ApiError):
        return exc.status, exc.code
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return status, code
    return 422, "unprocessable"


def _error_payload(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, **extra}}


def _error_item(exc: StorylineError) -> dict[str, Any]:
    status, code = status_of(exc)
    return {"status": status, "code": code, "message": exc.reason}


# --------------------------------------------------------------------------- the app


_bearer = HTTPBearer(auto_error=False, description="The server's write token.")


def require_token(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Dependency of every write endpoint: a valid ``Authorization: Bearer`` header."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise ApiError(401, "missing bearer token (Authorization: Bearer <token>)", "unauthorized")
    expected: str = request.app.state.token
    if not secrets.compare_digest(creds.credentials.encode(), expected.encode()):
        raise ApiError(401, "invalid bearer token", "unauthorized")


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


def create_app(
    db: str | Path | Store | None = None,
    *,
    token: str | None = None,
    settings: Settings | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The storyline web application (JSON API and HTML pages).

    Args:
        db: a store path (default :func:`storyline.config.default_db_path`) or an open Store.
        token: bearer token for write endpoints; default ``$STORYLINE_TOKEN``, else a
            fresh random one (read it back from ``app.state.token``).
        settings: pipeline settings.
        max_body_bytes: request bodies over this size get 413.

    Raises:
        StoreError: the store cannot be opened.
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be >= 1")
    store = db if isinstance(db, Store) else Store(db)
    service = StorylineService(store, settings)
    token = token or os.environ.get(TOKEN_ENV) or make_token()

    app = FastAPI(
        title="storyline",
        version=_version(),
        description="Follow news stories across outlets, languages and years. Write endpoints "
        "need `Authorization: Bearer <token>`.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN: useless offline, and it needs inline script
        redoc_url=None,
    )
    app.state.service = service
    app.state.token = token
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(WriteAuthMiddleware, token=token,
                       write_paths=frozenset({"/api/articles", "/api/articles/batch"}))
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    templates = Jinja2Templates(directory=WEB_DIR / "templates")
    templates.env.autoescape = True  # every template, whatever its extension
    templates.env.globals["qs"] = _qs

    # -- error handlers --------------------------------------------------------

    def _wants_html(request: Request) -> bool:
        return not request.url.path.startswith("/api")

    def _render_error(request: Request, status: int, code: str, message: str, **extra: Any) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {"Retry-After": "5"} if code == "busy" else None
        if _wants_html(request):
            return templates.TemplateResponse(
                request, "error.html", {"status": status, "message": message}, status_code=status,
                headers=headers,
            )
        return JSONResponse(_error_payload(status, code, message, **extra), status_code=status, headers=headers)

    @app.exception_handler(StorylineError)
    async def _library_error(request: Request, exc: StorylineError) -> Response:
        status, code = status_of(exc)
        if status >= 500:
            logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _render_error(request, status, code, exc.reason)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _render_error(request, 400, "malformed_json", "the request body is not valid JSON")
        details = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in errors[:20]
        ]
        return _render_error(request, 422, "invalid", "the request does not match the schema", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _render_error(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s", request.url.path)
        return _render_error(request, 500, "internal", "internal error")

    # -- JSON API --------------------------------------------------------------

    write = [Depends(require_token)]
    err: dict[int | str, dict[str, Any]] = {
        400: {"description": "Malformed JSON"},
        401: {"description": "Missing or wrong bearer token"},
        413: {"description": "Request body too large"},
        422: {"description": "Invalid input"},
    }

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness and store size."""
        return {"ok": True, "articles": service.store.count_articles(), "stories": service.store.count_stories()}

    @app.post("/api/articles", tags=["articles"], dependencies=write, status_code=201,
              response_model=AddResult, responses=err)
    def add_article(item: ArticleIn) -> AddResult:
        """Analyse one text or HTML page, store it and place it in a story.

        Adding the same article again changes nothing (``created`` is false).
        """
        (result,) = service.add_articles([item])
        if isinstance(result, StorylineError):
            raise result
        return result

    @app.post("/api/articles/batch", tags=["articles"], dependencies=write,
              response_model=BatchOut, responses=err)
    def add_batch(batch: BatchIn) -> BatchOut:
        """Add up to 100 articles; each item reports its own success or error."""
        results = service.add_articles(batch.articles)
        items = []
        for i, r in enumerate(results):
            if isinstance(r, StorylineError):
                items.append(BatchItem(index=i, ok=False, error=_error_item(r)))
            else:
                items.append(BatchItem(index=i, ok=True, result=r))
        failed = sum(1 for x in items if not x.ok)
        return BatchOut(results=items, added=len(items) - failed, failed=failed)

    @app.get("/api/articles/{article_id:path}", tags=["articles"], responses={404: {"description": "No such article"}})
    def get_article(article_id: str) -> dict[str, Any]:
        """A stored article with its enrichment and its story."""
        a = service.get_article(article_id)
        story_id, line_id = service.article_story(article_id)
        return {**a.to_dict(), "story_id": story_id, "storyline_id": line_id}

    @app.get("/api/stories", tags=["stories"], response_model=Page)
    def list_stories(
        limit: Limit = 20,
        offset: Offset = 0,
        since: Annotated[dt.date | None, Query(description="Stories still running on or after this date.")] = None,
        until: Annotated[dt.date | None, Query(description="Stories that began on or before this date.")] = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        outlet: Annotated[str | None, Query(max_length=500)] = None,
        q: Annotated[str | None, Query(max_length=500, description="Words in the stories' articles.")] = None,
        storyline: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Page:
        """Stories, newest first, filtered by dates, language, outlet, words or storyline."""
        flt = StoryFilter(since, until, language or None, outlet or None, q or None, storyline or None)
        items, total = service.list_stories(flt, limit, offset)
        return _page(items, total, limit, offset)

    @app.get("/api/stories/{story_id}", tags=["stories"], responses={404: {"description": "No such story"}})
    def get_story(story_id: str) -> dict[str, Any]:
        """A story with its timeline: reports by date, per outlet, hedged or asserted,
        new developments. A merged story's old id answers with the surviving story."""
        story = service.get_story(story_id)
        story.pop("view")
        return story

    @app.get("/api/storylines", tags=["stories"], response_model=Page)
    def list_storylines(
        limit: Limit = 20,
        offset: Offset = 0,
        since: Annotated[dt.date | None, Query(description="With a story running on or after this date.")] = None,
        until: Annotated[dt.date | None, Query(description="With a story begun on or before this date.")] = None,
        language: Annotated[str | None, Query(max_length=20)] = None,
        outlet: Annotated[str | None, Query(max_length=500)] = None,
        q: Annotated[str | None, Query(max_length=500, description="Words in the stories' articles.")] = None,
    ) -> Page:
        """Storylines (stories linked over long gaps), newest first; the filters keep
        the storylines with at least one matching story and show only those stories."""
        flt = StoryFilter(since, until, language or None, outlet or None, q or None)
        items, total = service.list_storylines(flt, limit, offset)
        return _page(items, total, limit, offset)

    @app.get("/api/storylines/{storyline_id}", tags=["stories"], responses={404: {"description": "No such storyline"}})
    def get_storyline(storyline_id: str) -> dict[str, Any]:
        """A storyline: its stories in time order with their first report."""
        line = service.get_storyline(storyline_id)
        line.pop("svg")
        return line

    @app.get("/api/search", tags=["search"], response_model=Page)
    def search(
        q: Annotated[str, Query(min_length=1, max_length=500)],
        limit: Limit = 20,
        offset: Offset = 0,
        semantic: Annotated[bool, Query(description="Rank by meaning (embeddings) instead of words.")] = False,
    ) -> Page:
        """Full-text search over titles and bodies (BM25), or semantic search
        (``semantic=true``: cosine of multilingual embeddings, finds other languages too;
        its ``total`` is not known and given as the number of hits on the page)."""
        items, total = service.search(q, limit, offset, semantic=semantic)
        if semantic:
            total = offset + len(items)
        return _page(items, total, limit, offset)

    @app.post("/api/compare", tags=["compare"], responses={**err, 404: {"description": "No such article"}})
    def compare_ids(pair: CompareIdsIn) -> dict[str, Any]:
        """Compare two stored articles on the seven SemEval-2022 Task 8 dimensions
        (1 = very similar ... 4 = very dissimilar), each with its evidence."""
        return service.compare_ids(pair.a, pair.b)

    @app.post("/api/compare/texts", tags=["compare"], responses=err)
    def compare_texts(pair: CompareTextsIn) -> dict[str, Any]:
        """Compare two texts (nothing is stored)."""
        return service.compare_texts(pair.a, pair.b)

    # -- web UI ----------------------------------------------------------------

    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, ctx)

    @app.get("/", include_in_schema=False)
    def ui_stories(
        request: Request,
        since: str = "", until: str = "", language: str = "", outlet: str = "", q: str = "",
        offset: int = 0,
    ) -> HTMLResponse:
        flt = StoryFilter(_parse_date(since), _parse_date(until), language or None,
                          outlet or None, q or None)
        limit = 25
        offset = max(0, min(offset, 1_000_000))
        items, total = service.list_stories(flt, limit, offset)
        params = {"since": since, "until": until, "language": language, "outlet": outlet, "q": q}
        return page(request, "stories.html", stories=items, total=total, offset=offset, limit=limit,
                    params=params, facets=service.facets(), nav="stories")

    @app.get("/storylines", include_in_schema=False)
    def ui_storylines(request: Request, offset: int = 0) -> HTMLResponse:
        items, total = service.list_storylines(StoryFilter(), 25, max(0, offset))
        return page(request, "storylines.html", lines=items, total=total, offset=max(0, offset),
                    limit=25, params={}, nav="storylines")

    @app.get("/stories/{story_id}", include_in_schema=False)
    def ui_story(request: Request, story_id: str) -> Response:
        story = service.get_story(story_id)
        if story["id"] != story_id:
            return RedirectResponse(f"/stories/{story['id']}", status_code=307)
        view = story["view"]
        reports = view["reports"]
        others = [*reports[1:], *[{**c, "title": reports[0]["title"]} for c in reports[0]["copies"]]]
        pairs = [(reports[0], r) for r in others][:8]
        return page(request, "story.html", story=story, tl=view, pairs=pairs, nav="stories")

    @app.get("/storylines/{line_id}", include_in_schema=False)
    def ui_storyline(request: Request, line_id: str) -> HTMLResponse:
        return page(request, "storyline.html", line=service.get_storyline(line_id), nav="storylines")

    @app.get("/articles/{article_id:path}", include_in_schema=False)
    def ui_article(request: Request, article_id: str) -> HTMLResponse:
        a = service.get_article(article_id)
        story_id, line_id = service.article_story(article_id)
        others = []
        if story_id:
            view = service.get_story(story_id)["view"]
            others = [x for r in view["reports"] for x in (r, *r["copies"]) if x["id"] != a.id]
        return page(request, "article.html", a=a, story_id=story_id, storyline_id=line_id,
                    others=others, nav="")

    @app.get("/compare", include_in_schema=False)
    def ui_compare(request: Request, a: str = "", b: str = "") -> HTMLResponse:
        if not a or not b:
            return page(request, "compare_form.html", a=a, b=b, nav="compare")
        art_a, art_b = service.get_article(a), service.get_article(b)
        result = service.compare_ids(a, b)
        sh = shared_terms(art_a, art_b, result)
        return page(
            request, "compare.html", a=art_a, b=art_b, result=result,
            bars=score_bars(result["scores"]), shared=sh["shared"],
            body_a=[highlight_segments(p, sh["terms_a"]) for p in _paragraphs(art_a.body)],
            body_b=[highlight_segments(p, sh["terms_b"]) for p in _paragraphs(art_b.body)],
            title_a=highlight_segments(art_a.title, sh["terms_a"]),
            title_b=highlight_segments(art_b.title, sh["terms_b"]),
            nav="compare",
        )

    @app.get("/search", include_in_schema=False)
    def ui_search(request: Request, q: str = "", offset: int = 0, semantic: bool = False) -> HTMLResponse:
        items: list[dict[str, Any]] = []
        total = 0
        offset = max(0, min(offset, 1000))
        if q.strip():
            items, total = service.search(q[:500], 20, offset, semantic=semantic)
            if semantic:
                total = offset + len(items)
        for h in items:
            h["snippet_parts"] = snippet_segments(h["snippet"])
        return page(request, "search.html", q=q, hits=items, total=total, offset=offset, limit=20,
                    params={"q": q, "semantic": "1" if semantic else ""}, semantic=semantic, nav="search")

    return app


def _paragraphs(body: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", body) if p.strip()]
    return parts or [body]


def _qs(params: dict[str, Any], **changes: Any) -> str:
    """A query string from the current parameters with some changed (empty ones dropped)."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", 0) or k == "offset" and v})


def _page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> Page:
    nxt = offset + limit if offset + limit < total else None
    return Page(items=items, total=total, limit=limit, offset=offset, next_offset=nxt)


def _version() -> str:
    from . import __version__

    return __version__

