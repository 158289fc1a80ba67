"""Links: every http(s) link of a page, and the RSS/Atom feeds it declares.

URLs are resolved against ``<base href>`` (else the page URL), stripped of their fragment and
deduplicated in document order. The spider filters them; nothing here decides what to follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

if TYPE_CHECKING:
    from lxml.etree import _Element as Element

__all__ = ["FEED_TYPES", "UrlResolver", "extract_links"]

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
_MAX_URL_CHARS = 4096


class UrlResolver:
    """Resolves hrefs found on one page to absolute, fragment-free http(s) URLs (memoised)."""

    def __init__(self, page_url: str, root: Element | None = None) -> None:
        base = page_url
        if root is not None:
            for el in root.iter("base"):
                href = (el.get("href") or "").strip()
                if href:
                    base = urljoin(page_url, href)
                break
        self.base = base
        parts = urlsplit(base)
        # Root-relative hrefs ("/news/x") are joined by hand: urljoin is the hot spot of link
        # extraction and this case is most of a news page's links.
        self._origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        self._cache: dict[str, str | None] = {}

    def __call__(self, href: str | None) -> str | None:
        """Absolute URL for ``href``, or ``None`` for non-http(s) and unusable values."""
        if not href:
            return None
        try:
            return self._cache[href]
        except KeyError:
            pass
        result: str | None = None
        value = href.strip()
        if value and len(value) <= _MAX_URL_CHARS and not value.startswith("#"):
            if value.startswith(("http://", "https://")) and "/." not in value:
                absolute = value.partition("#")[0]
            elif (
                self._origin
                and value.startswith("/")
                and not value.startswith("//")
                and "/." not in value
                and "\\" not in value
            ):
                absolute = self._origin + value.partition("#")[0]
            else:
                try:
                    absolute = urldefrag(urljoin(self.base, value))[0]
                except ValueError:  # e.g. an invalid IPv6 host in the href
                    absolute = ""
            if absolute.startswith(("http://", "https://")):
                result = absolute
        self._cache[href] = result
        return result


def extract_links(root: Element, resolve: UrlResolver) -> tuple[list[str], list[str]]:
    """Return (links, feeds) of a parsed page, each deduplicated in document order."""
    links: dict[str, None] = {}
    feeds: dict[str, None] = {}
    for el in root.iter("a", "area", "link"):
        if el.tag == "link":
            rel = (el.get("rel") or "").lower().split()
            kind = (el.get("type") or "").split(";")[0].strip().lower()
            if "alternate" in rel and kind in FEED_TYPES:
                url = resolve(el.get("href"))
                if url:
                    feeds.setdefault(url)
            continue
        url = resolve(el.get("href"))
        if url:
            links.setdefault(url)
    return list(links), list(feeds)
