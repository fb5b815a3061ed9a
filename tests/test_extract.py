from collections import Counter

from storyline.extract import clean_text, date_from_url, extract_html, html_to_text, line_key

from .conftest import ASHARQ, SOUTHFRONT


def _paragraphs(path):
    return [ln.strip() for ln in path.read_text().split("\n") if len(ln.split()) >= 15]


def test_asharq_body_keeps_story_and_drops_junk():
    raw = ASHARQ.read_text()
    c = clean_text(raw)
    assert c.title == "Russia Mediates Syrian-Turkish Security Meeting in Moscow"
    assert str(c.date) == "2020-01-14"
    story = [p for p in _paragraphs(ASHARQ) if not p.endswith("(AFP)") and "Newspaper" not in p]
    for para in story:
        assert para in c.body
    assert "Editor Picks" not in c.body
    assert "International News and Opinion" not in c.body
    assert c.body.count("Russia Mediates Syrian-Turkish") == 0


def test_southfront_body_keeps_story_and_drops_junk():
    c = clean_text(SOUTHFRONT.read_text())
    assert c.title == "Syrian & Turkish Officials May Meet in Moscow"
    for para in _paragraphs(SOUTHFRONT):
        assert para in c.body
    for junk in ("Support SouthFront", "2,500 $", "0 $", "Notify of", "Inline Feedbacks",
                 "View all comments", "Would love your thoughts"):
        assert junk not in c.body
        assert any(junk in r for r in c.removed)
    assert "Syrian & Turkish Officials May Meet in Moscow" not in c.body


def test_cross_page_repetition_removes_outlet_lines():
    page = "Daily Planet - all the news\nMinisters met in Metropolis on Monday to agree a new budget for the city.\nShare your story with the Planet team"
    other = "Daily Planet - all the news\nA different story about the harbour, which reopened today after long repairs.\nShare your story with the Planet team"
    counts: Counter[bytes] = Counter()
    for p in (page, other):
        counts.update({line_key(ln) for ln in p.split("\n")})
    c = clean_text(page, outlet_lines=counts)
    assert "Share your story" not in c.body
    assert "Ministers met" in c.body


def test_html_extraction_and_date_from_markup():
    html = """<html><head><title>Port reopens</title>
    <meta property="article:published_time" content="2021-03-04T10:00:00Z"></head>
    <body><nav>Home | World | Sport</nav><article><h1>Port reopens after storm</h1>
    <p>The harbour of Valparaíso reopened on Wednesday after three days of closure caused by the storm, officials said.</p>
    <p>Shipping companies said the delays would cost millions, according to the port authority.</p></article>
    <footer>© 2021 Coast Times. All rights reserved.</footer></body></html>"""
    page = extract_html(html, "https://coast.example/news/port")
    assert "Valparaíso reopened" in page.body
    assert "Home | World" not in page.body
    assert str(page.published.value) == "2021-03-04"
    assert page.published.method.value == "metadata"
    assert any("All rights reserved" in r for r in page.removed)
    assert "Home" in html_to_text(html)


def test_date_from_url():
    assert str(date_from_url("https://x.com/2019/12/31/ducks-lose")) == "2019-12-31"
    assert date_from_url("https://x.com/news/12345") is None
