"""Everything about one article that pair comparison needs, computed once.

An :class:`ArticleProfile` holds the article's embedding views, its MinHash
signature, hashed TF-IDF vectors (character and word n-grams), numbers, years and
capitalised names found by pattern, style statistics, and its similarity to a few
tone and genre *anchor* sentences (a zero-shot, language-independent reading of
tone: the multilingual encoders place a Turkish obituary near the English anchor
"a tragedy: people died" without any Turkish lexicon).
"""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..models import Article
from . import Representation, article_views, represent_article, split_sentences
from .embeddings import Embedder, Vectors

logger = logging.getLogger(__name__)

__all__ = [
    "ANCHORS",
    "ArticleProfile",
    "LexicalModel",
    "ProfileResources",
    "profile_article",
    "style_stats",
]

# Anchor sentences: the profile records the cosine of an article (head+tail view) to
# each. English suffices: both encoders are trained to map translations together.
ANCHORS: dict[str, str] = {
    # tone
    "tone_tragic": "A tragedy: people were killed and injured, families mourn the victims.",
    "tone_threat": "Fear and alarm grow as the crisis worsens and the danger spreads.",
    "tone_conflict": "Fierce clashes, attacks and bombing between the warring sides.",
    "tone_anger": "This outrageous decision is a scandal and a disgrace, critics fumed.",
    "tone_hopeful": "Good news: a success that brings joy, relief and hope for the future.",
    "tone_neutral": "The figures were published in an official report on Tuesday.",
    "tone_praise": "A brilliant, inspiring and widely praised achievement.",
    # genre / style
    "style_opinion": "Opinion: I believe we must ask ourselves what kind of country we want to be.",
    "style_breaking": "Police said on Monday that a man was arrested after the incident.",
    "style_press_release": "The company today announced the launch of its new product and services.",
    "style_live": "Live updates: follow our coverage of the latest developments as they happen.",
    "style_interview": "\"We are ready,\" she said in an interview. \"It was the hardest year of my life.\"",
    "style_sport": "The team won the match 3-1 with two goals in the second half.",
    "style_markets": "Shares rose 2 percent as investors weighed the central bank's decision on rates.",
    "style_feature": "On a quiet morning in the village, she remembers the years before everything changed.",
    "style_howto": "Here are five tips to stay healthy and what you need to know.",
    "style_politics": "The parliament voted on the bill as the opposition criticised the government.",
    "style_health": "Health officials reported new coronavirus cases and urged people to stay at home.",
}

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_CAP = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ][\w'’-]{2,}")
_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTE = re.compile(r"[\"“”«»„‚‘’「」『』]")
_FIRST_PERSON = frozenset(
    "i we me us my our ich wir mich uns mein unser je nous moi mon notre yo nosotros mi nuestro "
    "io noi mio nostro ja my mnie nas mój nasz ben biz benim bizim я мы меня нас мой наш "
    "أنا نحن 我 我们".split()
)
_SECOND_PERSON = frozenset(
    "you your du ihr sie dein euer tu vous ton votre tú usted vosotros tuo vostro ty wy twój "
    "sen siz senin ты вы твой ваш أنت 你 您".split()
)


def style_stats(title: str, body: str, sentences: Sequence[str] | None = None) -> dict[str, float]:
    """Language-agnostic surface statistics of a text (length, punctuation, quotes, ...)."""
    sents = list(sentences) if sentences else split_sentences(body)
    sents = [s for s in sents if s.strip()] or [body or "."]
    words = _WORD.findall(body.lower())
    n_words = max(1, len(words))
    letters = [c for c in body if c.isalpha()]
    n_letters = max(1, len(letters))
    lens = [len(s) for s in sents]
    n = len(sents)
    return {
        "log_chars": math.log1p(len(body)),
        "log_sentences": math.log1p(n),
        "sent_len_mean": statistics.fmean(lens),
        "sent_len_sd": statistics.pstdev(lens) if n > 1 else 0.0,
        "word_len": sum(len(w) for w in words) / n_words,
        "quotes_per_sent": len(_QUOTE.findall(body)) / n,
        "questions_per_sent": (body.count("?") + body.count("？") + body.count("؟")) / n,
        "exclaims_per_sent": (body.count("!") + body.count("！")) / n,
        "digit_ratio": sum(c.isdigit() for c in body) / max(1, len(body)),
        "upper_ratio": sum(c.isupper() for c in letters) / n_letters,
        "first_person": sum(w in _FIRST_PERSON for w in words) / n_words,
        "second_person": sum(w in _SECOND_PERSON for w in words) / n_words,
        "paragraphs": math.log1p(body.count("\n\n") + 1),
        "title_len": float(len(title or "")),
        "title_question": float("?" in (title or "")),
    }


class LexicalModel:
    """Hashed TF-IDF (character 3-5-grams and word uni/bigrams) with IDF from a corpus.

    Hashing keeps the shipped model small (no vocabulary), and character n-grams
    still match names and numbers across languages that share a script.
    """

    N_FEATURES = 2**18

    def __init__(self, idf_char: np.ndarray | None = None, idf_word: np.ndarray | None = None) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        kw: dict[str, Any] = dict(n_features=self.N_FEATURES, alternate_sign=False, norm=None, lowercase=True)
        self._char = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **kw)
        self._word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", **kw)
        self.idf_char = idf_char
        self.idf_word = idf_word

    def _transform(self, vec: Any, texts: Sequence[str], idf: np.ndarray | None) -> Any:
        from sklearn.preprocessing import normalize

        x = vec.transform(list(texts))
        x.data = np.log1p(x.data)
        if idf is not None:
            x = x.multiply(idf.astype(np.float32)).tocsr()
        return normalize(x)

    def char(self, texts: Sequence[str]) -> Any:
        """L2-normalised TF-IDF rows (scipy sparse) of character 3-5-grams."""
        return self._transform(self._char, texts, self.idf_char)

    def word(self, texts: Sequence[str]) -> Any:
        """L2-normalised TF-IDF rows (scipy sparse) of word uni- and bigrams."""
        return self._transform(self._word, texts, self.idf_word)

    def fit(self, texts: Sequence[str]) -> LexicalModel:
        """Learn IDF weights from a corpus (document frequency of each hashed feature)."""
        n = len(texts)
        for name, vec in (("idf_char", self._char), ("idf_word", self._word)):
            x = vec.transform(list(texts))
            df = np.bincount(x.indices, minlength=self.N_FEATURES)
            setattr(self, name, (np.log((1 + n) / (1 + df)) + 1).astype(np.float32))
        return self

    def save(self, path: str | Path) -> None:
        """Write the IDF arrays (float16, zlib-compressed npz)."""
        buf = io.BytesIO()
        np.savez(buf, char=np.asarray(self.idf_char, np.float16), word=np.asarray(self.idf_word, np.float16))
        Path(path).write_bytes(zlib.compress(buf.getvalue(), 9))

    @classmethod
    def load(cls, path: str | Path) -> LexicalModel:
        data = np.load(io.BytesIO(zlib.decompress(Path(path).read_bytes())))
        return cls(data["char"].astype(np.float32), data["word"].astype(np.float32))


@dataclass
class ProfileResources:
    """Loaded models a profile needs: embedders, the lexical model, anchor vectors."""

    embedders: list[Embedder]
    lexical: LexicalModel
    anchors: dict[str, Vectors] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.anchors:
            names = list(ANCHORS)
            for emb in self.embedders:
                vecs = emb.embed([ANCHORS[n] for n in names])
                self.anchors[emb.spec.model] = vecs


@dataclass
class ArticleProfile:
    """The per-article inputs of pair comparison."""

    article: Article
    rep: Representation
    views: dict[str, list[str]]
    char_vec: object  # 1 x N sparse row
    word_vec: object
    numbers: set[str]
    years: list[int]
    capitals: set[str]
    style: dict[str, float]
    anchors: dict[str, float]
    places: Counter[tuple[str, str]] = field(default_factory=Counter)


_TOKEN = re.compile(r"\w+", re.UNICODE)
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_AR_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ب", "ل")  # "and the", "in the", ... glued to a name
_PLACE_KINDS = ("country", "city", "state", "demonym")


def place_mentions(text: str) -> Counter[tuple[str, str]]:
    """Places named in a text, by scanning it against the gazetteer: ``(name, country)`` counts.

    Independent of the NER models, so it also works where they are weak (Turkish,
    Arabic, Polish). Latin- and Cyrillic-script candidates must be capitalised; a
    single-word city must have 50,000+ people to count (fewer false hits on words).
    """
    from ..enrich.places import fold, gazetteer

    gaz = gazetteer()
    toks = _TOKEN.findall(text.replace("’", "'"))
    out: Counter[tuple[str, str]] = Counter()
    i = 0
    while i < len(toks):
        hit = None
        for n in (3, 2, 1):
            if i + n > len(toks):
                continue
            cand = " ".join(toks[i : i + n])
            first = cand[:1]
            if first.isalpha() and first.lower() != first.upper() and not first.isupper():
                continue
            keys = [fold(cand)]
            if n == 1 and _ARABIC.match(cand):
                keys += [fold(cand[len(p) :]) for p in _AR_PREFIXES if cand.startswith(p) and len(cand) - len(p) >= 3]
            for key in keys:
                place = gaz.index.get(key)
                if (place is not None and place.kind in _PLACE_KINDS and len(key) >= 4
                        and (place.kind != "city" or place.population >= 50_000 or n > 1)):
                    hit = (place, n)
                    break
            if hit:
                break
        if hit:
            out[(hit[0].name, hit[0].country)] += 1
            i += hit[1]
        else:
            i += 1
    return out


def _capitals(text: str) -> set[str]:
    """Capitalised words that never occur in lower case in the same text (names)."""
    lower = set(re.findall(r"(?<![\w'’])[a-zà-öø-ÿа-яё][\w'’-]{2,}", text))
    return {c.lower() for c in _CAP.findall(text) if c.lower() not in lower}


def profile_article(article: Article, res: ProfileResources) -> ArticleProfile:
    """Build the profile of an article (embeds it with every loaded model).

    Raises:
        ModelError: an embedding model failed.
    """
    views = article_views(article.title, article.body)
    rep = represent_article(article, res.embedders)
    full = f"{article.title}\n{article.body}"
    anchors: dict[str, float] = {}
    for model, avec in res.anchors.items():
        v = rep.vectors.get((model, "headtail"))
        if v is None:
            continue
        sims = (avec.array @ v.array[0]).tolist()
        for name, s in zip(ANCHORS, sims):
            anchors[f"{model}:{name}"] = float(s)
    body = article.body
    sentences = article.sentences or None
    return ArticleProfile(
        article=article,
        rep=rep,
        views=views,
        char_vec=res.lexical.char([full]),
        word_vec=res.lexical.word([full]),
        numbers={n.replace(",", ".") for n in _NUMBER.findall(full) if len(n) >= 2},
        years=[int(y) for y in _YEAR.findall(full)],
        capitals=_capitals(body),
        style=style_stats(article.title, body, sentences),
        anchors=anchors,
        places=place_mentions(full),
    )
