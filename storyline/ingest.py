"""Scraped files -> raw records.

Reads plain text (``.txt``), HTML (``.html``/``.htm``), JSON lines
(``.jsonl``/``.ndjson``), WARC (``.warc``/``.warc.gz``, response records) and
folders of them (recursively). Every problem with one record becomes a
:class:`~storyline.models.Failure` naming the record and the reason; the
iteration always goes on with the next record.
"""

from __future__ import annotations

import codecs
import gzip
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .config import Settings
from .errors import InputError, MalformedInput
from .models import Failure, InputKind, RawRecord, Source

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + WARC_SUFFIXES

_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-:.]+)""", re.I)


def suffix_of(path: Path) -> str:
    """The format suffix of a path, two parts deep for ``.warc.gz``/``.jsonl.gz``."""
    name = path.name.lower()
    for suf in (".warc.gz", ".jsonl.gz"):
        if name.endswith(suf):
            return suf
    return path.suffix.lower()


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Failure]:
    """Expand files and folders into the supported files they hold, in a stable order.

    A missing path or an explicitly named file of an unknown type is a Failure;
    unknown files inside folders (READMEs, images) are skipped with a debug log.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(root) / name
                    if name.startswith("."):
                        continue
                    if suffix_of(child) in SUPPORTED_SUFFIXES:
                        yield child
                    else:
                        log.debug("skipping %s: not a supported format", child)
        elif path.is_file():
            if suffix_of(path) in SUPPORTED_SUFFIXES:
                yield path
            else:
                yield Failure(
                    Source(str(path)),
                    "ingest",
                    f"unsupported file type {path.suffix or '(none)'!r}; expected one of "
                    + ", ".join(SUPPORTED_SUFFIXES),
                )
        else:
            yield Failure(Source(str(path)), "ingest", "no such file or folder")


def iter_records(
    paths: Iterable[str | Path], settings: Settings | None = None
) -> Iterator[RawRecord | Failure]:
    """Yield one RawRecord per page found under ``paths``, or a Failure per bad one.

    Example:
        >>> for rec in iter_records(["scrapes/"]):  # doctest: +SKIP
        ...     print(rec.source)
    """
    settings = settings or Settings()
    for item in iter_files(paths):
        if isinstance(item, Failure):
            yield item
            continue
        try:
            yield from read_file(item, settings)
        except InputError as exc:
            yield Failure(Source(str(item)), "ingest", exc.reason)
        except OSError as exc:
            yield Failure(Source(str(item)), "ingest", f"cannot read file: {exc.strerror or exc}")


def read_file(path: Path, settings: Settings) -> Iterator[RawRecord | Failure]:
    """Records of one file, dispatched on its suffix."""
    suffix = suffix_of(path)
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path, settings)
    elif suffix in WARC_SUFFIXES:
        yield from read_warc(path, settings)
    else:
        size = path.stat().st_size
        _check_size(size, settings, what="file")
        data = path.read_bytes()
        kind = InputKind.HTML if suffix in HTML_SUFFIXES else None
        yield record_from_bytes(data, Source(str(path)), kind=kind)


def record_from_bytes(
    data: bytes, source: Source, *, kind: InputKind | None = None, **meta: Any
) -> RawRecord:
    """Decode one page's bytes into a RawRecord, sniffing HTML when ``kind`` is None.

    Raises:
        InputError: empty, binary or undecodable content.
    """
    if not data.strip():
        raise InputError("empty input", source=str(source))
    if _looks_binary(data):
        raise InputError("binary content, not text or HTML", source=str(source))
    if kind is None:
        kind = InputKind.HTML if _HTML_START.match(data[:1024]) else InputKind.TEXT
    text = decode_bytes(data, source=str(source), html=kind is InputKind.HTML)
    return RawRecord(source=source, kind=kind, content=text, **meta)


def decode_bytes(data: bytes, *, source: str, html: bool = False) -> str:
    """Decode page bytes: BOM, then UTF-8, then a declared HTML charset, then a guess.

    Raises:
        InputError: when no encoding gives clean text.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(f"undecodable {enc} text: {exc.reason}", source=source) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if html:
        m = _META_CHARSET.search(data[:4096])
        if m:
            try:
                return data.decode(m.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    # charset_normalizer guesses *something* for nearly any bytes; a high
    # chaos score means the guess reads as garbage, so refuse it.
    if best is not None and best.chaos < 0.2:
        try:
            return data.decode(best.encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    raise InputError(
        "undecodable text: not UTF-8 and no reliable encoding could be detected", source=source
    )


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 has NULs by design
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def _check_size(size: int, settings: Settings, *, what: str) -> None:
    if size > settings.max_record_bytes:
        raise InputError(
            f"{what} is {_human(size)}, over the {_human(settings.max_record_bytes)} "
            "limit for one record (raise max_record_bytes to accept it)"
        )


def _human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


_JSON_FIELDS = ("url", "title", "date", "outlet", "lang", "id")


def read_jsonl(path: Path, settings: Settings) -> Iterator[RawRecord | Failure]:
    """One record per line: an object with ``text`` or ``html`` and optional metadata."""
    fh: IO[bytes]
    with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")) as fh:  # type: ignore[assignment]
        lineno = 0
        while True:
            try:
                line = _read_line(fh, settings.max_record_bytes)
            except InputError as exc:
                lineno += 1
                yield Failure(Source(str(path), f"line {lineno}"), "ingest", exc.reason)
                continue
            except (OSError, EOFError) as exc:
                yield Failure(
                    Source(str(path), f"line {lineno + 1}"), "ingest", f"truncated file: {exc}"
                )
                return
            if line is None:
                return
            lineno += 1
            if not line.strip():
                continue
            source = Source(str(path), f"line {lineno}")
            try:
                yield record_from_json_line(line, source)
            except InputError as exc:
                yield Failure(source, "ingest", exc.reason)


def _read_line(fh: IO[bytes], limit: int) -> bytes | None:
    """Read one line without ever holding more than ``limit`` bytes of it."""
    line = fh.readline(limit + 1)
    if not line:
        return None
    if len(line) > limit and not line.endswith(b"\n"):
        # skip the rest of the oversized line
        while True:
            chunk = fh.readline(1 << 20)
            if not chunk or chunk.endswith(b"\n"):
                break
        raise InputError(f"line is over the {_human(limit)} limit for one record")
    return line


def record_from_json_line(line: bytes, source: Source) -> RawRecord:
    """Parse one JSON line into a RawRecord.

    Raises:
        MalformedInput: invalid JSON, not an object, or no text/html.
    """
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"invalid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise MalformedInput(f"expected a JSON object, got {type(obj).__name__}")
    meta: dict[str, Any] = {}
    for key in _JSON_FIELDS:
        value = obj.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, (str, int, float)):
            raise MalformedInput(f"field {key!r} must be a string, got {type(value).__name__}")
        meta[key] = str(value)
    html, text = obj.get("html"), obj.get("text")
    for key, value in (("html", html), ("text", text)):
        if value is not None and not isinstance(value, str):
            raise MalformedInput(f"field {key!r} must be a string, got {type(value).__name__}")
    if html and html.strip():
        return RawRecord(source=source, kind=InputKind.HTML, content=html, **meta)
    if text and text.strip():
        return RawRecord(source=source, kind=InputKind.TEXT, content=text, **meta)
    raise MalformedInput("no non-empty 'text' or 'html' field")


def read_warc(path: Path, settings: Settings) -> Iterator[RawRecord | Failure]:
    """HTTP response records of a WARC file; other record types are skipped."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    with open(path, "rb") as fh:
        try:
            iterator = ArchiveIterator(fh)
            for rec in iterator:
                number += 1
                if rec.rec_type != "response":
                    continue
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                rid = rec.rec_headers.get_header("WARC-Record-ID") or ""
                source = Source(str(path), f"record {number} {rid}".strip())
                try:
                    yield _warc_response(rec, source, uri, settings)
                except InputError as exc:
                    yield Failure(source, "ingest", exc.reason)
        except ArchiveLoadFailed as exc:
            yield Failure(
                Source(str(path), f"record {number + 1}"),
                "ingest",
                f"malformed WARC: {str(exc).strip().splitlines()[0][:200]}",
            )
        except (OSError, EOFError, ValueError, gzip.BadGzipFile) as exc:
            yield Failure(
                Source(str(path), f"record {number + 1}"),
                "ingest",
                f"malformed or truncated WARC: {exc}",
            )
            return
    if path.name.lower().endswith(".gz") and not _gzip_complete(path):
        # warcio stops quietly at a cut-off gzip member; say what was lost
        yield Failure(
            Source(str(path), f"record {number + 1}"),
            "ingest",
            "truncated WARC: the file ends in the middle of a record",
        )


def _gzip_complete(path: Path) -> bool:
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, OSError, gzip.BadGzipFile):
        return False
    return True


def _warc_response(rec: Any, source: Source, uri: str | None, settings: Settings) -> RawRecord:
    status = rec.http_headers.get_statuscode() if rec.http_headers else None
    if status and not str(status).startswith("2"):
        raise InputError(f"HTTP status {status}, not a page")
    ctype = (rec.http_headers.get_header("Content-Type") or "") if rec.http_headers else ""
    if ctype and not any(t in ctype.lower() for t in ("html", "text", "xml")):
        raise InputError(f"content type {ctype!r} is not a page")
    stream = rec.content_stream()
    data = stream.read(settings.max_record_bytes + 1)
    _check_size(len(data), settings, what="record")
    kind = InputKind.TEXT if "text/plain" in ctype.lower() else InputKind.HTML
    fetched = rec.rec_headers.get_header("WARC-Date")
    record = record_from_bytes(data, source, kind=kind, url=uri)
    record.fetched = fetched
    return record
