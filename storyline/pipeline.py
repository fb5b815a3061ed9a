"""Extract + enrich: raw records -> Articles.

``analyze`` runs the stages on one record; ``read_articles`` runs them over
files and folders, reading each folder twice so that plain-text scrapes of the
same outlet can share what they repeat (the cross-page boilerplate signal).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .config import Settings
from .enrich.claims import find_claims
from .enrich.dates import find_dates
from .enrich.entities import country_mentions, find_entities, tag_entities
from .enrich.language import detect_language, split_sentences
from .errors import StorylineError
from .extract import ExtractedPage, estimate_publication_date, extract, line_key
from .ingest import iter_records
from .models import Article, DateMethod, Failure, InputKind, RawRecord, Source

log = logging.getLogger(__name__)


def article_id(record: RawRecord, page: ExtractedPage) -> str:
    """A stable id: the record's own id, else the canonical URL, else the text.

    The same article ingested twice gets the same id, whichever file it came from.
    """
    if record.id:
        return str(record.id)
    if page.url:
        parts = urlsplit(page.url.strip())
        query = "&".join(q for q in parts.query.split("&") if q and not q.startswith(("utm_", "fbclid", "gclid")))
        canon = urlunsplit((parts.scheme.lower(), parts.netloc.lower().removeprefix("www."),
                            parts.path.rstrip("/"), query, ""))
        return hashlib.sha1(canon.encode()).hexdigest()[:16]
    text = re.sub(r"\W+", " ", (page.title + " " + page.body).lower()).strip()
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def enrich(page: ExtractedPage, record: RawRecord, settings: Settings) -> Article:
    """Language, sentences, entities, countries, dates and claims of an extracted page."""
    body = page.body[: settings.max_enrich_chars]
    lang, score = detect_language(page.title + "\n" + body)
    if record.lang:
        lang, score = record.lang.lower().split("-")[0], 1.0
    sentences = split_sentences(body, lang)
    published = page.published
    if published.value is None:
        published = estimate_publication_date(body, lang=lang, fetched=record.fetched)
    entities = (
        find_entities(body, lang, spans=tag_entities(body, lang, fast=settings.ner_fast)) if settings.ner else []
    )
    countries = country_mentions(page.title + "\n" + body, entities)
    ref = published.value if published.method is not DateMethod.ESTIMATE else None
    dates = find_dates(body, ref, lang=lang, sentences=sentences)
    attributions, statements = find_claims(sentences, page.title)
    return Article(
        id=article_id(record, page),
        source=record.source,
        title=page.title,
        body=page.body,
        url=page.url,
        outlet=page.outlet,
        published=published,
        language=lang,
        language_score=score,
        removed_lines=page.removed,
        sentences=sentences,
        entities=entities,
        countries=countries,
        dates=dates,
        attributions=attributions,
        statements=statements,
        input_kind=record.kind,
    )


def analyze(
    record: RawRecord, settings: Settings | None = None, *, outlet_lines: Counter[bytes] | None = None
) -> Article:
    """Extract and enrich one raw record.

    Raises:
        StorylineError: (a subclass naming the stage) when the record yields no article.
    """
    settings = settings or Settings()
    page = extract(record, outlet_lines=outlet_lines)
    if len(page.body) < settings.min_body_chars:
        from .errors import ExtractionError

        raise ExtractionError(
            f"article body too short ({len(page.body)} characters, minimum {settings.min_body_chars})",
            source=str(record.source),
        )
    return enrich(page, record, settings)


def analyze_text(
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    date: str | None = None,
    lang: str | None = None,
    outlet: str | None = None,
    html: bool = False,
    id: str | None = None,
    settings: Settings | None = None,
) -> Article:
    """Analyse a text (or HTML with ``html=True``) given directly.

    Example:
        >>> a = analyze_text("Ministers met in Paris on Monday. They agreed.", date="2020-01-14")  # doctest: +SKIP
        >>> a.dates[0].value  # doctest: +SKIP
        datetime.date(2020, 1, 13)
    """
    record = RawRecord(
        source=Source(id or "<text>"),
        kind=InputKind.HTML if html else InputKind.TEXT,
        content=text,
        url=url, title=title, date=date, lang=lang, outlet=outlet, id=id,
    )
    return analyze(record, settings)


def _group_of(record: RawRecord) -> str:
    """Which pages share boilerplate: same outlet, else same site, else same folder."""
    if record.outlet:
        return "outlet:" + record.outlet.lower()
    if record.url:
        return "host:" + (urlsplit(record.url).hostname or "")
    return "dir:" + str(Path(record.source.path).parent)


def count_outlet_lines(records: Iterable[RawRecord | Failure]) -> dict[str, Counter[bytes]]:
    """Per boilerplate group, on how many pages each line appears (text records only)."""
    groups: dict[str, Counter[bytes]] = {}
    for rec in records:
        if isinstance(rec, Failure) or rec.kind is not InputKind.TEXT:
            continue
        keys = {line_key(ln) for ln in rec.content.split("\n") if ln.strip() and len(ln) < 300}
        groups.setdefault(_group_of(rec), Counter()).update(keys)
    return groups


def outlet_lines_of(groups: dict[str, Counter[bytes]], record: RawRecord) -> Counter[bytes] | None:
    """The line counts a record's boilerplate removal uses (text records only)."""
    return groups.get(_group_of(record)) if record.kind is InputKind.TEXT else None


def analyze_record(
    record: RawRecord, settings: Settings, *, outlet_lines: Counter[bytes] | None = None
) -> Article | Failure:
    """:func:`analyze`, with every failure turned into a :class:`Failure` naming the
    record and the stage (a bug or a library failure on one record must not stop a
    batch)."""
    try:
        return analyze(record, settings, outlet_lines=outlet_lines)
    except StorylineError as exc:
        stage = {"ExtractionError": "extract", "EnrichmentError": "enrich"}.get(type(exc).__name__, "extract")
        return Failure(record.source, stage, exc.reason)
    except Exception as exc:
        log.exception("unexpected failure on %s", record.source)
        return Failure(record.source, "enrich", f"unexpected error: {type(exc).__name__}: {exc}")


def read_articles(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    on_record: Callable[[], None] | None = None,
    skip: Callable[[RawRecord], bool] | None = None,
) -> Iterator[Article | Failure]:
    """Articles (or Failures with their reason) of every record under ``paths``.

    ``skip(record)`` returning True leaves a record out before any work is done on
    it (the store uses it to resume an interrupted ingest).

    Makes two passes: the first counts lines per outlet for the cross-page
    boilerplate signal, the second extracts and enriches. Nothing is held in
    memory between records beyond those counts.
    """
    settings = settings or Settings()
    paths = list(paths)
    groups = count_outlet_lines(iter_records(paths, settings))
    for rec in iter_records(paths, settings):
        if on_record:
            on_record()
        if isinstance(rec, Failure):
            yield rec
            continue
        if skip is not None and skip(rec):
            continue
        yield analyze_record(rec, settings, outlet_lines=outlet_lines_of(groups, rec))


def count_records(paths: Iterable[str | Path], settings: Settings | None = None) -> int:
    """How many records ``read_articles`` will yield (for progress bars)."""
    return sum(1 for _ in iter_records(paths, settings))
