"""Stories and storylines of the demo corpus (``storyline/data/demo``) against GOLD.json.

The demo corpus and the two seed-pair pages (``../shared/examples/seed-pair``) are
ingested into a fresh store through :func:`storyline.store.ingest_paths` (the path
of ``storyline ingest``, default settings), as ``tests/test_cluster.py`` does; the
stored stories and storylines are scored with BCubed. The demo corpus was not used
to fit the clusterer (its weights come from the odd ECB+ topics).

Run: ``python -m benchmarks.demo``.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, environment, md_table, write_results
from storyline.cluster import bcubed

DEMO = ROOT / "storyline" / "data" / "demo"
SEED = ROOT.parent / "shared" / "examples" / "seed-pair"


def _gold_key(source: str) -> str:
    """GOLD.json's key of a stored article source (``path[:locator]``)."""
    path, _, loc = source.partition(":")
    p = Path(path).resolve()
    key = p.relative_to(DEMO.resolve()).as_posix() if DEMO.resolve() in p.parents else f"examples/seed-pair/{p.name}"
    return key + (f"#{' '.join(loc.split()[:2])}" if loc else "")


def score_store(store: Any) -> dict[str, Any]:
    """BCubed of a store's stories and storylines against GOLD.json, and how the seed
    pair came out (numbers of stories and storylines its two pages are in)."""
    gold = json.loads((DEMO / "GOLD.json").read_text("utf-8"))
    labels = {**gold["articles"], **{k: v for k, v in gold["companions"].items() if k != "note"}}
    rows = store._query("SELECT a.source, a.story_id, t.storyline_id FROM articles a"
                        " JOIN stories t ON t.id = a.story_id")
    pred_story, gold_story, pred_line, gold_line = [], [], [], []
    seed: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        g = labels[_gold_key(r["source"])]
        pred_story.append(r["story_id"])
        gold_story.append(g["story"])
        pred_line.append(r["storyline_id"])
        gold_line.append(g.get("storyline") or f"noise:{r['source']}")
        if g["story"].startswith("seed-"):
            seed["stories"].add(r["story_id"])
            seed["lines"].add(r["storyline_id"])
    out: dict[str, Any] = {"articles": len(rows), "gold_articles": len(labels)}
    for name, pred, gl in (("story", pred_story, gold_story), ("storyline", pred_line, gold_line)):
        p, r, f = bcubed(pred, gl)
        out[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                     "predicted": len(set(pred)), "gold": len(set(gl))}
    out["seed_pair"] = {"stories": len(seed["stories"]), "storylines": len(seed["lines"])}
    return out


def run() -> dict[str, Any]:
    """Ingest the demo corpus and the seed pair; score stories and storylines."""
    from storyline.config import Settings
    from storyline.store import Store, ingest_paths

    settings = Settings()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "demo.db") as store:
            paths = [DEMO] + ([SEED] if SEED.is_dir() else [])
            report = ingest_paths(store, paths, settings)
            out = score_store(store)
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["failed"] = report.failed
    out["settings"] = {"story_threshold": settings.story_threshold,
                       "storyline_threshold": settings.storyline_threshold,
                       "time_decay_days": settings.time_decay_days}
    return out


def main() -> None:
    res = run()
    res["environment"] = environment()
    rows = [[k, res[k]["precision"], res[k]["recall"], res[k]["f1"], res[k]["predicted"], res[k]["gold"]]
            for k in ("story", "storyline")]
    md = [
        "# Demo corpus: stories and storylines against GOLD.json",
        "",
        f"{res['articles']} articles (demo corpus + seed pair) ingested with default settings "
        f"(story threshold {res['settings']['story_threshold']}); BCubed. "
        "Command: `python -m benchmarks.demo`. The gate in `tests/test_cluster.py` asks for "
        "story F1 >= 0.90 and storyline F1 >= 0.95.",
        "",
        md_table(["level", "P", "R", "F1", "predicted", "gold"], rows),
        "",
        f"Seed pair: {res['seed_pair']['stories']} stories in {res['seed_pair']['storylines']} "
        "storyline(s) (expected: 2 stories, 1 storyline). "
        f"Ingest and clustering took {res['seconds']} s.",
    ]
    write_results("demo", res, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
