import datetime as dt

from storyline.enrich.claims import find_claims, hedge_cues
from storyline.enrich.dates import find_dates
from storyline.enrich.entities import entities_match, name_key
from storyline.enrich.language import detect_language
from storyline.enrich.places import gazetteer
from storyline.models import EntityType


def test_name_keys_across_spellings_and_scripts():
    assert name_key("Ali Mamluk") == name_key("Gen. Ali Mamlouk") == name_key("علي مملوك")
    assert name_key("Bashar Assad") == name_key("Bashar al-Assad")
    assert name_key("Hakan Fidan") == name_key("Хакан Фидан")
    assert name_key("Hakan Fidan") != name_key("Ali Mamluk")


def test_places_resolve_to_countries():
    g = gazetteer()
    expected = {"Moscow": "RU", "Damascus": "SY", "Idlib": "SY", "Hasakeh": "SY", "Jarabulus": "SY",
                "Ankara": "TR", "Moskau": "RU", "Москва": "RU", "دمشق": "SY"}
    assert {name: g.lookup(name).country for name in expected} == expected


def test_relative_dates_resolve_against_publication():
    pub = dt.date(2020, 1, 14)
    got = {m.text: m.value for m in find_dates("Moscow hosted on Monday a meeting. It was signed on September 2018.", pub)}
    assert got["Monday"] == dt.date(2020, 1, 13)
    assert got["September 2018"] == dt.date(2018, 9, 1)
    fr = {m.text: m.value for m in find_dates("Les ministres se sont réunis le 5 mai 2023 et hier.", dt.date(2023, 5, 6), lang="fr")}
    assert fr["5 mai 2023"] == dt.date(2023, 5, 5) and fr["hier"] == dt.date(2023, 5, 5)
    # without a publication date nothing relative is resolved
    assert all(m.value is None for m in find_dates("They met on Monday.", None))


def test_hedges_and_attribution():
    assert hedge_cues("Officials may meet in Moscow") == ["may"]
    assert hedge_cues("They met on May 3 in Moscow") == []
    assert "angeblich" in hedge_cues("Der Minister soll angeblich zurücktreten")
    attrs, stmts = find_claims(["Reuters reported that the two chiefs met.",
                                "Officials may meet next week, according to al-Hadath."])
    assert [a.source for a in attrs] == ["Reuters", "al-Hadath"]
    assert [s.hedged for s in stmts] == [False, True]


def test_language_detection_many_languages():
    samples = {
        "en": "The ministers met in the capital on Monday to discuss the budget.",
        "fr": "Les ministres se sont réunis lundi dans la capitale pour discuter du budget.",
        "es": "Los ministros se reunieron el lunes en la capital para discutir el presupuesto.",
        "de": "Die Minister trafen sich am Montag in der Hauptstadt, um den Haushalt zu besprechen.",
        "ru": "Министры встретились в понедельник в столице, чтобы обсудить бюджет.",
        "ar": "اجتمع الوزراء يوم الاثنين في العاصمة لمناقشة الميزانية.",
        "tr": "Bakanlar bütçeyi görüşmek için pazartesi günü başkentte bir araya geldi.",
        "pl": "Ministrowie spotkali się w poniedziałek w stolicy, aby omówić budżet.",
        "it": "I ministri si sono riuniti lunedì nella capitale per discutere il bilancio.",
        "zh": "部长们周一在首都开会讨论预算问题。",
    }
    assert {lang: detect_language(text)[0] for lang, text in samples.items()} == {k: k for k in samples}


def test_seed_pair_understood(seed_articles):
    asharq, southfront = seed_articles
    assert str(asharq.published.value) == "2020-01-14" and asharq.published.method.value == "text"
    assert southfront.published.is_estimate  # no printed date: an estimate, never a fact
    assert 2014 <= southfront.published.value.year <= 2016
    mondays = [d.value for d in asharq.dates if d.text == "Monday"]
    assert mondays and set(mondays) == {dt.date(2020, 1, 13)}
    people_a = {e.canonical: e for e in asharq.entities_of(EntityType.PERSON)}
    people_s = {e.canonical: e for e in southfront.entities_of(EntityType.PERSON)}
    assert entities_match(people_a["Ali Mamluk"], people_s["Ali Mamlouk"])
    assert entities_match(people_a["Bashar Assad"], people_s["Bashar al-Assad"])
    assert "Hakan Fidan" in people_a
    places = {e.canonical: e.country for e in asharq.entities + southfront.entities if e.type is EntityType.PLACE}
    for name, cc in {"Moscow": "RU", "Damascus": "SY", "Idlib": "SY", "Jarabulus": "SY", "Ankara": "TR"}.items():
        assert places[name] == cc
    assert any(a.source == "Reuters" for a in asharq.attributions)
    assert any(a.source == "al-Hadath newspaper" for a in southfront.attributions)
    assert any(s.hedged and "may" in s.cues and "Mamlouk" in s.text for s in southfront.statements)
    assert asharq.outlet == "Asharq Al-awsat" and southfront.outlet == "SouthFront"


def test_fast_ner_finds_names_and_places_without_a_model():
    from storyline.enrich.entities import find_entities, tag_entities

    text = "President Emmanuel Macron met Chancellor Olaf Scholz in Berlin on Monday, officials said."
    ents = find_entities(text, "en", spans=tag_entities(text, "en", fast=True))
    got = {(e.type.value, e.canonical) for e in ents}
    assert ("person", "Emmanuel Macron") in got and ("person", "Olaf Scholz") in got
    assert ("place", "Berlin") in got


def test_turkish_capital_dotted_i_month_names():
    # "NİSAN".lower() is "ni̇san" (with a combining dot): it crashed the matcher once
    got = [(m.text, m.value) for m in find_dates("12 NİSAN 2020 ve 3 HAZİRAN", dt.date(2020, 6, 10), lang="tr")]
    assert got == [("12 NİSAN 2020", dt.date(2020, 4, 12)), ("3 HAZİRAN", dt.date(2020, 6, 3))]
