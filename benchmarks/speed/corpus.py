"""The speed corpus: real HTML pages and scraped texts, written once as one JSON-lines file.

HTML: the 181 Zyte benchmark pages and a seeded sample of the htmldate pages.
Text: a seeded sample of the SemEval BL.Research full texts (fr/tr/ar), the HFL
texts (original-language rows: de/en/es/tr/pl/ar/fr) and the ECB+ documents
(English, tokenised, one sentence per line). Every record is a line that
``storyline read`` accepts: ``{"html": ...}`` or ``{"text": ...}`` with ``url``
and ``title`` where the data set has them.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
import tarfile
from pathlib import Path
from typing import Any

from benchmarks.common import cache_dir, datasets_dir, decode_html

SEED = 13
# Default mix (records): 500 HTML pages and 700 texts.
MIX = {"zyte_html": 181, "htmldate_html": 319, "blresearch_text": 250, "hfl_text": 200, "ecbplus_text": 250}


def _zyte() -> list[dict[str, Any]]:
    folder = datasets_dir() / "article-extraction-benchmark"
    with gzip.open(folder / "ground-truth.json.gz", "rt", encoding="utf-8") as handle:
        truth = json.load(handle)
    out = []
    with tarfile.open(folder / "html.tar") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.name.endswith(".html.gz"):
                page_id = Path(member.name).name.removesuffix(".html.gz")
                raw = gzip.decompress(tar.extractfile(member).read())  # type: ignore[union-attr]
                out.append({"html": decode_html(raw), "url": truth.get(page_id, {}).get("url"),
                            "set": "zyte_html"})
    return out


def _htmldate() -> list[dict[str, Any]]:
    folder = datasets_dir() / "htmldate-eval"
    with gzip.open(folder / "eval_default.json.gz", "rt", encoding="utf-8") as handle:
        index = json.load(handle)
    url_of = {item["file"]: url for url, item in index.items()}
    out = []
    with tarfile.open(folder / "tests_html.tar.gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and len(parts) == 3 and parts[2] in url_of:
                raw = tar.extractfile(member).read()  # type: ignore[union-attr]
                out.append({"html": decode_html(raw), "url": url_of[parts[2]], "set": "htmldate_html"})
    out.sort(key=lambda r: r["url"])
    return out


def _blresearch() -> list[dict[str, Any]]:
    path = datasets_dir() / "semeval2022-task8-blresearch-texts" / "pairs_joined.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            for side in ("1", "2"):
                text, title, url = (row.get(k + side) for k in ("text", "title", "link"))
                if isinstance(text, str) and len(text) >= 200:
                    out.append({"text": text, "title": title if isinstance(title, str) else None,
                                "url": url if isinstance(url, str) else None, "set": "blresearch_text"})
    return out


def _hfl() -> list[dict[str, Any]]:
    path = datasets_dir() / "semeval2022-task8-hfl-texts" / "training_set.csv.gz"
    csv.field_size_limit(10_000_000)
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if any(ch.isalpha() for ch in row["pair_id"]):
                continue  # machine-translated augmentation
            for side in ("1", "2"):
                text = (row.get("text" + side) or "").strip()
                if len(text) >= 200:
                    out.append({"text": text, "set": "hfl_text"})
    return out


def _ecbplus() -> list[dict[str, Any]]:
    path = datasets_dir() / "ecbplus" / "ecbplus_dev_docs.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if len(row.get("text") or "") >= 200:
                out.append({"text": row["text"], "set": "ecbplus_text"})
    return out


SOURCES = {"zyte_html": _zyte, "htmldate_html": _htmldate, "blresearch_text": _blresearch,
           "hfl_text": _hfl, "ecbplus_text": _ecbplus}


def build_corpus(scale: float = 1.0) -> Path:
    """Write (or reuse) the corpus JSON-lines file for a mix scaled by ``scale``; return its path."""
    mix = {k: max(1, round(v * scale)) for k, v in MIX.items()}
    tag = hashlib.sha256(json.dumps([SEED, mix], sort_keys=True).encode()).hexdigest()[:10]
    path = cache_dir("speed") / f"corpus-{tag}.jsonl"
    if path.exists():
        return path
    rng = random.Random(SEED)
    records: list[dict[str, Any]] = []
    for name, loader in SOURCES.items():
        items = loader()
        seen: set[str] = set()
        unique = []
        for item in items:
            digest = hashlib.sha1((item.get("html") or item.get("text") or "").encode()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                unique.append(item)
        k = min(mix[name], len(unique))
        chosen = unique if k == len(unique) and name == "zyte_html" else rng.sample(unique, k)
        records.extend(chosen)
    rng.shuffle(records)
    buffer = io.StringIO()
    for i, rec in enumerate(records):
        rec = {k: v for k, v in rec.items() if v is not None}
        rec["id"] = f"{rec['set']}-{i:05d}"
        buffer.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.rename(path)
    return path


def corpus_stats(path: Path) -> dict[str, Any]:
    """Records per source set and total characters of the corpus file."""
    per_set: dict[str, int] = {}
    chars = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            rec = json.loads(line)
            per_set[rec["set"]] = per_set.get(rec["set"], 0) + 1
            chars += len(rec.get("html") or rec.get("text") or "")
    return {"records": sum(per_set.values()), "per_set": per_set, "input_chars": chars,
            "file_mb": round(path.stat().st_size / 1e6, 1)}
