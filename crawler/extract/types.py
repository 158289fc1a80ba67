"""Input and output types of the extractor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.items import ArticleItem, HeadlineItem
    from crawler.profile import SiteProfile

__all__ = ["PageInput", "PageResult", "PageType"]

PageType = Literal["article", "listing", "other"]
_REASON_HEAD = re.compile(r"[(,:]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class PageInput:
    """Everything extraction may depend on. Time is passed in, never read from the clock."""

    url: str
    """URL the page was fetched from (after redirects)."""
    html: str
    """The decoded HTML (see :func:`crawler.extract.text.decode_html` for bytes)."""
    fetched_at: datetime
    """Capture time, timezone-aware."""
    profile: SiteProfile | None = None
    """The site's profile, if any; its settings win over what the page suggests."""


@dataclass
class PageResult:
    """What one page yields."""

    page_type: PageType
    article: ArticleItem | None = None
    headlines: list[HeadlineItem] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """Absolute http(s) links of the page, fragment-free, first occurrence order, no duplicates."""
    feeds: list[str] = field(default_factory=list)
    """RSS/Atom feeds the page declares with ``<link rel="alternate">``."""
    reason: str | None = None
    """Why there is no article, when there is none (e.g. ``"listing page"``)."""
    untitled: ArticleItem | None = None
    """The article of a page with an article's text but no headline (title ``""``, flagged
    ``no_headline``; ``article`` is None and ``reason`` says why). Never an item by itself: a
    feed's or news sitemap's title for the page makes it the article
    (:func:`crawler.discovery.fill_from_discovered`), else the page stays ``other``."""

    @property
    def reason_code(self) -> str | None:
        """``reason`` as a short name for counting: its words before any "(", "," or ":"
        (``listing_page``, ``no_article_text_found``, ``empty_document``, ``binary_content``,
        ``html_nested_deeper_than_the_parser_s_256_levels``, ``extraction_failed`` …)."""
        if not self.reason:
            return None
        head = _REASON_HEAD.split(self.reason, maxsplit=1)[0]
        return _NON_WORD.sub("_", head.strip().lower()).strip("_") or None
