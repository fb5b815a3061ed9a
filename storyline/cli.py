"""The ``storyline`` command: a thin shell over the library.

Exit codes: 0 all went well, 1 some records failed (the rest went through),
2 bad usage or nothing could be read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from .config import load_settings
from .models import Article, EntityType, Failure

app = typer.Typer(
    help="Follow news stories across outlets, languages and years, offline.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages name paths: never break them across lines


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _progress(total: int, label: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err_console, transient=True, disable=not err_console.is_terminal and total < 0)


@app.command()
def read(
    paths: list[Path] = typer.Argument(..., help="Files (.txt .html .jsonl .warc .warc.gz) or folders."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line (articles and errors)."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
    body: bool = typer.Option(True, "--body/--no-body", help="Show the cleaned body."),
) -> None:
    """Read scraped pages and print each article: metadata, body, boilerplate removed, entities, dates, claims."""
    from .pipeline import count_records, read_articles

    settings = load_settings(config)
    folders = any(p.is_dir() for p in paths)
    total = count_records(paths, settings) if folders else 0
    failures = articles = 0
    with _progress(total, "reading") as progress:
        task = progress.add_task("read", total=total or None, visible=folders)
        for item in read_articles(paths, settings, on_record=lambda: progress.advance(task)):
            if isinstance(item, Failure):
                failures += 1
                if as_json:
                    print(json.dumps({"error": item.to_dict()}, ensure_ascii=False), flush=True)
                err_console.print(f"[red]error[/red] {escape(str(item.source))}: {escape(item.reason)}")
                continue
            articles += 1
            if as_json:
                print(json.dumps(item.to_dict(), ensure_ascii=False), flush=True)
            else:
                print_article(item, show_body=body)
    if not as_json:
        err_console.print(f"{articles} article(s), {failures} failed")
    if articles == 0 and failures:
        raise typer.Exit(2)
    if failures:
        raise typer.Exit(1)


def print_article(a: Article, *, show_body: bool = True) -> None:
    """Rich rendering of one article."""
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold cyan")
    meta.add_column()
    meta.add_row("source", escape(str(a.source)))
    meta.add_row("id", a.id)
    meta.add_row("outlet", escape(a.outlet or "unknown"))
    meta.add_row("url", escape(a.url or "-"))
    pub = a.published
    if pub.value is None:
        date_txt = f"unknown ({escape(pub.evidence)})"
    elif pub.is_estimate:
        rng = f", between {pub.earliest} and {pub.latest}" if pub.earliest or pub.latest else ""
        date_txt = f"[yellow]ESTIMATE {pub.value}{rng}[/yellow] ({escape(pub.evidence)})"
    else:
        date_txt = f"{pub.value} (from {pub.method.value}: {escape(pub.evidence)})"
    meta.add_row("published", date_txt)
    meta.add_row("language", f"{a.language or 'unknown'} ({a.language_score:.2f})")
    countries = ", ".join(f"{c} ×{n}" for c, n in a.countries.items()) or "-"
    meta.add_row("countries", countries)
    console.print(Panel(meta, title=f"[bold]{escape(a.title)}[/bold]", title_align="left"))
    if show_body:
        console.print(Panel(escape(a.body), title="body", title_align="left", border_style="green"))
    if a.removed_lines:
        shown = a.removed_lines[:25]
        more = f"\n… and {len(a.removed_lines) - 25} more" if len(a.removed_lines) > 25 else ""
        console.print(Panel(escape("\n".join(shown)) + more, title="removed as boilerplate",
                            title_align="left", border_style="red"))
    ents = Table(title="entities", title_justify="left", show_lines=False)
    for col in ("type", "canonical", "spellings seen", "mentions", "country"):
        ents.add_column(col)
    for et in (EntityType.PERSON, EntityType.ORG, EntityType.PLACE):
        for e in a.entities_of(et):
            ents.add_row(et.value, escape(e.canonical), escape(" | ".join(e.variants)), str(e.mentions), e.country or "")
    console.print(ents)
    if a.dates:
        dt_table = Table(title="dates mentioned", title_justify="left")
        for col in ("text", "resolved", "granularity", "how"):
            dt_table.add_column(col)
        for d in a.dates:
            dt_table.add_row(escape(d.text), str(d.value) if d.value else "unresolved", d.granularity,
                             "relative to publication date" if d.relative else "absolute")
        console.print(dt_table)
    if a.attributions:
        at = Table(title="attributed sources", title_justify="left")
        at.add_column("source")
        at.add_column("cue")
        at.add_column("sentence", overflow="fold")
        for x in a.attributions:
            at.add_row(escape(x.source), x.cue, escape(x.sentence))
        console.print(at)
    st = Table(title="key statements", title_justify="left")
    st.add_column("firmness")
    st.add_column("cues")
    st.add_column("source")
    st.add_column("statement", overflow="fold")
    for s in a.statements:
        firm = "[yellow]hedged[/yellow]" if s.hedged else "[green]asserted[/green]"
        if any(c.startswith("denial:") for c in s.cues):
            firm += " [red]denial[/red]"
        st.add_row(firm, escape(", ".join(s.cues)), escape(s.source or ""), escape(s.text))
    console.print(st)


@app.command()
def serve(
    db: Optional[Path] = typer.Option(None, "--db", help="Store file (default: the per-user store)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
) -> None:
    """Serve the HTTP API (/api, OpenAPI schema at /api/openapi.json) and the web UI.

    Write endpoints need `Authorization: Bearer <token>`; the token is $STORYLINE_TOKEN,
    or a fresh one printed at start.
    """
    import os

    import uvicorn

    from .api import TOKEN_ENV, create_app
    from .errors import StorylineError

    given = os.environ.get(TOKEN_ENV)
    try:
        web = create_app(db, settings=load_settings(config), token=given or None)
    except StorylineError as exc:
        err_console.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    shown = f"${TOKEN_ENV}" if given else web.state.token
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    err_console.print(f"storyline serving {escape(url)}")
    err_console.print(f"write token: {escape(shown)}")
    err_console.print(f"  e.g. curl -H 'Authorization: Bearer {escape(shown)}' -d @article.json {url}api/articles")
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def compare(
    a: Optional[Path] = typer.Argument(None, help="First article (any file `read` takes)."),
    b: Optional[Path] = typer.Argument(None, help="Second article."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="Batch: CSV/JSONL with pair_id, text1, text2."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Batch: output JSON lines file."),
    evidence: bool = typer.Option(False, "--evidence", help="Batch: also write the evidence of each pair."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
) -> None:
    """Compare two articles on the seven SemEval dimensions (1 = very similar .. 4 = very dissimilar), with evidence.

    Batch form: `storyline compare --pairs FILE -o OUT.jsonl` (bad rows are reported and skipped).
    """
    from .compare import compare_articles, compare_pairs_file, read_first_article
    from .errors import InputError, StorylineError

    settings = load_settings(config)
    if pairs is not None:
        if a is not None or b is not None or out is None:
            err_console.print("[red]error[/red] use either `compare A B` or `compare --pairs FILE -o OUT`")
            raise typer.Exit(2)
        try:
            with _progress(-1, "comparing") as progress:
                task = progress.add_task("compare", total=None)
                report = compare_pairs_file(pairs, out, settings, evidence=evidence,
                                            on_pair=lambda: progress.advance(task))
        except StorylineError as exc:
            err_console.print(f"[red]error[/red] {escape(str(exc))}")
            raise typer.Exit(2) from exc
        for where, reason in report.skipped:
            err_console.print(f"[red]skipped[/red] {escape(str(pairs))}:{escape(where)}: {escape(reason)}")
        err_console.print(f"{report.written} pair(s) written to {escape(str(out))}, {len(report.skipped)} skipped")
        if report.written == 0 and report.skipped:
            raise typer.Exit(2)
        if report.skipped:
            raise typer.Exit(1)
        return
    if a is None or b is None:
        err_console.print("[red]error[/red] give two files A B, or --pairs FILE -o OUT")
        raise typer.Exit(2)
    try:
        art_a, art_b = read_first_article(a, settings), read_first_article(b, settings)
        result = compare_articles(art_a, art_b, settings)
    except InputError as exc:
        err_console.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except StorylineError as exc:
        err_console.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    from .compare import describe_score

    console.print(f"[bold]A[/bold] {escape(art_a.title)} [dim]({escape(str(a))})[/dim]")
    console.print(f"[bold]B[/bold] {escape(art_b.title)} [dim]({escape(str(b))})[/dim]")
    table = Table(title="1 = very similar .. 4 = very dissimilar", title_justify="left", show_lines=True)
    table.add_column("dimension", style="bold cyan")
    table.add_column("score", justify="right")
    table.add_column("evidence", overflow="fold")
    for dim, score in result.scores.items():
        ev = result.evidence[dim].summary.split(": ", 1)[-1]
        table.add_row(dim.value, f"{score:.2f}\n[dim]{describe_score(score)}[/dim]", escape(ev))
    console.print(table)


# --------------------------------------------------------------------------- store commands
# (ingest, errors, stories, story, storyline, search, cluster): thin shells over
# storyline.store, storyline.story and storyline.cluster.

DB_HELP = "Store file (default: $STORYLINE_DB or the per-user store)."


def _open_store(db: Optional[Path]) -> Any:
    from .errors import StorylineError
    from .store import Store

    try:
        return Store(db)
    except StorylineError as exc:
        err_console.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _ingest_with_progress(store: Any, paths: list[Path], settings: Any, label: str, *, batch_size: int = 32) -> Any:
    """``store.ingest_paths`` with a progress bar on stderr."""
    from .store import ingest_paths

    with _progress(0, label) as progress:
        task = progress.add_task("ingest", total=None)
        seen = [0]

        def on_progress(rep: Any) -> None:
            n = rep.records + rep.skipped
            progress.advance(task, n - seen[0])
            seen[0] = n

        return ingest_paths(store, paths, settings, batch_size=batch_size, on_progress=on_progress,
                            total=lambda n: progress.update(task, total=n))


def _fail(exc: Exception) -> None:
    err_console.print(f"[red]error[/red] {escape(str(exc))}")
    raise typer.Exit(2) from exc


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders, in any format `read` takes."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Articles per transaction."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=0,
        help="Processes that read, extract and enrich in parallel (0: 2 for 256+ records). "
        "The result does not depend on it.",
    ),
    fast: bool = typer.Option(
        False, "--fast",
        help="Bulk ingest: rule-based NER (fewer entities found), 2+ workers, embedding in the "
        "workers. Several times faster; see benchmarks/scale/results.md for the cost.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Read, analyse, cluster and store articles.

    Ingesting the same article twice changes nothing; an interrupted ingest, run
    again, finishes the job. Failed records are kept with their reason (`storyline errors`).
    """
    from .errors import StorylineError

    settings = load_settings(config)
    if fast:
        settings = settings.bulk()
    if workers is not None:
        settings = settings.with_overrides(ingest_workers=workers)
    store = _open_store(db)
    try:
        report = _ingest_with_progress(store, paths, settings, "ingesting", batch_size=batch_size)
    except StorylineError as exc:
        _fail(exc)
    finally:
        stories_now = store.count_stories()
        store.close()
    if as_json:
        print(json.dumps({**report.to_dict(), "stories": stories_now}, ensure_ascii=False))
    else:
        err_console.print(
            f"{report.added} new article(s), {report.existing} already stored, "
            f"{report.copies} near-duplicate copies, {report.failed} failed, "
            f"{report.skipped} skipped (done before); {stories_now} stories in {escape(str(store.path))}"
            + (f" ({report.splits} split off a story mixing two events)" if report.splits else "")
        )
        for line in report.failures:
            err_console.print(f"[red]failed[/red] {escape(line)}")
    if report.added + report.existing + report.skipped == 0 and report.failed:
        raise typer.Exit(2)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def errors(
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List the records that could not be ingested, with the reason."""
    store = _open_store(db)
    rows = store.failures()
    store.close()
    if as_json:
        for r in rows:
            print(json.dumps(r.__dict__, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} failed record(s)", title_justify="left")
    for col in ("source", "stage", "reason", "first seen", "times"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(escape(r.source), r.stage, escape(r.reason), r.first_seen, str(r.count))
    console.print(table)


@app.command()
def stories(
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    limit: int = typer.Option(50, "--limit", min=1, help="Show at most this many stories."),
    min_articles: int = typer.Option(1, "--min-articles", min=1, help="Hide smaller stories."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List stories, newest first: dates spanned, articles, outlets, languages, storyline."""
    store = _open_store(db)
    rows = store.list_stories(min_articles=min_articles, limit=limit)
    total = store.count_stories()
    store.close()
    if as_json:
        for s in rows:
            print(json.dumps(s.to_dict(), ensure_ascii=False))
        return
    table = Table(title=f"{total} stories", title_justify="left")
    for col in ("story", "dates", "articles", "outlets", "languages", "storyline"):
        table.add_column(col, no_wrap=True)
    table.add_column("headline", overflow="fold", min_width=20)
    for s in rows:
        span = _span(s.first_date, s.last_date, s.first_date_estimated, s.last_date_estimated)
        arts = f"{s.n_articles}" + (f" ({s.n_copies} {'copy' if s.n_copies == 1 else 'copies'})" if s.n_copies else "")
        table.add_row(s.id, span, arts, str(s.n_outlets), ", ".join(s.languages),
                      s.storyline_id or "", escape(s.label or ""))
    console.print(table)


def _span(first: Any, last: Any, first_est: bool = False, last_est: bool = False) -> str:
    """'2020-01-14 .. 2020-01-20' (dates or ISO strings) with '(est.)' after a date
    known only from estimates."""
    if not first:
        return "undated"
    span = f"{first}" + (" (est.)" if first_est else "")
    if last and last != first:
        span += f" .. {last}" + (" (est.)" if last_est else "")
    return span


_FIRM_STYLE = {"asserted": "green", "hedged": "yellow", "denied": "red"}

_V = TypeVar("_V")


def _load_view(db: Optional[Path], build: Callable[[Any, str], _V], key: str, as_json: bool) -> _V | None:
    """Build a story or storyline view from the store; with ``as_json`` print it and return None."""
    from .errors import StorylineError

    store = _open_store(db)
    try:
        view = build(store, key)
    except StorylineError as exc:
        _fail(exc)
    finally:
        store.close()
    if as_json:
        print(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))  # type: ignore[attr-defined]
        return None
    return view


@app.command()
def story(
    story_id: str = typer.Argument(..., help="A story id (from `storyline stories`)."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON."),
) -> None:
    """A story's timeline: reports by date, first report, developments, who said what how firmly, disagreements."""
    from .story import build_timeline

    tl = _load_view(db, build_timeline, story_id, as_json)
    if tl is None:
        return
    span = _span(tl.first_date, tl.last_date, tl.date_is_estimate(tl.first_date), tl.date_is_estimate(tl.last_date))
    console.print(Panel(
        f"{span} · {sum(1 + len(r.copies) for r in tl.reports)} article(s) · "
        f"outlets: {escape(', '.join(tl.outlets))} · languages: {', '.join(tl.languages)}\n"
        f"storyline: {tl.storyline_id}",
        title=f"[bold]{escape(tl.label or tl.first_report.title)}[/bold] ({tl.story_id})", title_align="left",
    ))
    table = Table(title="timeline", title_justify="left", show_lines=True)
    for col in ("date", "outlet(s)", "report", "what it adds", "statements (firmness)"):
        table.add_column(col, overflow="fold")
    for i, r in enumerate(tl.reports):
        kind = "[bold]first report[/bold]" if i == 0 else ("[cyan]new development[/cyan]" if r.development else "follow-up")
        adds = "; ".join(x for x in (
            ", ".join(r.new_actors[:6]), ", ".join(r.new_places[:6]), ", ".join(r.new_dates[:4])) if x)
        own = [s for s in r.statements if s.outlet == r.outlet]
        # hedged and denied statements first: they are what outlets differ on
        own.sort(key=lambda s: s.firmness.value == "asserted")
        stmts = "\n".join(
            f"[{_FIRM_STYLE[s.firmness.value]}]{s.firmness.value}[/]: {escape(s.text[:160])}"
            for s in own[:4]
        ) + (f"\n[dim]+{len(own) - 4} more (--json)[/dim]" if len(own) > 4 else "")
        date = f"{r.date or 'undated'}" + (" (est.)" if r.date_method == "estimate" else "")
        table.add_row(date, escape(" + ".join(r.outlets)), f"{kind}\n{escape(r.title)}", escape(adds), stmts)
    console.print(table)
    for d in tl.disagreements:
        dis = Table(title=f"outlets differ about {escape(', '.join(d.actors))}", title_justify="left")
        dis.add_column("outlet")
        dis.add_column("firmness")
        dis.add_column("statement", overflow="fold")
        for s in d.statements:
            dis.add_row(escape(s.outlet), f"[{_FIRM_STYLE[s.firmness.value]}]{s.firmness.value}[/]", escape(s.text))
        console.print(dis)


@app.command("storyline")
def storyline_cmd(
    storyline_id: str = typer.Argument(..., help="A storyline id (from `storyline stories`)."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the storyline as JSON."),
) -> None:
    """A storyline: its stories in time order, each with its first report and key statement."""
    from .story import build_storyline

    view = _load_view(db, build_storyline, storyline_id, as_json)
    if view is None:
        return
    table = Table(title=f"storyline {storyline_id}: {len(view.stories)} stories", title_justify="left", show_lines=True)
    for col in ("dates", "story", "articles", "first report", "key statement"):
        table.add_column(col, overflow="fold")
    for b in view.stories:
        span = _span(b.first_date, b.last_date, b.first_date_estimated, b.last_date_estimated)
        fr = b.first_report
        key = b.key_statement
        key_txt = "" if key is None else f"[{_FIRM_STYLE[key['firmness']]}]{key['firmness']}[/] ({escape(key['outlet'])}): {escape(key['text'][:200])}"
        table.add_row(span, f"{b.story_id}\n{escape(b.label or '')}", str(b.n_articles),
                      f"{escape(fr['outlet'])}: {escape(fr['title'])}", key_txt)
    console.print(table)


@app.command()
def search(
    text: str = typer.Argument(..., help="Words to look for."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    semantic: bool = typer.Option(False, "--semantic", help="Rank by embedding similarity (any language) instead of words."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show at most this many hits."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Search the stored articles: full text (FTS5, BM25) or semantic (--semantic)."""
    from .errors import StorylineError

    store = _open_store(db)
    try:
        if semantic:
            from .cluster import CLUSTER_VIEW
            from .represent import load_embedder

            settings = load_settings(config)
            emb = load_embedder(settings.embedding_model, settings.embedding_threads)
            scored = store.search_vectors(emb.embed([text]).array[0], CLUSTER_VIEW, emb.spec.key, limit)
            rows = {r["id"]: r for r in store.article_rows(
                "WHERE id IN (%s)" % ",".join("?" * len(scored)), [a for a, _ in scored])} if scored else {}
            hits = [{"article_id": a, "title": rows[a]["title"], "snippet": "", "score": round(s, 4),
                     "story_id": rows[a]["story_id"], "published": rows[a]["published"],
                     "outlet": rows[a]["outlet"]} for a, s in scored if a in rows]
        else:
            hits = [h.__dict__ for h in store.search_text(text, limit=limit)]
    except StorylineError as exc:
        _fail(exc)
    finally:
        store.close()
    if as_json:
        for h in hits:
            print(json.dumps(h, ensure_ascii=False))
        return
    table = Table(title=f"{len(hits)} hit(s)", title_justify="left", show_lines=True)
    for col in ("score", "date", "outlet", "story", "article"):
        table.add_column(col, overflow="fold")
    for h in hits:
        body = escape(h["title"]) + (f"\n[dim]{escape(h['snippet'])}[/dim]" if h["snippet"] else "")
        table.add_row(f"{h['score']:.3f}", h["published"] or "", escape(h["outlet"] or ""), h["story_id"] or "", body)
    console.print(table)


@app.command()
def cluster(
    docs: Path = typer.Argument(..., help="JSON lines: id, text (optional title, url, date, lang, outlet)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output JSON lines: id, story_id, storyline_id."),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
) -> None:
    """Batch form: cluster documents into stories and storylines without a store."""
    from .cluster import cluster_file
    from .errors import StorylineError

    try:
        report = cluster_file(docs, out, load_settings(config))
    except StorylineError as exc:
        _fail(exc)
    for where, reason in report.skipped:
        err_console.print(f"[red]skipped[/red] {escape(str(docs))}:{escape(where)}: {escape(reason)}")
    if report.unanalysed:
        err_console.print(f"{len(report.unanalysed)} document(s) clustered on their raw text (the pipeline refused them)")
    err_console.print(f"{report.written} document(s) written to {escape(str(out))}")
    if report.written == 0 and report.skipped:
        raise typer.Exit(2)
    if report.skipped:
        raise typer.Exit(1)


def demo_corpus_path() -> Path:
    """The folder of the demo corpus shipped inside the package."""
    from importlib.resources import files

    return Path(str(files("storyline") / "data" / "demo"))


@app.command()
def demo(
    extra: list[Path] = typer.Argument(None, help="More files or folders to ingest beside the demo corpus."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="A TOML settings file."),
) -> None:
    """Ingest the bundled demo corpus (and any EXTRA paths) and show its storylines and stories.

    The demo is 39 articles by eight invented outlets and a wire agency, in English,
    German, French and Spanish, 2019-2024, with the sites' junk still in them.
    """
    from .errors import StorylineError

    settings = load_settings(config)
    store = _open_store(db)
    paths = [demo_corpus_path(), *(extra or [])]
    try:
        report = _ingest_with_progress(store, paths, settings, "ingesting the demo corpus")
        rows = store.list_stories(limit=1000)
    except StorylineError as exc:
        store.close()
        _fail(exc)
        return
    path = store.path
    store.close()
    err_console.print(
        f"{report.added} new article(s), {report.existing} already stored, "
        f"{report.copies} near-duplicate copies, {report.failed} failed; database {escape(str(path))}"
    )
    by_line: dict[str, list[Any]] = {}
    for s in rows:
        by_line.setdefault(s.storyline_id or s.id, []).append(s)
    lines = sorted((ss for ss in by_line.values() if len(ss) > 1),
                   key=lambda ss: (-len(ss), min(x.first_date or "9999" for x in ss)))
    singles = [ss[0] for ss in by_line.values() if len(ss) == 1]
    groups = [(f"storyline {ss[0].storyline_id}: {len(ss)} stories", ss) for ss in lines]
    if singles:
        groups.append((f"{len(singles)} stories on their own", singles))
    for title, ss in groups:
        ss.sort(key=lambda x: x.first_date or "9999")
        table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 1))
        table.add_column("dates", style="cyan", no_wrap=True)
        table.add_column("story", no_wrap=True)
        table.add_column("reports")
        table.add_column("headline", overflow="fold")
        for s in ss:
            span = _span(s.first_date, s.last_date, s.first_date_estimated, s.last_date_estimated)
            copies = f", {s.n_copies} cop{'ies' if s.n_copies > 1 else 'y'}" if s.n_copies else ""
            table.add_row(span, s.id, f"{s.n_articles} art. / {s.n_outlets} outl. [{', '.join(s.languages)}{copies}]",
                          escape(s.label or ""))
        console.print(table)
        console.print()
    db_opt = f" --db {path}" if db else ""
    console.print(f"Next: [bold]storyline story ID{db_opt}[/bold] for a timeline, "
                  f"[bold]storyline search TEXT{db_opt}[/bold], [bold]storyline serve{db_opt}[/bold] for the web UI.")
    if report.failed:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``storyline`` script."""
    import os

    # OpenMP threads of one library (LightGBM, the e5 engine) spin-wait after their
    # work by default and starve the next library's threads: a compare call took
    # 4.6 s instead of 0.7 s. Must be set before the first OpenMP library loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
