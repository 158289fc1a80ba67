"""What a response is, from its ``Content-Type`` (and, where that is ambiguous, its first bytes):
a feed or sitemap, an HTML page, or neither.

The spider and ``newsarc extract`` must agree on which responses are pages (re-extracting a
crawl's WARC files gives the items the crawl wrote), so both classify responses here.

* A type naming HTML is a page: ``text/html``, and XHTML (``application/xhtml+xml``,
  ``application/vnd.wap.xhtml+xml``), whose names also contain "xml".
* A missing or empty type is taken as a page.
* A type naming a feed (RSS, Atom, RDF) is a feed.
* Any other XML type (``application/xml``, ``text/xml``, ``…+xml``) says nothing about what is
  inside: sitemaps and feeds are served that way, and so are some XHTML pages. The body's root
  element decides (:func:`sniff_root`): ``<html>`` is a page; anything else (``<urlset>``,
  ``<sitemapindex>``, ``<rss>``, ``<feed>``, ``<rdf:RDF>``…), or a body not given, a feed.
"""

from __future__ import annotations

import re

__all__ = ["FEED_TYPES", "SNIFF_BYTES", "is_feed", "is_html", "needs_sniffing", "sniff_root"]

#: Substrings of a Content-Type that mark a feed (RSS, Atom, RDF).
FEED_TYPES = ("rss", "atom", "rdf")
#: How much of a body :func:`sniff_root` needs to see (declaration, comments, doctype, root).
SNIFF_BYTES = 2048

_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
# The first start tag: not a declaration (<?xml …?>), doctype or comment (<!…>), nor an end tag.
_ROOT = re.compile(rb"<\s*([A-Za-z_][\w.:-]*)")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def needs_sniffing(content_type: str | None) -> bool:
    """Whether ``content_type`` is generic XML, so that only the body says what it is."""
    media = _media_type(content_type)
    return "xml" in media and "html" not in media and not any(k in media for k in FEED_TYPES)


def sniff_root(head: bytes) -> str | None:
    """The lower-case local name of the root element in the first bytes of an XML body."""
    match = _ROOT.search(_COMMENT.sub(b"", head[:SNIFF_BYTES]))
    if match is None:
        return None
    return match.group(1).decode("ascii", "replace").rsplit(":", 1)[-1].lower()


def is_feed(content_type: str | None, head: bytes | None = None) -> bool:
    """Whether a response is a feed or sitemap (parsed as XML, never extracted).

    ``head`` is the start of the body (:data:`SNIFF_BYTES` are enough); it is looked at only
    when the type is generic XML, where ``<html>`` as the root makes the response a page.
    """
    media = _media_type(content_type)
    if "html" in media:
        return False
    if any(kind in media for kind in FEED_TYPES):
        return True
    if "xml" not in media:
        return False
    return head is None or sniff_root(head) != "html"


def is_html(content_type: str | None, head: bytes | None = None) -> bool:
    """Whether a response is an HTML (or XHTML) page to extract; no Content-Type means HTML.

    ``head``: as for :func:`is_feed`; generic XML whose root is ``<html>`` is a page.
    """
    media = _media_type(content_type)
    if not media or "html" in media:
        return True
    return needs_sniffing(content_type) and head is not None and sniff_root(head) == "html"
