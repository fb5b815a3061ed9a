"""Bounded loopback load test of ``storyline serve``.

One command::

    python -m benchmarks.load [--clients 50] [--seconds 60] [--db PATH]

Builds a store from the bundled demo corpus (unless ``--db`` is given), starts
``storyline serve`` in a subprocess on 127.0.0.1, and for each scenario runs
``--clients`` concurrent asyncio/httpx clients for ``--seconds`` seconds, each
client sending its next request as soon as the last one is answered. Records
requests/s, latency p50/p90/p99/max and errors (any non-200 answer or transport
failure), and writes ``benchmarks/load/results.json`` and ``results.md``.

Scenarios:

- ``story``: the story page (``GET /stories/{id}``, HTML with the SVG timeline),
  cycling over every story of the store;
- ``compare``: the compare page (``GET /compare?a=..&b=..``), cycling over every
  unordered pair of articles of the store (741 pairs for the 39 demo articles), so
  most requests within the run are first-time comparisons (the server keeps the
  last 512 results: a pair repeated later is answered from that cache; the
  results file says how many requests were repeats).

The client runs on the same 2 cores as the server, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import ROOT, environment, md_table, package_version, write_results

DEMO = ROOT / "storyline" / "data" / "demo"


def build_demo_db(path: Path) -> int:
    """Ingest and cluster the demo corpus into ``path``; returns the article count."""
    from storyline.api import ingest_into_store
    from storyline.config import Settings
    from storyline.models import Failure
    from storyline.pipeline import read_articles
    from storyline.store.db import Store

    articles = [a for a in read_articles([DEMO]) if not isinstance(a, Failure)]
    with Store(path) as store:
        ingest_into_store(store, articles, Settings())
        return store.count_articles()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STORYLINE_TOKEN": "load-test-token"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline", "serve", "--db", str(db), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start in 120 s")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def run_scenario(base: str, urls: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` closed-loop clients for ``seconds``: each sends its next request when
    the last is answered, taking URLs round-robin from a shared cycle."""
    cycle = itertools.cycle(urls)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    busy: list[float] = []  # latencies of 503 busy answers
    rng = random.Random(7)
    answered: set[str] = set()
    first: list[float] = []  # latencies of the first 200 answer of each URL
    seen: set[str] = set()
    repeats = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        start = time.monotonic()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal repeats
            while time.monotonic() < deadline:
                url = next(cycle)
                if url in seen:
                    repeats += 1
                seen.add(url)
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                    ok = r.status_code == 200
                    if r.status_code == 503 and "retry-after" in r.headers:
                        # refused by admission control (all compare slots busy): a polite
                        # client waits as told; counted apart from errors
                        busy.append(time.perf_counter() - t0)
                        # with jitter, as clients should (and so the wait does not end just
                        # as the server drops the idle keep-alive connection)
                        await asyncio.sleep(float(r.headers["retry-after"]) + rng.uniform(0.2, 1.0))
                        continue
                    if not ok:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as exc:
                    ok = False
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                if ok:
                    latencies.append(time.perf_counter() - t0)
                    if url not in answered:  # the first answer for this URL (not from a cache)
                        first.append(latencies[-1])
                        answered.add(url)

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - start
    lat = sorted(latencies)
    n_err = sum(errors.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(lat) + n_err + len(busy),
        "ok": len(lat),
        "errors": n_err,
        "error_kinds": errors,
        "busy": len(busy),
        "busy_p50_ms": round(percentile(sorted(busy), 0.50) * 1000, 1) if busy else None,
        "requests_per_s": round((len(lat) + n_err + len(busy)) / elapsed, 2),
        "ok_per_s": round(len(lat) / elapsed, 2),
        "first_answers": len(first),
        "first_answers_per_s": round(len(first) / elapsed, 2),
        "first_p50_ms": round(percentile(sorted(first), 0.50) * 1000, 1) if first else None,
        "p50_ms": round(percentile(lat, 0.50) * 1000, 1),
        "p90_ms": round(percentile(lat, 0.90) * 1000, 1),
        "p99_ms": round(percentile(lat, 0.99) * 1000, 1),
        "max_ms": round(lat[-1] * 1000, 1) if lat else None,
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "distinct_urls": len(urls),
        "repeated_requests": repeats,
    }


def scenario_urls(base: str) -> dict[str, list[str]]:
    stories = httpx.get(f"{base}/api/stories", params={"limit": 200}, timeout=60).json()["items"]
    story_urls = [f"/stories/{s['id']}" for s in stories]
    ids: list[str] = []
    for s in stories:
        reports = httpx.get(f"{base}/api/stories/{s['id']}", timeout=60).json()["timeline"]["reports"]
        for r in reports:
            ids.append(r["article_id"])
            ids.extend(c["article_id"] for c in r["copies"])
    pairs = [f"/compare?{httpx.QueryParams({'a': a, 'b': b})}" for a, b in itertools.combinations(ids, 2)]
    return {"story": story_urls, "compare": pairs}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--db", type=Path, help="an existing store (default: the demo corpus, ingested now)")
    ap.add_argument("--scenarios", nargs="+", default=["story", "compare"], choices=["story", "compare"])
    ap.add_argument("--no-write", action="store_true", help="print the results, do not write results files")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="storyline-load-") as tmp:
        db = args.db
        n_articles = None
        if db is None:
            db = Path(tmp) / "demo.db"
            t0 = time.monotonic()
            n_articles = build_demo_db(db)
            print(f"demo store: {n_articles} articles in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        port = free_port()
        proc = start_server(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            urls = scenario_urls(base)
            results: dict[str, Any] = {}
            for name in args.scenarios:
                print(f"{name}: {args.clients} clients for {args.seconds:.0f} s ...", file=sys.stderr)
                results[name] = asyncio.run(run_scenario(base, urls[name], args.clients, args.seconds))
                print(json.dumps(results[name]), file=sys.stderr)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    out = {
        "environment": environment(),
        "server": "storyline serve (uvicorn, 1 process), loopback",
        "versions": {p: package_version(p) for p in ("fastapi", "uvicorn", "httpx")},
        "store": str(args.db) if args.db else f"demo corpus ({n_articles} articles)",
        "scenarios": results,
        "zero_errors": all(r["errors"] == 0 for r in results.values()),
    }
    rows = [
        (name, r["clients"], r["seconds"], r["requests"], r["errors"], r["busy"], r["requests_per_s"],
         r["ok_per_s"], r["first_answers_per_s"], r["first_p50_ms"], r["p50_ms"], r["p90_ms"], r["p99_ms"], r["max_ms"], f"{r['distinct_urls']} / {r['repeated_requests']}")
        for name, r in results.items()
    ]
    md = "\n".join([
        "# Load test: `storyline serve` on loopback",
        "",
        f"Command: `python -m benchmarks.load --clients {args.clients} --seconds {args.seconds:.0f}`. "
        f"Run {out['environment']['date']} on {out['environment']['cpus']} CPUs; the asyncio/httpx client "
        "shares the cores with the server. Closed loop: each client sends its next request when the "
        "last one is answered. Errors = any non-200 answer or transport failure except `503 busy`: "
        "the server computes at most `max_running_compares` (default 4) fresh comparisons at once and "
        "answers the others at once with 503 and `Retry-After: 5`; the client then waits 5 s plus 0.2-1 s "
        "of jitter. "
        "Latencies (p50 ...) are of the 200 answers; `first answers` are the first 200 answer for each "
        "URL (a comparison actually computed, not served from the cache).",
        "",
        md_table(["page", "clients", "s", "requests", "errors", "busy (503)", "req/s", "answered req/s", "first answers/s", "first-answer p50 ms", "p50 ms", "p90 ms", "p99 ms",
                  "max ms", "distinct URLs / repeated requests"], rows),
        "",
        "- `story`: `GET /stories/{id}` (HTML, server-side SVG timeline), cycling over every story.",
        "- `compare`: `GET /compare?a=&b=` (HTML, seven scores with evidence, both texts highlighted), "
        "cycling over every unordered pair of stored articles; a pair seen before is answered from the "
        "server's 512-entry result cache, so the repeated requests count says how many were warm.",
        "",
        f"Zero errors: {'yes' if out['zero_errors'] else 'NO'}.",
        *([f"Not run in this file: {', '.join(s for s in ('story', 'compare') if s not in results)}."]
          if len(results) < 2 else []),
    ])
    if args.no_write:
        print(json.dumps(out, indent=2))
        print(md)
        return
    folder = write_results("load", out, md)
    print(f"wrote {folder}/results.json and results.md", file=sys.stderr)
