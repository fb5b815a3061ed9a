"""Parallel ingest (worker processes) and the bulk-ingest profile (``--fast``)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from storyline.config import Settings
from storyline.store import Store, ingest_paths

from .conftest import ROOT
from .test_store import _env, _ingest_killed_after, _write_corpus


def _corpus(folder: Path, n: int) -> list[str]:
    """n real news texts, an empty file, a binary file and a JSONL file with a bad line."""
    names = _write_corpus(folder, n)
    (folder / "zz-binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    (folder / "zz-lines.jsonl").write_text(
        json.dumps({"id": "j1", "text": "Officials in Berlin said on Tuesday that talks would resume. " * 4})
        + "\n{not json\n",
        encoding="utf-8",
    )
    return names


def _dump(db: Path) -> dict[str, Any]:
    """Everything an ingest writes, in a comparable form (timestamps left out)."""
    with sqlite3.connect(db) as c:
        return {
            "articles": c.execute(
                "SELECT id, title, story_id, dup_group, source, data FROM articles ORDER BY id").fetchall(),
            "text": c.execute("SELECT title, body FROM article_text ORDER BY rowid").fetchall(),
            "vectors": c.execute("SELECT article_id, view, spec, data FROM vectors ORDER BY article_id").fetchall(),
            "minhash": c.execute("SELECT article_id, spec, data FROM minhash ORDER BY article_id").fetchall(),
            "features": c.execute("SELECT article_id, data FROM cluster_features ORDER BY article_id").fetchall(),
            "stories": c.execute("SELECT id, storyline_id, label, merged_into FROM stories ORDER BY id").fetchall(),
            "failures": c.execute("SELECT source, stage, reason FROM failures ORDER BY source").fetchall(),
            "progress": c.execute(
                "SELECT record_key, status, article_id FROM ingest_progress ORDER BY record_key").fetchall(),
        }


def test_parallel_ingest_writes_exactly_what_the_serial_one_writes(tmp_path: Path) -> None:
    _corpus(tmp_path / "in", 10)
    reports = {}
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.db") as s:
            reports[workers] = ingest_paths(s, [tmp_path / "in"], batch_size=3, workers=workers)
    one, two = reports[1], reports[2]
    assert (two.added, two.failed, two.records) == (one.added, one.failed, one.records)
    assert two.added == 11 and two.failed == 3  # empty file, binary file, bad JSON line
    a, b = _dump(tmp_path / "w1.db"), _dump(tmp_path / "w2.db")
    assert a["articles"] and a["failures"]
    for table in a:
        assert a[table] == b[table], table
    # each failure names its input
    assert {Path(src).name.split("#")[0].split(":")[0] for src, *_ in b["failures"]} >= {
        "zz-empty.txt", "zz-binary.txt"}


def test_parallel_ingest_resumes_and_skips_what_is_done(tmp_path: Path) -> None:
    names = _corpus(tmp_path / "in", 6)
    with Store(tmp_path / "s.db") as s:
        first = ingest_paths(s, [tmp_path / "in"], batch_size=2, workers=2)
        again = ingest_paths(s, [tmp_path / "in"], batch_size=2, workers=2)
        assert first.added == len(names) + 1
        assert again.added == 0 and again.skipped == first.records
        assert s.count_articles() == len(names) + 1


def test_bulk_profile_changes_only_ner_and_embedding_place() -> None:
    base = Settings()
    bulk = base.bulk()
    assert (bulk.ner_fast, bulk.parallel_embedding) == (True, True)
    assert bulk.ingest_workers >= 2
    changed = {k for k in base.__dataclass_fields__ if getattr(base, k) != getattr(bulk, k)}
    assert changed == {"ner_fast", "ingest_workers", "parallel_embedding"}


def test_fast_ingest_stores_every_article_with_entities_and_near_identical_vectors(tmp_path: Path) -> None:
    names = _corpus(tmp_path / "in", 8)
    fast = Settings().bulk()
    with Store(tmp_path / "fast.db") as s:
        rep = ingest_paths(s, [tmp_path / "in"], fast, batch_size=4)
        assert (rep.added, rep.failed) == (len(names) + 1, 3)
        assert all(a.entities for a in s.iter_articles() if a.id != "j1")
        assert all(r["story_id"] for r in s.article_rows())
    # the same settings with the embedding in the writing process
    with Store(tmp_path / "ref.db") as s:
        ingest_paths(s, [tmp_path / "in"], Settings(ner_fast=True), batch_size=4, workers=1)
    a, b = _dump(tmp_path / "fast.db"), _dump(tmp_path / "ref.db")
    assert [r[:1] + r[4:] for r in a["articles"]] == [r[:1] + r[4:] for r in b["articles"]]
    assert a["features"] == b["features"] and a["minhash"] == b["minhash"]
    va = np.stack([np.frombuffer(r[3], np.float32) for r in a["vectors"]])
    vb = np.stack([np.frombuffer(r[3], np.float32) for r in b["vectors"]])
    assert np.abs(va - vb).max() < 1e-5


def test_cli_fast_and_workers_options(tmp_path: Path) -> None:
    _corpus(tmp_path / "in", 3)
    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "storyline", "ingest", str(tmp_path / "in"), "--db", str(db),
                          "--fast", "--workers", "2", "--json"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr  # 1: some records failed, the rest went through
    report = json.loads(out.stdout)
    assert (report["added"], report["failed"]) == (4, 3)
    with Store(db) as s:
        assert s.count_articles() == 4 and len(s.failures()) == 3


@pytest.mark.slow  # two ingest runs with worker processes: ~1 min
def test_parallel_ingest_killed_half_way_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    names = _write_corpus(tmp_path / "in", 40)
    db = tmp_path / "s.db"
    cmd = _ingest_killed_after(3, tmp_path / "in", db, "--workers", "2")
    rerun = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 1, rerun.stderr  # the empty file failed, the rest went through
    with Store(db) as s:
        ids = s.article_ids()
        assert len(ids) == len(set(ids)) == len(names)
        assert s._conn.execute("SELECT count(*) FROM ingest_progress").fetchone()[0] == len(names) + 1
        assert s._conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == len(names)
        assert len(s.failures()) == 1
