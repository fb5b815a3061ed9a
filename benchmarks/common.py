"""Shared helpers of the benchmarks: data paths, page decoding, scorers, result writers.

The data sets are read in place from ``../shared/datasets`` relative to the
project root; intermediate results are cached under ``benchmarks/.cache/``
(ignored by git) so that a benchmark can be rerun quickly.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import platform
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
CACHE_DIR = BENCH_DIR / ".cache"


def datasets_dir() -> Path:
    """The shared data sets folder (``../shared/datasets`` from the project root)."""
    path = ROOT.parent / "shared" / "datasets"
    if not path.is_dir():
        raise FileNotFoundError(f"data sets not found at {path}")
    return path


def cache_dir(name: str) -> Path:
    """A per-benchmark cache folder under ``benchmarks/.cache/``, created on demand."""
    path = CACHE_DIR / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """Decode a saved page the way a careful scraper would: UTF-8, else the declared charset.

    Every system in a benchmark receives the same decoded string, so that none of
    them wins or loses on charset sniffing.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


# --------------------------------------------------------------------------- token scoring

_WORD = re.compile(r"\w+", re.UNICODE)


def tokenize(text: str | None) -> list[str]:
    """Lowercase word tokens (runs of ``\\w``), the unit of the bag-of-tokens scores."""
    return _WORD.findall((text or "").lower())


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    precision: float
    recall: float
    f1: float
    tp: float = 0.0
    n_pred: float = 0.0
    n_gold: float = 0.0


def prf_from_counts(tp: float, n_pred: float, n_gold: float) -> PRF:
    """P/R/F1 from true positives and the sizes of the predicted and gold bags.

    Conventions: an empty prediction against an empty gold is perfect; an empty
    prediction against a non-empty gold has precision 0 (nothing right was given).
    """
    if n_pred == 0 and n_gold == 0:
        return PRF(1.0, 1.0, 1.0, tp, n_pred, n_gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp, n_pred, n_gold)


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive ``n``-token shingles; a text shorter than ``n`` gives one short shingle."""
    if n <= 1:
        return [(t,) for t in tokens]
    if not tokens:
        return []
    return [tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))]


def bag_prf(pred: str | None, gold: str | None, n: int = 1) -> PRF:
    """Bag-of-tokens (multiset) overlap of a predicted text against a gold text.

    ``tp`` is the multiset intersection size: a token that occurs 3 times in the
    prediction and twice in the gold counts 2. With ``n > 1`` the bags hold
    ``n``-token shingles instead of tokens (the Zyte benchmark's main score uses 4).

    Example:
        >>> bag_prf("the cat the", "the cat sat").precision
        0.6666666666666666
    """
    pred_bag = Counter(ngrams(tokenize(pred), n))
    gold_bag = Counter(ngrams(tokenize(gold), n))
    tp = sum((pred_bag & gold_bag).values())
    return prf_from_counts(tp, sum(pred_bag.values()), sum(gold_bag.values()))


def summarize(values: Iterable[float]) -> dict[str, float]:
    """Mean and median of a list of per-item scores."""
    vals = list(values)
    if not vals:
        return {"mean": float("nan"), "median": float("nan"), "n": 0}
    return {"mean": statistics.fmean(vals), "median": statistics.median(vals), "n": len(vals)}


# --------------------------------------------------------------------------- entity spans (conlleval)

Span = tuple[int, int, str]  # (first token, one past last token, type)


def iob_spans(tags: Sequence[str]) -> set[Span]:
    """Entity spans of a tag sequence in IOB1 or IOB2 (conlleval's chunking rules).

    A chunk starts at ``B-X``, or at ``I-X`` after ``O`` or a different type; it
    ends before ``O``, ``B-*`` or an ``I-`` of another type.

    Example:
        >>> sorted(iob_spans(["B-PER", "I-PER", "O", "I-LOC"]))
        [(0, 2, 'PER'), (3, 4, 'LOC')]
    """
    spans: set[Span] = set()
    start: int | None = None
    kind = ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        if start is not None and (prefix in ("O", "B") or label != kind):
            spans.add((start, i, kind))
            start = None
        if prefix in ("B", "I") and start is None:
            start, kind = i, label
    return spans


def span_prf(
    gold: Iterable[Iterable[Span]], pred: Iterable[Iterable[Span]], types: Sequence[str]
) -> dict[str, PRF]:
    """Entity-level exact-match P/R/F1 per type and micro-averaged, conlleval style.

    ``gold`` and ``pred`` are parallel sequences (one item per sentence or
    document) of span sets. A predicted span counts only if its boundaries and
    type both match a gold span. The result has one entry per type in ``types``
    plus ``"micro"`` over those types (spans of other types are ignored).
    """
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    wanted = set(types)
    for gold_item, pred_item in zip(gold, pred, strict=True):
        g = {s for s in gold_item if s[2] in wanted}
        p = {s for s in pred_item if s[2] in wanted}
        for s in g:
            n_gold[s[2]] += 1
        for s in p:
            n_pred[s[2]] += 1
        for s in g & p:
            tp[s[2]] += 1
    result = {t: prf_from_counts(tp[t], n_pred[t], n_gold[t]) for t in types}
    result["micro"] = prf_from_counts(
        sum(tp[t] for t in types), sum(n_pred[t] for t in types), sum(n_gold[t] for t in types)
    )
    return result


def char_spans_to_tokens(
    offsets: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int, str]]
) -> set[Span]:
    """Map character spans onto token spans: the tokens a span overlaps.

    ``offsets`` are the (start, end) characters of each token. A span that
    covers no token is dropped.
    """
    result: set[Span] = set()
    for start, end, label in spans:
        inside = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
        if inside:
            result.add((inside[0], inside[-1] + 1, label))
    return result


# --------------------------------------------------------------------------- results

def environment() -> dict[str, Any]:
    """Where and when a benchmark ran, recorded in every results file."""
    import os

    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def package_version(name: str) -> str | None:
    """Installed version of a distribution, or None."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; floats are shown with 3 decimals."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}"
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, results: dict[str, Any], markdown: str) -> Path:
    """Write ``benchmarks/<name>/results.json`` and ``results.md``; return the folder."""
    folder = BENCH_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    (folder / "results.md").write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return folder


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a per-item CSV (floats rounded to 4 decimals)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([round(v, 4) if isinstance(v, float) else v for v in row])
