"""Render an HTML page as the plain text a scraper would save: every visible line, junk included.

This is the input of the plain-text boilerplate benchmark. It keeps navigation,
footers, sidebars, comment widgets and banners (a scraper keeps them) and drops
only what a browser never shows as text: scripts, styles, ``<head>``, templates.
Block elements start new lines; whitespace inside a line is collapsed.
"""

from __future__ import annotations

import re

from lxml import etree, html

# Elements whose content is never rendered as text.
DROP = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "meta", "link", "svg", "math",
     "iframe", "object", "embed", "canvas", "select", "option", "datalist"}
)

# Elements that begin and end a line in a browser's rendering.
BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
     "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
     "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
     "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table",
     "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "button", "textarea", "label"}
)

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b\u2028\u2029]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _parse(page: str) -> etree._Element | None:
    page = _XML_DECL.sub("", page, count=1)
    if not page.strip():
        return None
    parser = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return html.fromstring(page.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


def render_text(page: str) -> str:
    """The visible text of an HTML page, one rendered line per line.

    Args:
        page: the HTML source.

    Returns:
        The page's text with block elements on their own lines, blank lines
        removed and runs of spaces collapsed; "" for an empty page.

    Example:
        >>> render_text("<p>Hello <b>world</b></p><script>x()</script><div>Menu</div>")
        'Hello world\\nMenu'
    """
    root = _parse(page)
    if root is None:
        return ""
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if tag in DROP or not tag:
                walker.skip_subtree()
                # An "end" event still follows for a skipped element; its tail is emitted there.
                continue
            if tag in BLOCK:
                parts.append("\n")
            if element.text:
                parts.append(element.text)
        else:
            if tag in BLOCK:
                parts.append("\n")
            if element.tail:
                parts.append(element.tail)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
