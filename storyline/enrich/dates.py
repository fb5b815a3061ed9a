"""Dates mentioned in a text, resolved to calendar dates.

A rule-based multilingual matcher (English, French, German, Spanish, Italian,
Portuguese, Dutch, Turkish, Polish, Russian month/weekday names and numeric
forms). Absolute dates resolve on their own; relative ones ("on Monday",
"yesterday", "three years ago", "in March") resolve against the publication
date, and stay unresolved when the publication date is unknown or only an
estimate: a resolved date is never built on a guess.

We use our own matcher rather than ``dateparser.search`` because it is two
orders of magnitude faster and never invents a year.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import DateMention

_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "januar", "jänner", "enero", "gennaio", "janeiro", "januari",
        "ocak", "styczeń", "stycznia", "январь", "января", "yanvar"),
    2: ("february", "feb", "février", "fevrier", "februar", "febrero", "febbraio", "fevereiro",
        "februari", "şubat", "subat", "luty", "lutego", "февраль", "февраля"),
    3: ("march", "mar", "mars", "märz", "maerz", "marzo", "março", "marco", "maart", "mart",
        "marzec", "marca", "март", "марта"),
    4: ("april", "apr", "avril", "abril", "aprile", "nisan", "kwiecień", "kwietnia", "апрель",
        "апреля"),
    5: ("may", "mai", "mayo", "maggio", "maio", "mei", "mayıs", "mayis", "maj", "maja", "май",
        "мая"),
    6: ("june", "jun", "juin", "juni", "junio", "giugno", "junho", "haziran", "czerwiec",
        "czerwca", "июнь", "июня"),
    7: ("july", "jul", "juillet", "juli", "julio", "luglio", "julho", "temmuz", "lipiec", "lipca",
        "июль", "июля"),
    8: ("august", "aug", "août", "aout", "agosto", "augustus", "ağustos", "agustos", "sierpień",
        "sierpnia", "август", "августа"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "setembro",
        "eylül", "eylul", "wrzesień", "września", "сентябрь", "сентября"),
    10: ("october", "oct", "octobre", "oktober", "octubre", "ottobre", "outubro", "ekim",
         "październik", "października", "октябрь", "октября"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "kasım", "kasim", "listopad",
         "listopada", "ноябрь", "ноября"),
    12: ("december", "dec", "décembre", "decembre", "dezember", "diciembre", "dicembre",
         "dezembro", "aralık", "aralik", "grudzień", "grudnia", "декабрь", "декабря"),
}
MONTH_BY_NAME: dict[str, int] = {n: m for m, names in _MONTHS.items() for n in names}

_WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: ("monday", "lundi", "montag", "lunes", "lunedì", "lunedi", "segunda-feira", "maandag",
        "pazartesi", "poniedziałek", "понедельник"),
    1: ("tuesday", "mardi", "dienstag", "martes", "martedì", "martedi", "terça-feira", "dinsdag",
        "salı", "wtorek", "вторник"),
    2: ("wednesday", "mercredi", "mittwoch", "miércoles", "miercoles", "mercoledì", "mercoledi",
        "quarta-feira", "woensdag", "çarşamba", "środa", "środę", "среда", "среду"),
    3: ("thursday", "jeudi", "donnerstag", "jueves", "giovedì", "giovedi", "quinta-feira",
        "donderdag", "perşembe", "czwartek", "четверг"),
    4: ("friday", "vendredi", "freitag", "viernes", "venerdì", "venerdi", "sexta-feira", "vrijdag",
        "piątek", "пятница", "пятницу"),
    5: ("saturday", "samedi", "samstag", "sonnabend", "sábado", "sabato", "zaterdag", "cumartesi",
        "sobota", "sobotę", "суббота", "субботу"),
    6: ("sunday", "dimanche", "sonntag", "domingo", "domenica", "zondag", "niedziela",
        "niedzielę", "воскресенье"),
}
WEEKDAY_BY_NAME: dict[str, int] = {n: d for d, names in _WEEKDAYS.items() for n in names}

_DAY_OFFSETS: dict[str, int] = {
    "yesterday": -1, "today": 0, "tomorrow": 1, "hier": -1, "aujourd'hui": 0, "demain": 1,
    "gestern": -1, "heute": 0, "ayer": -1, "hoy": 0, "ieri": -1, "oggi": 0, "domani": 1,
    "ontem": -1, "hoje": 0, "amanhã": 1, "gisteren": -1, "vandaag": 0, "morgen": 1,
    "dün": -1, "bugün": 0, "yarın": 1, "wczoraj": -1, "dziś": 0, "dzisiaj": 0, "jutro": 1,
    "вчера": -1, "сегодня": 0, "завтра": 1,
}
# "morgen" is "tomorrow" in Dutch but "morning" in German ("heute Morgen"): only
# trust it in Dutch text.
_DUTCH_ONLY = {"morgen"}

_YEAR_PREPS = {
    "in", "since", "until", "till", "by", "of", "from", "to", "before", "after", "during", "early",
    "late", "mid", "en", "depuis", "dans", "de", "du", "jusqu'en", "im", "seit", "bis", "von",
    "vor", "nach", "ab", "desde", "hasta", "del", "nel", "dal", "dall'", "fino", "em", "sinds",
    "sinds", "tot", "w", "od", "do", "roku", "в", "с", "до", "году", "года", "year", "jahr",
    "année", "año", "anno",
}
_FUTURE_CUES = re.compile(
    r"\b(will|shall|is to|are to|is due|are due|plans? to|is expected|are expected|next|upcoming|"
    r"wird|werden|soll|sollen|va |vont|sera|seront|prochain|prochaine|se reunirá|será|serán|"
    r"próximo|próxima|sarà|saranno|prossimo|prossima)\b",
    re.I,
)

_WORD = r"[A-Za-zÀ-ÿĀ-žА-яЁёİıŞşĞğ'\-]+"
_MONTH_ALT = "|".join(sorted((re.escape(n) for n in MONTH_BY_NAME), key=len, reverse=True))
_WEEKDAY_ALT = "|".join(sorted((re.escape(n) for n in WEEKDAY_BY_NAME), key=len, reverse=True))
_OFFSET_ALT = "|".join(sorted((re.escape(n) for n in _DAY_OFFSETS), key=len, reverse=True))

_B = r"(?<![\w])"  # left word boundary that works for non-ASCII
_E = r"(?![\w])"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"{_B}(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)")),
    ("dmy_num", re.compile(rf"{_B}(?P<a>[0-3]?\d)[./](?P<b>[01]?\d)[./](?P<y>(?:19|20)\d\d){_E}")),
    (
        "d_month_y",
        re.compile(
            rf"{_B}(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?(?P<mon>{_MONTH_ALT})\.?,?"
            rf"(?:\s+(?:de\s+)?(?P<y>(?:19|20)\d\d))?{_E}",
            re.I,
        ),
    ),
    (
        "month_d_y",
        re.compile(
            rf"{_B}(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?{_E}"
            rf"(?:,?\s+(?P<y>(?:19|20)\d\d){_E})?",
            re.I,
        ),
    ),
    ("month_y", re.compile(rf"{_B}(?P<mon>{_MONTH_ALT})\.?,?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d){_E}", re.I)),
    ("weekday", re.compile(rf"{_B}(?P<wd>{_WEEKDAY_ALT}){_E}", re.I)),
    ("offset", re.compile(rf"{_B}(?P<off>{_OFFSET_ALT}){_E}", re.I)),
    (
        "ago",
        re.compile(
            rf"{_B}(?P<n>\d{{1,3}}|one|two|three|four|five|six|seven|eight|nine|ten|a)\s+"
            r"(?P<unit>days?|weeks?|months?|years?)\s+ago\b"
            r"|\bvor\s+(?P<n2>\d{1,3})\s+(?P<unit2>Tagen|Wochen|Monaten|Jahren)\b"
            r"|\bil y a\s+(?P<n3>\d{1,3})\s+(?P<unit3>jours|semaines|mois|ans)\b"
            r"|\bhace\s+(?P<n4>\d{1,3})\s+(?P<unit4>días|semanas|meses|años)\b",
            re.I,
        ),
    ),
    (
        "last",
        re.compile(
            r"\b(?P<which>last|next|this|past)\s+(?P<unit>week|month|year)\b"
            r"|\b(?P<de>letzte[nrs]?|vergangene[nrs]?|nächste[nrs]?)\s+(?P<unitde>Woche|Monat|Jahr)\b"
            r"|\b(?:l'|la |le )(?P<unitfr>année|semaine|mois) (?P<fr>dernière|dernier|prochaine|prochain)\b"
            r"|\b(?:el |la )(?P<unites>año|semana|mes) (?P<es>pasado|pasada|próximo|próxima)\b",
            re.I,
        ),
    ),
    ("month", re.compile(rf"\b(?:in|en|im|a|de|en el mes de|nel mese di|w)\s+(?P<mon>{_MONTH_ALT}){_E}", re.I)),
    ("year", re.compile(rf"(?P<prep>{_WORD})\s+(?P<y>(?:19|20)\d\d)(?![\d,.]\d)|(?P<y2>(?:19|20)\d\d)\s+(?P<post>yılında|roku|году|г\.)", re.I)),
]
_NUM_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10}


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    text: str
    value: dt.date | None
    granularity: str
    relative: bool


def _norm(word: str) -> str:
    """Lowercase a matched name the way the tables spell it ("NİSAN" -> "nisan", not "ni̇san")."""
    return word.replace("İ", "i").lower().replace("\u0307", "")


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _nearest_year(m: int, d: int, ref: dt.date) -> dt.date | None:
    best: dt.date | None = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        cand = _safe_date(y, m, d)
        if cand and (best is None or abs((cand - ref).days) < abs((best - ref).days)):
            best = cand
    return best


def _add_years(d: dt.date, n: int) -> dt.date:
    return _safe_date(d.year + n, d.month, min(d.day, 28)) or d


def _add_months(d: dt.date, n: int) -> dt.date:
    idx = d.year * 12 + d.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


# The last _match_all call and its result: enriching an undated article scans its
# body twice with the same arguments (the publication-date estimate, then the date
# mentions), so the second scan is a lookup. One entry, swapped atomically.
_LAST_MATCH: tuple[tuple[str, dt.date | None, str | None], tuple[_Match, ...]] | None = None


def _match_all(text: str, ref: dt.date | None, lang: str | None) -> list[_Match]:
    global _LAST_MATCH
    key = (text, ref, lang)
    last = _LAST_MATCH
    if last is not None and last[0] == key:
        return list(last[1])
    found = _scan(text, ref, lang)
    _LAST_MATCH = (key, tuple(found))
    return found


def _scan(text: str, ref: dt.date | None, lang: str | None) -> list[_Match]:
    found: list[_Match] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if not free(s, e):
                continue
            res = _resolve(kind, m, text, ref, lang)
            if res is None:
                continue
            value, gran, relative, (s, e) = res
            if not free(s, e):
                continue
            taken.append((s, e))
            found.append(_Match(s, e, text[s:e], value, gran, relative))
    found.sort(key=lambda x: x.start)
    return found


def _resolve(
    kind: str, m: re.Match[str], text: str, ref: dt.date | None, lang: str | None
) -> tuple[dt.date | None, str, bool, tuple[int, int]] | None:
    span = m.span()
    g = m.groupdict()
    if kind == "iso":
        v = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        return (v, "day", False, span) if v else None
    if kind == "dmy_num":
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
        if a > 12 or lang != "en":
            v = _safe_date(y, b, a)
        else:
            v = _safe_date(y, a, b) if b <= 12 else _safe_date(y, b, a)
        return (v, "day", False, span) if v else None
    if kind in ("d_month_y", "month_d_y"):
        mon_name = _norm(g["mon"])
        # "may"/"mar"/"march" are also words: trust the lowercase forms only
        # next to a year, and the capitalised ones next to a day.
        if mon_name in ("may", "mar", "march", "jun", "dec") and not g["mon"][0].isupper():
            return None
        mon = MONTH_BY_NAME[mon_name]
        d = int(g["d"])
        if not 1 <= d <= 31:
            return None
        if g.get("y"):
            v = _safe_date(int(g["y"]), mon, d)
            return (v, "day", False, span) if v else None
        if ref is None:
            return (None, "day", True, span)
        return (_nearest_year(mon, d, ref), "day", True, span)
    if kind == "month_y":
        if g["mon"].lower() in ("may", "mar", "march") and not g["mon"][0].isupper():
            return None
        mon = MONTH_BY_NAME[_norm(g["mon"])]
        return (dt.date(int(g["y"]), mon, 1), "month", False, span)
    if kind == "month":
        name = g["mon"]
        if name.lower() in ("may", "mar", "march", "jan", "jun", "dec", "mai") or not name[0].isupper() and lang in ("en", "de"):
            return None
        mon = MONTH_BY_NAME[_norm(name)]
        span = m.span("mon")
        if ref is None:
            return (None, "month", True, span)
        cands = [dt.date(y, mon, 1) for y in (ref.year - 1, ref.year, ref.year + 1)]
        return (min(cands, key=lambda c: abs((c - ref).days)), "month", True, span)
    if kind == "weekday":
        name = g["wd"]
        if name.lower() == "domingo" and name[0].isupper() and lang not in ("es", "pt"):
            return None
        if ref is None:
            return (None, "day", True, span)
        wd = WEEKDAY_BY_NAME[_norm(name)]
        sentence = _sentence_around(text, span[0])
        if _FUTURE_CUES.search(sentence):
            delta = (wd - ref.weekday()) % 7 or 7
            return (ref + dt.timedelta(days=delta), "day", True, span)
        return (ref - dt.timedelta(days=(ref.weekday() - wd) % 7), "day", True, span)
    if kind == "offset":
        word = _norm(g["off"])
        if word in _DUTCH_ONLY and lang != "nl":
            return None
        if g["off"][0].isupper() and not _at_sentence_start(text, span[0]):
            return None  # part of a name: "Russia Today", "USA Today"
        if ref is None:
            return (None, "day", True, span)
        return (ref + dt.timedelta(days=_DAY_OFFSETS[word]), "day", True, span)
    if kind == "ago":
        raw = g.get("n") or g.get("n2") or g.get("n3") or g.get("n4") or "1"
        n = int(raw) if raw.isdigit() else _NUM_WORDS.get(raw.lower(), 1)
        unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or g.get("unit4") or "").lower()
        if ref is None:
            return (None, "year", True, span)
        if unit.startswith(("day", "tag", "jour", "día")):
            return (ref - dt.timedelta(days=n), "day", True, span)
        if unit.startswith(("week", "woch", "semaine", "semana")):
            return (ref - dt.timedelta(weeks=n), "week", True, span)
        if unit.startswith(("month", "monat", "mois", "mes")):
            return (_add_months(ref, -n), "month", True, span)
        return (dt.date(ref.year - n, 1, 1), "year", True, span)
    if kind == "last":
        which = (g.get("which") or g.get("de") or g.get("fr") or g.get("es") or "").lower()
        unit = (g.get("unit") or g.get("unitde") or g.get("unitfr") or g.get("unites") or "").lower()
        if ref is None:
            return (None, "year", True, span)
        step = 1 if which.startswith(("next", "näch", "proch", "próx")) else 0 if which == "this" else -1
        if unit in ("week", "woche", "semaine", "semana"):
            return (ref + dt.timedelta(weeks=step), "week", True, span)
        if unit in ("month", "monat", "mois", "mes"):
            return (_add_months(ref, step), "month", True, span)
        return (dt.date(ref.year + step, 1, 1), "year", True, span)
    if kind == "year":
        year_text = g.get("y") or g.get("y2") or "0"
        if g.get("y") and (g.get("prep") or "").lower() not in _YEAR_PREPS:
            return None
        span = m.span("y") if g.get("y") else m.span("y2")
        return (dt.date(int(year_text), 1, 1), "year", False, span)
    return None


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t\"'“‘«(")
    return not before or before[-1] in ".!?:\n"


def _sentence_around(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos), -1) + 1
    ends = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i != -1]
    return text[start : min(ends) if ends else len(text)]


def find_dates(
    text: str,
    published: dt.date | None = None,
    *,
    lang: str | None = None,
    sentences: Iterable[str] | None = None,
) -> list[DateMention]:
    """Date expressions in ``text``, resolved against ``published`` when given.

    Args:
        text: the article body.
        published: a known publication date (not an estimate) to resolve
            relative expressions against; None leaves them unresolved.
        lang: ISO 639-1 code, used to read ambiguous numeric dates.
        sentences: the body's sentences, to attach each mention to its sentence.

    Returns:
        One DateMention per expression, in text order.

    Example:
        >>> [m.value for m in find_dates("They met on Monday.", dt.date(2020, 1, 14))]
        [datetime.date(2020, 1, 13)]
    """
    sents = list(sentences) if sentences is not None else None
    out: list[DateMention] = []
    for m in _match_all(text, published, lang):
        sentence = ""
        if sents:
            sentence = next((s for s in sents if m.text in s), "")
        if not sentence:
            sentence = _sentence_around(text, m.start).strip()
        out.append(DateMention(m.text, m.value, m.granularity, sentence, m.relative))
    return out


_DATELINE_KINDS = ("iso", "dmy_num", "d_month_y", "month_d_y")


def parse_dateline(line: str, lang: str | None = None) -> dt.date | None:
    """The full calendar date printed on a short line ("Tuesday, 14 January, 2020 - 07:15").

    Returns None unless the line is short and holds a complete day-month-year date.
    """
    if len(line) > 160 or len(line.split()) > 18:
        return None
    for kind, pattern in _PATTERNS:
        if kind not in _DATELINE_KINDS:
            continue
        for m in pattern.finditer(line):
            res = _resolve(kind, m, line, None, lang)
            if res and res[0] is not None and not res[2]:
                return res[0]
    return None
