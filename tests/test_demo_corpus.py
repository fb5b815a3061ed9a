"""The bundled demo corpus (storyline/data/demo/) against its gold labels (GOLD.json)."""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import json
import re
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "storyline" / "data" / "demo"
SEED_PAIR = ROOT.parent / "shared" / "examples" / "seed-pair"
NOISE_MAX_STORIES = 1

_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_WORD = re.compile(r"\w+")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def _visible(markup: str) -> str:
    """Crude visible text of an HTML page: enough for word counts and overlaps."""
    return html.unescape(_TAGS.sub("\n", markup))


def _load_items() -> dict[str, dict[str, str]]:
    """Every article in the folder, keyed as in GOLD.json, with its raw and visible text."""
    items: dict[str, dict[str, str]] = {}
    for path in sorted(DEMO.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(DEMO).as_posix()
        name = path.name
        if name.endswith(".txt"):
            raw = path.read_text(encoding="utf-8")
            items[rel] = {"raw": raw, "text": raw, "kind": "txt"}
        elif name.endswith(".html"):
            raw = path.read_text(encoding="utf-8")
            items[rel] = {"raw": raw, "text": _visible(raw), "kind": "html"}
        elif name.endswith(".jsonl"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if obj.get("html"):
                    raw, text = obj["html"], _visible(obj["html"])
                else:
                    raw = text = obj["text"]
                items[f"{rel}#line {n}"] = {"raw": raw, "text": text, "kind": "jsonl", **{
                    k: str(obj[k]) for k in ("url", "title", "date", "outlet", "lang", "id") if k in obj
                }}
        elif name.endswith(".warc.gz"):
            with path.open("rb") as fh:
                for n, rec in enumerate(ArchiveIterator(fh), start=1):
                    if rec.rec_type != "response":
                        continue
                    raw = rec.content_stream().read().decode("utf-8")
                    items[f"{rel}#record {n}"] = {"raw": raw, "text": _visible(raw), "kind": "warc"}
    return items


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads((DEMO / "GOLD.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items() -> dict[str, dict[str, str]]:
    return _load_items()


def test_gold_and_folder_list_the_same_articles(gold: dict, items: dict) -> None:
    assert set(gold["articles"]) == set(items)
    data_files = {
        p.relative_to(DEMO).as_posix()
        for p in DEMO.rglob("*")
        if p.is_file() and p.name not in {"GOLD.json", "README.md"}
    }
    assert data_files == {key.split("#")[0] for key in items}


def test_gold_keys_match_ingest_locators(gold: dict) -> None:
    from storyline.ingest import iter_records
    from storyline.models import Failure

    keys = set()
    for rec in iter_records([DEMO]):
        assert not isinstance(rec, Failure), rec
        rel = Path(rec.source.path).resolve().relative_to(DEMO.resolve()).as_posix()
        loc = rec.source.locator
        keys.add(f"{rel}#{' '.join(loc.split()[:2])}" if loc else rel)
    assert keys == set(gold["articles"])


def test_corpus_size_languages_outlets_years(gold: dict) -> None:
    arts = gold["articles"].values()
    assert 36 <= len(gold["articles"]) <= 48
    langs = Counter(a["lang"] for a in arts)
    assert {"en", "de", "fr", "es"} <= set(langs)
    assert len({a["outlet_slug"] for a in arts}) >= 5
    assert len({a["true_date"][:4] for a in arts}) >= 5
    assert all(a["outlet_slug"] in gold["outlets"] for a in arts)
    assert all(gold["outlets"][a["outlet_slug"]]["name"] == a["outlet"] for a in arts)


def test_article_lengths(items: dict) -> None:
    for key, item in items.items():
        n = len(_WORD.findall(item["text"]))
        # the page around the article adds boilerplate, hence the looser upper bound
        assert 150 <= n <= 750, (key, n)


def test_printed_dates_match_file_names(gold: dict, items: dict) -> None:
    for key, art in gold["articles"].items():
        name = key.split("#")[0].rsplit("/", 1)[-1]
        match = _DATED_NAME.match(name)
        if "#" not in key:
            if match:
                assert art["published"] == match.group(1), key
            else:
                assert name.startswith("undated-") and art["published"] is None, key
        assert art["date_printed"] == (art["published"] is not None)
        if art["published"]:
            dt.date.fromisoformat(art["published"])
            assert art["published"] == art["true_date"], key
        if items[key]["kind"] == "jsonl":
            assert items[key]["date"][:10] == art["published"]
            assert items[key]["lang"] == art["lang"]
            assert items[key]["outlet"] in {art["outlet"], "Agence continentale de presse"}
    undated = [k for k, a in gold["articles"].items() if a["published"] is None]
    assert len(undated) >= 2


def test_story_structure(gold: dict) -> None:
    arts, stories, lines = gold["articles"], gold["stories"], gold["storylines"]
    by_story: dict[str, list[str]] = defaultdict(list)
    for key, art in arts.items():
        assert stories[art["story"]]["storyline"] == art["storyline"], key
        by_story[art["story"]].append(key)
    assert set(by_story) == set(stories)
    assert all(1 <= len(keys) <= 6 for keys in by_story.values())
    for line_id, line in lines.items():
        assert all(stories[s]["storyline"] == line_id for s in line["stories"])
        if len(line["stories"]) == NOISE_MAX_STORIES:
            assert len(by_story[line["stories"][0]]) == 1, line_id  # noise: a single article
    real = [l for l in lines.values() if len(l["stories"]) > 1]
    singles = [l for l in lines.values() if len(l["stories"]) == 1]
    assert len(real) >= 4 and 4 <= len(singles) <= 6
    cross_lingual = [s for s, keys in by_story.items() if len({arts[k]["lang"] for k in keys}) >= 2]
    assert len(cross_lingual) >= 2


def test_rumour_confirmed_and_claim_denied(gold: dict) -> None:
    arts, stories = gold["articles"], gold["stories"]
    for relation, inverse in (("confirms", "confirmed_by"), ("denies", "denied_by")):
        pairs = [(s, v[relation]) for s, v in stories.items() if relation in v]
        assert pairs, relation
        for later, earlier in pairs:
            assert stories[earlier][inverse] == later
            assert stories[earlier]["storyline"] == stories[later]["storyline"]
            assert stories[earlier]["event_date"] < stories[later]["event_date"]
    rumour = next(v["confirms"] for v in stories.values() if "confirms" in v)
    assert all(a["hedged"] for a in arts.values() if a["story"] == rumour)
    claim = next(v["denies"] for v in stories.values() if "denies" in v)
    assert any(not a["hedged"] for a in arts.values() if a["story"] == claim)


def test_same_kind_different_events_are_separate(gold: dict) -> None:
    stories = gold["stories"]
    pairs = [(s, v["same_kind_not_same_story"]) for s, v in stories.items() if "same_kind_not_same_story" in v]
    assert pairs
    for a, b in pairs:
        assert stories[a]["kind"] == stories[b]["kind"]
        assert stories[a]["storyline"] != stories[b]["storyline"]
        assert stories[a]["event_date"][:4] != stories[b]["event_date"][:4]


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_wire_copies_are_near_verbatim(gold: dict, items: dict) -> None:
    arts = gold["articles"]
    copies = {k: a["wire_copy_of"] for k, a in arts.items() if a["wire_copy_of"]}
    assert len({arts[orig]["story"] for orig in copies.values()}) >= 2
    for copy, orig in copies.items():
        assert arts[copy]["story"] == arts[orig]["story"]
        assert arts[copy]["outlet_slug"] != arts[orig]["outlet_slug"]
        source = _shingles(items[orig]["text"], 8)
        carried = _shingles(items[copy]["text"], 8)
        share = len(source & carried) / len(source)
        assert share >= 0.6, (copy, share)
        assert _shingles(items[copy]["text"], 8) - source, copy  # edited, not identical
    # an independent report of the same story is not a copy
    for key, art in arts.items():
        if art["wire_copy_of"] is None and art["story"] in {arts[o]["story"] for o in copies.values()}:
            originals = {o for o in copies.values() if arts[o]["story"] == art["story"]}
            if key in originals:
                continue
            for orig in originals:
                share = len(_shingles(items[orig]["text"], 8) & _shingles(items[key]["text"], 8))
                assert share / len(_shingles(items[orig]["text"], 8)) < 0.3, (key, orig)


def test_boilerplate_repeats_within_each_outlet(gold: dict, items: dict) -> None:
    pages: dict[str, list[dict[str, str]]] = defaultdict(list)
    for key, art in gold["articles"].items():
        pages[art["outlet_slug"]].append(items[key])
    for slug, outlet in gold["outlets"].items():
        if not outlet["boilerplate"]:
            continue
        assert len(outlet["boilerplate"]) >= 3, slug
        for line in outlet["boilerplate"]:
            found = 0
            for page in pages[slug]:
                if page["kind"] == "txt":
                    found += line in {l.strip() for l in page["raw"].splitlines()}
                else:
                    found += line in " ".join(page["text"].split())
            assert found >= 2, (slug, line, found)


def test_text_scrapes_print_the_title_twice(items: dict) -> None:
    for key, item in items.items():
        if item["kind"] != "txt":
            continue
        head = [l.strip() for l in item["raw"].splitlines()[:10] if len(l.strip()) > 25]
        assert any(head.count(l) >= 2 for l in head), key


def test_no_text_shared_with_the_seed_pair(items: dict) -> None:
    if not SEED_PAIR.is_dir():
        pytest.skip("seed-pair examples not found next to the project")
    seed: set[tuple[str, ...]] = set()
    for path in SEED_PAIR.glob("*.txt"):
        seed |= _shingles(path.read_text(encoding="utf-8"), 12)
    assert seed
    for key, item in items.items():
        assert not (_shingles(item["text"], 12) & seed), key


def test_warc_is_rebuilt_byte_identical(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_demo_warc", ROOT / "tools" / "make_demo_warc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.build_warc(tmp_path / "demo.warc.gz")
    assert out.read_bytes() == (DEMO / "crawl" / "2024-02-crawl.warc.gz").read_bytes()


def test_package_data_ships_the_demo() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/**/*" in config["tool"]["setuptools"]["package-data"]["storyline"]
