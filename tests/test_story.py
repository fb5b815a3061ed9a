"""Timelines: order, first report, copies, developments, firmness, disagreements;
and the store-backed story / storyline views and CLI commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline.errors import NotFound
from storyline.models import (
    Article,
    DateMention,
    DateMethod,
    Entity,
    EntityType,
    PublicationDate,
    Source,
    Statement,
)
from storyline.story import Firmness, build_storyline, build_timeline, firmness, timeline_of


def _art(aid: str, outlet: str, day: int | None, statements: list[Statement],
         entities: list[Entity] = (), dates: list[DateMention] = ()) -> Article:  # type: ignore[assignment]
    pub = PublicationDate(dt.date(2021, 6, day), DateMethod.TEXT) if day else PublicationDate(None, DateMethod.UNKNOWN)
    return Article(id=aid, source=Source(f"{aid}.txt"), title=f"title {aid}", body="body", outlet=outlet,
                   published=pub, language="en", entities=list(entities), dates=list(dates),
                   statements=statements)


MAIER = Entity("Jürgen Maier", EntityType.PERSON, ["Jürgen Maier", "Jurgen Maier"], 3, key="jrgn mr")
KESSLER = Entity("Kessler Werft", EntityType.ORG, ["Kessler Werft"], 2, key="kslr vrft")
HAMBURG = Entity("Hamburg", EntityType.PLACE, ["Hamburg"], 1, country="DE", key="hmbrg")


def test_firmness() -> None:
    assert firmness(Statement("Maier resigned on Monday.", False)) is Firmness.ASSERTED
    assert firmness(Statement("Maier may step down.", True, ["may"])) is Firmness.HEDGED
    assert firmness(Statement("Steht Maier vor dem Aus?", False)) is Firmness.HEDGED
    assert firmness(Statement("The company denied the report.", False, ["denial:denied"])) is Firmness.DENIED
    assert firmness(Statement("Valorin a démenti toute fermeture.", False)) is Firmness.DENIED


def test_timeline_orders_folds_copies_and_marks_developments() -> None:
    rumour = _art("r", "Hafenblatt", 15, [Statement("Jurgen Maier may step down at Kessler Werft.", True, ["may"])],
                  [MAIER, KESSLER])
    rumour_copy = _art("rc", "Meridian Post", 16,
                       [Statement("Jurgen Maier may step down at Kessler Werft.", True, ["may"])], [MAIER, KESSLER])
    same_again = _art("s", "Tidewater", 17, [Statement("Kessler Werft is looking for a new chief.", False)],
                      [KESSLER])
    news = _art("n", "CPA", 20, [Statement("Jürgen Maier resigned on Monday.", False)],
                [MAIER, HAMBURG], [DateMention("on Monday", dt.date(2021, 6, 14), "day", relative=True)])
    undated = _art("u", "Blog", None, [Statement("Maier is gone.", False)], [MAIER])
    tl = timeline_of([news, undated, rumour_copy, rumour, same_again],
                     {"r": "r", "rc": "r", "s": "s", "n": "n", "u": "u"}, story_id="s-1")
    assert [r.article_id for r in tl.reports] == ["r", "s", "n", "u"]  # by date, undated last
    assert tl.first_report.article_id == "r"
    assert tl.first_report.outlets == ["Hafenblatt", "Meridian Post"]  # the copy is folded in
    assert [r.article_id for r in tl.developments] == ["r", "n"]
    assert tl.reports[2].new_places == ["Hamburg"] and tl.reports[2].new_dates == ["2021-06-14"]
    assert (tl.first_date, tl.last_date) == (dt.date(2021, 6, 15), dt.date(2021, 6, 20))
    assert set(tl.by_outlet()) == {"Hafenblatt", "Meridian Post", "Tidewater", "CPA", "Blog"}
    [dis] = [d for d in tl.disagreements if d.actors == ["Jürgen Maier"]]
    assert dis.firmness == ["asserted", "hedged"]
    assert {s.outlet for s in dis.statements} >= {"Hafenblatt", "CPA"}
    data = json.loads(json.dumps(tl.to_dict()))
    assert data["first_report"] == "r" and data["reports"][0]["outlets"] == ["Hafenblatt", "Meridian Post"]


def test_no_disagreement_when_outlets_agree() -> None:
    a = _art("a", "A", 1, [Statement("Jürgen Maier resigned.", False)], [MAIER])
    b = _art("b", "B", 2, [Statement("Jurgen Maier quit his post.", False)], [MAIER])
    assert timeline_of([a, b]).disagreements == []
    with pytest.raises(ValueError):
        timeline_of([])


# --------------------------------------------------------------------------- from the store


def _story_of(db: Path, title_part: str) -> str:
    from storyline.store import Store

    with Store(db) as s:
        rows = s.article_rows("WHERE title LIKE ?", (f"%{title_part}%",))
        return s.resolve_story(rows[0]["story_id"])


def test_denial_story_shows_who_denied_and_who_asserted(story_db: Path) -> None:
    from storyline.store import Store

    sid = _story_of(story_db, "dément")
    with Store(story_db) as s:
        tl = build_timeline(s, sid)
    firm = {st.firmness for r in tl.reports for st in r.statements if "Valorin" in st.text}
    assert Firmness.DENIED in firm
    assert tl.disagreements and any("denied" in d.firmness for d in tl.disagreements)


def test_seed_pair_storyline_rumour_then_meeting(story_db: Path) -> None:
    from storyline.store import Store

    sid = _story_of(story_db, "Russia Mediates")
    with Store(story_db) as s:
        line = s.get_story(sid).storyline_id
        view = build_storyline(s, line)
        with pytest.raises(NotFound):
            build_storyline(s, "l-nope")
        with pytest.raises(NotFound):
            build_timeline(s, "s-nope")
    assert len(view.stories) == 2
    first, second = view.stories
    assert "May Meet" in first.first_report["title"] and first.first_date < second.first_date
    assert second.first_date == dt.date(2020, 1, 14)
    assert first.key_statement is not None and first.key_statement["firmness"] == "hedged"
    # SouthFront prints no date: its story's date is an estimate and says so; Asharq's is stated
    assert (first.first_date_estimated, second.first_date_estimated) == (True, False)
    from storyline.cli import app

    res = CliRunner().invoke(app, ["storyline", line, "--db", str(story_db)])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("(est.)") == 1


def test_cli_store_commands(story_db: Path) -> None:
    from storyline.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["stories", "--db", str(story_db), "--json", "--limit", "100"])
    assert res.exit_code == 0, res.output
    listed = [json.loads(line) for line in res.stdout.splitlines()]
    big = max(listed, key=lambda s: s["n_articles"])
    assert big["n_articles"] >= 3 and big["first_date"] <= big["last_date"]
    assert all({"id", "n_outlets", "languages", "storyline_id"} <= set(s) for s in listed)
    res = runner.invoke(app, ["story", big["id"], "--db", str(story_db), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["story_id"] == big["id"]
    res = runner.invoke(app, ["story", big["id"], "--db", str(story_db)])
    assert res.exit_code == 0 and "first report" in res.stdout
    res = runner.invoke(app, ["storyline", big["storyline_id"], "--db", str(story_db), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["stories"]
    res = runner.invoke(app, ["story", "s-missing", "--db", str(story_db)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["search", "Mamlouk", "--db", str(story_db), "--json"])
    hits = [json.loads(line) for line in res.stdout.splitlines()]
    assert res.exit_code == 0 and hits and all(h["story_id"] for h in hits)
    res = runner.invoke(app, ["search", "Werft Fähre verspätet", "--semantic", "--db", str(story_db), "--json"])
    hits = [json.loads(line) for line in res.stdout.splitlines()]
    assert res.exit_code == 0 and "Kessler" in hits[0]["title"]
    res = runner.invoke(app, ["errors", "--db", str(story_db), "--json"])
    assert res.exit_code == 0 and res.stdout == ""
