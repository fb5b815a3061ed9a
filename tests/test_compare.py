"""Pair comparison: the seed pair as a person judges it, evidence, batch files, the model."""

from __future__ import annotations

import json

import pytest

from storyline.compare import (
    Dimension,
    _match_entities,
    compare_pairs_file,
    describe_score,
    iter_pair_rows,
)
from storyline.errors import InputError
from storyline.models import Entity, EntityType

from .conftest import ASHARQ, SOUTHFRONT


@pytest.fixture(scope="session")
def seed_comparison(seed_articles, comparator):
    a, b = seed_articles
    return comparator.compare(a, b)


def test_seed_pair_scores_as_a_person_would(seed_comparison):
    s = seed_comparison.scores
    assert set(s) == set(Dimension)
    assert all(1.0 <= v <= 4.0 for v in s.values())
    assert s[Dimension.GEOGRAPHY] <= 1.75  # Moscow, Syria, Turkey in both
    assert s[Dimension.ENTITIES] <= 2.25  # Ali Mamluk = Ali Mamlouk, Assad, ...
    assert s[Dimension.TIME] >= 2.75  # January 2020 vs September 2016
    assert 1.75 <= s[Dimension.NARRATIVE] <= 3.25  # the same kind of event, not the same event


def test_seed_pair_evidence_says_why_in_words(seed_comparison):
    ev = seed_comparison.evidence
    geo = ev[Dimension.GEOGRAPHY]
    assert "Moscow" in geo.summary and "Syria" in geo.summary
    assert "RU" in geo.details["countries_shared"] and "TR" in geo.details["countries_shared"]
    ent = ev[Dimension.ENTITIES]
    assert "Ali Mamluk = Ali Mamlouk" in ent.summary
    names = {(x["a"]["name"], x["b"]["name"]) for x in ent.details["shared"]}
    assert ("Ali Mamluk", "Ali Mamlouk") in names
    assert any(x["name"] == "Hakan Fidan" for x in ent.details["only_a"])
    time = ev[Dimension.TIME]
    assert "2020-01-14" in time.summary and "years apart" in time.summary
    assert time.details["published_gap_days"] > 3 * 365
    nar = ev[Dimension.NARRATIVE]
    assert nar.details["judgement"] == "same kind of event"
    assert "same kind of event, not the same event" in nar.summary
    # SouthFront says they *may* meet; Asharq Al-Awsat says they met
    contrasts = nar.details["hedged_vs_asserted"]
    assert contrasts and contrasts[0]["hedged_in"] == "b"
    assert "may" in contrasts[0]["cues"]
    for dim in Dimension:
        assert ev[dim].summary.startswith(dim.value)
    data = json.loads(json.dumps(seed_comparison.to_dict()))
    assert set(data["scores"]) == {d.value for d in Dimension}
    assert data["model"].startswith("compare-v")


def test_entities_match_across_spellings():
    a = [Entity("Ali Mamluk", EntityType.PERSON, ["Ali Mamluk"], 1, key="l mlk"),
         Entity("Hakan Fidan", EntityType.PERSON, ["Hakan Fidan"], 1, key="kn fdn")]
    b = [Entity("Ali Mamlouk", EntityType.PERSON, ["Ali Mamlouk"], 3, key="l mlk"),
         Entity("Ismail Hakki", EntityType.PERSON, ["Ismail Hakki"], 1, key="sml k")]
    shared, only_a, only_b = _match_entities(a, b)
    assert [(x.canonical, y.canonical) for x, y in shared] == [("Ali Mamluk", "Ali Mamlouk")]
    assert [e.canonical for e in only_a] == ["Hakan Fidan"]
    assert [e.canonical for e in only_b] == ["Ismail Hakki"]


def test_describe_score_follows_the_task_scale():
    assert describe_score(1.0) == "very similar"
    assert describe_score(4.0) == "very dissimilar"


def test_pair_rows_from_csv_and_jsonl_report_bad_rows(tmp_path):
    p = tmp_path / "pairs.jsonl"
    p.write_text('{"pair_id": "1", "text1": "a", "text2": "b"}\nnot json\n[1, 2]\n', encoding="utf-8")
    rows = list(iter_pair_rows(p))
    assert rows[0][1]["pair_id"] == "1"
    assert rows[1][1] is None and "bad JSON" in rows[1][2]
    assert rows[2][1] is None
    c = tmp_path / "pairs.csv"
    c.write_text('pair_id,text1,text2\n1,"x, y",z\n2,a,b,extra\n', encoding="utf-8")
    rows = list(iter_pair_rows(c))
    assert rows[0][1] == {"pair_id": "1", "text1": "x, y", "text2": "z"}
    assert rows[1][1] is None
    with pytest.raises(InputError):
        list(iter_pair_rows(tmp_path / "pairs.xml"))


def test_batch_compare_writes_scores_and_skips_bad_rows(tmp_path, comparator):
    a, b = ASHARQ.read_text(encoding="utf-8"), SOUTHFRONT.read_text(encoding="utf-8")
    src = tmp_path / "pairs.jsonl"
    rows = [
        {"pair_id": "seed", "text1": a, "text2": b, "lang1": "en", "lang2": "en"},
        {"pair_id": "empty", "text1": a, "text2": "   "},
        {"text1": a, "text2": b},
        {"pair_id": "seed-again", "text1": b, "text2": a},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    report = compare_pairs_file(src, out)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["pair_id"] for x in lines] == ["seed", "seed-again"]
    assert set(lines[0]) == {"pair_id", *(d.value for d in Dimension)}
    # the features are symmetric, so the order of the two texts does not matter
    for d in Dimension:
        assert lines[0][d.value] == pytest.approx(lines[1][d.value], abs=1e-6)
    reasons = dict(report.skipped)
    assert report.written == 2 and len(report.skipped) == 3
    assert any("text2" in r for r in reasons.values())
    assert any("pair_id" in r for r in reasons.values())
    assert any("bad JSON" in r for r in reasons.values())


def test_shipped_model_manifest_records_its_data_and_features():
    from storyline.compare import MODEL_DIR, MODEL_NAME, CompareModel

    model = CompareModel.load()
    m = model.manifest
    assert m["version"].startswith("compare-v")
    assert len(m["training_data_sha256"]) >= 2
    assert all(len(h) == 64 for h in m["training_data_sha256"].values())
    assert m["features"] == model.features
    assert set(m["embedding_specs"]) == {"usem3", "e5"}
    assert m["cv"]["Overall"]["all"] > 0.5
    total = sum(p.stat().st_size for p in MODEL_DIR.glob(f"{MODEL_NAME}*"))
    assert total < 5_000_000


def test_source_features_read_site_and_section_from_urls():
    from storyline.compare import _site, source_features

    same = source_features("https://www.bbc.co.uk/news/world-1", "https://bbc.co.uk/news/uk-2")
    assert same == {"src_same_host": 1.0, "src_same_site": 1.0, "src_same_section": 1.0}
    sub = source_features("https://sport.example.com/a/b", "https://www.example.com/a/c")
    assert sub == {"src_same_host": 0.0, "src_same_site": 1.0, "src_same_section": 0.0}
    other = source_features("https://a.com/x/1", "https://b.org/x/1")
    assert other["src_same_host"] == 0.0 and other["src_same_site"] == 0.0
    assert _site("news.bbc.co.uk") == "bbc.co.uk" and _site("www.haberler.com") == "haberler.com"
    # without both URLs the features are unknown, not "different"
    assert all(v != v for v in source_features(None, "https://a.com/x").values())


def test_urls_in_a_pair_file_reach_the_evidence(tmp_path, comparator):
    from storyline.compare import compare_texts

    a, b = ASHARQ.read_text(encoding="utf-8"), SOUTHFRONT.read_text(encoding="utf-8")
    r = compare_texts(a, b, url_a="https://english.aawsat.com/home/article/2080596",
                      url_b="https://southfront.org/2016/09/06/syria-turkey-talks/")
    style = r.evidence[Dimension.STYLE]
    assert "Different sites: english.aawsat.com and southfront.org" in style.summary
    # the date in B's URL is its publication date, found by the pipeline
    time = r.evidence[Dimension.TIME].details
    assert "2016-09-06" in json.dumps(time, default=str)


def test_training_rows_carry_urls_and_masking_hides_some():
    import numpy as np

    from storyline.train import load_dev_pairs, mask_source_features
    from tests.conftest import DATASETS

    pairs = load_dev_pairs(DATASETS)
    assert all(p.url1.startswith("http") and p.url2.startswith("http") for p in pairs)
    x = np.ones((1000, 3))
    mask_source_features(x, ["a", "src_same_host", "src_same_site"], seed=3)
    hidden = np.isnan(x[:, 1])
    assert 0.2 < hidden.mean() < 0.4
    assert (np.isnan(x[:, 2]) == hidden).all() and not np.isnan(x[:, 0]).any()
