"""The ``storyline`` command: a thin shell over the library.

Exit codes: 0 all went well, 1 some records failed (the rest went through),
2 bad usage or nothing could be read.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Optional

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
err_console = Console(stderr=True)


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
    """Serve the HTTP API (/api, OpenAPI at /api/docs) and the web UI.

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


def main() -> None:
    """Entry point of the ``storyline`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
