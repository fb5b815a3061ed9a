"""Build the demo corpus's small WARC file from the HTML pages in tools/demo_warc_pages/.

Run once from the project root when a page changes, then commit the result:

    python tools/make_demo_warc.py

The output is deterministic (fixed record ids and dates) so re-running it without
changes leaves ``storyline/data/demo/crawl/2024-02-crawl.warc.gz`` byte-identical.
The record order is part of the gold labels in ``storyline/data/demo/GOLD.json``
(``#record N`` counts every record from 1, the warcinfo record included).
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tools" / "demo_warc_pages"
OUT = ROOT / "storyline" / "data" / "demo" / "crawl" / "2024-02-crawl.warc.gz"

# (page file, target URI, crawl time). Crawl times are later than publication:
# a WARC-Date is only an upper bound for the publication date.
RESPONSES = [
    (
        "tidewater-2023-09-21-nordlys-delivered.html",
        "https://www.tidewatertrade.example/shipbuilding/2023/09/kessler-werft-finally-hands-over-nordlys",
        "2024-02-03T04:12:55Z",
    ),
    (
        "hafenblatt-2023-09-20-nordlys-uebergeben.html",
        "https://www.hafenblatt.example/wirtschaft/hafen/kessler-werft-uebergibt-faehre-nordlys-an-norwegen-id48210",
        "2024-02-03T04:13:40Z",
    ),
    (
        "meridian-2024-01-24-pesaflow-fined.html",
        "https://www.meridianpost.example/business/2024/01/24/kenya-fines-pesaflow-data-breach",
        "2024-02-03T04:15:02Z",
    ),
]


def _record_id(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'storyline-demo/' + name)}>"


def build_warc(out: Path = OUT) -> Path:
    """Write the WARC (one warcinfo record, then one response per page) and return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    info = writer.create_warcinfo_record(
        OUT.name,  # fixed, so a copy written elsewhere is byte-identical
        {
            "software": "storyline tools/make_demo_warc.py",
            "format": "WARC File Format 1.0",
            "description": "storyline demo crawl: three news pages (fictional outlets)",
        },
    )
    info.rec_headers.replace_header("WARC-Record-ID", _record_id("warcinfo"))
    info.rec_headers.replace_header("WARC-Date", "2024-02-03T04:12:50Z")
    writer.write_record(info)
    for name, uri, crawl_time in RESPONSES:
        body = (PAGES / name).read_bytes()
        http_headers = StatusAndHeaders(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Server", "nginx"),
            ],
            protocol="HTTP/1.1",
        )
        record = writer.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Record-ID": _record_id(name),
                "WARC-Date": crawl_time,
            },
        )
        writer.write_record(record)
    out.write_bytes(buffer.getvalue())
    return out


if __name__ == "__main__":
    print(build_warc())
