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
from urllib.parse import urlsplit

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


def _date_bounds(article: Article) -> tuple[dt.date, dt.date] | None:
    """The interval the publication date surely lies in (None when unknown or unbounded)."""
    p = article.published
    if p.value is None or p.method is DateMethod.UNKNOWN:
        return None
    if p.method is not DateMethod.ESTIMATE:
        return p.value, p.value
    lo = p.earliest or dt.date.min
    hi = p.latest or dt.date.max
    return lo, hi


def min_publication_gap(a: Article, b: Article) -> int | None:
    """The smallest number of days between the two publication dates that their
    evidence allows (estimates count with their bounds), or None if unknown."""
    ba, bb = _date_bounds(a), _date_bounds(b)
    if ba is None or bb is None:
        return None
    if ba[1] < bb[0]:
        return (bb[0] - ba[1]).days
    if bb[1] < ba[0]:
        return (ba[0] - bb[1]).days
    return 0


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

    # places found by scanning the text against the gazetteer (independent of NER)
    ga: Counter[str] = Counter()
    gb: Counter[str] = Counter()
    for (_n, c), v in pa.places.items():
        ga[c] += v
    for (_n, c), v in pb.places.items():
        gb[c] += v
    f.update(_set_feats("gcty", ga, gb))
    f.update(_set_feats("gplc", Counter({n: v for (n, _c), v in pa.places.items()}),
                        Counter({n: v for (n, _c), v in pb.places.items()})))
    if ga and gb:
        keys = sorted(set(ga) | set(gb))
        xa = np.array([ga[k] for k in keys], float)
        xb = np.array([gb[k] for k in keys], float)
        f["gcty_cos"] = float(xa @ xb / (np.linalg.norm(xa) * np.linalg.norm(xb)))
    else:
        f["gcty_cos"] = _nan()

    # time
    da, db = _pub(a), _pub(b)
    f["pub_known"] = float((da is not None) + (db is not None))
    f["pub_estimate"] = float(a.published.method is DateMethod.ESTIMATE) + float(
        b.published.method is DateMethod.ESTIMATE
    )
    f["pub_gap"] = _log_days((da - db).days) if da and db else _nan()
    gap = min_publication_gap(a, b)
    f["pub_min_gap"] = _log_days(gap) if gap is not None else _nan()
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
    f.update(source_features(a.url, b.url))
    return f


def _site(host: str) -> str:
    """The registered site of a host name: ``news.bbc.co.uk`` -> ``bbc.co.uk``.

    A short second label under a country code (co.uk, com.tr, gov.pl) counts as
    part of the suffix; this is a rule of thumb, not the public suffix list.
    """
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def source_features(url_a: str | None, url_b: str | None) -> dict[str, float]:
    """Where the two articles were published: the same host, site, section (NaN without URLs).

    One outlet's articles share a house style and often a beat, which the Style and
    Tone dimensions see.
    """
    names = ("src_same_host", "src_same_site", "src_same_section")
    if not url_a or not url_b:
        return dict.fromkeys(names, _nan())
    sa, sb = urlsplit(url_a), urlsplit(url_b)
    ha = (sa.hostname or "").lower().removeprefix("www.")
    hb = (sb.hostname or "").lower().removeprefix("www.")
    if not ha or not hb:
        return dict.fromkeys(names, _nan())
    pa = [x for x in sa.path.split("/") if x]
    pb = [x for x in sb.path.split("/") if x]
    same_section = ha == hb and len(pa) > 1 and len(pb) > 1 and pa[0].lower() == pb[0].lower()
    return dict(zip(names, (float(ha == hb), float(_site(ha) == _site(hb)), float(same_section))))


# --------------------------------------------------------------------------- model

DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)
MODEL_DIR = Path(__file__).resolve().parent / "data" / "models"
MODEL_NAME = "compare-v1"


def stage2_names(features: Sequence[str]) -> list[str]:
    """Feature names of the stacked models: the pair features plus every stage-1 prediction."""
    return [*features, *(f"pred:{d.value}" for d in DIMENSIONS)]


class CompareModel:
    """Per-dimension gradient-boosted models, stacked: stage 1 predicts every dimension
    from the pair features; stage 2 predicts each again from the features plus all
    stage-1 predictions (joint use of the dimensions, which the 2022 winners found to
    help Overall).
    """

    def __init__(self, features: list[str], stage1: dict[str, Any], stage2: dict[str, Any],
                 manifest: dict[str, Any] | None = None) -> None:
        self.features = list(features)
        self.stage1 = stage1
        self.stage2 = stage2
        self.manifest = manifest or {}

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unversioned"))

    def matrix(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        """Rows of feature dicts -> a float matrix in the model's feature order."""
        x = np.full((len(rows), len(self.features)), np.nan, dtype=np.float64)
        for i, row in enumerate(rows):
            for j, name in enumerate(self.features):
                v = row.get(name)
                if v is not None:
                    x[i, j] = v
        return x

    def time_floors(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower bounds of Time and Narrative for pairs dated further apart than any
        training pair (NaN where no bound applies).

        The development pairs were all published within about half a year of each
        other, so the trees never saw a gap of years and cannot extrapolate to it.
        When the dates (with the bounds of any estimate) are surely further apart
        than the largest gap seen in training, the events are not in the same time
        period by the task's own definition, and cannot be the same event: Time is
        at least 2.5 + 0.5 * log2(gap / range) (one year: ~3, three years: ~3.8) and
        Narrative at least 2 ("the same kind of event" at best), rising to 2.5.
        """
        n = x.shape[0]
        t_floor = np.full(n, np.nan)
        n_floor = np.full(n, np.nan)
        guard = self.manifest.get("time_guard") or {}
        if "pub_min_gap" not in self.features or not guard:
            return t_floor, n_floor
        rng = float(guard["range_days"])
        gap = np.expm1(x[:, self.features.index("pub_min_gap")])
        hit = np.nan_to_num(gap, nan=0.0) > rng
        t_floor[hit] = np.minimum(4.0, 2.5 + 0.5 * np.log2(gap[hit] / rng))
        n_floor[hit] = np.minimum(2.5, 2.0 + 0.25 * (t_floor[hit] - 2.5))
        return t_floor, n_floor

    def _apply_floors(self, s: np.ndarray, floors: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        s = s.copy()
        for j, fl in ((DIMENSIONS.index(Dimension.TIME), floors[0]),
                      (DIMENSIONS.index(Dimension.NARRATIVE), floors[1])):
            m = ~np.isnan(fl)
            s[m, j] = np.maximum(s[m, j], fl[m])
        return s

    def predict_matrix(self, x: np.ndarray) -> np.ndarray:
        """Feature matrix -> (n, 7) scores in dimension order, clipped to 1..4."""
        floors = self.time_floors(x)
        s1 = self._apply_floors(np.column_stack([self.stage1[d.value].predict(x) for d in DIMENSIONS]), floors)
        if not self.stage2:
            out: np.ndarray = np.clip(s1, 1.0, 4.0)
            return out
        # stage 2 reads the floored stage-1 Time and Narrative, so Overall follows them
        x2 = np.hstack([x, s1])
        s2 = np.column_stack([self.stage2[d.value].predict(x2) for d in DIMENSIONS])
        out = np.clip(self._apply_floors(s2, floors), 1.0, 4.0)
        return out

    def predict(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        return self.predict_matrix(self.matrix(rows))

    def save(self, folder: str | Path, name: str = MODEL_NAME) -> Path:
        """Write ``<name>.json.gz`` (boosters as LightGBM text) and ``<name>.manifest.json``."""
        import gzip

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        blob = {
            "features": self.features,
            "stage1": {k: b.model_to_string() for k, b in self.stage1.items()},
            "stage2": {k: b.model_to_string() for k, b in self.stage2.items()},
        }
        path = folder / f"{name}.json.gz"
        with gzip.GzipFile(path, "wb", mtime=0) as fh:
            fh.write(json.dumps(blob).encode("utf-8"))
        manifest = dict(self.manifest)
        manifest["model_file"] = path.name
        manifest["model_sha256"] = _sha256(path)
        (folder / f"{name}.manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return path

    @classmethod
    def load(cls, folder: str | Path = MODEL_DIR, name: str = MODEL_NAME) -> CompareModel:
        """Load a saved model.

        Raises:
            ModelError: the model files are missing, corrupt, or LightGBM is not installed.
        """
        import gzip

        folder = Path(folder)
        try:
            import lightgbm as lgb
        except ImportError as exc:
            raise ModelError("lightgbm is needed to run the compare model") from exc
        try:
            manifest = json.loads((folder / f"{name}.manifest.json").read_text(encoding="utf-8"))
            with gzip.open(folder / f"{name}.json.gz", "rb") as fh:
                blob = json.loads(fh.read().decode("utf-8"))
            stage1 = {k: lgb.Booster(model_str=s) for k, s in blob["stage1"].items()}
            stage2 = {k: lgb.Booster(model_str=s) for k, s in blob["stage2"].items()}
        except (OSError, ValueError, KeyError, lgb.basic.LightGBMError) as exc:
            raise ModelError(f"cannot load compare model {name} from {folder}: {exc}") from exc
        return cls(blob["features"], stage1, stage2, manifest)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- results

@dataclass
class Evidence:
    """Why a dimension got its score: a sentence in plain words and structured details."""

    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PairComparison:
    """The seven scores of a pair (1 = very similar .. 4 = very dissimilar) and their evidence."""

    a_id: str
    b_id: str
    scores: dict[Dimension, float]
    evidence: dict[Dimension, Evidence]
    model_version: str = ""
    features: dict[str, float] = field(default_factory=dict)

    def to_dict(self, with_features: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (dimension names as keys)."""
        out: dict[str, Any] = {
            "a": self.a_id,
            "b": self.b_id,
            "model": self.model_version,
            "scores": {d.value: round(float(s), 3) for d, s in self.scores.items()},
            "evidence": {d.value: asdict(e) for d, e in self.evidence.items()},
        }
        if with_features:
            out["features"] = {k: (None if math.isnan(v) else v) for k, v in self.features.items()}
        result: dict[str, Any] = _jsonable(out)
        return result


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k.value if isinstance(k, Enum) else k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, float):
        return None if math.isnan(obj) else round(obj, 4)
    if isinstance(obj, (np.floating, np.integer)):
        return _jsonable(obj.item())
    return obj


def describe_score(score: float) -> str:
    """The task's scale in words."""
    if score < 1.75:
        return "very similar"
    if score < 2.5:
        return "somewhat similar"
    if score < 3.25:
        return "somewhat dissimilar"
    return "very dissimilar"


# --------------------------------------------------------------------------- evidence

def _country_name(code: str) -> str:
    try:
        import pycountry

        c = pycountry.countries.get(alpha_2=code)
    except (ImportError, LookupError, KeyError):
        return code
    if c is None:
        return code
    return str(getattr(c, "common_name", None) or c.name)


def _match_entities(
    ea: list[Entity], eb: list[Entity]
) -> tuple[list[tuple[Entity, Entity]], list[Entity], list[Entity]]:
    """Pair entities of two articles: same key, or (people) one's surname is the other's."""
    from .enrich.entities import entities_match

    shared: list[tuple[Entity, Entity]] = []
    used_b: set[int] = set()
    for x in sorted(ea, key=lambda e: -e.mentions):
        best = None
        for j, y in enumerate(eb):
            if j in used_b:
                continue
            if x.key and x.key == y.key:
                best = j
                break
            if best is None and entities_match(x, y):
                best = j
        if best is not None:
            used_b.add(best)
            shared.append((x, eb[best]))
    matched_a = {id(x) for x, _ in shared}
    only_a = [x for x in ea if id(x) not in matched_a]
    only_b = [y for j, y in enumerate(eb) if j not in used_b]
    return shared, only_a, only_b


def _names(ents: Sequence[Entity], limit: int = 6) -> str:
    items = sorted(ents, key=lambda e: -e.mentions)[:limit]
    text = ", ".join(e.canonical for e in items)
    more = len(ents) - len(items)
    return f"{text} and {more} more" if more > 0 else text


def _pair_name(x: Entity, y: Entity) -> str:
    va = sorted(set(x.variants) | {x.canonical})
    vb = sorted(set(y.variants) | {y.canonical})
    if x.canonical == y.canonical and va == vb:
        return x.canonical
    return f"{x.canonical} = {y.canonical}" if x.canonical != y.canonical else x.canonical


def _entity_dict(e: Entity) -> dict[str, Any]:
    return {"name": e.canonical, "type": e.type.value, "variants": e.variants, "mentions": e.mentions,
            "country": e.country}


def _geography_evidence(a: Article, b: Article) -> Evidence:
    pa, pb = a.entities_of(EntityType.PLACE), b.entities_of(EntityType.PLACE)
    shared, only_a, only_b = _match_entities(pa, pb)
    ca, cb = set(a.countries), set(b.countries)
    both = sorted(ca & cb, key=lambda c: -(a.countries[c] + b.countries[c]))
    details = {
        "places_shared": [{"a": _entity_dict(x), "b": _entity_dict(y)} for x, y in shared],
        "places_only_a": [_entity_dict(e) for e in only_a],
        "places_only_b": [_entity_dict(e) for e in only_b],
        "countries_shared": both,
        "countries_only_a": sorted(ca - cb),
        "countries_only_b": sorted(cb - ca),
        "countries_a": a.countries,
        "countries_b": b.countries,
    }
    parts = []
    if shared:
        shown = ", ".join(
            f"{_pair_name(x, y)} ({x.country or y.country})" if (x.country or y.country) else _pair_name(x, y)
            for x, y in shared[:6]
        )
        n_all = len(shared) + len(only_a) + len(only_b)
        parts.append(f"Both are about {shown}; {len(shared)} of {n_all} places shared")
    elif pa or pb:
        parts.append(f"No place in common (A: {_names(pa) or 'none found'}; B: {_names(pb) or 'none found'})")
    else:
        parts.append("Neither names a place we could find")
    if both:
        parts.append("countries in both: " + ", ".join(_country_name(c) for c in both[:6]))
    elif ca or cb:
        parts.append("no country in common")
    extra = []
    if ca - cb:
        extra.append("only A: " + ", ".join(_country_name(c) for c in sorted(ca - cb)[:4]))
    if cb - ca:
        extra.append("only B: " + ", ".join(_country_name(c) for c in sorted(cb - ca)[:4]))
    summary = "; ".join(parts) + (f" ({'; '.join(extra)})" if extra and both else "") + "."
    return Evidence(summary, details)


def _entities_evidence(a: Article, b: Article) -> Evidence:
    actors = (EntityType.PERSON, EntityType.ORG)
    ea = [e for e in a.entities if e.type in actors]
    eb = [e for e in b.entities if e.type in actors]
    shared, only_a, only_b = _match_entities(ea, eb)
    details = {
        "shared": [{"a": _entity_dict(x), "b": _entity_dict(y), "same_spelling": x.canonical == y.canonical}
                   for x, y in shared],
        "only_a": [_entity_dict(e) for e in only_a],
        "only_b": [_entity_dict(e) for e in only_b],
    }
    if shared:
        names = "; ".join(_pair_name(x, y) for x, y in shared[:8])
        summary = f"People and organisations in both: {names}"
        respelled = [(x, y) for x, y in shared if x.canonical != y.canonical]
        if respelled:
            summary += f" ({len(respelled)} spelled differently)"
    elif ea or eb:
        summary = "No person or organisation in common"
    else:
        summary = "Neither names a person or organisation we could find"
    tails = []
    if only_a:
        tails.append(f"only in A: {_names(only_a, 5)}")
    if only_b:
        tails.append(f"only in B: {_names(only_b, 5)}")
    if tails:
        summary += "; " + "; ".join(tails)
    return Evidence(summary + ".", details)


def _gap_words(days: int) -> str:
    days = abs(days)
    if days == 0:
        return "the same day"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} apart"
    if days < 60:
        return f"{round(days / 7)} weeks apart"
    if days < 730:
        return f"{round(days / 30.44)} months apart"
    return f"{days / 365.25:.1f} years apart"


def _pub_words(article: Article) -> str:
    p = article.published
    if p.value is None:
        return "an unknown date"
    if p.method is DateMethod.ESTIMATE:
        return f"around {p.value.isoformat()} (estimated: {p.evidence})" if p.evidence else \
            f"around {p.value.isoformat()} (estimated)"
    return f"{p.value.isoformat()} ({p.method.value})"


def _time_evidence(a: Article, b: Article, guard: dict[str, Any] | None = None) -> Evidence:
    da, db = a.published.value, b.published.value
    ea, eb = event_date(a), event_date(b)
    details: dict[str, Any] = {
        "published_a": {"date": da, "method": a.published.method.value, "evidence": a.published.evidence},
        "published_b": {"date": db, "method": b.published.method.value, "evidence": b.published.evidence},
        "published_gap_days": abs((da - db).days) if da and db else None,
        "event_date_a": ea,
        "event_date_b": eb,
        "event_gap_days": abs((ea - eb).days) if ea and eb else None,
        "dates_mentioned_a": [{"text": m.text, "date": m.value, "granularity": m.granularity}
                              for m in a.dates if m.value is not None][:12],
        "dates_mentioned_b": [{"text": m.text, "date": m.value, "granularity": m.granularity}
                              for m in b.dates if m.value is not None][:12],
    }
    summary = f"A was published {_pub_words(a)}, B {_pub_words(b)}"
    if da and db:
        summary += f": {_gap_words((da - db).days)}"
    if ea and eb and (ea != da or eb != db):
        summary += f"; the events described are dated {ea.isoformat()} and {eb.isoformat()} ({_gap_words((ea - eb).days)})"
    years_a = sorted({m.value.year for m in a.dates if m.value is not None})
    years_b = sorted({m.value.year for m in b.dates if m.value is not None})
    if years_a or years_b:
        summary += f"; years mentioned: A {', '.join(map(str, years_a)) or 'none'}, B {', '.join(map(str, years_b)) or 'none'}"
    summary += "."
    details["out_of_training_range"] = guard
    if guard:
        summary += (f" Even at their closest the publication dates are {_gap_words(guard['min_gap_days'])}, "
                    f"further apart than any training pair ({round(guard['training_range_days'])} days), "
                    f"so the events are not of the same period: Time is at least {guard['time_floor']:.1f}.")
    return Evidence(summary, details)


def _key_event(article: Article) -> str:
    """The sentence that states the article's news: the first substantial body sentence."""
    for s in article.sentences or []:
        if len(s.split()) >= 6 or len(s) >= 40:
            return s
    return article.title or (article.body[:200] if article.body else "")


def _hedge_contrasts(a: Article, b: Article, pa: ArticleProfile | None, pb: ArticleProfile | None,
                     embed: Any) -> list[dict[str, Any]]:
    """Statements hedged on one side and asserted on the other about the same thing."""
    sa, sb = a.statements, b.statements
    if not sa or not sb or not (any(s.hedged for s in sa) or any(s.hedged for s in sb)):
        return []
    if embed is None:
        return []
    va = embed([s.text for s in sa])
    vb = embed([s.text for s in sb])
    sim = cosine_matrix(va, vb)
    out: list[dict[str, Any]] = []
    for i, x in enumerate(sa):
        for j, y in enumerate(sb):
            if x.hedged == y.hedged:
                continue
            if sim[i, j] < 0.45:
                continue
            hedged, asserted, side = (x, y, "a") if x.hedged else (y, x, "b")
            out.append({
                "hedged_in": side,
                "hedged": hedged.text,
                "cues": hedged.cues,
                "hedged_source": hedged.source,
                "asserted": asserted.text,
                "asserted_source": asserted.source,
                "similarity": float(sim[i, j]),
            })
    out.sort(key=lambda d: -float(d["similarity"]))
    seen: set[str] = set()
    unique = []
    for d in out:
        if d["hedged"] in seen or d["asserted"] in seen:
            continue
        seen.update((str(d["hedged"]), str(d["asserted"])))
        unique.append(d)
    return unique[:3]


def _narrative_evidence(a: Article, b: Article, scores: dict[Dimension, float], feats: dict[str, float],
                        contrasts: list[dict[str, Any]]) -> Evidence:
    ka, kb = _key_event(a), _key_event(b)
    ea, eb = event_date(a), event_date(b)
    gap = abs((ea - eb).days) if ea and eb else None
    nar = scores[Dimension.NARRATIVE]
    if nar < 2.0 and (gap is None or gap <= 7):
        judgement = "same event"
        words = "They tell the same event"
    elif nar < 3.0:
        judgement = "same kind of event"
        words = "They tell the same kind of event, not the same event"
        if gap is not None and gap > 7:
            words += f" (its dates are {_gap_words(gap)})"
    else:
        judgement = "different events"
        words = "They tell different stories"
    sim = feats.get("usem3:lead", float("nan"))
    details = {
        "key_event_a": ka,
        "key_event_b": kb,
        "judgement": judgement,
        "lead_similarity": sim,
        "event_gap_days": gap,
        "hedged_vs_asserted": contrasts,
    }
    summary = f"{words}. A: \u201c{_short(ka)}\u201d B: \u201c{_short(kb)}\u201d"
    if contrasts:
        c = contrasts[0]
        hs, as_ = ("A", "B") if c["hedged_in"] == "a" else ("B", "A")
        cues = ", ".join(f"\u2018{q}\u2019" for q in c["cues"][:3])
        summary += (f" {hs} hedges ({cues}) what {as_} asserts: \u201c{_short(c['hedged'])}\u201d vs "
                    f"\u201c{_short(c['asserted'])}\u201d")
    return Evidence(summary, details)


def _short(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "\u2026"


_STYLE_SHOWN = ("log_sentences", "sent_len_mean", "quotes_per_sent", "questions_per_sent",
                "first_person", "digit_ratio")


_ANCHOR_WORDS = {
    "tone_tragic": "tragic", "tone_threat": "alarmed", "tone_conflict": "conflict", "tone_anger": "indignant",
    "tone_hopeful": "hopeful", "tone_neutral": "neutral, factual", "tone_praise": "praising",
    "style_opinion": "an opinion piece", "style_breaking": "a news report", "style_press_release": "a press release",
    "style_live": "a running news update", "style_interview": "an interview", "style_sport": "a sports report",
    "style_markets": "a markets report", "style_feature": "a feature story", "style_howto": "an explainer",
    "style_politics": "a political report", "style_health": "a health report",
}


def _top_anchor(p: ArticleProfile | None, kind: str) -> str | None:
    """The tone or genre anchor sentence the article is closest to, in words."""
    if p is None:
        return None
    items = [(v, k.split(":", 1)[1]) for k, v in p.anchors.items() if k.startswith("usem3:" + kind)]
    if not items:
        return None
    name = max(items)[1]
    return _ANCHOR_WORDS.get(name, name.split("_", 1)[1].replace("_", " "))


def _style_evidence(a: Article, b: Article, pa: ArticleProfile | None, pb: ArticleProfile | None) -> Evidence:
    def stats(p: ArticleProfile | None, art: Article) -> dict[str, Any]:
        s = p.style if p is not None else {}
        return {
            "sentences": len(art.sentences),
            "chars": len(art.body),
            "chars_per_sentence": round(s.get("sent_len_mean", float("nan")), 1),
            "quotes_per_sentence": round(s.get("quotes_per_sent", float("nan")), 2),
            "questions_per_sentence": round(s.get("questions_per_sent", float("nan")), 2),
            "first_person_rate": round(s.get("first_person", float("nan")), 4),
            "digit_ratio": round(s.get("digit_ratio", float("nan")), 4),
            "genre": _top_anchor(p, "style"),
        }

    xa, xb = stats(pa, a), stats(pb, b)
    summary = (
        f"A reads most like {xa['genre'] or 'a news report'} ({xa['sentences']} sentences, "
        f"{xa['chars_per_sentence']} characters per sentence, {xa['quotes_per_sentence']} quotes per sentence); "
        f"B like {xb['genre'] or 'a news report'} ({xb['sentences']} sentences, {xb['chars_per_sentence']} characters "
        f"per sentence, {xb['quotes_per_sentence']} quotes per sentence)."
    )
    src = source_features(a.url, b.url)
    ha = (urlsplit(a.url).hostname or "").removeprefix("www.") if a.url else ""
    hb = (urlsplit(b.url).hostname or "").removeprefix("www.") if b.url else ""
    if src["src_same_host"] == 1.0:
        where = " in the same section" if src["src_same_section"] == 1.0 else ""
        summary += f" Both were published on {ha}{where}, so they share a house style."
    elif src["src_same_site"] == 1.0:
        summary += f" Both come from one site ({_site(ha)})."
    elif ha and hb:
        summary += f" Different sites: {ha} and {hb}."
    return Evidence(summary, {"a": {**xa, "site": ha or None}, "b": {**xb, "site": hb or None},
                              "same_site": src["src_same_site"] == 1.0, "same_section": src["src_same_section"] == 1.0})


def _tone_evidence(a: Article, b: Article, pa: ArticleProfile | None, pb: ArticleProfile | None) -> Evidence:
    def tone(p: ArticleProfile | None, art: Article) -> dict[str, Any]:
        hedged = sum(s.hedged for s in art.statements)
        anchors = {} if p is None else {
            k.split(":", 1)[1].removeprefix("tone_"): round(v, 3)
            for k, v in p.anchors.items() if k.startswith("usem3:tone")
        }
        return {
            "closest_tone": _top_anchor(p, "tone"),
            "tone_anchor_similarity": anchors,
            "statements": len(art.statements),
            "hedged_statements": hedged,
            "attributions": len(art.attributions),
            "exclamations_per_sentence": None if p is None else round(p.style.get("exclaims_per_sent", 0.0), 3),
        }

    xa, xb = tone(pa, a), tone(pb, b)
    summary = (
        f"A's tone is closest to {xa['closest_tone'] or 'neutral'}, B's to {xb['closest_tone'] or 'neutral'}; "
        f"A hedges {xa['hedged_statements']} of {xa['statements']} key statements, "
        f"B {xb['hedged_statements']} of {xb['statements']}; attributed claims: A {xa['attributions']}, "
        f"B {xb['attributions']}."
    )
    return Evidence(summary, {"a": xa, "b": xb})


# --------------------------------------------------------------------------- API

class Comparator:
    """Loaded models for comparing pairs; build once, compare many.

    Args:
        settings: pipeline settings (thread count for the embedding models).
        model_dir: folder of the trained model (default: the one shipped in the package).

    Raises:
        ModelError: the trained model or an embedding model cannot be loaded.
    """

    def __init__(self, settings: Settings | None = None, model_dir: str | Path | None = None) -> None:
        from .represent.embeddings import load_embedder
        from .represent.profile import LexicalModel, ProfileResources

        self.settings = settings or Settings()
        folder = Path(model_dir) if model_dir else MODEL_DIR
        self.model = CompareModel.load(folder)
        idf = folder / self.model.manifest.get("lexical_file", f"{MODEL_NAME}.idf.npz.z")
        try:
            lexical = LexicalModel.load(idf)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot load the lexical model {idf}: {exc}") from exc
        threads = self.settings.embedding_threads
        embedders = [load_embedder(m, threads) for m in ("usem3", "e5")]
        specs = {e.spec.key for e in embedders}
        trained = set(self.model.manifest.get("embedding_specs", {}).values())
        if trained and trained != specs:
            raise ModelError(
                f"the compare model was trained on embeddings {sorted(trained)}, "
                f"but the installed models are {sorted(specs)}; retrain with `python -m storyline.train`"
            )
        self.resources = ProfileResources(embedders, lexical)

    def profile(self, article: Article) -> ArticleProfile:
        """The per-article inputs of comparison (embeds the article)."""
        from .represent.profile import profile_article

        return profile_article(article, self.resources)

    def compare_profiles(self, pa: ArticleProfile, pb: ArticleProfile, evidence: bool = True) -> PairComparison:
        """Score a pair of profiled articles, with evidence unless ``evidence=False``."""
        feats = pair_features(pa, pb)
        pred = self.model.predict([feats])[0]
        scores = {d: float(round(s, 3)) for d, s in zip(DIMENSIONS, pred)}
        ev: dict[Dimension, Evidence] = {}
        if evidence:
            ev = self.evidence(pa, pb, scores, feats)
        return PairComparison(pa.article.id, pb.article.id, scores, ev, self.model.version, feats)

    def evidence(self, pa: ArticleProfile, pb: ArticleProfile, scores: dict[Dimension, float],
                 feats: dict[str, float]) -> dict[Dimension, Evidence]:
        """Evidence for each dimension, its summary led by the score in words."""
        a, b = pa.article, pb.article
        usem3 = self.resources.embedders[0]
        contrasts = _hedge_contrasts(a, b, pa, pb, usem3.embed)
        t_floor, n_floor = self.model.time_floors(self.model.matrix([feats]))
        guard = None
        if not np.isnan(t_floor[0]):
            guard = {"min_gap_days": min_publication_gap(a, b),
                     "training_range_days": self.model.manifest["time_guard"]["range_days"],
                     "time_floor": round(float(t_floor[0]), 2), "narrative_floor": round(float(n_floor[0]), 2)}
        ev = {
            Dimension.GEOGRAPHY: _geography_evidence(a, b),
            Dimension.ENTITIES: _entities_evidence(a, b),
            Dimension.TIME: _time_evidence(a, b, guard),
            Dimension.NARRATIVE: _narrative_evidence(a, b, scores, feats, contrasts),
            Dimension.STYLE: _style_evidence(a, b, pa, pb),
            Dimension.TONE: _tone_evidence(a, b, pa, pb),
        }
        parts = []
        for d in (Dimension.GEOGRAPHY, Dimension.ENTITIES, Dimension.TIME, Dimension.NARRATIVE):
            parts.append(f"{d.value.lower()} {describe_score(scores[d])}")
        parts[-1] += f" ({ev[Dimension.NARRATIVE].details['judgement']})"
        ev[Dimension.OVERALL] = Evidence(
            (", ".join(parts) + ".").capitalize(),
            {"lead_similarity": feats.get("usem3:lead"), "body_similarity": feats.get("e5:headtail"),
             "lexical_overlap": feats.get("tfidf_word")},
        )
        for d, e in ev.items():
            e.summary = f"{d.value} {scores[d]:.1f} ({describe_score(scores[d])}): {e.summary}"
        return ev

    def compare(self, a: Article, b: Article, evidence: bool = True) -> PairComparison:
        """Compare two articles.

        Raises:
            CompareError: an article has no text.
            ModelError: a model failed.
        """
        for art in (a, b):
            if not (art.body or art.title).strip():
                raise CompareError("article has no text to compare", source=art.id)
        return self.compare_profiles(self.profile(a), self.profile(b), evidence)


_DEFAULT: dict[tuple[Any, ...], Comparator] = {}


def load_comparator(settings: Settings | None = None) -> Comparator:
    """The process-wide comparator for these settings (models are loaded once)."""
    settings = settings or Settings()
    key = (settings.embedding_threads,)
    if key not in _DEFAULT:
        _DEFAULT[key] = Comparator(settings)
    return _DEFAULT[key]


def compare_articles(a: Article, b: Article, settings: Settings | None = None) -> PairComparison:
    """Compare two enriched articles on the seven dimensions, with evidence.

    Raises:
        CompareError: an article has no text.
        ModelError: the trained model or an embedding model is missing.
    """
    return load_comparator(settings).compare(a, b)


def analyze_lenient(
    text: str, *, title: str | None = None, url: str | None = None, date: str | None = None,
    lang: str | None = None, id: str | None = None, settings: Settings | None = None,
) -> Article:
    """Analyse a text for comparison. Text that extraction rejects as all boilerplate
    is still enriched as it stands: a pair file's texts are already article texts.

    Raises:
        InputError: the text is empty.
        StorylineError: enrichment failed.
    """
    from .errors import ExtractionError
    from .extract import ExtractedPage
    from .models import InputKind, PublicationDate, RawRecord, Source
    from .pipeline import analyze, enrich

    if not text or not text.strip():
        raise InputError("empty text", source=id)
    settings = settings or Settings()
    record = RawRecord(Source(id or "<text>"), InputKind.TEXT, text, url=url, title=title, date=date,
                       lang=lang, id=id)
    try:
        return analyze(record, settings)
    except ExtractionError:
        given = _iso_date(date)
        pub = PublicationDate(given, DateMethod.METADATA) if given else PublicationDate(None, DateMethod.UNKNOWN)
        page = ExtractedPage(body=text.strip(), title=(title or "").strip(), published=pub, url=url)
        return enrich(page, record, settings)


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None


def compare_texts(
    text_a: str, text_b: str, *, title_a: str | None = None, title_b: str | None = None,
    url_a: str | None = None, url_b: str | None = None, date_a: str | None = None,
    date_b: str | None = None, lang_a: str | None = None, lang_b: str | None = None,
    settings: Settings | None = None,
) -> PairComparison:
    """Analyse two texts and compare them (see :func:`compare_articles`)."""
    a = analyze_lenient(text_a, title=title_a, url=url_a, date=date_a, lang=lang_a, id="A", settings=settings)
    b = analyze_lenient(text_b, title=title_b, url=url_b, date=date_b, lang=lang_b, id="B", settings=settings)
    return compare_articles(a, b, settings)


# --------------------------------------------------------------------------- batch

@dataclass
class BatchReport:
    """What a batch run did: pairs written and rows skipped with their reasons."""

    written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (row locator, reason)


def iter_pair_rows(path: str | Path) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """Rows of a CSV/TSV or JSON-lines pairs file as (locator, row or None, error).

    Raises:
        InputError: the file cannot be opened or its format is unknown.
    """
    import gzip

    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        fh = opener(path, "rt", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot open pairs file: {exc}", source=str(path)) from exc
    with fh:
        if name.endswith((".jsonl", ".ndjson", ".json")):
            for i, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"line {i}", None, f"bad JSON: {exc.msg}"
                    continue
                if not isinstance(row, dict):
                    yield f"line {i}", None, "not a JSON object"
                    continue
                yield f"line {i}", row, ""
        elif name.endswith((".csv", ".tsv")):
            csv.field_size_limit(50_000_000)
            reader = csv.DictReader(fh, delimiter="\t" if name.endswith(".tsv") else ",")
            try:
                for i, row in enumerate(reader, 2):
                    if None in row:
                        yield f"line {i}", None, "more fields than the header"
                        continue
                    yield f"line {i}", dict(row), ""
            except csv.Error as exc:
                yield f"line {reader.line_num}", None, f"bad CSV: {exc}"
        else:
            raise InputError("pairs file must be .csv, .tsv or .jsonl", source=str(path))


def _text_field(row: dict[str, Any], key: str) -> str | None:
    v = row.get(key)
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    v = str(v)
    return v if v.strip() else None


def compare_pairs_file(
    path: str | Path, out: str | Path, settings: Settings | None = None, *,
    evidence: bool = False, on_pair: Any = None,
) -> BatchReport:
    """Compare every pair of a file; write one JSON line per pair to ``out``.

    The file is CSV/TSV or JSON lines with ``pair_id, text1, text2`` and optionally
    ``title1/2, url1/2, date1/2, lang1/2``. Each output line holds ``pair_id`` and the
    seven scores under the dimension names (plus ``evidence`` if asked). A bad row is
    logged, reported in the returned :class:`BatchReport` and skipped.

    Raises:
        InputError: the file cannot be read at all.
        ModelError: the models cannot be loaded.
    """
    comparator = load_comparator(settings)
    report = BatchReport()
    profiles: dict[tuple[Any, ...], ArticleProfile] = {}

    def profile_of(row: dict[str, Any], n: int, pid: str) -> ArticleProfile:
        text = _text_field(row, f"text{n}")
        if text is None:
            raise InputError(f"text{n} is missing or empty")
        kw = {k: _text_field(row, f"{k}{n}") for k in ("title", "url", "date", "lang")}
        key = (text, *kw.values())
        if key not in profiles:
            if len(profiles) > 2000:  # a long stream: keep memory bounded
                profiles.clear()
            art = analyze_lenient(text, id=f"{pid}#{n}", settings=comparator.settings, **kw)
            profiles[key] = comparator.profile(art)
        return profiles[key]

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for where, row, error in iter_pair_rows(path):
            if row is None:
                report.skipped.append((where, error))
                logger.warning("%s:%s skipped: %s", path, where, error)
                continue
            pid = _text_field(row, "pair_id") or _text_field(row, "id")
            try:
                if pid is None:
                    raise InputError("pair_id is missing")
                pa, pb = profile_of(row, 1, pid), profile_of(row, 2, pid)
                result = comparator.compare_profiles(pa, pb, evidence)
            except StorylineError as exc:
                reason = exc.reason
                report.skipped.append((f"{where} ({pid})" if pid else where, reason))
                logger.warning("%s:%s skipped: %s", path, where, reason)
                continue
            line: dict[str, Any] = {"pair_id": pid}
            line.update({d.value: round(s, 4) for d, s in result.scores.items()})
            if evidence:
                line["evidence"] = result.to_dict()["evidence"]
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            report.written += 1
            if on_pair is not None:
                on_pair()
    return report


def read_first_article(path: str | Path, settings: Settings | None = None) -> Article:
    """The first article of a file of any format ``storyline read`` takes.

    Raises:
        InputError: the file holds no readable article (the reason is given).
    """
    from .models import Failure
    from .pipeline import read_articles

    first_failure = None
    for item in read_articles([path], settings):
        if isinstance(item, Failure):
            first_failure = first_failure or item
            continue
        return item
    reason = first_failure.reason if first_failure else "no record found"
    raise InputError(f"no article could be read: {reason}", source=str(path))
