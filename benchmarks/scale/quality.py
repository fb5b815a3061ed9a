"""What the bulk-ingest profile (``storyline ingest --fast``, ``Settings.bulk()``) costs in quality.

Only one setting of the profile changes what is computed: ``ner_fast`` (the
rule-based NER for every language instead of the statistical models). The other
two (worker processes, embedding in the workers) leave the output unchanged up to
float rounding of the vectors. Three measurements, default vs fast NER:

1. **NER on CoNLL-2003 English dev** (document mode, as ``benchmarks/ner``):
   entity-level exact match of ``tag_entities(text, "en", fast=...)``.
2. **Story clustering on ECB+ dev** (as ``benchmarks/ecbplus``: BCubed F1, mean of
   its three stream orders, shipped clusterer weights and threshold), with the
   articles analysed by each NER; same embeddings.
3. **Agreement on the scale corpus**: the clustering entity keys
   (``doc_features(...).keys``) of the first ``--docs`` real texts of the scale
   benchmark (SemEval 2022 multilingual, ECB+, WikiRef, Zyte), fast against default:
   share of the default keys the fast NER also finds (recall) and share of the fast
   keys the default finds (precision), micro-averaged, per language group.

Run: ``python -m benchmarks.scale.quality [--docs 300]``; writes
``benchmarks/scale/quality.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, environment, iob_spans, md_table, span_prf

HERE = ROOT / "benchmarks" / "scale"


def ner_conll(fast: bool) -> dict[str, Any]:
    """CoNLL-2003 dev, document mode: micro and per-type P/R/F1 of tag_entities."""
    from benchmarks.ner.bench import OURS_LABELS, TYPES, build_units, load_sentences, tag_units
    from storyline.enrich.entities import tag_entities

    sentences = load_sentences()
    gold = [iob_spans(s.tags) for s in sentences]
    units = build_units(sentences, "document")

    def run(texts: list[str]) -> Any:
        for text in texts:
            yield list(tag_entities(text, "en", fast=fast))

    started = time.perf_counter()
    pred = tag_units(units, run, OURS_LABELS, len(sentences))
    seconds = time.perf_counter() - started
    scores = span_prf(gold, pred, TYPES)
    return {k: {"precision": round(v.precision, 3), "recall": round(v.recall, 3), "f1": round(v.f1, 3)}
            for k, v in scores.items()} | {"seconds": round(seconds, 1)}


def ecbplus(fast: bool) -> dict[str, Any]:
    """ECB+ dev story clustering (BCubed) with the articles analysed by one NER."""
    from benchmarks.ecbplus import bench as ecb
    from storyline.cluster import DEFAULT_PARAMS, doc_features
    from storyline.config import Settings
    from storyline.enrich.dates import find_dates
    from storyline.enrich.entities import country_mentions, find_entities, tag_entities
    from storyline.errors import StorylineError
    from storyline.models import Article, Source
    from storyline.pipeline import analyze_text

    docs = ecb.load_docs()
    gold = [d["story_id"] for d in docs]
    topics = [int(d["topic"]) for d in docs]
    started = time.perf_counter()
    if fast:
        settings = Settings(ner_fast=True)
        arts = []
        for d in docs:
            try:
                arts.append(analyze_text(d["text"], id=d["doc_name"], lang="en", settings=settings))
            except StorylineError:  # as benchmarks/ecbplus: a one-line text, enriched as it is
                text = d["text"]
                ents = find_entities(text, "en", spans=tag_entities(text, "en", fast=True))
                arts.append(Article(
                    id=d["doc_name"], source=Source(d["doc_name"]), title=text.split("\n")[0][:250],
                    body=text, language="en", sentences=text.split("\n"), entities=ents,
                    countries=country_mentions(text, ents), dates=find_dates(text, None, lang="en")))
    else:
        arts = ecb.analyse(docs)  # the cached default analysis of benchmarks/ecbplus
    analyse_s = time.perf_counter() - started
    vecs = ecb.embed(arts)
    feats = [doc_features(a) for a in arts]
    out: dict[str, Any] = {"analyse_seconds": round(analyse_s, 1),
                           "mean_entities": round(statistics.mean(len(a.entities) for a in arts), 2)}
    splits = {"tune": [i for i, t in enumerate(topics) if t % 2 == 1],
              "test": [i for i, t in enumerate(topics) if t % 2 == 0],
              "all": list(range(len(docs)))}
    for name, idx in splits.items():
        g = [gold[i] for i in idx]
        runs = [ecb.run_ours(feats, vecs, idx, DEFAULT_PARAMS, s)["story"] for s in ecb.SEEDS]
        out[name] = ecb._mean([ecb._score(r, g) for r in runs])
    return out


def agreement(n_docs: int) -> dict[str, Any]:
    """Entity keys of the clustering features, fast NER against default, on real texts."""
    from benchmarks.scale.bench import SEED, _real_texts
    from storyline.cluster import doc_features
    from storyline.config import Settings
    from storyline.errors import StorylineError
    from storyline.pipeline import analyze_text

    real = _real_texts()
    random.Random(SEED).shuffle(real)  # the order of the scale corpus
    docs = real[:n_docs]
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # shared, default, fast
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    seconds = {"default": 0.0, "fast": 0.0}
    for doc in docs:
        keys = {}
        lang = ""
        for mode, settings in (("default", Settings()), ("fast", Settings(ner_fast=True))):
            t = time.perf_counter()
            try:
                art = analyze_text(doc["text"], title=doc.get("title"), url=doc.get("url"), settings=settings)
            except StorylineError:
                break
            seconds[mode] += time.perf_counter() - t
            keys[mode] = doc_features(art).keys
            lang = art.language
        if len(keys) < 2:
            continue
        group = lang if lang in ("en", "de", "fr", "es", "it", "pl", "ru", "tr", "ar") else "other"
        a, b = set(keys["default"]), set(keys["fast"])
        for bucket in ("all", group):
            tallies[bucket][0] += len(a & b)
            tallies[bucket][1] += len(a)
            tallies[bucket][2] += len(b)
        for key in a | b:
            kind = (keys["default"].get(key) or keys["fast"].get(key) or "?")
            per_type[kind][0] += key in a and key in b
            per_type[kind][1] += key in a
            per_type[kind][2] += key in b

    def prf(t: list[int]) -> dict[str, Any]:
        shared, n_def, n_fast = t
        return {"default_keys": n_def, "fast_keys": n_fast, "shared": shared,
                "recall_of_default": round(shared / n_def, 3) if n_def else None,
                "precision_vs_default": round(shared / n_fast, 3) if n_fast else None}

    return {"documents": n_docs, "by_language": {k: prf(v) for k, v in sorted(tallies.items())},
            "by_type": {k: prf(v) for k, v in sorted(per_type.items())},
            "analysis_seconds": {k: round(v, 1) for k, v in seconds.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300, help="real texts for the agreement measurement")
    args = ap.parse_args()
    results: dict[str, Any] = {
        "ner_conll_document": {"default": ner_conll(False), "fast": ner_conll(True)},
        "ecbplus": {"default": ecbplus(False), "fast": ecbplus(True)},
        "agreement": agreement(args.docs),
        "environment": environment(),
    }
    (HERE / "quality.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    ner = results["ner_conll_document"]
    types = ["PER", "ORG", "LOC", "MISC", "micro"]
    ecb = results["ecbplus"]
    agr = results["agreement"]
    md = [
        "# Bulk ingest (`--fast`): the quality cost",
        "",
        "The profile changes one thing that matters for quality: `ner_fast` (rule-based NER for every",
        "language instead of the spaCy models). Workers and the embedding in the workers do not change",
        "the output (vectors differ in the 7th decimal). Command: `python -m benchmarks.scale.quality`.",
        "",
        "## NER, CoNLL-2003 English dev (document mode), F1",
        "",
        md_table(["NER"] + types + ["s"],
                 [[m] + [ner[m][t]["f1"] if t in ner[m] else "" for t in types] + [ner[m]["seconds"]]
                  for m in ("default", "fast")]),
        "",
        "Precision / recall (micro): default "
        f"{ner['default']['micro']['precision']} / {ner['default']['micro']['recall']}, fast "
        f"{ner['fast']['micro']['precision']} / {ner['fast']['micro']['recall']}.",
        "",
        "## Story clustering, ECB+ dev (BCubed, mean of 3 stream orders)",
        "",
        md_table(["NER", "split", "P", "R", "F1"],
                 [[m, s, ecb[m][s]["precision"], ecb[m][s]["recall"], ecb[m][s]["f1"]]
                  for m in ("default", "fast") for s in ("tune", "test", "all")]),
        "",
        f"Mean entities per ECB+ article: default {ecb['default']['mean_entities']}, fast {ecb['fast']['mean_entities']}.",
        "",
        f"## Entity keys the clusterer uses, fast vs default ({agr['documents']} real texts of the scale corpus)",
        "",
        md_table(["language", "default keys", "fast keys", "shared", "recall of default", "precision vs default"],
                 [[k, v["default_keys"], v["fast_keys"], v["shared"], v["recall_of_default"], v["precision_vs_default"]]
                  for k, v in agr["by_language"].items()]),
        "",
        md_table(["type", "default keys", "fast keys", "shared", "recall of default", "precision vs default"],
                 [[k, v["default_keys"], v["fast_keys"], v["shared"], v["recall_of_default"], v["precision_vs_default"]]
                  for k, v in agr["by_type"].items()]),
        "",
        f"Analysis time of those texts (extract + enrich, one process): default {agr['analysis_seconds']['default']} s, "
        f"fast {agr['analysis_seconds']['fast']} s.",
    ]
    (HERE / "quality.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
