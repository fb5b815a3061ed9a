"""Raw page -> article body, title, outlet and publication date.

HTML goes through trafilatura. Plain-text scrapes (the page's visible text as a
scraper saved it, junk included) go through our own boilerplate remover:

1. each line gets a label from line-level features: *good* (long, sentence-like),
   *bad* (boilerplate vocabulary, prices, widgets, a line repeated within the
   page, a short line repeated on other pages of the same outlet) or *neutral*
   (headings, bylines, captions);
2. the body is the densest run of good lines, allowing short gaps (a
   subheading, a caption) inside it; neutral lines inside the run are kept,
   bad ones dropped; everything before and after it is dropped;
3. a line printed twice near the top is the title (scrapers often save the
   ``<title>`` and the ``<h1>``); a short line holding a full date is the
   dateline.

The publication date comes from metadata when the record or the markup has one,
else from a dateline in the text, else from a ``/2020/01/14/`` URL, else it is
*estimated* from indirect evidence (``estimate_publication_date``) and marked
as an estimate, else unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ExtractionError
from .models import DateMethod, InputKind, PublicationDate, RawRecord
from .enrich.dates import find_dates, parse_dateline

log = logging.getLogger(__name__)

# --- line features --------------------------------------------------------

_BOILERPLATE = re.compile(
    r"(subscribe|newsletter|sign ?up|log ?in|sign ?in|register|cookie|privacy|terms of (use|service)"
    r"|all rights reserved|©|\(c\) ?\d{4}|copyright|advertis|sponsored|related (articles?|stories|posts|news)"
    r"|read more|read also|see also|also read|editor'?s? ?picks?|most (read|popular|viewed|shared)"
    r"|trending|share (this|on|via)|^share$|follow us|facebook|twitter|whatsapp|telegram|linkedin"
    r"|instagram|youtube|^e-?mail$|^print$|comments?$|notify of|view all comments|leave a (comment|reply)"
    r"|inline feedbacks?|would love your thoughts|feedback|donat|support us|^support \w+$|skip to"
    r"|^menu$|^search$|^home$|click here|tap here|^watch:|^listen|^photo:|^image:|^credit:|getty images"
    r"|^tags?:|^topics?:|filed under|loading\.\.\.|enable javascript|your browser|download (the|our) app"
    r"|^next( article)?$|^previous( article)?$|^back to top|^top stories|^latest news|^more from"
    r"|anmelden|abonn|werbung|anzeige|teilen|kommentar|weiterlesen|lesen sie auch|mehr zum thema"
    r"|datenschutz|impressum|publicité|partager|lire aussi|à lire aussi|s'abonner|commentaires"
    r"|suscr[ií]b|publicidad|compartir|lee también|leer más|comentarios|iscriviti|leggi anche"
    r"|condividi|abone ol|paylaş|yorum|czytaj (też|także)|udostępnij|reklama|подпис|читайте также"
    r"|реклама|поделиться|اشترك|إعلان|شارك)",
    re.I,
)
_CONSENT = re.compile(
    r"\bcookies?\b.*\b(website|site|consent|browser|experience|opt[- ]out|accept)\b"
    r"|\b(website|site|we) uses? cookies|\bcookies? (policy|settings|preferences)\b",
    re.I,
)
_PRICE = re.compile(r"^[\s\d.,]*(\$|€|£|usd|eur)[\s\d.,]*$", re.I)
_TERMINAL = tuple('.!?"”’»)…:;。！？」』')
_CAPTION = re.compile(
    r"(\((AFP|AP|Reuters|EPA|Getty|Photo[^)]*|File[^)]*)\)\s*$|^(photo|image|picture|foto|bild)\s*[:|]"
    r"|\b(AP Photo|Getty Images|Reuters/|EPA/|AFP/)\b)",
    re.I,
)
# Lines that open a comment thread or a list of other stories: nothing after
# them belongs to the article.
_SECTION_END = re.compile(
    r"^(\d+\s+)?(comments?|responses?|replies|reactions|kommentare|commentaires|comentarios|commenti"
    r"|yorumlar|komentarze|комментарии)\b(?!.{40,})|^(\d+\s+)?(responses?|comments?|replies) to\b"
    r"|^(leave a (reply|comment)|post a comment|add a comment|join the (discussion|conversation)"
    r"|related( articles| stories| posts| news| coverage| content)?|more (stories|news|from)|read next"
    r"|recommended( for you)?|you (may|might) also like|trending now|most (read|popular)|popular stories"
    r"|around the web|from around the web|sponsored (content|stories)|promoted stories"
    r"|lesen sie auch|mehr zum thema|à lire aussi|lire aussi|sur le même sujet|te puede interesar"
    r"|noticias relacionadas|leggi anche|ilgili haberler|czytaj także|читайте также"
    r"|(você|voce) (pode|também pode) gostar|vous aimerez aussi|das könnte sie auch interessieren"
    r"|(también )?te puede interesar|potrebbe interessarti|ti potrebbe interessare)\s*(:|\.\.\.|…)?$",
    re.I,
)
_COMMENT_META = re.compile(r"^\S+( \S+)? (says|said|wrote|commented):?$|^reply$|^report( comment)?$|^\d+ (likes?|points?)$", re.I)
_BREADCRUMB = re.compile(r"\S\s*[»›>|]\s*\S.*\s[»›>|]\s*\S")
_AGO = re.compile(r"^(about )?\d+ (seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago\b.{0,30}$", re.I)
_BYLINE = re.compile(r"^(by|von|par|por|di|от|автор)\s+[A-ZÀ-ÝА-Я]", re.I)
_PUBLISHED = re.compile(
    r"^(published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|mis à jour"
    r"|publicado|actualizado|pubblicato|yayınlanma|opublikowano|опубликовано)\b",
    re.I,
)


def normalize_line(line: str) -> str:
    """The form under which lines are compared across pages."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", line)).strip().lower()


def line_key(line: str) -> bytes:
    """A compact key for cross-page repetition counts."""
    return hashlib.blake2b(normalize_line(line).encode(), digest_size=8).digest()


@dataclass
class CleanText:
    """The result of cleaning one plain-text scrape."""

    body: str
    title: str | None
    removed: list[str] = field(default_factory=list)
    dateline: str | None = None
    date: dt.date | None = None


@dataclass
class ExtractedPage:
    """What extraction found on one page."""

    body: str
    title: str
    published: PublicationDate
    removed: list[str] = field(default_factory=list)
    outlet: str | None = None
    url: str | None = None


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _words(line: str) -> int:
    """Word count; CJK scripts write no spaces, so about two characters a word."""
    n = len(line.split())
    cjk = len(_CJK.findall(line))
    return max(n, int(cjk / 2)) if cjk else n


_GLUED = re.compile(r"[a-z0-9?!’'\")][A-Z][a-z]")


def _is_teaser(line: str) -> bool:
    """A link teaser: a Title Case headline glued to its summary ("...Student-AthleteA 24-year-old...")."""
    for m in _GLUED.finditer(line, 0, 200):
        head = line[: m.start() + 1].split()
        if len(head) < 4 or len(line[m.start() :].split()) < 6:
            continue
        alpha = [w for w in head if w[:1].isalpha()]
        if any(w[:1].islower() and w.lower() not in _FUNCTION_WORDS for w in alpha):
            continue
        if alpha and sum(w[:1].isupper() for w in alpha) / len(alpha) >= 0.75:
            return True
    return False


_FUNCTION_WORDS = {"a", "an", "the", "of", "in", "at", "to", "for", "and", "or", "on", "by", "with",
                   "from", "vs", "as", "is", "are", "de", "la", "le", "des", "du", "der", "die",
                   "das", "und", "von", "el", "y", "en", "del"}


def _label(line: str, counts: Counter[str], outlet_lines: Counter[bytes] | None) -> str:
    n = _words(line)
    letters = sum(ch.isalpha() for ch in line)
    if letters < max(2, len(line) * 0.4) or _PRICE.match(line):
        return "bad"
    if n <= 15 and _BOILERPLATE.search(line):
        return "bad"
    if n <= 90 and _CONSENT.search(line):
        return "bad"
    if n <= 12 and counts[normalize_line(line)] > 1:
        return "dup"  # printed twice on the page: a title, a widget, a "Support us" line
    if outlet_lines is not None and n <= 15 and outlet_lines.get(line_key(line), 0) >= 2:
        return "bad"  # the same short line on other pages of this outlet
    if _SECTION_END.match(line):
        return "end"
    if _is_teaser(line):
        return "bad"
    if _COMMENT_META.match(line) or _BREADCRUMB.search(line) or _AGO.match(line):
        return "bad"
    if _CAPTION.search(line) and n <= 60:
        return "caption"
    if n <= 12 and parse_dateline(line) is not None:
        return "bad"  # a timestamp (a dateline near the top is taken before this)
    stripped = line.rstrip()
    ends = stripped.endswith(_TERMINAL) and not re.search(r"\(\d+\)$|[^.!?]\)$", stripped)
    if (n >= 8 and ends) or n >= 20:
        return "good"
    return "neutral"


def clean_text(text: str, *, outlet_lines: Counter[bytes] | None = None) -> CleanText:
    """Split a plain-text scrape into body, title and the lines removed as boilerplate.

    Args:
        text: the page's visible text, one block per line.
        outlet_lines: how many pages of the same outlet hold each line
            (keys from :func:`line_key`); short lines on two or more pages are
            boilerplate.

    Returns:
        CleanText with ``body`` (paragraphs separated by blank lines), ``title``,
        ``removed`` (every non-blank line not in the body, in page order) and the
        dateline if one was found.

    Example:
        >>> clean_text("Site\\nTitle\\nTitle\\nA long sentence of the story goes here, ok.").title
        'Title'
    """
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _unwrap([ln for ln in lines if ln])
    counts = Counter(normalize_line(ln) for ln in lines)
    labels = [_label(ln, counts, outlet_lines) for ln in lines]
    # a paragraph printed again further down (galleries, "print" copies) is kept once
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        if labels[i] == "good":
            key = normalize_line(ln)
            if key in seen:
                labels[i] = "repeat"
            seen.add(key)

    # dateline: the first short line near the top holding a full date
    dateline_idx, date = None, None
    for i, ln in enumerate(lines[:40]):
        if _words(ln) > 14:
            continue
        d = parse_dateline(ln)
        if d is not None:
            dateline_idx, date = i, d
            labels[i] = "meta"
            break

    body_idx = _main_block(labels, lines)
    title = _find_title(lines, labels, counts, body_idx)
    keep = set(body_idx)
    body_lines = [lines[i] for i in body_idx]
    if title and body_lines and normalize_line(body_lines[0]) == normalize_line(title):
        keep.discard(body_idx[0])
        body_lines = body_lines[1:]
    removed = [ln for i, ln in enumerate(lines) if i not in keep]
    return CleanText(
        body="\n\n".join(body_lines),
        title=title,
        removed=removed,
        dateline=lines[dateline_idx] if dateline_idx is not None else None,
        date=date,
    )


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line without end punctuation followed by one starting in lowercase."""
    out: list[str] = []
    for ln in lines:
        if out and ln[:1].islower() and not out[-1].endswith(_TERMINAL) and _words(out[-1]) >= 3:
            out[-1] = out[-1] + " " + ln
        else:
            out.append(ln)
    return out


# A run of non-good lines longer than this ends a block of the body.
_MAX_GAP = 3


def _main_block(labels: list[str], lines: list[str]) -> list[int]:
    good = [i for i, lab in enumerate(labels) if lab == "good"]
    if not good:
        # no sentence-like line at all: keep the longest neutral lines
        cand = [i for i, lab in enumerate(labels) if lab == "neutral" and _words(lines[i]) >= 4]
        return cand
    # group good lines into segments separated by long gaps
    segments: list[list[int]] = [[good[0]]]
    for prev, cur in zip(good, good[1:]):
        gap = range(prev + 1, cur)
        gap_bad = sum(labels[j] in ("bad", "dup") for j in gap)
        if len(gap) > _MAX_GAP or gap_bad > 2 or any(labels[j] == "end" for j in gap):
            segments.append([cur])
        else:
            segments[-1].append(cur)

    def mass(seg: list[int]) -> int:
        return sum(_words(lines[i]) for i in seg)

    # A comment thread or a "related stories" list ends the article: once
    # 50+ words of article precede such a line, nothing after it counts.
    stop = len(lines)
    for i, lab in enumerate(labels):
        if lab == "end" and sum(_words(lines[j]) for j in good if j < i) >= 50:
            stop = i
            break
    segments = [s for s in segments if s[0] < stop] or segments
    best_seg = max(segments, key=mass)
    best = mass(best_seg)
    kept = [s for s in segments if mass(s) >= 0.3 * best or (len(s) >= 3 and mass(s) >= 0.15 * best)]
    out: list[int] = []
    for seg in kept:
        lo, hi = seg[0], seg[-1]
        for i in range(lo, hi + 1):
            if labels[i] in ("good", "neutral"):
                out.append(i)
    return out


def _find_title(
    lines: list[str], labels: list[str], counts: Counter[str], body_idx: list[int]
) -> str | None:
    first = body_idx[0] if body_idx else len(lines)
    # a heading printed twice before or at the start of the body
    for i in range(0, min(first + 1, len(lines))):
        ln = lines[i]
        if counts[normalize_line(ln)] > 1 and 2 <= _words(ln) <= 30 and labels[i] != "good" \
                and not _BOILERPLATE.search(ln):
            return ln
    # else the nearest heading-like line above the body
    for i in range(first - 1, max(-1, first - 8), -1):
        ln = lines[i]
        if labels[i] in ("neutral", "dup") and 3 <= _words(ln) <= 30 and not _BYLINE.match(ln) \
                and not _PUBLISHED.match(ln) and not ln.rstrip().endswith((".", ":")):
            return ln
    return None


# --- HTML -------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "nav", "aside", "blockquote", "figure",
    "figcaption", "form", "pre", "dd", "dt", "dl", "main", "title", "hr", "td", "th", "address",
}


def html_to_text(html: str) -> str:
    """The visible text of a page, one block per line, as a scraper would save it."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparseable HTML: {exc}") from exc
    for bad in root.xpath("//script|//style|//noscript|//template|//svg|//head"):
        tail = bad.tail
        parent = bad.getparent()
        if parent is not None:
            bad.tail = None
            parent.remove(bad)
            if tail:
                prev = parent
                prev.text = (prev.text or "") + tail
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag.lower() in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(root)
    text = "".join(parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|-|\b)")


def date_from_url(url: str | None) -> dt.date | None:
    """A date spelled in a URL path (``/2020/01/14/``), or None."""
    if not url:
        return None
    m = _URL_DATE.search(url)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def find_publication_date(
    html: str | None, url: str | None = None, text: str | None = None
) -> PublicationDate:
    """The publication date of a page and how it was found; value None when unknown.

    Order: the page's markup (htmldate, without free-text search), a dateline in
    the text, the URL, then htmldate's search of the page text.
    """
    if html:
        d = _htmldate(html, url, extensive=False)
        if d:
            return PublicationDate(d, DateMethod.METADATA, "from the page's markup (meta tags, JSON-LD, <time>)")
    if text:
        for ln in text.split("\n")[:40]:
            d = parse_dateline(ln.strip())
            if d:
                return PublicationDate(d, DateMethod.TEXT, f"dateline {ln.strip()!r}")
    d = date_from_url(url)
    if d:
        return PublicationDate(d, DateMethod.URL, f"date in the URL {url}")
    if html:
        d = _htmldate(html, url, extensive=True)
        if d:
            return PublicationDate(d, DateMethod.TEXT, "a date printed in the page (htmldate text search)")
    return PublicationDate(None, DateMethod.UNKNOWN, "no date in metadata, text or URL")


def _htmldate(html: str, url: str | None, *, extensive: bool) -> dt.date | None:
    from htmldate import find_date

    try:
        found = find_date(html, url=url, original_date=True, extensive_search=extensive,
                          outputformat="%Y-%m-%d")
    except Exception as exc:  # htmldate raises assorted errors on broken markup
        log.debug("htmldate failed: %s", exc)
        return None
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found)
    except ValueError:
        return None


def extract_html(html: str, url: str | None = None) -> ExtractedPage:
    """Body, title, outlet and date of an HTML page.

    Raises:
        ExtractionError: when neither trafilatura nor the text fallback finds a body.
    """
    import trafilatura

    doc = None
    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                          include_tables=False, deduplicate=False)
    except Exception as exc:  # trafilatura surfaces lxml and internal errors as-is
        log.debug("trafilatura failed on %s: %s", url, exc)
    visible = html_to_text(html)
    body = ""
    title = ""
    outlet = None
    if doc is not None:
        body = (getattr(doc, "text", None) or "").strip()
        title = (getattr(doc, "title", None) or "").strip()
        outlet = getattr(doc, "sitename", None) or None
    if len(body) < 40:
        cleaned = clean_text(visible)
        body = cleaned.body
        title = title or (cleaned.title or "")
    if not body.strip():
        raise ExtractionError("no article text found in the HTML")
    body = "\n\n".join(p.strip() for p in body.split("\n") if p.strip())
    kept = {normalize_line(p) for p in body.split("\n\n")}
    removed = [ln for ln in visible.split("\n") if normalize_line(ln) not in kept]
    published = find_publication_date(html, url, visible)
    return ExtractedPage(body=body, title=title, published=published, removed=removed,
                         outlet=outlet, url=url)


# --- records ----------------------------------------------------------------

_OUTLET_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*[-–]?\s*(?:\d{4})?\s*)?([A-Z][\w&.' -]{2,40}?)(?:[.,|]|\s+all rights|$)", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:[ -](?:[A-Z][\w'’-]+|al|el|de|of|the))*(?:\s+[A-Z][\w'’-]+)?")


_NOT_NAMES = {"support", "follow", "visit", "join", "like", "the", "editor", "picks", "notify",
              "view", "read", "more", "news", "home", "and", "from", "with", "all", "photo"}


def guess_outlet(url: str | None, removed: Iterable[str], title: str | None = None) -> str | None:
    """The outlet: the site name in the URL, a copyright line, or a name repeated in the junk."""
    if url:
        host = urlsplit(url).hostname or ""
        if host:
            return host[4:] if host.startswith("www.") else host
    title_key = normalize_line(title) if title else None
    lines = [
        ln for ln in removed
        if _words(ln) <= 25 and normalize_line(ln) != title_key and not _CAPTION.search(ln)
        and parse_dateline(ln) is None
    ]
    for ln in lines:
        m = _OUTLET_COPYRIGHT.search(ln)
        if m:
            return m.group(1).strip()
    # a site name is repeated in its own junk ("Support SouthFront" twice,
    # "Asharq Al-awsat ... from Asharq Al-awsat Newspaper")
    grams: Counter[tuple[str, ...]] = Counter()
    spelled: dict[tuple[str, ...], str] = {}
    for ln in lines:
        toks = re.findall(r"[\w'’&-]+", ln)
        for n in (1, 2, 3):
            for i in range(len(toks) - n + 1):
                gram = toks[i : i + n]
                if not all(t[0].isupper() for t in gram):
                    continue
                if any(_BOILERPLATE.search(t) or t.lower() in _NOT_NAMES for t in gram) \
                        or len("".join(gram)) < 4:
                    continue
                key = tuple(t.lower() for t in gram)
                grams[key] += 1
                spelled.setdefault(key, " ".join(gram))
    if not grams:
        return None
    best = max(grams.items(), key=lambda kv: (kv[1], len(kv[0])))
    return spelled[best[0]] if best[1] >= 2 else None


def extract(record: RawRecord, *, outlet_lines: Counter[bytes] | None = None) -> ExtractedPage:
    """Extract one raw record (text or HTML) into an ExtractedPage.

    Metadata given with the record (title, url, outlet, date) wins over what
    the page says; a date given with the record is METADATA.

    Raises:
        ExtractionError: no body could be found.
    """
    if record.kind is InputKind.HTML:
        page = extract_html(record.content, record.url)
    else:
        cleaned = clean_text(record.content, outlet_lines=outlet_lines)
        if not cleaned.body.strip():
            raise ExtractionError("no article text found: every line looks like boilerplate")
        if cleaned.date:
            published = PublicationDate(cleaned.date, DateMethod.TEXT, f"dateline {cleaned.dateline!r}")
        else:
            d = date_from_url(record.url)
            published = (
                PublicationDate(d, DateMethod.URL, f"date in the URL {record.url}")
                if d
                else PublicationDate(None, DateMethod.UNKNOWN, "no date in metadata, text or URL")
            )
        page = ExtractedPage(
            body=cleaned.body,
            title=cleaned.title or "",
            published=published,
            removed=cleaned.removed,
            url=record.url,
        )
    if record.title:
        page.title = record.title
    if record.url:
        page.url = record.url
    if record.date:
        d = _parse_given_date(record.date)
        if d is None:
            log.debug("%s: unreadable date %r given with the record", record.source, record.date)
        else:
            page.published = PublicationDate(d, DateMethod.METADATA, f"given with the record: {record.date!r}")
    page.outlet = record.outlet or page.outlet or guess_outlet(page.url, page.removed, page.title)
    if not page.title:
        first = page.body.split("\n")[0]
        page.title = first if _words(first) <= 20 else " ".join(first.split()[:12]) + "…"
    return page


def _parse_given_date(value: str) -> dt.date | None:
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    d = parse_dateline(value)
    if d:
        return d
    import dateparser

    parsed = dateparser.parse(value, settings={"STRICT_PARSING": True})
    return parsed.date() if parsed else None


# --- estimates ----------------------------------------------------------------

_YEARS_AGO = re.compile(r"\b(\d{1,3})\s+years?\s+ago\b|\bvor\s+(\d{1,3})\s+Jahren\b|\bil y a\s+(\d{1,3})\s+ans\b|\bhace\s+(\d{1,3})\s+años\b", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def estimate_publication_date(
    body: str, *, lang: str | None = None, fetched: str | None = None
) -> PublicationDate:
    """An *estimate* of when an undated article was written, with its evidence.

    Evidence used: "N years ago" next to a year in the same sentence (the
    article is from about that year + N); the latest year mentioned as past
    (a lower bound); a month and day mentioned without a year (the likely
    month); the crawl date (an upper bound). Returns UNKNOWN when there is no
    evidence.
    """
    evidence: list[str] = []
    anchor: int | None = None
    for sent in re.split(r"(?<=[.!?])\s+", body):
        m = _YEARS_AGO.search(sent)
        if not m:
            continue
        n = int(next(g for g in m.groups() if g))
        years = [int(y) for y in _YEAR.findall(sent)]
        if years:
            anchor = max(years) + n
            evidence.append(f"'{m.group(0)}' in a sentence about {max(years)} suggests about {anchor}")
            break
    mentions = find_dates(body, None, lang=lang)
    past_years = [m.value.year for m in mentions if m.value and not m.relative]
    latest_year = max(past_years) if past_years else None
    latest: dt.date | None = None
    if fetched:
        try:
            latest = dt.date.fromisoformat(fetched[:10])
            evidence.append(f"crawled on {latest.isoformat()}")
        except ValueError:
            pass
    year = anchor or latest_year
    if year is None:
        return PublicationDate(None, DateMethod.UNKNOWN, "no date in metadata, text or URL, and no evidence for an estimate")
    if anchor is None and latest_year is not None:
        evidence.append(f"latest year mentioned is {latest_year} (a lower bound)")
    month_day = next(
        (m for m in mentions if m.relative and m.granularity == "day" and re.search(r"\d", m.text)),
        None,
    )
    value = dt.date(year, 1, 1)
    if month_day is not None:
        from .enrich.dates import MONTH_BY_NAME

        mon = next((MONTH_BY_NAME[w.lower().strip(".,")] for w in month_day.text.split()
                    if w.lower().strip(".,") in MONTH_BY_NAME), None)
        day = next((int(w) for w in re.findall(r"\d{1,2}", month_day.text)), 1)
        if mon:
            try:
                value = dt.date(year, mon, day)
                evidence.append(f"'{month_day.text}' mentioned without a year gives the month")
            except ValueError:
                pass
    earliest = dt.date(latest_year, 1, 1) if latest_year else None
    upper = dt.date(year + 1, 12, 31) if anchor else None
    if latest and (upper is None or latest < upper):
        upper = latest
    if upper and value > upper:
        value = upper
    return PublicationDate(value, DateMethod.ESTIMATE, "; ".join(evidence), earliest=earliest, latest=upper)
