"""What a response's ``Content-Type`` says it is: a feed or sitemap, an HTML page, or neither.

The spider and ``newsarc extract`` must agree on which responses are pages (re-extracting a
crawl's WARC files gives the items the crawl wrote), so both classify responses here.
"""

from __future__ import annotations

__all__ = ["FEED_TYPES", "is_feed", "is_html"]

#: Substrings of a Content-Type that mark a feed or a sitemap (RSS, Atom, RDF, any XML).
FEED_TYPES = ("rss", "atom", "rdf", "xml")


def is_feed(content_type: str | None) -> bool:
    """Whether ``content_type`` names a feed or sitemap (parsed as XML, never extracted)."""
    lowered = (content_type or "").lower()
    return any(kind in lowered for kind in FEED_TYPES)


def is_html(content_type: str | None) -> bool:
    """Whether ``content_type`` names HTML; a missing or empty one is taken as HTML."""
    return "html" in ((content_type or "").lower() or "html")
