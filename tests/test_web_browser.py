"""Web UI in a real browser: Debian's chromium driven by Playwright.

Clicks through story list -> story -> compare -> search on the demo corpus and
checks what is on each page; one test adds an article whose title and body carry
script and HTML injection and checks that nothing runs anywhere it is shown.

Set ``STORYLINE_SCREENSHOTS=DIR`` to save a screenshot of every page visited
(``docs/screenshots`` holds the committed ones).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from .conftest import API_TOKEN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    events: dict[str, list[str]] = {"dialogs": [], "errors": [], "console": []}
    pg.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: events["errors"].append(str(e)))
    pg.on("console", lambda m: events["console"].append(m.text))
    pg.events = events  # type: ignore[attr-defined]
    yield pg
    context.close()


def _shot(pg, name: str) -> None:
    folder = os.environ.get("STORYLINE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_click_through_list_story_compare_search(live_server, page):
    pg = page
    pg.goto(live_server + "/")
    assert pg.title() == "Stories · storyline"
    cards = pg.locator("#stories > li.card")
    n_all = cards.count()
    assert n_all >= 10
    assert re.fullmatch(r"\d+ stories", pg.locator("#story-count").inner_text())
    _shot(pg, "stories")

    # filter by language through the form
    pg.select_option("select[name=language]", "de")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_url(re.compile(r"language=de"))
    n_de = cards.count()
    assert 0 < n_de < n_all
    for i in range(n_de):
        assert "DE" in cards.nth(i).locator(".lang").all_inner_texts()
    pg.click("text=clear")
    pg.wait_for_url(live_server + "/")

    # filter by words, then open the story of the shipyard chief's resignation
    pg.fill("form.filters input[name=q]", "Maier")
    pg.click("form.filters button[type=submit]")
    pg.wait_for_url(re.compile(r"q=Maier"))
    assert 0 < cards.count() < n_all
    best = max(range(cards.count()),
               key=lambda i: int(cards.nth(i).locator(".meta span").nth(1).inner_text().split()[0]))
    headline = cards.nth(best).locator("a.headline").inner_text()
    cards.nth(best).locator("a.headline").click()
    pg.wait_for_url(re.compile(r"/stories/s-"))
    assert pg.locator("#story-title").inner_text() == headline

    # the timeline: one mark per report, one row per outlet, first report ringed
    reports = pg.locator("#reports > li")
    n_reports = reports.count()
    n_copies = pg.locator("#reports .copies-of a").count()
    assert n_reports + n_copies >= 2
    svg = pg.locator("#timeline-svg")
    assert svg.locator("a.mark").count() == n_reports + n_copies  # one mark per article
    assert svg.locator("a.mark.copy").count() == n_copies
    outlets = set(reports.locator(".meta .outlet").all_inner_texts())
    outlets |= set(pg.locator("#reports .copies-of a").all_inner_texts())
    assert svg.locator("text.outlet").count() == len(outlets)  # one row per outlet
    assert svg.locator("a.mark.development circle.ring").count() >= 1
    assert "first report" in reports.nth(0).inner_text().lower()
    for i in range(n_reports):
        classes = reports.nth(i).get_attribute("class") or ""
        assert {"asserted", "hedged", "denied"} & set(classes.split())
    _shot(pg, "story")

    # compare the first report with another report
    link = pg.locator("#compare-links a").first
    link.click()
    pg.wait_for_url(re.compile(r"/compare\?a="))
    rows = pg.locator("#scores tr.dim")
    assert rows.count() == 7
    assert [rows.nth(i).get_attribute("data-dim") for i in range(7)] == [
        "Geography", "Entities", "Time", "Narrative", "Style", "Tone", "Overall"]
    for i in range(7):
        score = float(rows.nth(i).locator(".score").inner_text())
        assert 1.0 <= score <= 4.0
        assert rows.nth(i).locator("rect.bar").count() == 1
        assert rows.nth(i).locator("td.evidence").inner_text().strip()
    assert pg.locator("#article-1 h2").inner_text() and pg.locator("#article-2 h2").inner_text()
    # the shared names are highlighted in both texts
    marks = pg.locator("#shared mark")
    assert marks.count() >= 1
    assert pg.locator("#article-1 .body mark").count() >= 1
    assert pg.locator("#article-2 .body mark").count() >= 1
    _shot(pg, "compare")

    # search from the header box, then open a hit
    pg.fill("header input[name=q]", "Pesaflow")
    pg.press("header input[name=q]", "Enter")
    pg.wait_for_url(re.compile(r"/search\?q=Pesaflow"))
    hits = pg.locator("#hits > li")
    assert hits.count() >= 3
    assert all("pesaflow" in t.lower() for t in hits.locator(".snippet, a.title").all_inner_texts()[:1])
    _shot(pg, "search")
    title = hits.first.locator("a.title").inner_text()
    hits.first.locator("a.title").click()
    pg.wait_for_url(re.compile(r"/articles/"))
    assert pg.locator("#article-title").inner_text() == title
    _shot(pg, "article")

    # storylines page -> one storyline
    pg.click("header nav >> text=Storylines")
    lines = pg.locator("#storylines > li")
    assert lines.count() >= 3
    lines.first.locator("a.headline").click()
    pg.wait_for_url(re.compile(r"/storylines/l"))
    assert pg.locator("#storyline-stories > li").count() >= 1
    _shot(pg, "storyline")
    assert not pg.events["errors"] and not pg.events["dialogs"]


INJECTED_TITLE = ('Port strike <script>window.__pwned = "title"; alert("title")</script>'
                  '<img src=x onerror="window.__pwned = \'img\'"> ends')
INJECTED_BODY = (
    "VALPARAÍSO, June 20 - Dockworkers in Valparaíso ended their strike on Thursday, the union said."
    "</p><script>window.__pwned = 'body'; alert(document.cookie)</script>\n\n"
    "<svg onload=\"window.__pwned = 'svg'\"></svg><a href=\"javascript:window.__pwned='link'\">more</a> "
    "<iframe srcdoc=\"<script>parent.__pwned='frame'</script>\"></iframe>"
    "<style>body{display:none}</style> The port of Valparaíso reopened on Friday morning."
)


def test_injected_article_runs_nothing(live_server, page):
    r = httpx.post(
        f"{live_server}/api/articles",
        json={"text": INJECTED_BODY, "title": INJECTED_TITLE, "date": "2019-06-21",
              "outlet": '<b onmouseover="window.__pwned=1">Evil Outlet</b>',
              "url": "javascript:alert(1)", "id": "inject-<script>"},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
        timeout=120,
    )
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["story_id"]
    pg = page
    pages = {  # page -> must show the title as text
        f"/articles/{quote(added['id'], safe='')}": True,
        f"/stories/{added['story_id']}": True,
        "/search?q=Dockworkers+Valpara%C3%ADso": True,
        "/?q=Dockworkers": False,
    }
    for url, shows_title in pages.items():
        pg.goto(live_server + url)
        content = pg.content()
        main_text = pg.locator("main").inner_text()
        if shows_title:  # the markup is shown as text ...
            assert "Port strike <script>" in main_text, url
        # ... no injected element exists, no script ran, nothing was hidden
        assert pg.evaluate("window.__pwned") is None, url
        assert pg.locator("script").count() == 0, url
        assert pg.locator("main img, main iframe, main [onload], main [onerror], main [onmouseover]").count() == 0
        assert pg.locator("a[href^='javascript:']").count() == 0
        assert pg.locator("main style").count() == 0
        assert pg.locator("main").is_visible()
        assert "<script>window.__pwned" not in content
        if url.startswith("/articles/"):
            assert pg.locator("#article-title").inner_text() == INJECTED_TITLE
            assert "<svg onload=" in pg.locator("#article-body").inner_text()
            assert "javascript:alert(1)" in main_text  # the url, as text
            _shot(pg, "injection")
    assert pg.events["dialogs"] == [] and pg.events["errors"] == []
