"""Item types written to JSON Lines: the main article of a page and the sidebar headline items.

Both are plain dataclasses handled through ``ItemAdapter``. The envelope fields (``site``,
``crawl_id``, ``fetched_at``, ``warc``, ``page_class``) say where and when an item was captured and
what the page was; the extractor leaves ``crawl_id``, ``warc`` and ``page_class`` empty and the
spider (or ``newsarc extract``) fills them in.
The published JSON Schema lives next to this module (``schema/items.schema.json``) and a test
keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SCHEMA_VERSION", "ArticleItem", "HeadlineItem", "PageItems", "WarcRef"]

#: Bumped whenever a field is added, removed or changes meaning.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class WarcRef:
    """Where the WARC record an item came from lives."""

    filename: str
    """File name of the WARC file, relative to the crawl's ``warc/`` folder."""
    offset: int
    """Byte offset of the record's gzip member in the file."""
    length: int
    """Length in bytes of the record's gzip member."""
    record_id: str
    """The record's ``WARC-Record-ID`` (``<urn:uuid:…>``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "offset": self.offset,
            "length": self.length,
            "record_id": self.record_id,
        }


@dataclass(kw_only=True)
class ArticleItem:
    """The main article of an article page. Listing pages yield none."""

    type: str = "article"
    """Always ``"article"``."""
    schema_version: int = SCHEMA_VERSION
    """Version of the item schema this item follows."""
    site: str = ""
    """Site name: the profile's name, else the host name of the page."""
    crawl_id: str | None = None
    """Identifier of the crawl that captured the page (null when re-extracted from bare HTML)."""
    fetched_at: str = ""
    """Capture time of the page, ISO 8601 in UTC."""
    warc: dict[str, Any] | None = None
    """Provenance: ``{filename, offset, length, record_id}`` of the WARC record read."""
    page_class: str | None = None
    """Health class of the page, decided before extraction (``crawler.health``): ``ok``,
    ``empty`` or ``parse_failure`` (``blocked`` and ``soft_404`` pages are not extracted);
    null when the page was not classified (items built outside a crawl or ``newsarc extract``)."""
    url: str = ""
    """URL the page was fetched from (after redirects)."""
    canonical_url: str | None = None
    """The page's declared canonical URL, absolute, or null."""
    title: str = ""
    """Headline of the article."""
    lead: str | None = None
    """Standfirst / summary shown above the body, or null."""
    text: str = ""
    """Body paragraphs in order, joined by a blank line; no boilerplate."""
    authors: list[str] = field(default_factory=list)
    """Author names, without "By" or job titles."""
    published_at: str | None = None
    """Publication time, ISO 8601 with the site's UTC offset, or null."""
    modified_at: str | None = None
    """Last modification time, ISO 8601 with the site's UTC offset, or null."""
    language: str | None = None
    """Language of the article as a BCP 47 tag, or null."""
    section: str | None = None
    """Section or category of the article, or null."""
    tags: list[str] = field(default_factory=list)
    """Keywords / tags of the article."""
    images: list[dict[str, Any]] = field(default_factory=list)
    """Images of the article: ``{url, caption, alt}``, lead image first."""
    word_count: int = 0
    """Number of words in ``text``."""
    extraction: dict[str, Any] = field(default_factory=dict)
    """How the item was extracted: ``{method: "profile" | "auto", extractor_version}``."""
    flags: list[str] = field(default_factory=list)
    """Caveats about this item, such as ``timezone_assumed_utc``."""


@dataclass(kw_only=True)
class HeadlineItem:
    """One entry of a sidebar or teaser block ("Most read", "Latest", …) seen on a page."""

    type: str = "headline"
    """Always ``"headline"``."""
    schema_version: int = SCHEMA_VERSION
    """Version of the item schema this item follows."""
    site: str = ""
    """Site name: the profile's name, else the host name of the page."""
    crawl_id: str | None = None
    """Identifier of the crawl that captured the page (null when re-extracted from bare HTML)."""
    fetched_at: str = ""
    """Capture time of the page the item was seen on, ISO 8601 in UTC."""
    warc: dict[str, Any] | None = None
    """Provenance: ``{filename, offset, length, record_id}`` of the WARC record read."""
    page_class: str | None = None
    """Health class of the page the item was seen on (as for articles: ``ok``, ``empty``,
    ``parse_failure``, or null when not classified)."""
    source_url: str = ""
    """URL of the page the item was seen on."""
    block: str | None = None
    """Heading of the block, e.g. "Most read", or null when the block has none."""
    position: int = 0
    """1-based rank of the item in its block."""
    title: str = ""
    """Headline text of the item."""
    url: str = ""
    """Absolute URL the item links to."""
    views: int | None = None
    """View count as an integer, or null."""
    views_raw: str | None = None
    """View count as shown on the page, e.g. "1,2 тыс."."""
    published_at: str | None = None
    """Time shown with the item, resolved against the capture time; ISO 8601 with offset."""
    published_raw: str | None = None
    """Time as shown on the page, e.g. "Yesterday, 23:59"."""
    image: str | None = None
    """Absolute URL of the item's image, or null."""
    flags: list[str] = field(default_factory=list)
    """Caveats about this item, such as ``timezone_assumed_utc``."""


@dataclass
class PageItems:
    """A page's items (its article and its headline items) passed through Scrapy as one.

    Not an item type of the dataset, and never seen by a pipeline, a feed export or an
    ``item_scraped`` receiver: with ``NEWSARC_PAGE_ITEMS`` the spider yields one per page, so
    Scrapy's own work per item (the spider-middleware chain, a task, the pipeline chain) is paid
    once per page instead of about six times, and
    :class:`pipelines.members.PageItemsPipelineManager` (``ITEM_PROCESSOR``) runs every item
    pipeline on each member and reports each member as Scrapy reports an item.
    """

    items: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Members a pipeline failed on (an error, not a drop): the page is fetched again on resume."""
    outcomes: list[Any] = field(default_factory=list, repr=False)
    """What the pipelines made of each member (:class:`pipelines.members.MemberOutcome`)."""
