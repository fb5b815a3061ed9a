import json

from typer.testing import CliRunner

from storyline.cli import app

from .conftest import SEED_DIR

runner = CliRunner()


def test_read_json_one_object_per_line(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(app, ["read", str(SEED_DIR), str(tmp_path), "--json"])
    lines = [json.loads(ln) for ln in result.stdout.splitlines() if ln.startswith("{")]
    articles = [x for x in lines if "body" in x]
    errors = [x for x in lines if "error" in x]
    assert len(articles) == 2 and len(errors) == 1
    assert errors[0]["error"]["reason"] == "empty input"
    assert result.exit_code == 1  # some failed, the rest went through
    assert {a["source"]["path"].rsplit("/", 1)[-1] for a in articles} == {
        "000_4a90b3af5b3a309d.txt", "001_bdae582da8db5172.txt"}


def test_read_pretty_shows_sections():
    result = runner.invoke(app, ["read", str(SEED_DIR / "001_bdae582da8db5172.txt")])
    assert result.exit_code == 0
    for section in ("removed as boilerplate", "entities", "key statements", "ESTIMATE"):
        assert section in result.stdout


def test_demo_ingests_the_bundled_corpus_and_lists_storylines(tmp_path):
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.stdout
    assert "storyline l-" in result.stdout
    assert "Kessler Werft" in result.stdout and "Pesaflow" in result.stdout
    again = runner.invoke(app, ["demo", "--db", str(db)], env={"COLUMNS": "160"})
    assert again.exit_code == 0
    assert "0 new article(s)" in again.stderr


def test_error_lines_keep_long_paths_whole(tmp_path):
    """A skipped-record message names its file on one line, however long the path (a
    wrapped path cannot be copied or grepped)."""
    from typer.testing import CliRunner

    from storyline.cli import app

    folder = tmp_path / ("a" * 60) / ("b" * 60)
    folder.mkdir(parents=True)
    docs = folder / "docs.jsonl"
    docs.write_text('{"id": "x", "text": "Officials met in Moscow on Monday to discuss the border."}\n'
                    "not json\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["cluster", str(docs), "-o", str(folder / "out.jsonl")])
    assert res.exit_code == 1
    assert f"{docs}:line 2: bad JSON" in res.output.splitlines()[0]
