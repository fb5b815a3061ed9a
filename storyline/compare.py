"""Compare two articles on the seven SemEval-2022 Task 8 dimensions, with evidence.

Scores are on the task's scale, 1 = very similar ... 4 = very dissimilar. They come
from gradient-boosted models (one per dimension, the Overall model stacked on the
six others, see :mod:`storyline.train`) over pair features:

- cosines of several embedding views (title, lead, head+tail, chunk alignment) from
  two multilingual encoders;
- lexical overlap (hashed TF-IDF of character and word n-grams, MinHash, numbers,
  years, capitalised names);
- entity, place, country and date overlaps from the enrichment stage, matched by
  spelling-independent keys so "Ali Mamluk" = "Ali Mamlouk";
- style statistics and zero-shot tone/genre anchors.

Each score comes with :class:`Evidence`: a sentence in plain words and structured
details (entities shared and not, places and countries, publication and event dates
and their gaps, the key event of each side and whether it is the same event or only
the same kind, statements hedged on one side and asserted on the other, style and
tone figures).

Example:
    >>> result = compare_texts(text_a, text_b)          # doctest: +SKIP
    >>> result.scores[Dimension.GEOGRAPHY]              # doctest: +SKIP
    1.1
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .errors import CompareError, InputError, ModelError, StorylineError
from .models import Article, DateMethod, Entity, EntityType
from .represent.embeddings import cosine, cosine_matrix
from .represent.minhash import jaccard as minhash_jaccard
from .represent.profile import ANCHORS, ArticleProfile

logger = logging.getLogger(__name__)

__all__ = [
    "Dimension",
    "Evidence",
    "PairComparison",
    "compare_articles",
    "compare_pairs_file",
    "compare_texts",
    "pair_features",
]


class Dimension(str, Enum):
    """The seven SemEval-2022 Task 8 dimensions."""

    GEOGRAPHY = "Geography"
    ENTITIES = "Entities"
    TIME = "Time"
    NARRATIVE = "Narrative"
    STYLE = "Style"
    TONE = "Tone"
    OVERALL = "Overall"


# --------------------------------------------------------------------------- features

_EMB_PAIRS = ("title", "lead", "headtail")


def _nan() -> float:
    return float("nan")


def _set_feats(prefix: str, a: Counter[str], b: Counter[str]) -> dict[str, float]:
    """Overlap figures of two weighted sets (NaN where undefined)."""
    ka, kb = set(a), set(b)
    inter = ka & kb
    union = ka | kb
    out = {
        f"{prefix}_nmin": float(min(len(ka), len(kb))),
        f"{prefix}_nmax": float(max(len(ka), len(kb))),
        f"{prefix}_inter": float(len(inter)),
    }
    if ka and kb:
        out[f"{prefix}_jacc"] = len(inter) / len(union)
        out[f"{prefix}_overlap"] = len(inter) / min(len(ka), len(kb))
        num = sum(min(a[k], b[k]) for k in union)
        den = sum(max(a[k], b[k]) for k in union)
        out[f"{prefix}_wjacc"] = num / den if den else _nan()
        # how much of each side's mention mass is shared
        sa = sum(a[k] for k in inter) / max(1, sum(a.values()))
        sb = sum(b[k] for k in inter) / max(1, sum(b.values()))
        out[f"{prefix}_mass_min"] = min(sa, sb)
        out[f"{prefix}_mass_max"] = max(sa, sb)
        out[f"{prefix}_top_same"] = float(a.most_common(1)[0][0] in kb or b.most_common(1)[0][0] in ka)
    else:
        for k in ("jacc", "overlap", "wjacc", "mass_min", "mass_max", "top_same"):
            out[f"{prefix}_{k}"] = _nan()
    return out


def _entity_counter(article: Article, types: Iterable[EntityType]) -> Counter[str]:
    c: Counter[str] = Counter()
    wanted = set(types)
    for e in article.entities:
        if e.type in wanted:
            c[e.key or e.canonical.lower()] += max(1, e.mentions)
    return c


def _date_values(article: Article) -> list[dt.date]:
    return [m.value for m in article.dates if m.value is not None]


def _log_days(days: float) -> float:
    return math.log1p(abs(days))


def _pub(article: Article) -> dt.date | None:
    return article.published.value


def event_date(article: Article) -> dt.date | None:
    """The date of the article's key event: the first resolved date of day precision
    mentioned in its opening sentences, else its publication date."""
    opening = set((article.sentences or [])[:4])
    for m in article.dates:
        if m.value is not None and m.granularity == "day" and (not opening or m.sentence in opening):
            return m.value
    return _pub(article)


def pair_features(pa: ArticleProfile, pb: ArticleProfile) -> dict[str, float]:
    """Symmetric numeric features of a pair (NaN where a feature is undefined).

    Raises:
        ModelError: the two profiles were embedded by different models.
    """
    f: dict[str, float] = {}
    ra, rb = pa.rep, pb.rep
    models = sorted({m for m, _ in ra.vectors} & {m for m, _ in rb.vectors})
    for m in models:
        for view in _EMB_PAIRS:
            va, vb = ra.vectors.get((m, view)), rb.vectors.get((m, view))
            if va is not None and vb is not None:
                f[f"{m}:{view}"] = float(cosine(va, vb)[0])
        ta, tb = ra.vectors.get((m, "title")), rb.vectors.get((m, "title"))
        ha, hb = ra.vectors.get((m, "headtail")), rb.vectors.get((m, "headtail"))
        if ta is not None and hb is not None and tb is not None and ha is not None:
            x1, x2 = float(cosine(ta, hb)[0]), float(cosine(tb, ha)[0])
            f[f"{m}:title_x_body"] = (x1 + x2) / 2
            f[f"{m}:title_x_body_min"] = min(x1, x2)
        ca, cb = ra.vectors.get((m, "chunks")), rb.vectors.get((m, "chunks"))
        if ca is not None and cb is not None:
            sim = cosine_matrix(ca, cb)
            f[f"{m}:chunks_mean"] = float(cosine(ca.mean(), cb.mean())[0])
            f[f"{m}:chunks_max"] = float(sim.max())
            al_a, al_b = float(sim.max(axis=1).mean()), float(sim.max(axis=0).mean())
            f[f"{m}:chunks_align"] = (al_a + al_b) / 2
            f[f"{m}:chunks_align_min"] = min(al_a, al_b)
        for kind in ("tone", "style"):
            names = [n for n in ANCHORS if n.startswith(kind)]
            xa = np.array([pa.anchors.get(f"{m}:{n}", np.nan) for n in names])
            xb = np.array([pb.anchors.get(f"{m}:{n}", np.nan) for n in names])
            if np.isnan(xa).any() or np.isnan(xb).any():
                continue
            f[f"{m}:{kind}_l1"] = float(np.abs(xa - xb).mean())
            da, db = xa - xa.mean(), xb - xb.mean()
            den = float(np.linalg.norm(da) * np.linalg.norm(db))
            f[f"{m}:{kind}_corr"] = float(da @ db / den) if den else _nan()
            f[f"{m}:{kind}_argmax_same"] = float(int(np.argmax(xa)) == int(np.argmax(xb)))
            for n, a_, b_ in zip(names, xa, xb):
                f[f"{m}:{n}_absdiff"] = float(abs(a_ - b_))
                f[f"{m}:{n}_min"] = float(min(a_, b_))

    f["tfidf_char"] = float(pa.char_vec.multiply(pb.char_vec).sum())  # type: ignore[attr-defined]
    f["tfidf_word"] = float(pa.word_vec.multiply(pb.word_vec).sum())  # type: ignore[attr-defined]
    if ra.signature is not None and rb.signature is not None:
        f["minhash"] = minhash_jaccard(ra.signature, rb.signature)
    f.update(_set_feats("num", Counter(pa.numbers), Counter(pb.numbers)))
    f.update(_set_feats("cap", Counter(pa.capitals), Counter(pb.capitals)))
    f.update(_set_feats("year", Counter(map(str, pa.years)), Counter(map(str, pb.years))))
    if pa.years and pb.years:
        f["year_median_gap"] = abs(statistics.median(pa.years) - statistics.median(pb.years))
        f["year_max_gap"] = abs(max(pa.years) - max(pb.years))
    else:
        f["year_median_gap"] = f["year_max_gap"] = _nan()

    a, b = pa.article, pb.article
    for name, types in (
        ("per", (EntityType.PERSON,)),
        ("org", (EntityType.ORG,)),
        ("plc", (EntityType.PLACE,)),
        ("actor", (EntityType.PERSON, EntityType.ORG)),
        ("ent", tuple(EntityType)),
    ):
        f.update(_set_feats(f"e_{name}", _entity_counter(a, types), _entity_counter(b, types)))
    f.update(_set_feats("cty", Counter(a.countries), Counter(b.countries)))
    if a.countries and b.countries:
        keys = sorted(set(a.countries) | set(b.countries))
        xa = np.array([a.countries.get(k, 0) for k in keys], float)
        xb = np.array([b.countries.get(k, 0) for k in keys], float)
        f["cty_cos"] = float(xa @ xb / (np.linalg.norm(xa) * np.linalg.norm(xb)))
    else:
        f["cty_cos"] = _nan()

    # time
    da, db = _pub(a), _pub(b)
    f["pub_known"] = float((da is not None) + (db is not None))
    f["pub_estimate"] = float(a.published.method is DateMethod.ESTIMATE) + float(
        b.published.method is DateMethod.ESTIMATE
    )
    f["pub_gap"] = _log_days((da - db).days) if da and db else _nan()
    ea, eb = event_date(a), event_date(b)
    f["event_gap"] = _log_days((ea - eb).days) if ea and eb else _nan()
    xa_d, xb_d = _date_values(a), _date_values(b)
    f["dates_nmin"] = float(min(len(xa_d), len(xb_d)))
    if xa_d and xb_d:
        oa = sorted(d.toordinal() for d in xa_d)
        ob = sorted(d.toordinal() for d in xb_d)
        f["dates_median_gap"] = _log_days(statistics.median(oa) - statistics.median(ob))
        near_a = statistics.fmean(min(abs(x - y) for y in ob) <= 7 for x in oa)
        near_b = statistics.fmean(min(abs(y - x) for x in oa) <= 7 for y in ob)
        f["dates_close"] = (near_a + near_b) / 2
        f["dates_min_gap"] = _log_days(min(abs(x - y) for x in oa for y in ob))
    else:
        f["dates_median_gap"] = f["dates_close"] = f["dates_min_gap"] = _nan()

    # statements and attribution
    ha_ = [s.hedged for s in a.statements]
    hb_ = [s.hedged for s in b.statements]
    if ha_ and hb_:
        fa, fb = statistics.fmean(ha_), statistics.fmean(hb_)
        f["hedged_absdiff"] = abs(fa - fb)
        f["hedged_mean"] = (fa + fb) / 2
    else:
        f["hedged_absdiff"] = f["hedged_mean"] = _nan()
    na = len(a.attributions) / max(1, len(a.sentences))
    nb = len(b.attributions) / max(1, len(b.sentences))
    f["attrib_absdiff"] = abs(na - nb)

    # style
    for k, va_ in pa.style.items():
        vb_ = pb.style.get(k, _nan())
        f[f"sty_{k}_absdiff"] = abs(va_ - vb_)
        f[f"sty_{k}_mean"] = (va_ + vb_) / 2
    la, lb = a.language or "", b.language or ""
    f["same_lang"] = float(la == lb) if la and lb else _nan()
    return f
