"""robots.txt handling that fails closed, as RFC 9309 asks.

Scrapy's ``RobotsTxtMiddleware`` parses whatever body comes back: a 503 error page becomes
"allow everything", and so does a robots.txt that could not be fetched at all. This subclass
treats a 5xx answer or a failed fetch as "disallow everything" for the rest of the crawl, and a
4xx answer as "no rules" (allow), as the RFC says. Every decision is logged and counted.

It also closes a hole in Scrapy 2.19's middleware: requests that wait together for a site's
robots.txt (several start URLs, a resumed crawl) were all let through unchecked but the first
(see :meth:`StrictRobotsTxtMiddleware.robot_parser`).

Also, the sitemaps that robots.txt declares are announced through Scrapy's ``robots_parsed``
signal with the parser; :meth:`sitemaps_of` reads them from a parser.

A crawl shared by several workers (a frontier that keeps robots.txt bodies: the Redis one,
:meth:`~crawler.frontier.redis.RedisFrontier.robots_txt`) fetches each host's robots.txt once:
the first worker that needs it fetches it and keeps the answer (status and body) in the
frontier; every other worker parses that answer as if it had fetched it itself (the same 5xx
and 4xx rules, the same ``robots_parsed`` signal, so Crawl-delay and declared sitemaps apply
there too). A robots.txt that could not be fetched at all is not kept: each worker tries it
itself. A frontier that cannot be read or written costs only the sharing (a warning; the
worker fetches robots.txt itself).

A robots.txt larger than ``ROBOTSTXT_MAX_SIZE`` is cut there (at the last line break before
it) and only that part is parsed, as RFC 9309 §2.5 allows and Google does at 500 KiB: a 5 MB
file of rules costs neither the parser's time nor its memory, and a rule past the cut is ignored.

Settings: ``ROBOTSTXT_OBEY`` (as in Scrapy), ``ROBOTSTXT_MAX_SIZE``.
Stats: ``robotstxt/disallow_all/<reason>``, ``robotstxt/truncated``, ``robotstxt/shared``
(robots.txt answers another worker fetched), ``robotstxt/kept`` (answers this worker kept for
the others).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawler.failures import fetch_failure
from crawler.frontier.extension import frontier_of
from crawler.frontier.redis import RedisFrontier

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

__all__ = ["StrictRobotsTxtMiddleware", "sitemaps_of"]

logger = logging.getLogger(__name__)

_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def sitemaps_of(robotparser: Any) -> list[str]:
    """Sitemap URLs declared in a parsed robots.txt (Protego-backed parsers), else []."""
    protego = getattr(robotparser, "rp", None)
    return list(getattr(protego, "sitemaps", []) or [])


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` where a 5xx or an unreachable robots.txt disallows the site."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_size = crawler.settings.getint("ROBOTSTXT_MAX_SIZE")
        # netloc -> why its robots.txt made us refuse the whole site
        self.refusals: dict[str, str] = {}
        # netlocs whose robots.txt is being parsed from another worker's fetch
        self._from_shared: set[str] = set()

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        if url.netloc not in self._parsers:
            await self._parse_shared(f"{url.scheme}://{url.netloc}/robots.txt", url.netloc, request)
        parser = await super().robot_parser(request)
        if parser is None:
            # Scrapy 2.19 awaits the shared robots.txt Deferred with asFuture(), whose callback
            # passes no result on: the first request waiting for a site's robots.txt gets the
            # parser, every later one gets None, which Scrapy reads as "no robots.txt, allow".
            # By the time a waiter wakes, the parser is in place: use it. (This subclass never
            # stores None: an unusable robots.txt becomes a disallow-all parser.)
            current = self._parsers.get(urlparse_cached(request).netloc)
            if current is not None and not isinstance(current, Deferred):
                return current
        return parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.refusals:
            self._stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest(f"robots.txt {self.refusals[netloc]}: site treated as disallowed")
        super().process_request_2(rp, request)

    def _shared(self) -> RedisFrontier | None:
        """The crawl's frontier, if it keeps robots.txt for several workers."""
        frontier = frontier_of(self.crawler)
        ledger = frontier.ledger if frontier is not None else None
        return ledger if isinstance(ledger, RedisFrontier) else None

    async def _parse_shared(self, robots_url: str, netloc: str, request: Request) -> None:
        """Parse the robots.txt another worker of the crawl fetched, if there is one."""
        shared = self._shared()
        if shared is None:
            return
        try:
            kept = shared.robots_txt(netloc)
        except OSError as exc:
            logger.warning("Fetching robots.txt of %s here: the frontier: %s", netloc, exc)
            return
        if kept is None or netloc in self._parsers:
            return
        status, body = kept
        self._parsers[netloc] = Deferred()
        self._stats.inc_value("robotstxt/shared")
        self._from_shared.add(netloc)
        try:
            response = Response(robots_url, status=status, body=body)
            await self._parse_robots(response, netloc, request)
        finally:
            self._from_shared.discard(netloc)

    def _keep_shared(self, response: Response, netloc: str) -> None:
        shared = self._shared()
        if shared is None or netloc in self._from_shared:
            return
        try:
            if shared.keep_robots_txt(netloc, response.status, response.body):
                self._stats.inc_value("robotstxt/kept")
        except OSError as exc:
            logger.warning("robots.txt of %s not kept for the other workers: %s", netloc, exc)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status < 400 and self.max_size and len(response.body) > self.max_size:
            response = response.replace(body=self._cut(response.body, netloc))
        self._keep_shared(response, netloc)  # cut first: the other workers get what is read
        if response.status >= 500:
            logger.warning(
                "robots.txt of %s answered %d: treating the site as disallowed (RFC 9309)",
                netloc,
                response.status,
            )
            self._stats.inc_value("robotstxt/disallow_all/http_5xx")
            self.refusals[netloc] = f"answered HTTP {response.status}"
            response = response.replace(body=_DISALLOW_ALL)
        elif 400 <= response.status < 500:
            # RFC 9309: "unavailable" robots.txt means no restrictions.
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _cut(self, body: bytes, netloc: str) -> bytes:
        """The first ``max_size`` bytes of ``body``, ending at a line break (no half rule)."""
        head = body[: self.max_size]
        end = max(head.rfind(b"\n"), head.rfind(b"\r"))
        kept = head[: end + 1] if end >= 0 else b""
        logger.warning(
            "robots.txt of %s is %d bytes: only its first %d bytes are read (ROBOTSTXT_MAX_SIZE)",
            netloc,
            len(body),
            len(kept),
        )
        self._stats.inc_value("robotstxt/truncated")
        return kept

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        logger.warning(
            "robots.txt of %s could not be fetched (%s): treating the site as disallowed",
            netloc,
            exc,
        )
        self._stats.inc_value("robotstxt/disallow_all/fetch_error")
        code, detail = fetch_failure(exc)
        self.refusals[netloc] = f"could not be fetched ({code}: {detail})"
        parser = build_from_crawler(self._parserimpl, self.crawler, _DISALLOW_ALL)
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)
