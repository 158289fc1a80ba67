"""The generic news spider: crawls one or more news sites from their start URLs.

Crawl policy only; extraction lives in :mod:`crawler.extract` and runs on whatever page comes
back. The spider

* starts from the given URLs and follows same-site links (a seen-set filters links before any
  ``Request`` is built, which is much cheaper than ``follow_all`` on link-dense pages);
* reads the sitemaps robots.txt declares (``robots_parsed`` signal) and the RSS/Atom feeds pages
  declare with ``<link rel="alternate">``, and accepts a feed or sitemap as a start URL;
* hands each HTML page to :func:`crawler.extract.extract_page` and yields the article item (article
  pages only) and the headline items, stamped with the crawl id and their WARC record.

Arguments (``-a`` with ``scrapy crawl news``, options with ``newsarc crawl``):
``start_urls`` (comma-separated or list), ``profile`` (bundled name or YAML path),
``max_pages`` (pages to fetch at most; 0 = no limit).

Rendering: each page request carries ``meta["playwright"]`` when its site is rendered
(:class:`~crawler.render.policy.RenderPolicy`; ``RENDER_MODE`` from the command line, else the
profile's ``render``, else the setting). In ``auto`` mode a plain page that needs scripts is
requested again in the browser and its site is rendered from then on (``render/auto_detected``).

Frontier: every request carries its kind (``page``, ``feed``, ``sitemap``) for the crawl's
frontier (:mod:`crawler.frontier`; the spider finds it through the crawler, the
:class:`~crawler.frontier.Frontier` extension); links left out by ``max_pages`` are queued there
for a later ``--resume``; a resumed crawl starts from the frontier's queued URLs instead of the
start URLs, and treats every URL of the frontier as seen. A page whose WARC record could not be
written is not processed (it stays queued).

Scheduled crawls (``newsarc run``): ``NEWSARC_FEEDS`` and ``NEWSARC_SITEMAPS`` are read besides
the start URLs; what a feed entry or news sitemap says about a URL (title, date, change time)
travels with its request (:mod:`crawler.discovery`) and fills article fields the page lacks
(flagged ``title_from_<source>``/``published_from_<source>``). With ``INCREMENTAL_STATE``
(:mod:`crawler.incremental`) an article captured in an earlier run is not requested again unless
a feed or sitemap says it changed; then it is asked for conditionally (a 304 ends there). Feeds
and sitemaps are asked for conditionally too where the state kept their body, and a 304 is
read from that body. Every
page is classified before extraction (:func:`crawler.health.classify_page`); bot walls and soft
404s are not extracted (and never enter the incremental state); the class of every other page is
the ``page_class`` of its items.

Settings: ``NEWSARC_CRAWL_ID``, ``NEWSARC_PROFILE``, ``NEWSARC_EXTRACT_WORKERS``,
``DOWNLOAD_MAXSIZE``, ``WARC_ENABLED``, ``FRONTIER_*`` (through the frontier).
Stats: ``newsarc/pages_fetched``, ``newsarc/page_type/<type>``, ``newsarc/non_html``,
``newsarc/feeds``, ``newsarc/feed_errors``, ``newsarc/sitemaps``, ``newsarc/sitemap_errors``,
``newsarc/fetch_failed``, ``newsarc/fetch_failed/<reason>`` (the codes of
:mod:`crawler.failures`), ``newsarc/bombs`` and ``newsarc/bombs/<host>`` (bodies that decoded
past ``DOWNLOAD_MAXSIZE``), ``newsarc/decoding/pages_with_replacements`` and
``newsarc/decoding/replacement_chars`` (U+FFFD put in for undecodable bytes),
``newsarc/skipped/robots``, ``newsarc/unarchived``, ``health/<class>``, ``quality/articles``,
``quality/articles_with_title``, ``quality/articles_with_body``, ``quality/articles_with_date``,
``quality/listing_pages``, ``quality/listing_headlines``, ``discovery/filled/<field>``,
``extract/<spider>/article_missing``, ``extract/<spider>/no_article/<reason code>``,
``extract/<spider>/headlines``, ``extract/<spider>/errors``, and at the end ``seen/fingerprints``,
``seen/bytes`` and ``seen/duplicates`` (the seen-set, :mod:`crawler.seen`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.contenttypes import SNIFF_BYTES, is_feed, is_html
from crawler.discovery import (
    META_DISCOVERED,
    Discovered,
    fill_from_discovered,
    read_feed,
    read_sitemap,
)
from crawler.extract import FLAG_UNDECODABLE, replacements
from crawler.extract.types import PageInput
from crawler.extractpool import ExtractorPool
from crawler.failures import fetch_failure
from crawler.frontier import FAILED, SKIPPED, Entry, Frontier, frontier_of, ledger_url
from crawler.health import NOT_EXTRACTED, classify_page
from crawler.incremental import IncrementalState, content_digest
from crawler.items import PageItems, WarcRef
from crawler.middlewares.robots import sitemaps_of
from crawler.profile import SiteProfile, load_profile
from crawler.render.policy import (
    RENDER_TOO_LARGE_FLAG,
    RenderMode,
    RenderPolicy,
    effective_render_mode,
)
from crawler.seen import SeenSet
from crawler.shutdown import close_spider
from crawler.signals import META_FETCHED_AT, META_KIND, META_URL, META_WARC

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

__all__ = ["NewsSpider"]

logger = logging.getLogger(__name__)

# How Scrapy's HttpCompressionMiddleware words a body that decodes past DOWNLOAD_MAXSIZE.
_BOMB_WORDS = "during decompression"

#: feedparser "bozo" reasons that say nothing about the feed's content.
_BENIGN_FEED_ISSUES = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)

_SKIP_EXTENSIONS = frozenset(f".{ext}" for ext in IGNORED_EXTENSIONS) | {".xml", ".gz", ".rss"}


def _split_urls(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value]


def _fetched_at(value: Any) -> datetime:
    """The capture time the WARC extension recorded (ISO string), else now."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return datetime.now(UTC)


def _extract_workers(crawler: Crawler) -> int:
    """NEWSARC_EXTRACT_WORKERS, with "auto" = one worker when there is a spare CPU."""
    value = crawler.settings.get("NEWSARC_EXTRACT_WORKERS", "auto")
    if value in (None, "", "auto"):
        if "asyncio" not in str(crawler.settings.get("TWISTED_REACTOR") or ""):
            return 0  # awaiting the pool needs the asyncio reactor
        return 1 if (os.cpu_count() or 1) > 1 else 0
    return max(0, int(value))


def _setting_urls(value: Any) -> list[str]:
    """A list setting of URLs: a list, or (from ``-s``) a JSON list or comma-separated text."""
    if not value:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return [str(url) for url in json.loads(text)]
        return _split_urls(text)
    return [str(url) for url in value]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _site_host(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


class NewsSpider(scrapy.Spider):
    """Crawl news sites from start URLs; yield article and headline items."""

    name = "news"

    def __init__(
        self,
        start_urls: str | list[str] | None = None,
        profile: str | None = None,
        max_pages: int | str = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # In the form Scrapy requests them (and the ledger keys them): lower-case IDNA host,
        # percent-encoded path, so that the seen-set and the allowed domains match what links
        # and responses give.
        self.start_urls = [ledger_url(url) for url in _split_urls(start_urls)]
        if not self.start_urls:
            raise ValueError("the news spider needs start_urls (-a start_urls=URL[,URL…])")
        self.profile_name = profile
        self.profile: SiteProfile | None = None
        self.max_pages = int(max_pages or 0)
        self.allowed_domains = sorted(
            {_site_host(urlsplit(u).hostname or "") for u in self.start_urls} - {""}
        )
        self.crawl_id: str | None = None
        self.pages_scheduled = 0
        #: Every URL met, as written and as normalised: 64-bit fingerprints (crawler.seen),
        #: ~16 bytes a URL; the frontier's ledger holds the URLs themselves.
        self.seen = SeenSet()
        self.seen_duplicates = 0  # links dropped as met before (stat seen/duplicates)
        self.failures: list[tuple[str, str]] = []
        self.extractor = ExtractorPool(0)
        self.page_items = False
        self.skipped: list[tuple[str, str]] = []
        self.render = RenderPolicy(RenderMode.NEVER)
        self.frontier: Frontier | None = None
        self.require_warc = False
        self.state: IncrementalState | None = None
        self.feeds: list[str] = []
        self.sitemaps: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        name = spider.profile_name or crawler.settings.get("NEWSARC_PROFILE")
        spider.profile = load_profile(name) if name else None
        spider.crawl_id = crawler.settings.get("NEWSARC_CRAWL_ID")
        spider.render = RenderPolicy(effective_render_mode(crawler.settings, spider.profile))
        spider.page_items = crawler.settings.getbool("NEWSARC_PAGE_ITEMS")
        spider.require_warc = crawler.settings.getbool("WARC_ENABLED")
        spider.feeds = [ledger_url(u) for u in _setting_urls(crawler.settings.get("NEWSARC_FEEDS"))]
        spider.sitemaps = [
            ledger_url(u) for u in _setting_urls(crawler.settings.get("NEWSARC_SITEMAPS"))
        ]
        crawler.signals.connect(spider.open_state, signal=signals.spider_opened)
        crawler.signals.connect(spider.open_frontier, signal=signals.spider_opened)
        crawler.signals.connect(spider.open_extractor, signal=signals.spider_opened)
        crawler.signals.connect(spider.close_extractor, signal=signals.spider_closed)
        crawler.signals.connect(spider.count_seen, signal=signals.spider_closed)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def open_frontier(self) -> None:
        """Find the crawl's frontier (None when ``FRONTIER_ENABLED`` is False); the extension
        opens it."""
        self.frontier = frontier_of(self.crawler)

    def open_state(self) -> None:
        """Open the site's incremental state (``INCREMENTAL_STATE``), before any request."""
        try:
            self.state = IncrementalState.from_crawler(self.crawler)
        except NotConfigured:
            self.state = None
        except (OSError, sqlite3.Error) as exc:
            # Without its state the run would fetch the whole site again, unasked: stop instead.
            logger.error("Could not open the incremental state: %s", exc, extra={"spider": self})
            self.state = None
            close_spider(self.crawler, "state_unavailable")

    def open_extractor(self) -> None:
        self.extractor = ExtractorPool(_extract_workers(self.crawler), self.crawler.stats)

    def close_extractor(self) -> None:
        self.extractor.close()

    def count_seen(self) -> None:
        """The seen-set's size in stats: ``seen/fingerprints``, ``seen/bytes``,
        ``seen/duplicates`` (links not followed because they were met before)."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        stats.set_value("seen/fingerprints", len(self.seen))
        stats.set_value("seen/bytes", self.seen.nbytes)
        stats.set_value("seen/duplicates", self.seen_duplicates)

    # --- discovery ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.frontier is not None and self.frontier.resumed:
            for request in self._resume():
                yield request
            return
        for url in self.start_urls:
            self.seen.add(url)
            self.pages_scheduled += 1
            yield Request(
                url,
                callback=self.parse_page,
                errback=self.on_error,
                dont_filter=True,
                meta=self._render_meta(url),
            )
        for kind, urls in (("feed", self.feeds), ("sitemap", self.sitemaps)):
            for url in urls:
                if url in self.seen:
                    continue
                self.seen.add(url)
                yield self._source_request(url, kind, priority=10)

    def _source_request(self, url: str, kind: str, *, priority: int) -> Request:
        """A feed or sitemap request; conditional when the incremental state kept its body."""
        meta: dict[str, Any] = {META_KIND: kind}
        headers = self.state.source_headers(ledger_url(url)) if self.state is not None else {}
        if headers:
            meta["handle_httpstatus_list"] = [304]
        return Request(
            url,
            callback=self.parse_feed if kind == "feed" else self.parse_sitemap,
            errback=self.on_error,
            priority=priority,
            meta=meta,
            headers=headers or None,
        )

    def _source_response(self, response: Response, kind: str) -> Response | None:
        """The feed or sitemap to read: a 304 is read from the body the state kept (None when
        it kept none); a 200 is kept for the next run's conditional request."""
        if self.state is None:
            return response
        url = response.meta.get(META_URL) or ledger_url(response.url)
        fetched_at = _fetched_at(response.meta.get(META_FETCHED_AT))
        if response.status == 304:
            body = self.state.source_body(url)
            if body is None:
                logger.warning(
                    "%s answered 304 but no copy of it is kept; its entries are not followed",
                    response.url,
                    extra={"spider": self},
                )
                return None
            return response.replace(status=200, body=body)
        self.state.source_fetched(
            url,
            kind=kind,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            body=response.body,
            fetched_at=fetched_at,
        )
        return response

    def _resume(self) -> Iterator[Request]:
        """A resumed crawl: every URL of the frontier is seen; the queued ones are fetched."""
        assert self.frontier is not None
        self.seen.update(self.frontier.known_urls())
        pending = list(self.frontier.pending())
        logger.info("Resuming with %d queued URLs", len(pending), extra={"spider": self})
        for entry in pending:
            if entry.kind == "page":
                if self.max_pages and self.pages_scheduled >= self.max_pages:
                    continue  # stays queued in the ledger
                self.pages_scheduled += 1
            yield self.request_for(entry)

    def request_for(self, entry: Entry) -> Request:
        """The request that fetches a frontier entry (a resume, a leasing scheduler)."""
        callbacks = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}
        callback = callbacks.get(entry.kind, self.parse_page)
        meta = self._render_meta(entry.url) if entry.kind == "page" else {}
        meta[META_KIND] = entry.kind
        return Request(
            entry.url,
            callback=callback,
            errback=self.on_error,
            priority=entry.priority,
            dont_filter=True,
            meta=meta,
        )

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Schedule the sitemaps robots.txt declares (same site only)."""
        for url in map(ledger_url, sitemaps_of(robotparser)):
            if self._on_site(url) and url not in self.seen:
                self.seen.add(url)
                assert self.crawler.engine is not None
                self.crawler.engine.crawl(self._source_request(url, "sitemap", priority=10))

    def _render_meta(self, url: str) -> dict[str, Any]:
        """Request meta for a page: its frontier kind, and ``playwright`` when rendered."""
        site = _site_host(urlsplit(url).hostname or "")
        if self.render.render_first(site):
            return {META_KIND: "page", "playwright": True}
        return {META_KIND: "page"}

    def _on_site(self, url: str) -> bool:
        host = _site_host(urlsplit(url).hostname or "")
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def _follow(
        self,
        urls: Iterable[str],
        *,
        priority: int = 0,
        hints: Mapping[str, Discovered] | None = None,
    ) -> Iterator[Request]:
        for link in urls:
            hint = hints.get(link) if hints else None
            # A link met before, as written: one lookup, no normalising (unless it was held back
            # as captured before and a feed or sitemap now says when it changed).
            if link in self.seen and not self._may_have_changed(link, hint):
                self.seen_duplicates += 1
                continue
            self.seen.add(link)
            url = ledger_url(link)  # normalising is idempotent: a seen form is never refetched
            if url != link:
                if url in self.seen and not self._may_have_changed(url, hint):
                    self.seen_duplicates += 1
                    continue
                self.seen.add(url)
            if not self._on_site(url):
                continue
            path = urlsplit(url).path.lower()
            if path.endswith(tuple(_SKIP_EXTENSIONS)):
                continue
            if self.state is not None and not self.state.wants(url, hint.changed if hint else None):
                continue  # captured in an earlier run and not changed since: not requested
            if self.max_pages and self.pages_scheduled >= self.max_pages:
                # Not fetched in this run, but not forgotten: a resume fetches it.
                if self.frontier is not None:
                    self.frontier.defer(url, "page", priority)
                continue
            self.pages_scheduled += 1
            meta = self._render_meta(url)
            headers: dict[str, str] = {}
            if hint is not None:
                meta[META_DISCOVERED] = hint
            if self.state is not None and (headers := self.state.conditional_headers(url)):
                meta["handle_httpstatus_list"] = [304]
            yield Request(
                url,
                callback=self.parse_page,
                errback=self.on_error,
                priority=priority,
                meta=meta,
                headers=headers or None,
            )

    def _may_have_changed(self, url: str, hint: Discovered | None) -> bool:
        """A URL held back by the incremental state, met again with a change time to check."""
        return hint is not None and self.state is not None and self.state.held(url)

    # --- callbacks ---------------------------------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        """An HTML page: extract items, follow links and feeds."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        if response.status == 304 and self.state is not None:  # asked conditionally: unchanged
            self.state.not_modified(
                response.meta.get(META_URL, response.url),
                _fetched_at(response.meta.get(META_FETCHED_AT)),
            )
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        # Generic XML (application/xml, text/xml) may be a sitemap, a feed or an XHTML page.
        head = response.body[:SNIFF_BYTES]
        if is_feed(content_type, head):
            for request in self._parse_xml(response):
                yield request
            return
        if self.require_warc and META_WARC not in response.meta:
            # Not archived (the WARC writer failed): not processed either; the frontier keeps
            # the URL queued for a resume.
            stats.inc_value("newsarc/unarchived")
            return
        stats.inc_value("newsarc/pages_fetched")
        if not isinstance(response, TextResponse) or not is_html(content_type, head):
            stats.inc_value("newsarc/non_html")
            return
        fetched_at = _fetched_at(response.meta.get(META_FETCHED_AT))
        replaced = replacements(response.body, response.text, response.encoding)
        if replaced:
            stats.inc_value("newsarc/decoding/pages_with_replacements")
            stats.inc_value("newsarc/decoding/replacement_chars", replaced)
            logger.info(
                "Decoding %s as %s replaced %d undecodable byte sequence(s) with U+FFFD",
                response.url,
                response.encoding,
                replaced,
                extra={"spider": self},
            )
        health = classify_page(response.status, response.text)
        stats.inc_value(f"health/{health}")
        if health in NOT_EXTRACTED:
            logger.warning(
                "Not extracting %s: the page is %s", response.url, health, extra={"spider": self}
            )
            return
        try:
            result = await self.extractor.extract(
                PageInput(
                    url=response.url,
                    html=response.text,
                    fetched_at=fetched_at,
                    profile=self.profile,
                )
            )
        except Exception:  # an extractor bug must not stop the crawl; it is logged and counted
            stats.inc_value(f"extract/{self.name}/errors")
            logger.exception("Extraction failed on %s", response.url, extra={"spider": self})
            return
        # The title and date a feed or sitemap gave where the page lacks them: a page with no
        # headline becomes an article only so.
        result, filled = fill_from_discovered(result, response.meta.get(META_DISCOVERED))
        for name in filled:
            stats.inc_value(f"discovery/filled/{name}")
        stats.inc_value(f"newsarc/page_type/{result.page_type}")
        # --- rendering (auto): a plain page that needs scripts is fetched again in the browser.
        # A page too large to render (RENDER_MAXSIZE) came plain from a rendered request.
        if not {"playwright", RENDER_TOO_LARGE_FLAG} & set(response.flags):
            reason = self.render.check_plain(
                _site_host(urlsplit(response.url).hostname or ""),
                response.text,
                found_article=result.article is not None or result.page_type != "article",
                found_headlines=bool(result.headlines),
            )
            if reason is not None:
                stats.inc_value("render/auto_detected")
                logger.info(
                    "Rendering %s and the rest of its site in the browser: %s",
                    response.url,
                    reason,
                    extra={"spider": self},
                )
                yield Request(
                    response.url,
                    callback=self.parse_page,
                    errback=self.on_error,
                    dont_filter=True,
                    meta={META_KIND: "page", "playwright": True},
                )
                return
        warc = response.meta.get(META_WARC)
        envelope: dict[str, Any] = {
            "crawl_id": self.crawl_id,
            "warc": warc.as_dict() if isinstance(warc, WarcRef) else None,
            "page_class": health,
        }
        items: list[Any] = []
        article = result.article
        if article is not None:
            stats.inc_value("quality/articles")
            stats.inc_value("quality/articles_with_title", int(bool(article.title)))
            stats.inc_value("quality/articles_with_body", int(bool(article.text)))
            stats.inc_value("quality/articles_with_date", int(bool(article.published_at)))
        if self.state is not None:
            self.state.page_fetched(
                response.meta.get(META_URL, response.url),
                page_type=result.page_type,
                digest=content_digest(
                    article.title if article else None,
                    article.text if article else None,
                    response.body,
                ),
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
                fetched_at=fetched_at,
            )
        if article is not None:
            items.append(dataclasses.replace(article, **envelope))
        elif result.page_type == "article":
            stats.inc_value(f"extract/{self.name}/article_missing")
        if result.article is None and result.reason_code:
            stats.inc_value(f"extract/{self.name}/no_article/{result.reason_code}")
        if result.headlines:
            stats.inc_value(f"extract/{self.name}/headlines", len(result.headlines))
        if result.page_type == "listing":
            # Listing pages are re-captured every run: their headline count is comparable
            # from run to run (newsarc run's history), unlike an incremental run's articles.
            stats.inc_value("quality/listing_pages")
            stats.inc_value("quality/listing_headlines", len(result.headlines))
        items.extend(dataclasses.replace(headline, **envelope) for headline in result.headlines)
        if replaced:  # the text holds U+FFFD where the page's bytes could not be decoded
            items = [dataclasses.replace(i, flags=[*i.flags, FLAG_UNDECODABLE]) for i in items]
        if self.page_items and items:
            yield PageItems(items)  # one unit through Scrapy; the pipelines see every member
        else:
            for item in items:
                yield item
        for request in self._follow_feeds(result.feeds):
            yield request
        for request in self._follow(result.links):
            yield request

    def _follow_feeds(self, feeds: Iterable[str]) -> Iterator[Request]:
        for url in map(ledger_url, feeds):
            if url not in self.seen and self._on_site(url):
                self.seen.add(url)
                yield self._source_request(url, "feed", priority=5)

    def _parse_xml(self, response: Response) -> Iterator[Any]:
        head = response.body[:2048].lower()
        if b"<urlset" in head or b"<sitemapindex" in head:
            yield from self.parse_sitemap(response)
        else:
            yield from self.parse_feed(response)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """An RSS or Atom feed: follow the entries' links."""
        assert self.crawler.stats is not None
        if response.meta.get(META_KIND) == "feed":
            read = self._source_response(response, "feed")
            if read is None:
                return
            response = read
        self.crawler.stats.inc_value("newsarc/feeds")
        feed = read_feed(response.body, response.url)
        hints = feed.hints
        links = list(hints)
        broken = feed.problem
        if not links:
            reason = broken or "no entries with links"
            self.crawler.stats.inc_value("newsarc/feed_errors")
            logger.warning(
                "Feed %s gave no links: %s", response.url, reason, extra={"spider": self}
            )
        elif broken is not None and not isinstance(broken, _BENIGN_FEED_ISSUES):
            # Not well-formed, read by feedparser's lenient parser: its links are followed, and
            # the broken feed is counted.
            self.crawler.stats.inc_value("newsarc/feed_errors")
            logger.warning(
                "Feed %s is not well-formed (%s); read leniently",
                response.url,
                broken,
                extra={"spider": self},
            )
        yield from self._follow(links, priority=1, hints=hints)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """A sitemap or sitemap index (plain or gzipped): follow its URLs."""
        assert self.crawler.stats is not None
        if response.meta.get(META_KIND) == "sitemap":
            read = self._source_response(response, "sitemap")
            if read is None:
                return
            response = read
        stats = self.crawler.stats
        stats.inc_value("newsarc/sitemaps")
        sitemap = read_sitemap(response.body, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        for reason, text in sitemap.problems:
            self._sitemap_problem(response, reason, text)
        if not sitemap.usable:
            return
        entries = [entry["loc"] for entry in sitemap.entries]
        if sitemap.type == "sitemapindex":
            for url in map(ledger_url, entries):
                if url not in self.seen and self._on_site(url):
                    self.seen.add(url)
                    yield self._source_request(url, "sitemap", priority=10)
        else:
            yield from self._follow(entries, priority=1, hints=sitemap.hints())

    def _sitemap_problem(self, response: Response, reason: str, text: str) -> None:
        """Count (``newsarc/sitemap_errors`` and ``…/<reason>``) and log a broken sitemap."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsarc/sitemap_errors")
        self.crawler.stats.inc_value(f"newsarc/sitemap_errors/{reason}")
        logger.warning("Sitemap %s %s", response.url, text, extra={"spider": self})

    def _bomb(self, url: str) -> None:
        """A body that decoded past ``DOWNLOAD_MAXSIZE`` (a decompression bomb): counted per
        host; a host that serves more than one is named in the log (and the crawl summary)."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        host = urlsplit(url).hostname or "?"
        stats.inc_value("newsarc/bombs")
        stats.inc_value(f"newsarc/bombs/{host}")
        served = int(stats.get_value(f"newsarc/bombs/{host}", 0))
        if served == 2:  # once per host: every bomb already has its own "Failed" line
            logger.warning(
                "%s serves decompression bombs (%d so far): each is stopped at DOWNLOAD_MAXSIZE",
                host,
                served,
                extra={"spider": self},
            )

    def on_error(self, failure: Failure) -> None:
        """Count and remember a failed fetch; the CLI reports them."""
        assert self.crawler.stats is not None
        request: Request | None = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        exc = failure.value
        if isinstance(exc, IgnoreRequest) and str(exc) == "Forbidden by robots.txt":
            # The site asked us not to: a decision, not a failure.
            self.crawler.stats.inc_value("newsarc/skipped/robots")
            self.skipped.append((url, "forbidden by robots.txt"))
            logger.info("Skipped %s: forbidden by robots.txt", url, extra={"spider": self})
            if self.frontier is not None and request is not None:
                self.frontier.fetch_failed(request, SKIPPED, "robots")
            return
        closing = self.crawler.engine is not None and not self.crawler.engine.running
        reason, detail = fetch_failure(exc, closing=closing)
        self.crawler.stats.inc_value("newsarc/fetch_failed")
        self.crawler.stats.inc_value(f"newsarc/fetch_failed/{reason}")
        if reason == "too_large" and exc is not None:
            if _BOMB_WORDS in detail:
                self._bomb(url)
            # The error Scrapy chained holds the frames that decoded or read the body, and so
            # up to DOWNLOAD_MAXSIZE bytes of it, as long as this failure lives: several bombs
            # kept several limits' worth of memory (+103 MiB of peak RSS for five bombs and an
            # endless body at a 16 MiB limit). The detail is taken; the chain is not needed.
            exc.__cause__ = exc.__context__ = None
        self.failures.append((url, detail))
        logger.warning("Failed %s: %s", url, detail, extra={"spider": self})
        if self.frontier is not None and request is not None:
            self.frontier.fetch_failed(
                request, FAILED, f"{reason}: {detail}", response=getattr(exc, "response", None)
            )
