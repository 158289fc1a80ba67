"""Page health: is a fetched page the site's content at all? Decided before extraction.

A site that breaks rarely says so: a bot wall or a JavaScript challenge comes back with status
200 or 202, a removed article as a friendly "page not found" with status 200, a broken backend
as an empty shell. :func:`classify_page` is a pure function of (status, HTML) and returns one of

* ``ok`` — a page worth extracting;
* ``blocked`` — a challenge, captcha or bot-wall page (whatever the status);
* ``soft_404`` — a "not found" page served with a success status;
* ``empty`` — next to no visible text;
* ``parse_failure`` — not parseable as HTML.

The spider counts the classes (``health/<class>`` stats) and extracts only ``ok`` pages;
``newsarc run`` reports them per site and fails a site that serves a bot wall.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["HEALTH_CLASSES", "classify_page"]

HEALTH_CLASSES = ("ok", "blocked", "soft_404", "empty", "parse_failure")

#: Markers of challenge and bot-wall pages in the page's HTML (vendors' scripts and forms).
_BLOCK_MARKERS = re.compile(
    r"cf-challenge|cf_chl_|/cdn-cgi/challenge-platform|challenges\.cloudflare\.com|"
    r"g-recaptcha|h-captcha|hcaptcha\.com|px-captcha|_incapsula_resource|"
    r"captcha-delivery\.com|geo\.captcha|perimeterx|"
    r"id=[\"']?challenge-(?:form|running|stage)",
    re.IGNORECASE,
)
#: Titles and headings of challenge pages.
_BLOCK_TITLES = re.compile(
    r"just a moment|attention required|access denied|are you a (?:robot|human)|"
    r"verify(?:ing)? (?:that )?you are (?:a )?human|checking your browser|"
    r"bot (?:check|verification|protection)|ddos protection|security check|"
    r"please enable (?:javascript|cookies)|captcha|pardon our interruption",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(
    r"\b404\b|page not found|not found|no longer available|doesn.t exist|does not exist|"
    r"nicht gefunden|page introuvable|страница не найдена|не найдена",
    re.IGNORECASE,
)
_HEAD_BYTES = 256 * 1024
_MIN_TEXT = 80  # visible characters; less is an empty page
_INVISIBLE = ("script", "style", "noscript", "template", "head")


def _visible_text(root: etree._Element) -> str:
    """The page's visible text (the tree is ours: scripts and styles are cut out of it)."""
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    return " ".join(" ".join(str(t) for t in root.itertext()).split())


def _first_text(root: etree._Element, tag: str) -> str:
    node = next(root.iter(tag), None)
    if node is None:
        return ""
    return " ".join(" ".join(str(t) for t in node.itertext()).split())


def classify_page(status: int, html: str) -> str:
    """The health class of a page (see the module docstring)."""
    head = html[:_HEAD_BYTES]
    if not head.strip():
        return "empty"
    try:
        root = etree.fromstring(head.encode("utf-8", "replace"), etree.HTMLParser())
    except (etree.ParserError, ValueError):
        return "parse_failure"
    if root is None:
        return "parse_failure"
    title = _first_text(root, "title")
    heading = _first_text(root, "h1")
    text = _visible_text(root)
    if _BLOCK_MARKERS.search(head) or (
        _BLOCK_TITLES.search(f"{title} {heading}") and len(text) < 2000
    ):
        return "blocked"
    if status in (202, 403, 429, 503) and len(text) < 2000:
        return "blocked"
    if _NOT_FOUND.search(f"{title} | {heading}") and len(text) < 3000:
        return "soft_404"
    if len(text) < _MIN_TEXT:
        return "empty"
    return "ok"
