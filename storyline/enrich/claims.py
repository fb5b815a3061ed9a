"""Who said what, and how firmly: attribution, hedging and denial of statements.

Rule-based and multilingual (English, French, German, Spanish, Italian,
Portuguese, Turkish, Polish, Russian): cue lists, not a model, so every
decision can be shown as evidence ("hedged: 'may', 'according to'").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Attribution, Statement

_HEDGES = [
    # English
    r"may", r"might", r"could", r"reportedly", r"allegedly", r"alleged", r"purportedly",
    r"(?:is|are|was|were) expected", r"expected to", r"likely", r"unlikely", r"possibly", r"perhaps",
    r"probably", r"rumou?red", r"rumou?rs?", r"unconfirmed", r"appears? to", r"seems? to",
    r"is said to", r"are said to", r"believed to", r"thought to", r"suspected", r"reports suggest",
    r"sources (?:say|said|claim)", r"would", r"plans? to", r"considering", r"mulling",
    r"no chance", r"speculat\w+",
    # French
    r"pourrai(?:t|ent)", r"aurai(?:t|ent)", r"serai(?:t|ent)", r"selon des sources", r"présumée?s?",
    r"probablement", r"peut-être", r"rumeurs?", r"supposée?", r"devrai(?:t|ent)",
    # German
    r"könnte[n]?", r"soll(?:en)?", r"angeblich", r"mutmaßlich\w*", r"möglicherweise",
    r"wahrscheinlich", r"dürfte[n]?", r"vermutlich", r"offenbar", r"gerüchte\w*",
    # Spanish / Italian / Portuguese
    r"podría[n]?", r"presuntamente", r"supuestamente", r"al parecer", r"probablemente", r"rumores",
    r"potrebbe(?:ro)?", r"presumibilmente", r"secondo indiscrezioni", r"sarebbe(?:ro)?", r"forse",
    r"poderia[m]?", r"supostamente", r"alegadamente",
    # Turkish / Polish / Russian
    r"olabilir", r"iddia\w*", r"muhtemelen", r"öne sürül\w+", r"może", r"mogą", r"podobno",
    r"prawdopodobnie", r"rzekomo", r"możliwe", r"возможно", r"якобы", r"может", r"могут",
    r"предположительно", r"вероятно",
]
_DENIALS = [
    r"denied", r"denies", r"deny", r"rejected (?:the )?(?:report|claim)s?", r"dismissed (?:the )?(?:report|claim)s?",
    r"no truth", r"false report", r"refuted", r"démenti\w*", r"dément\w*", r"dementiert\w*",
    r"bestritt\w*", r"bestreitet", r"zurückgewiesen", r"desmintió", r"desmiente\w*", r"negó", r"niega",
    r"smentit\w*", r"ha negato", r"yalanladı", r"reddetti", r"zaprzeczył\w*", r"zdementował\w*",
    r"опроверг\w*", r"отрицает",
]
_HEDGE_RE = re.compile(r"(?<!\w)(" + "|".join(_HEDGES) + r")(?!\w)", re.I)
_DENIAL_RE = re.compile(r"(?<!\w)(" + "|".join(_DENIALS) + r")(?!\w)", re.I)

_NAME = r"((?:the |la |le |el |die |der |l')?(?:al-|el-)?[A-ZÀ-ÞА-Я][\w'’.&-]*(?:\s+(?:[A-ZÀ-ÞА-Я][\w'’.&-]*|al-\w+|of|de|del|für|der|news|newspaper|agency|TV)){0,5})"
_SOURCE_NOUN = r"((?:[\w-]+\s+){0,3}(?:sources?|officials?|agenc(?:y|ies)|media|newspapers?|spokes(?:man|woman|person)|ministry|diplomats?|witnesses|residents|analysts|police))"
_ATTRIBUTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("according to", re.compile(rf"\baccording to\s+(?:the\s+)?{_NAME}", re.I)),
    ("according to", re.compile(rf"\baccording\s+{_NAME}")),  # "According Arab media" (sic)
    ("citing", re.compile(rf"\bciting\s+(?:the\s+)?{_NAME}", re.I)),
    ("reported by", re.compile(rf"\b(?:reported|quoted|cited) by\s+(?:the\s+)?{_NAME}", re.I)),
    ("reported", re.compile(rf"{_NAME},?\s+(?:has |had )?(?:reported|said|told|announced|claimed|stated|confirmed|denied|wrote|added|quoted)\b")),
    ("reported", re.compile(rf"\b{_SOURCE_NOUN}\s+(?:in \w+\s+)?(?:told|said|reported|claimed|confirmed)\b", re.I)),
    ("told", re.compile(rf"\btold\s+(?:the\s+)?{_NAME}")),
    ("selon", re.compile(rf"\b(?:selon|d'après)\s+(?:la |le |les |l')?{_NAME}", re.I)),
    ("laut", re.compile(rf"\b(?:laut|nach Angaben (?:von|der|des))\s+(?:der |dem |des )?{_NAME}", re.I)),
    ("según", re.compile(rf"\b(?:según|segun)\s+(?:la |el |los |las )?{_NAME}", re.I)),
    ("secondo", re.compile(rf"\bsecondo\s+(?:la |il |lo |l')?{_NAME}", re.I)),
    ("według", re.compile(rf"\bwedług\s+{_NAME}", re.I)),
    ("göre", re.compile(rf"{_NAME}['’]?\w*\s+göre\b")),
    ("по данным", re.compile(rf"\b(?:по данным|по словам|как сообщает|как сообщил)\s+{_NAME}", re.I)),
]
_PLACE_PREPS = {"in", "from", "at", "of", "near", "outside", "inside", "to"}
_NOT_SOURCES = {"it", "he", "she", "they", "the", "this", "that", "there", "we", "i", "but", "and",
                "meanwhile", "however", "in", "on", "at", "last", "when", "after", "as", "while"}


def find_attributions(sentences: Sequence[str]) -> list[Attribution]:
    """Sources statements are credited to ("Reuters reported", "according to al-Hadath")."""
    out: list[Attribution] = []
    for sent in sentences:
        seen: set[str] = set()
        for cue, pattern in _ATTRIBUTION_PATTERNS:
            for m in pattern.finditer(sent):
                source = m.group(1).strip(" ,.'’")
                source = re.sub(r"^(the|la|le|el|die|der|l')\s+", "", source, flags=re.I)
                if not source or source.lower() in _NOT_SOURCES or len(source) < 2:
                    continue
                words = source.split()
                while words and words[0].lower() in _NOT_SOURCES:
                    words = words[1:]
                source = " ".join(words)
                if not source:
                    continue
                before = sent[: m.start(1)].rstrip().split()[-1:] if cue == "reported" else []
                if before and before[0].lower() in _PLACE_PREPS:
                    continue  # "sources in Damascus said": Damascus is not the source
                low = source.lower()
                if any(low in s or s in low for s in seen):
                    continue
                seen.add(low)
                out.append(Attribution(source=source, cue=cue, sentence=sent))
    return out


def hedge_cues(sentence: str) -> list[str]:
    """The hedging words of a sentence ("may", "reportedly", "angeblich")."""
    cues = [m.group(1).lower() for m in _HEDGE_RE.finditer(sentence)]
    # "may" as a month ("May 3") is not a hedge
    cues = [c for c in cues if not (c == "may" and re.search(r"\bMay\s+\d", sentence))]
    return sorted(set(cues), key=cues.index)


def denial_cues(sentence: str) -> list[str]:
    return sorted({m.group(1).lower() for m in _DENIAL_RE.finditer(sentence)})


def find_claims(
    sentences: Sequence[str], title: str = "", *, max_statements: int = 12
) -> tuple[list[Attribution], list[Statement]]:
    """Attributions, and the key statements with how firmly each is made.

    Key statements: the title, the lead (first three sentences) and every
    sentence that is attributed, hedged or a denial, up to ``max_statements``.
    A statement is *hedged* when it carries a hedging cue; denials are
    reported with the cue ``denial:<word>``.
    """
    attributions = find_attributions(sentences)
    by_sentence: dict[str, str] = {}
    for a in attributions:
        by_sentence.setdefault(a.sentence, a.source)
    statements: list[Statement] = []
    candidates: list[str] = ([title] if title else []) + list(sentences)
    for i, sent in enumerate(candidates):
        hedges = hedge_cues(sent)
        denials = denial_cues(sent)
        is_lead = i < (4 if title else 3)
        if not (is_lead or hedges or denials or sent in by_sentence):
            continue
        statements.append(Statement(
            text=sent,
            hedged=bool(hedges),
            cues=hedges + [f"denial:{d}" for d in denials],
            source=by_sentence.get(sent),
        ))
        if len(statements) >= max_statements:
            break
    return attributions, statements
