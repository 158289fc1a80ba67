"""Value types of the demo site: articles, sidebar headlines and responses (the ground truth)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["SECTIONS", "SITE_NAME", "SITE_TZ", "DemoArticle", "DemoHeadline", "DemoResponse"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][”’])\s+")

#: The site's own timezone: every machine-readable time on the site carries this offset.
SITE_TZ = timezone(timedelta(hours=3))

SITE_NAME = "Demo Times"

#: Section slug (first path segment) → name shown on the site and in ``article:section``.
SECTIONS: dict[str, str] = {
    "world": "World",
    "business": "Business",
    "politics": "Politics",
    "technology": "Technology",
    "culture": "Culture",
}


@dataclass(frozen=True)
class DemoHeadline:
    """One entry of a sidebar headline block, exactly as the page shows it."""

    title: str
    """The headline text."""
    path: str
    """Root-relative link target (an article of the site)."""
    views: int | None
    """The view count the text denotes ("1.2K views" → 1200), or ``None`` if none is shown."""
    views_raw: str | None
    """The view count exactly as shown, or ``None``."""
    time_raw: str | None
    """The time exactly as shown ("17:36", "Yesterday, 23:59", "5 minutes ago"), or ``None``."""
    position: int
    """1-based rank in the block."""
    image_path: str | None = None
    """Root-relative thumbnail shown with the headline, or ``None``."""


@dataclass(frozen=True)
class DemoArticle:
    """One article page and what a perfect extractor should get out of it."""

    path: str
    """Root-relative URL path, e.g. ``/world/2025/12/03/some-slug.html``."""
    section: str
    """Section name as shown and in ``article:section`` (e.g. ``"World"``)."""
    title: str
    lead: str | None
    """The standfirst shown under the headline (not part of the body), or ``None``."""
    paragraphs: list[str]
    """The clean body, one string per paragraph."""
    authors: list[str]
    published: datetime
    """Publication time, aware, in the site's timezone (UTC+03:00)."""
    modified: datetime | None
    image_path: str | None
    """Root-relative lead image, or ``None``."""
    image_caption: str | None
    tags: list[str]
    sidebar_block: str
    """Heading of the sidebar headline block (e.g. ``"Most read"``)."""
    sidebar: list[DemoHeadline]
    sidebar_style: str
    """Name of the sidebar markup: ``feed``, ``latest``, ``ranked``, ``cards`` or ``trending``."""
    has_jsonld: bool
    """Whether the page carries a JSON-LD ``NewsArticle``."""

    @property
    def section_slug(self) -> str:
        """First path segment, e.g. ``"world"``."""
        return self.path.split("/")[1]

    @property
    def text(self) -> str:
        """The body as the item's ``text`` field has it: paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def summary(self) -> str:
        """Short teaser text used on listing pages, in feeds and in meta descriptions."""
        if self.lead:
            return self.lead
        return _SENTENCE_END.split(self.paragraphs[0], maxsplit=1)[0]

    def url(self, base_url: str) -> str:
        """Absolute URL of the article under ``base_url`` (no trailing slash)."""
        return base_url + self.path


@dataclass(frozen=True)
class DemoResponse:
    """What the site answers for one path."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers (besides ``Content-Type`` and ``Content-Length``)."""
