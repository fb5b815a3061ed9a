"""The embedded store: migrations, round trips, idempotent upserts, search, failures,
stories, resumable ingest (including a SIGKILL half-way)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.errors import NotFound, StoreError
from storyline.models import (
    Article,
    Attribution,
    DateMention,
    DateMethod,
    Entity,
    EntityType,
    Failure,
    PublicationDate,
    Source,
    Statement,
)
from storyline.store import Migrations, Store
from storyline.store.migrations import STORE_MIGRATIONS

from .conftest import DATASETS, ROOT


def _article(aid: str = "a1", title: str = "Talks in Moscow", body: str = "Officials met in Moscow on Monday.",
             **kw: object) -> Article:
    return Article(id=aid, source=Source("x.txt", "line 1"), title=title, body=body, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- migrations


def test_migrations_apply_once_and_in_order() -> None:
    m = Migrations("t")
    calls = []

    @m()
    def m001(conn: sqlite3.Connection) -> None:
        calls.append("m001")
        conn.execute("CREATE TABLE a (x)")

    @m(name="second")
    def m002(conn: sqlite3.Connection) -> None:
        calls.append("m002")
        conn.execute("CREATE TABLE b (x)")

    conn = sqlite3.connect(":memory:", isolation_level=None)
    assert m.apply(conn) == ["m001", "second"]
    assert m.apply(conn) == []
    assert calls == ["m001", "m002"]


def test_failing_migration_leaves_nothing_behind() -> None:
    m = Migrations("t")

    @m()
    def m001(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE a (x)")
        raise RuntimeError("boom")

    conn = sqlite3.connect(":memory:", isolation_level=None)
    with pytest.raises(RuntimeError):
        m.apply(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "a" not in tables
    assert m.pending(conn)[0].name == "m001"


def test_duplicate_migration_name_is_refused() -> None:
    m = Migrations("t")
    m()(lambda conn: None)
    with pytest.raises(ValueError):
        m(name="<lambda>")(lambda conn: None)


def test_store_file_is_wal_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as s:
        s.add_article(_article())
    with Store(path) as s:
        assert s.count_articles() == 1
        assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert not STORE_MIGRATIONS.pending(s._conn)


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(bad)


# --------------------------------------------------------------------------- articles

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_date = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
_entity = st.builds(
    Entity, canonical=_text, type=st.sampled_from(list(EntityType)), variants=st.lists(_text, max_size=3),
    mentions=st.integers(1, 9), country=st.none() | st.sampled_from(["SY", "TR", "RU"]), key=_text,
)
_articles = st.builds(
    Article,
    id=st.text(min_size=1, max_size=20),
    source=st.builds(Source, path=_text, locator=st.none() | _text),
    title=_text,
    body=_text,
    url=st.none() | _text,
    outlet=st.none() | _text,
    published=st.builds(PublicationDate, value=st.none() | _date, method=st.sampled_from(list(DateMethod)),
                        evidence=_text, earliest=st.none() | _date, latest=st.none() | _date),
    language=st.none() | st.sampled_from(["en", "de", "ar"]),
    sentences=st.lists(_text, max_size=4),
    entities=st.lists(_entity, max_size=4),
    countries=st.dictionaries(st.sampled_from(["SY", "TR", "RU"]), st.integers(1, 5)),
    dates=st.lists(st.builds(DateMention, text=_text, value=st.none() | _date,
                             granularity=st.sampled_from(["day", "month", "year"]), sentence=_text,
                             relative=st.booleans()), max_size=3),
    attributions=st.lists(st.builds(Attribution, source=_text, cue=_text, sentence=_text), max_size=2),
    statements=st.lists(st.builds(Statement, text=_text, hedged=st.booleans(), cues=st.lists(_text, max_size=2),
                                  source=st.none() | _text), max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(article=_articles)
def test_article_round_trips_through_the_store(article: Article) -> None:
    with Store(":memory:") as s:
        assert s.add_article(article) is True
        assert s.get_article(article.id) == article
        assert s.add_article(article) is False  # idempotent
        assert s.count_articles() == 1


def test_readding_changes_nothing() -> None:
    with Store(":memory:") as s:
        a = _article()
        assert s.add_article(a, story_id="s-1")
        changed = _article(title="Another title")
        assert s.add_article(changed, story_id="s-2") is False
        assert s.get_article("a1").title == "Talks in Moscow"
        assert s.article_rows()[0]["story_id"] == "s-1"
        assert s.search_text("another") == []


def test_get_missing_article_is_not_found() -> None:
    with Store(":memory:") as s, pytest.raises(NotFound):
        s.get_article("nope")


def test_full_text_search_ranks_and_tolerates_syntax() -> None:
    with Store(":memory:") as s:
        s.add_article(_article("a1", "Syrian and Turkish officials may meet", "Ali Mamlouk and Hakan Fidan."))
        s.add_article(_article("a2", "Ferry delays in Hamburg", "The shipyard admits the delay."))
        s.add_article(_article("a3", "Meeting held in Moscow", "Mamlouk met Fidan in Moscow."))
        hits = s.search_text("Mamlouk Moscow")
        assert [h.article_id for h in hits][:1] == ["a3"]  # both words beat one
        assert {h.article_id for h in hits} == {"a1", "a3"}
        assert "[" in hits[0].snippet
        assert s.search_text('zebra* NEAR( "unicorn') == []  # FTS syntax is treated as words
        assert [h.article_id for h in s.search_text('"hamburg* (')] == ["a2"]
        assert s.search_text("   ") == []


def test_vectors_round_trip_and_refuse_mixed_models() -> None:
    with Store(":memory:") as s:
        v = np.arange(4, dtype=np.float32)
        s.add_article(_article("a1"), vectors={"lead": ("m@1/4", v)}, signature=("mh", np.arange(8, dtype=np.uint64)))
        s.add_article(_article("a2"), vectors={"lead": ("m@1/4", v * 2)})
        ids, arr, spec = s.load_vectors("lead")
        assert ids == ["a1", "a2"] and spec == "m@1/4"
        assert np.array_equal(arr[1], v * 2)
        assert [(a, list(h)) for a, _s, h in s.load_signatures()] == [("a1", list(range(8)))]
        with pytest.raises(StoreError):
            s.search_vectors(v, "lead", "other@2/4")
        s.add_article(_article("a3"), vectors={"lead": ("other@2/4", v)})
        with pytest.raises(StoreError):
            s.load_vectors("lead")


def test_failures_are_kept_with_reason_and_counted() -> None:
    with Store(":memory:") as s:
        f = Failure(Source("bad.html"), "extract", "no article text found")
        s.record_failure(f)
        s.record_failure(f)
        rows = s.failures()
        assert len(rows) == 1
        assert rows[0].reason == "no article text found" and rows[0].count == 2


def test_stories_merge_resolve_and_list() -> None:
    with Store(":memory:") as s:
        s.add_article(_article("a1", outlet="A", language="en",
                               published=PublicationDate(dt.date(2020, 1, 1), DateMethod.TEXT)),
                      story_id="s-1", dup_group="a1")
        s.add_article(_article("a2", outlet="B", language="de",
                               published=PublicationDate(dt.date(2020, 1, 3), DateMethod.TEXT)),
                      story_id="s-2", dup_group="a1")
        s.save_story("s-1", "l-1", label="first")
        s.save_story("s-2", "l-2")
        assert s.count_stories() == 2
        s.merge_story("s-2", "s-1")
        s.merge_storyline("l-2", "l-1")
        assert s.resolve_story("s-2") == "s-1"
        assert s.story_article_ids("s-2") == ["a1", "a2"]
        [summary] = s.list_stories()
        assert (summary.id, summary.first_date, summary.last_date) == ("s-1", "2020-01-01", "2020-01-03")
        assert (summary.n_articles, summary.n_outlets, summary.n_copies) == (2, 2, 1)
        assert summary.languages == ["de", "en"] and summary.label == "first"
        with pytest.raises(NotFound):
            s.resolve_story("s-9")
        with pytest.raises(NotFound):
            s.storyline_story_ids("l-9")


def test_story_dates_known_only_from_estimates_are_marked() -> None:
    def dated(aid: str, day: int, method: DateMethod) -> Article:
        return _article(aid, published=PublicationDate(dt.date(2020, 1, day), method))

    with Store(":memory:") as s:
        # story 1: an estimate earlier than every stated date, a stated last date
        s.add_article(dated("a1", 1, DateMethod.ESTIMATE), story_id="s-1")
        s.add_article(dated("a2", 5, DateMethod.TEXT), story_id="s-1")
        # story 2: a stated date and an estimate on the same day: stated wins
        s.add_article(dated("b1", 9, DateMethod.ESTIMATE), story_id="s-2")
        s.add_article(dated("b2", 9, DateMethod.URL), story_id="s-2")
        # story 3: estimates only
        s.add_article(dated("c1", 2, DateMethod.ESTIMATE), story_id="s-3")
        s.add_article(dated("c2", 7, DateMethod.ESTIMATE), story_id="s-3")
        for sid in ("s-1", "s-2", "s-3"):
            s.save_story(sid, "l-" + sid)
        flags = {x.id: (x.first_date_estimated, x.last_date_estimated) for x in s.list_stories()}
        assert flags == {"s-1": (True, False), "s-2": (False, False), "s-3": (True, True)}
        assert s.list_stories()[0].to_dict()["first_date_estimated"] is False  # s-2, newest


def test_transaction_rolls_back_on_error() -> None:
    with Store(":memory:") as s:
        with pytest.raises(RuntimeError), s.transaction():
            s.add_article(_article("a1"))
            raise RuntimeError("boom")
        assert s.count_articles() == 0
        assert s.search_text("moscow") == []


# --------------------------------------------------------------------------- ingest


def _write_corpus(folder: Path, n: int) -> list[str]:
    """n real English news texts (ECB+ documents), one file each, and one empty file."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    with gzip.open(DATASETS / "ecbplus" / "ecbplus_dev_docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if len(doc["text"]) < 600:
                continue
            (folder / f"{doc['doc_name']}.txt").write_text(doc["text"], encoding="utf-8")
            names.append(doc["doc_name"])
            if len(names) == n:
                break
    (folder / "zz-empty.txt").write_text("", encoding="utf-8")
    return names


def test_ingest_twice_changes_nothing_and_keeps_failures(tmp_path: Path) -> None:
    from storyline.store import ingest_paths

    _write_corpus(tmp_path / "in", 4)
    with Store(tmp_path / "s.db") as s:
        first = ingest_paths(s, [tmp_path / "in"], batch_size=2)
        assert (first.added, first.failed) == (4, 1)
        snapshot = s._conn.execute("SELECT id, story_id, dup_group FROM articles ORDER BY id").fetchall()
        second = ingest_paths(s, [tmp_path / "in"])
        assert second.added == 0 and second.skipped == 5
        assert s._conn.execute("SELECT id, story_id, dup_group FROM articles ORDER BY id").fetchall() == snapshot
        [fail] = s.failures()
        assert fail.source.endswith("zz-empty.txt") and fail.reason
    # a copy of the same files elsewhere: same article ids, nothing added
    _write_corpus(tmp_path / "copy", 4)
    with Store(tmp_path / "s.db") as s:
        third = ingest_paths(s, [tmp_path / "copy"])
        assert third.added == 0 and third.existing == 4
        assert s.count_articles() == 4


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _ingest_killed_after(n_done: int, folder: Path, db: Path, *extra: str) -> list[str]:
    """Run ``storyline ingest folder`` (one record a batch) in a subprocess and SIGKILL it
    once ``n_done`` records are recorded as done, before it finishes; returns the command
    so the caller can run it again."""
    cmd = [sys.executable, "-m", "storyline", "ingest", str(folder), "--db", str(db),
           "--batch-size", "1", *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=1) as conn:
                        done = conn.execute("SELECT count(*) FROM ingest_progress").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0  # schema not created yet
            if done >= n_done:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    n_records = sum(1 for f in folder.iterdir() if f.is_file())
    assert n_done <= done < n_records, "the ingest was not caught half-way"
    return cmd


@pytest.mark.slow  # two processes each loading the models: ~30-60 s
def test_ingest_killed_half_way_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    names = _write_corpus(tmp_path / "in", 14)
    db = tmp_path / "s.db"
    cmd = _ingest_killed_after(3, tmp_path / "in", db)
    with Store(db) as s:
        kept = s.count_articles()
        assert 3 <= kept < len(names)
    rerun = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 1, rerun.stderr  # 1: the empty file failed, the rest went through
    with Store(db) as s:
        ids = s.article_ids()
        assert len(ids) == len(set(ids)) == len(names)  # every article, once
        sources = {Path(r[0]).stem for r in s._conn.execute("SELECT source FROM articles")}
        assert sources == set(names)
        assert s._conn.execute("SELECT count(*) FROM ingest_progress").fetchone()[0] == len(names) + 1
        assert s._conn.execute("SELECT count(*) FROM article_text").fetchone()[0] == len(names)
        assert s._conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == len(names)
        rows = s.article_rows()
        assert all(r["story_id"] for r in rows)
        assert all(s.resolve_story(r["story_id"]) for r in rows)
        assert len(s.failures()) == 1
        assert s.search_text(names and "the")  # the FTS index was rebuilt for every article
        # the rerun's consolidation looked at every article, the killed run's too
        assert s.get_meta("consolidated_through") == str(s.last_article_rowid())
