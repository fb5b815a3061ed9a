import gzip
import io
import json

from storyline.config import Settings
from storyline.ingest import iter_records
from storyline.models import Failure, InputKind, RawRecord

GOOD = "Ministers met in Paris on Monday to discuss the budget for the coming year in detail."


def _split(items):
    recs = [x for x in items if isinstance(x, RawRecord)]
    fails = [x for x in items if isinstance(x, Failure)]
    return recs, fails


def test_bad_files_fail_with_reason_and_batch_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "big.txt").write_text("x" * 4000)
    recs, fails = _split(list(iter_records([tmp_path], Settings(max_record_bytes=3000))))
    assert [r.source.path.endswith("good.txt") for r in recs] == [True]
    reasons = {f.source.path.rsplit("/", 1)[-1]: f.reason for f in fails}
    assert reasons["empty.txt"] == "empty input"
    assert "binary" in reasons["binary.txt"]
    assert "over the" in reasons["big.txt"]


def test_latin1_text_is_decoded(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Le président a rencontré le ministre à Montréal lundi matin pour discuter.".encode("latin-1"))
    (rec,) = list(iter_records([p]))
    assert "président" in rec.content


def test_jsonl_names_bad_lines(tmp_path):
    p = tmp_path / "batch.jsonl"
    lines = [json.dumps({"text": GOOD, "url": "https://a.example/1", "date": "2020-01-14"}), "{broken",
             "[1, 2]", json.dumps({"title": "no body"}), json.dumps({"html": "<p>" + GOOD + "</p>"})]
    p.write_text("\n".join(lines) + "\n")
    recs, fails = _split(list(iter_records([p])))
    assert [r.kind for r in recs] == [InputKind.TEXT, InputKind.HTML]
    assert recs[0].date == "2020-01-14" and recs[0].source.locator == "line 1"
    assert [f.source.locator for f in fails] == ["line 2", "line 3", "line 4"]
    assert "invalid JSON" in fails[0].reason


def test_warc_response_records_and_truncation(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for i in range(3):
        html = f"<html><body><p>{GOOD} Story {i}.</p></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        rec = writer.create_warc_record(f"https://news.example/{i}", "response",
                                        payload=io.BytesIO(html), http_headers=headers)
        writer.write_record(rec)
    data = buf.getvalue()
    good = tmp_path / "a.warc.gz"
    good.write_bytes(data)
    recs, fails = _split(list(iter_records([good])))
    assert [r.url for r in recs] == [f"https://news.example/{i}" for i in range(3)]
    assert recs[0].fetched
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    recs, fails = _split(list(iter_records([cut])))
    assert len(recs) >= 1 and len(fails) == 1
    assert "WARC" in fails[0].reason


def test_missing_and_unsupported_paths(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    fails = list(iter_records([tmp_path / "nope.txt", tmp_path / "x.pdf"]))
    assert [f.reason.split(" ")[0] for f in fails] == ["no", "unsupported"]


def test_gzipped_jsonl(tmp_path):
    p = tmp_path / "b.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(json.dumps({"text": GOOD}) + "\n")
    (rec,) = list(iter_records([p]))
    assert rec.content == GOOD
