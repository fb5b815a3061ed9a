"""Publication date accuracy on htmldate's evaluation set (800 pages, blogs and news, many German).

Systems, on the same decoded HTML and URL:

- ours: ``storyline.extract.extract_html(html, url).published``, the date the
  pipeline gives an HTML page (``find_publication_date`` with the page's visible
  text), and ``find_publication_date(html, url, None)`` (markup and URL only);
- htmldate alone: ``find_date`` with its defaults (latest date, extensive search),
  with ``original_date=True``, and ``original_date=True`` without extensive search.

Accuracy = the exact day is right (no answer counts as wrong); coverage = share
of pages given a date; precision = accuracy among the pages given a date.
htmldate outputs are cached in ``benchmarks/.cache/dates/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import logging
import tarfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    BENCH_DIR,
    cache_dir,
    datasets_dir,
    decode_html,
    environment,
    md_table,
    package_version,
    write_csv,
    write_results,
)

log = logging.getLogger(__name__)

NAME = "dates"
FOLDERS = ("test_set", "cache", "eval")  # the order htmldate's own loader searches


@dataclass
class Page:
    url: str
    file: str
    folder: str
    html: str
    gold: dt.date


def load_pages(limit: int | None = None) -> list[Page]:
    """The 800 annotated pages of ``eval_default.json``, in file order."""
    folder = datasets_dir() / "htmldate-eval"
    with gzip.open(folder / "eval_default.json.gz", "rt", encoding="utf-8") as handle:
        index: dict[str, dict[str, str]] = json.load(handle)
    wanted = {item["file"] for item in index.values()}
    found: dict[tuple[str, str], bytes] = {}
    with tarfile.open(folder / "tests_html.tar.gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) == 3 and parts[1] in FOLDERS and parts[2] in wanted:
                found[(parts[1], parts[2])] = tar.extractfile(member).read()  # type: ignore[union-attr]
    pages: list[Page] = []
    for url, item in index.items():
        for sub in FOLDERS:
            data = found.get((sub, item["file"]))
            if data is not None:
                pages.append(Page(url, item["file"], sub, decode_html(data),
                                  dt.date.fromisoformat(item["date"])))
                break
        else:
            log.warning("no file for %s (%s)", url, item["file"])
    return pages[:limit] if limit else pages


# --------------------------------------------------------------------------- systems


def _htmldate(**options: Any) -> Callable[[Page], dt.date | None]:
    def run(page: Page) -> dt.date | None:
        from htmldate import find_date

        found = find_date(page.html, url=page.url, **options)
        return dt.date.fromisoformat(found) if found else None

    return run


HTMLDATE = {
    "htmldate_default": _htmldate(),
    "htmldate_original": _htmldate(original_date=True),
    "htmldate_original_fast": _htmldate(original_date=True, extensive_search=False),
}


def _ours() -> dict[str, Callable[[Page], Any]]:
    """Our dates: as the pipeline finds them on an HTML page, and from the markup and URL alone."""
    try:
        from storyline.extract import extract_html, find_publication_date
    except ImportError as exc:
        log.warning("ours not measured: %s", exc)
        return {}

    def pipeline(page: Page) -> Any:
        return extract_html(page.html, url=page.url).published

    def html_only(page: Page) -> Any:
        return find_publication_date(page.html, page.url, None)

    return {"ours_extract_html": pipeline, "ours_html_only": html_only}


def _cache_key() -> str:
    return hashlib.sha256(
        (str(package_version("htmldate")) + str(package_version("dateparser"))).encode()
    ).hexdigest()[:16]


def _run(fn: Callable[[Page], Any], page: Page) -> dict[str, Any]:
    start = time.perf_counter()
    method = evidence = error = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = fn(page)
    except Exception as exc:  # noqa: BLE001 - a failure is an unknown date, recorded
        found, error = None, f"{type(exc).__name__}: {exc}"
    if found is not None and not isinstance(found, dt.date):  # a PublicationDate
        method = getattr(getattr(found, "method", None), "value", None)
        evidence = getattr(found, "evidence", None)
        found = found.value
    return {
        "date": found.isoformat() if found else None,
        "method": method,
        "evidence": evidence,
        "error": error,
        "seconds": time.perf_counter() - start,
    }


def htmldate_outputs(pages: list[Page], refresh: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    path = cache_dir(NAME) / "htmldate.json.gz"
    key = _cache_key()
    cached: dict[str, dict[str, dict[str, Any]]] = {}
    if path.exists() and not refresh:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            stored = json.load(handle)
        if stored.get("key") == key:
            cached = stored["systems"]
    changed = False
    for name, fn in HTMLDATE.items():
        outputs = cached.setdefault(name, {})
        todo = [p for p in pages if p.url not in outputs]
        if todo:
            log.info("%s on %d pages", name, len(todo))
            changed = True
        for page in todo:
            outputs[page.url] = _run(fn, page)
    if changed:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump({"key": key, "systems": cached}, handle)
    return cached


# --------------------------------------------------------------------------- scoring


def score(pages: list[Page], outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    n = len(pages)
    given = [p for p in pages if outputs[p.url]["date"]]
    correct = [p for p in given if outputs[p.url]["date"] == p.gold.isoformat()]
    methods: dict[str, dict[str, int]] = {}
    for p in pages:
        m = outputs[p.url].get("method")
        if m:
            slot = methods.setdefault(m, {"given": 0, "correct": 0})
            slot["given"] += bool(outputs[p.url]["date"])
            slot["correct"] += outputs[p.url]["date"] == p.gold.isoformat()
    return {
        "accuracy": len(correct) / n if n else 0.0,
        "coverage": len(given) / n if n else 0.0,
        "precision": len(correct) / len(given) if given else 0.0,
        "correct": len(correct),
        "given": len(given),
        "pages": n,
        "errors": sum(1 for p in pages if outputs[p.url].get("error")),
        "ms_per_page": 1000 * sum(outputs[p.url]["seconds"] for p in pages) / max(n, 1),
        "by_method": methods or None,
    }


LABELS = {
    "ours_extract_html": "ours: extract_html(html, url).published (the pipeline)",
    "ours_html_only": "ours: find_publication_date(html, url, None)",
    "htmldate_default": "htmldate find_date (defaults)",
    "htmldate_original": "htmldate find_date(original_date=True)",
    "htmldate_original_fast": "htmldate find_date(original_date=True, extensive_search=False)",
}


def run(limit: int | None = None, refresh: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    pages = load_pages(limit)
    systems: dict[str, dict[str, dict[str, Any]]] = {}
    for name, fn in _ours().items():
        log.info("%s on %d pages", name, len(pages))
        systems[name] = {p.url: _run(fn, p) for p in pages}
    systems.update(htmldate_outputs(pages, refresh=refresh))
    results: dict[str, Any] = {
        "benchmark": "publication date, htmldate eval_default (800 pages)",
        "environment": environment(),
        "pages": len(pages),
        "pages_by_folder": {f: sum(1 for p in pages if p.folder == f) for f in FOLDERS},
        "metric": "accuracy = exact day right / all pages; coverage = pages given a date / all; "
                  "precision = right / given",
        "versions": {n: package_version(n) for n in ("htmldate", "dateparser", "trafilatura")},
        "systems": {name: score(pages, out) for name, out in systems.items()},
        "by_folder": {
            f: {name: score([p for p in pages if p.folder == f], out)["accuracy"]
                for name, out in systems.items()}
            for f in FOLDERS if any(p.folder == f for p in pages)
        },
    }
    if not limit:
        header = ["url", "file", "gold"] + list(systems)
        write_csv(BENCH_DIR / NAME / "per_page.csv", header,
                  ([p.url, p.file, p.gold.isoformat()] + [systems[s][p.url]["date"] or "" for s in systems]
                   for p in pages))
    results["seconds"] = time.perf_counter() - started
    return results


def to_markdown(results: dict[str, Any]) -> str:
    rows = [
        [LABELS.get(name, name), s["accuracy"], s["coverage"], s["precision"], s["errors"],
         f"{s['ms_per_page']:.1f}"]
        for name, s in results["systems"].items()
    ]
    parts = [
        "# Publication date (htmldate evaluation set)",
        "",
        f"{results['pages']} pages ({', '.join(f'{k}: {v}' for k, v in results['pages_by_folder'].items())}). "
        "Accuracy = exact day right over all pages; coverage = share given a date; "
        "precision = right among given. Run: `python -m benchmarks.dates`. Per-page answers: `per_page.csv`.",
        "",
        md_table(["system", "accuracy", "coverage", "precision", "errors", "ms/page"], rows),
    ]
    for name, s in results["systems"].items():
        if s.get("by_method"):
            method_rows = [[m, v["given"], v["correct"], v["correct"] / v["given"] if v["given"] else 0.0]
                           for m, v in sorted(s["by_method"].items())]
            parts += ["", f"{LABELS.get(name, name)}, by method:", "",
                      md_table(["method", "given", "correct", "precision"], method_rows)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dates", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="first N pages only (quick check; results not written)")
    parser.add_argument("--refresh", action="store_true", help="recompute the cached htmldate outputs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = run(limit=args.limit, refresh=args.refresh)
    markdown = to_markdown(results)
    if not args.limit:
        write_results(NAME, results, markdown)
    print(markdown)
