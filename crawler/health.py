"""Page health: is a fetched page the site's content at all? Decided before extraction.

A site that breaks rarely says so: a bot wall or a JavaScript challenge comes back with status
200 or 202, a removed article as a friendly "page not found" with status 200, a broken backend
as an empty shell. :func:`classify_page` is a pure function of (status, HTML) and returns one of

* ``ok`` — a page worth extracting;
* ``blocked`` — a challenge, captcha or bot-wall page (whatever the status);
* ``soft_404`` — a "not found" page served with a success status;
* ``empty`` — next to no visible text;
* ``parse_failure`` — not parseable as HTML.

The spider counts the classes (``health/<class>`` stats), does not extract ``blocked`` and
``soft_404`` pages (:data:`NOT_EXTRACTED`) and records the class of every other page on its items
(``page_class``); ``newsarc extract`` does the same; ``newsarc run`` reports the counts per site
and fails a site that serves a bot wall.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["HEALTH_CLASSES", "NOT_EXTRACTED", "classify_page"]

HEALTH_CLASSES = ("ok", "blocked", "soft_404", "empty", "parse_failure")
#: Classes of pages that are not the site's content: not extracted (no items).
NOT_EXTRACTED = frozenset({"blocked", "soft_404"})

#: Markers of the challenge pages of bot-protection vendors (as they write them, found with ``in``:
#: a regular expression over 64 KiB costs milliseconds, a substring search microseconds).
_BLOCK_MARKERS = (
    "cf-challenge",
    "cf_chl_",
    "/cdn-cgi/challenge-platform",
    "px-captcha",
    "_incapsula_resource",
    "captcha-delivery.com",
    'id="challenge-form"',
    'id="challenge-running"',
    "id='challenge-running'",
    "id='challenge-form'",
)
#: Captcha widgets: a wall when they are nearly all there is (articles have comment forms).
_CAPTCHA = ("g-recaptcha", "h-captcha", "hcaptcha.com", "cf-turnstile")
_CAPTCHA_WALL_TEXT = 600
#: Every marker above contains one of these.
_VENDOR_WORDS = ("challenge", "captcha", "incapsula", "cf_chl_", "turnstile")
#: Titles and headings of challenge pages (only believed on pages with little text).
_BLOCK_TITLES = re.compile(
    r"just a moment|attention required|access denied|are you a (?:robot|human)|"
    r"verify(?:ing)? (?:that )?you are (?:a )?human|checking your browser|"
    r"bot (?:check|verification|protection)|ddos protection|security check|"
    r"please enable (?:javascript|cookies)|pardon our interruption|request blocked",
    re.IGNORECASE,
)
#: Titles and headings of "not found" pages ("Body not found after search" is news, not this).
_NOT_FOUND = re.compile(
    r"^\W*(?:error\W*)?404\b|\b404\W*(?:error|not found)|page not found|"
    r"page (?:you requested )?(?:does not|doesn.t) exist|page (?:is )?no longer available|"
    r"seite nicht gefunden|page introuvable|страница не найдена",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_MARKER_BYTES = 32 * 1024  # challenge pages are small; their markers come early
_SMALL_PAGE = 4 * 1024  # below this the visible text is measured (one parse)
_MIN_TEXT = 80  # visible characters; less is an empty page
_FEW_WORDS = 2000  # a challenge or not-found page has less visible text than this
_INVISIBLE = ("script", "style", "noscript", "template", "head")


def _visible_length(html: str) -> int:
    """How many characters of text a reader sees (scripts, styles and the head left out)."""
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), etree.HTMLParser())
    except (etree.ParserError, ValueError):
        return 0
    if root is None:
        return 0
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    return len("".join("".join(str(t) for t in root.itertext()).split()))


def _first(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    return " ".join(_TAGS.sub(" ", match.group(1)).split()) if match else ""


def classify_page(status: int, html: str) -> str:
    """The health class of a page (see the module docstring).

    Substring searches and two short regular expressions on ordinary pages (this runs on every
    page of a crawl: 0.3 ms on the benchmark's real pages, busy machine); the visible text is
    measured (one lxml parse) only on small or suspicious pages.
    """
    if not html.strip():
        return "empty"
    head = html[:_MARKER_BYTES]
    if "<" not in head or "\x00" in head[:1024]:
        return "parse_failure"  # not markup at all (binary, or plain text served as HTML)
    heading = f"{_first(_TITLE, head)} | {_first(_H1, head)}"
    suspicious = bool(_BLOCK_TITLES.search(heading) or _NOT_FOUND.search(heading))
    small = len(html) < _SMALL_PAGE
    # Vendors write these in lower case; lower-casing 64 KiB of text would cost more than all
    # the rest.
    vendor = any(word in head for word in _VENDOR_WORDS)  # one pass each, usually all misses
    marker = vendor and any(m in head for m in _BLOCK_MARKERS)
    captcha = vendor and any(m in head for m in _CAPTCHA)
    if not (suspicious or small or marker or captcha or status in (202, 403, 429, 503)):
        return "ok"
    text = _visible_length(html)
    if marker and text < _FEW_WORDS * 4:
        return "blocked"
    if captcha and text < _CAPTCHA_WALL_TEXT:
        return "blocked"
    if text < _FEW_WORDS and (_BLOCK_TITLES.search(heading) or status in (202, 403, 429, 503)):
        return "blocked"
    if text < _FEW_WORDS and _NOT_FOUND.search(heading):
        return "soft_404"
    if text < _MIN_TEXT:
        return "empty"
    return "ok"
