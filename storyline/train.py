"""Train the pair-comparison model on the SemEval-2022 Task 8 development pairs.

One reproducible command::

    python -m storyline.train [--datasets ../shared/datasets] [--cache benchmarks/.cache]

It reads the development pairs, analyses every article with the pipeline, builds the
pair features (:mod:`storyline.compare`), measures grouped k-fold cross-validation
(no article on both sides of a fold), fits the final model on all pairs and writes
``storyline/data/models/compare-v<N>.json`` plus a manifest with the feature list,
embedding specs, sha256 of the training files and the CV scores.

Data (see ``datasets/*/SOURCE.md``):

- ``semeval2022-task8-hfl-texts/training_set.csv.gz``: head+tail texts in 8 languages;
  rows whose pair id carries a language suffix are machine-translated augmentations,
  used for training only and never evaluated.
- ``semeval2022-task8-blresearch-texts/pairs_joined.jsonl.gz``: full title+text of the
  fr/tr/ar train pairs; preferred over the truncated HFL text of the same pair.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import logging
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DIMENSIONS = ("Geography", "Entities", "Time", "Narrative", "Style", "Tone", "Overall")
HFL_FILE = "semeval2022-task8-hfl-texts/training_set.csv.gz"
BL_FILE = "semeval2022-task8-blresearch-texts/pairs_joined.jsonl.gz"
_MIN_TEXT = 50  # shorter texts are failed scrapes (see the BL SOURCE.md)


@dataclass
class PairExample:
    """One development pair: two texts, their languages and the gold scores."""

    pair_id: str  # the row's id (augmented rows keep their language suffix)
    base_id: str  # id1_id2 without suffixes
    lang1: str
    lang2: str
    text1: str
    text2: str
    scores: dict[str, float]
    title1: str = ""
    title2: str = ""
    origin: str = "hfl"  # "hfl" or "blresearch"
    evaluate: bool = True  # False: augmentation / alternative text, training only
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def article_ids(self) -> tuple[str, str]:
        a, b = self.base_id.split("_", 1)
        return a, b

    @property
    def lang_pair(self) -> str:
        return f"{self.lang1}-{self.lang2}"


def _scores(row: dict[str, Any]) -> dict[str, float] | None:
    try:
        out = {d: float(row[d]) for d in DIMENSIONS}
    except (KeyError, TypeError, ValueError):
        return None
    if any(not (1.0 <= v <= 4.0) for v in out.values()):
        return None
    return out


def _ok(text: Any) -> bool:
    return isinstance(text, str) and len(text.strip()) >= _MIN_TEXT


def load_dev_pairs(datasets_dir: str | Path) -> list[PairExample]:
    """All development pairs, one evaluated row per pair plus training-only rows.

    Raises:
        FileNotFoundError: the data files are not there.
    """
    root = Path(datasets_dir)
    pairs: list[PairExample] = []
    seen_eval: set[str] = set()

    bl: dict[str, dict[str, Any]] = {}
    with gzip.open(root / BL_FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            bl[row["pair_id"]] = row

    hfl_rows: list[dict[str, str]] = []
    with gzip.open(root / HFL_FILE, "rt", encoding="utf-8", newline="") as fh:
        hfl_rows = list(csv.DictReader(fh))

    # Full-text BL pairs first: they win over the truncated HFL text of the same pair.
    skipped = 0
    for pid, row in bl.items():
        sc = _scores(row)
        if sc is None or not (_ok(row.get("text1")) and _ok(row.get("text2"))):
            skipped += 1
            continue
        pairs.append(PairExample(
            pair_id=pid, base_id=pid, lang1=row["lang1"], lang2=row["lang2"],
            title1=row.get("title1") or "", title2=row.get("title2") or "",
            text1=row["text1"], text2=row["text2"], scores=sc, origin="blresearch",
        ))
        seen_eval.add(pid)
    for row in hfl_rows:
        pid = row["pair_id"]
        sc = _scores(row)
        if sc is None or not (_ok(row["text1"]) and _ok(row["text2"])):
            skipped += 1
            continue
        augmented = bool(re.search(r"[a-z]", pid))
        base = re.sub(r"[a-z]", "", pid)
        evaluate = not augmented and base not in seen_eval
        pairs.append(PairExample(
            pair_id=pid, base_id=base, lang1=row["lang1"], lang2=row["lang2"],
            text1=row["text1"], text2=row["text2"], scores=sc, origin="hfl", evaluate=evaluate,
        ))
        if evaluate:
            seen_eval.add(base)
    logger.info("loaded %d rows (%d evaluated), skipped %d", len(pairs),
                sum(p.evaluate for p in pairs), skipped)
    return pairs


def data_hashes(datasets_dir: str | Path) -> dict[str, str]:
    """sha256 of each training data file, keyed by its path under the datasets folder."""
    out = {}
    for rel in (HFL_FILE, BL_FILE):
        h = hashlib.sha256((Path(datasets_dir) / rel).read_bytes()).hexdigest()
        out[rel] = h
    return out


def group_folds(pairs: list[PairExample], k: int = 5, seed: int = 13) -> list[int]:
    """Fold index per pair such that no article occurs in two folds.

    Articles linked by any pair (including augmentations of the same pair) form
    connected components; whole components are dealt to the folds, largest first,
    each to the fold with the fewest evaluated pairs so far.
    """
    if k < 2:
        raise ValueError("k must be >= 2")
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        a, b = p.article_ids
        parent[find(a)] = find(b)
    members: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        members[find(p.article_ids[0])].append(i)
    comps = list(members.values())
    rng = random.Random(seed)
    rng.shuffle(comps)
    comps.sort(key=lambda c: -sum(pairs[i].evaluate for i in c))
    load = [0] * k
    folds = [0] * len(pairs)
    for comp in comps:
        f = min(range(k), key=lambda j: (load[j], rng.random()))
        for i in comp:
            folds[i] = f
        load[f] += sum(pairs[i].evaluate for i in comp) or 0
    return folds
