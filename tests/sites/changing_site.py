"""A fixture news site that changes between runs, for the tests of ``newsarc run``.

Version 1 has ``n`` articles. :meth:`ChangingSite.advance` publishes two new articles, edits
article 2 (new text, new ETag, new sitemap ``lastmod``), touches article 6 (new ``lastmod``, same
content and ETag: a conditional request gets 304), and raises the "Most read" views. The home
page and the section page are listings with a "Most read" sidebar; ``/rss.xml`` lists the latest
articles, ``/stale.xml`` is a feed that never changes; ``/sitemap-news.xml`` is a Google News
sitemap of every article, with ``lastmod``. The article ``hidden_id`` is linked only from the
sitemap, and its page has no date of its own: the sitemap's publication date fills it. Feeds and
the sitemap carry an ``ETag`` of their content and answer ``304`` to a matching
``If-None-Match`` (:attr:`ChangingSite.source_statuses` logs the status each was answered
with); articles in ``failing_ids`` answer 500. ``sticky_etags`` keeps each article's ETag
whatever its content; ``honours_validators = False`` never answers an article with 304.

Modes: ``challenge`` serves a 200 bot-wall page for every HTML URL; ``refuse`` answers every
HTML URL with 503 and ``Retry-After: throttle_after``; ``throttle_count`` > 0 answers the first
``throttle_count`` article requests with ``throttle_status`` (429, or 503) and
``Retry-After: throttle_after``. ``hold_after`` = k holds every article request after the
first k until :attr:`ChangingSite.released` is set (a mid-crawl point that load cannot move).
:attr:`SiteServer.requests` is the server's own log; :meth:`ChangingSite.article_requests` counts
article fetches per article.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from crawler.demo.server import RequestHeaders, Route

PROFILE = """\
name: changing
timezone: UTC
article_url_patterns: ['/news/']
listing_url_patterns: ['^https?://[^/]+/$', '/world/']
headline_blocks:
  - name: Most read
    container: aside.most-read
    item: li
    title: a
    views: span.views
"""

_RSS = "application/rss+xml"
_WORDS = (
    "The council approved the new budget after a long debate that ran late into the night, "
    "with members divided over the cost of repairs to the old bridge and the schools."
)


@dataclass
class Story:
    id: int
    title: str
    text: str
    published: datetime
    modified: datetime
    etag_salt: int = 0

    @property
    def path(self) -> str:
        return f"/news/2026/12/01/story-{self.id}.html"

    @property
    def etag(self) -> str:
        digest = hashlib.sha1(f"{self.text}|{self.etag_salt}".encode()).hexdigest()[:12]
        return f'"{digest}"'


class ChangingSite:
    """The site's content and its request handler (give :meth:`handle` to a SiteServer)."""

    def __init__(self, n: int = 8, *, slow: float = 0.0, page_size: int = 0) -> None:
        self.version = 1
        # Published an hour apart, the last one an hour ago: sitemap dates are in the past.
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        self.base = now - timedelta(hours=n + 1)
        self.stories = [self._story(i) for i in range(1, n + 1)]
        self.hidden_id = n  # linked from the sitemap only, no date on its page
        self.slow = slow
        self.page_size = page_size  # > 0: /world/ is paginated (/world/p/2/, …)
        self.mode = "ok"
        self.throttle_count = 0
        self.throttle_after = 1
        self.throttle_status = 429  # or 503
        self.crawl_delay = 0.0  # > 0: robots.txt asks for this Crawl-delay
        self.sidebar_size = 5  # entries of the "Most read" block (0: the block is gone)
        self.teasers = True  # False: the listings' lists of latest articles are gone
        self.failing_ids: set[int] = set()  # articles answered with 500
        # A server that keeps an article's ETag whatever its content, and/or never answers 304.
        self.sticky_etags = False
        self.honours_validators = True
        self.request_times: list[float] = []  # every request but robots.txt, as it arrived
        self.article_times: list[float] = []
        self.refused_times: list[float] = []
        self.source_statuses: list[tuple[str, int]] = []  # (feed or sitemap path, status sent)
        # Not None: article requests after the first ``hold_after`` wait (up to a minute) for
        # ``released``, so a test can act mid-crawl however slow a loaded machine makes it.
        self.hold_after: int | None = None
        self.released = threading.Event()
        self._article_arrivals = 0
        self._lock = threading.Lock()

    def _story(self, i: int) -> Story:
        when = self.base + timedelta(hours=i)
        text = "\n".join(f"<p>Story {i}, paragraph {p}. {_WORDS}</p>" for p in range(1, 6))
        return Story(i, f"Council story number {i} about the bridge", text, when, when)

    def edit(self, ids: list[int]) -> None:
        """Edit these articles (new text, ETag and sitemap lastmod)."""
        with self._lock:
            now = datetime.now(UTC) + timedelta(minutes=1)
            for story in self.stories:
                if story.id in ids:
                    story.text = story.text.replace("paragraph 2.", "paragraph 2 (edited).")
                    story.modified = now

    def advance(self) -> None:
        """The next version: two new articles, one edited, one touched, views up."""
        with self._lock:
            self.version += 1
            now = datetime.now(UTC) + timedelta(minutes=1)
            for _ in range(2):
                story = self._story(len(self.stories) + 1)
                self.stories.append(story)
            edited = self.stories[1]  # article 2
            edited.text = edited.text.replace("paragraph 1.", "paragraph 1 (updated).")
            edited.modified = now
            touched = self.stories[5]  # article 6: new lastmod, same content and ETag
            touched.modified = now

    # -- pages ---------------------------------------------------------------------------------

    def _visible(self) -> list[Story]:
        return [s for s in self.stories if s.id != self.hidden_id]

    def _sidebar(self) -> str:
        if not self.sidebar_size:
            return ""
        top = self._visible()[: self.sidebar_size]
        items = "".join(
            f'<li><a href="{s.path}">{escape(s.title)}</a> '
            f'<span class="views">{100 * (6 - rank) + 37 * self.version}</span></li>'
            for rank, s in enumerate(top, 1)
        )
        return f'<aside class="most-read"><h2>Most read</h2><ol>{items}</ol></aside>'

    def _doc(self, title: str, body: str, head: str = "") -> str:
        return (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
            f"</title>{head}</head><body><nav><a href='/'>Home</a> <a href='/world/'>World</a>"
            f"</nav>{body}<footer>Changing Times</footer></body></html>"
        )

    def _listing(self, title: str, stories: list[Story]) -> str:
        teasers = "".join(
            f'<li class="teaser"><a href="{s.path}">{escape(s.title)}</a></li>' for s in stories
        )
        if not self.teasers:
            teasers = "<li>Our stories are in the feed and the news sitemap.</li>"
        return self._doc(
            title,
            f"<main><h1>{escape(title)}</h1><ul class='latest'>{teasers}</ul></main>"
            + self._sidebar(),
        )

    def _article(self, story: Story) -> str:
        dated = story.id != self.hidden_id
        head = (
            f'<meta property="article:published_time" content="{story.published.isoformat()}">'
            if dated
            else ""
        )
        time_tag = (
            f'<time datetime="{story.published.isoformat()}">{story.published:%d %b %Y}</time>'
            if dated
            else ""
        )
        body = (
            f"<main><article><h1>{escape(story.title)}</h1>{time_tag}"
            f"<div class='story-body'>{story.text}</div></article></main>{self._sidebar()}"
        )
        return self._doc(story.title, body, head)

    def _rss(self, stories: list[Story]) -> str:
        items = "".join(
            f"<item><title>{escape(s.title)}</title><link>http://HOST{s.path}</link>"
            f"<pubDate>{s.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for s in stories
        )
        channel = f"<channel><title>T</title>{items}</channel>"
        return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'

    def _sitemap(self) -> str:
        urls = "".join(
            f"<url><loc>http://HOST{s.path}</loc><lastmod>{s.modified.isoformat()}</lastmod>"
            f"<news:news><news:publication><news:name>Changing Times</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{s.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(s.title)}</news:title></news:news></url>"
            for s in self.stories
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>"
        )

    def _world(self, path: str) -> Route | None:
        stories = self._visible()
        if not self.page_size:
            return Route.html(self._listing("World", stories), delay=self.slow)
        number = 1 if path == "/world/" else int(path.strip("/").rsplit("/", 1)[1])
        start = (number - 1) * self.page_size
        if start >= len(stories) or number < 1:
            return None
        page = self._listing(f"World, page {number}", stories[start : start + self.page_size])
        if start + self.page_size < len(stories):
            page = page.replace(
                "</main>", f"<a rel='next' href='/world/p/{number + 1}/'>Next</a></main>"
            )
        return Route.html(page, delay=self.slow)

    # -- the handler ---------------------------------------------------------------------------

    def handle(self, target: str, headers: RequestHeaders) -> Route | None:
        host = headers.get("Host", "127.0.0.1")
        path = target.split("?", 1)[0]
        if self.hold_after is not None and path.startswith("/news/"):
            with self._lock:
                self._article_arrivals += 1
                held = self._article_arrivals > self.hold_after
            if held:
                self.released.wait(timeout=60)
        with self._lock:
            return self._route(path, host, headers)

    def _route(self, path: str, host: str, headers: RequestHeaders) -> Route | None:
        if path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            return Route.text(f"User-agent: *\nAllow: /\n{delay}")
        self.request_times.append(time.monotonic())
        if path in ("/rss.xml", "/stale.xml", "/sitemap-news.xml"):
            if path == "/rss.xml":
                route = _source(self._rss(self._visible()[-5:]), _RSS, headers, host)
            elif path == "/stale.xml":
                route = _source(self._rss(self.stories[:3]), _RSS, headers, host)
            else:
                route = _source(self._sitemap(), "application/xml", headers, host)
            self.source_statuses.append((path, route.status))
            return route
        if self.mode == "challenge":
            wall = self._doc(
                "Just a moment...",
                "<div id='challenge-running'>Checking your browser before accessing.</div>"
                "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script>",
            )
            return Route.html(wall)
        if self.mode == "refuse":
            self.refused_times.append(time.monotonic())
            return Route.html(
                "<html><body>Service unavailable</body></html>",
                503,
                headers={"Retry-After": str(self.throttle_after)},
            )
        if path == "/":
            return Route.html(
                self._listing("Changing Times", self._visible()[-6:]), delay=self.slow
            )
        if path == "/world/" or path.startswith("/world/p/"):
            return self._world(path)
        for story in self.stories:
            if story.path == path:
                self.article_times.append(time.monotonic())
                if story.id in self.failing_ids:
                    return Route.html("<html><body>Internal error</body></html>", 500)
                if self.throttle_count > 0:
                    self.throttle_count -= 1
                    self.refused_times.append(time.monotonic())
                    return Route.html(
                        "<html><body>Too many requests</body></html>",
                        self.throttle_status,
                        headers={"Retry-After": str(self.throttle_after)},
                    )
                etag = f'"story-{story.id}"' if self.sticky_etags else story.etag
                if self.honours_validators and headers.get("If-None-Match") == etag:
                    return Route(304, {"ETag": etag})
                return Route.html(self._article(story), headers={"ETag": etag}, delay=self.slow)
        return None

    @staticmethod
    def source_answers(requests: list[Any]) -> dict[str, list[str | None]]:
        """Feed and sitemap path → the If-None-Match of each request for it, in order."""
        out: dict[str, list[str | None]] = {}
        for request in requests:
            if request.path in ("/rss.xml", "/stale.xml", "/sitemap-news.xml"):
                out.setdefault(request.path, []).append(request.headers.get("If-None-Match"))
        return out

    @staticmethod
    def article_requests(paths: list[str]) -> dict[int, int]:
        """Article id → number of requests, from a server's request log."""
        out: dict[int, int] = {}
        for path in paths:
            if path.startswith("/news/") and "story-" in path:
                n = int(path.rsplit("story-", 1)[1].split(".", 1)[0])
                out[n] = out.get(n, 0) + 1
        return out


def _source(body: str, content_type: str, headers: RequestHeaders, host: str) -> Route:
    """A feed or sitemap with an ETag of its content, and 304 when the client has it."""
    body = body.replace("HOST", host)
    etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:12] + '"'
    if headers.get("If-None-Match") == etag:
        return Route(304, {"ETag": etag})
    return Route.content(body, content_type, headers={"ETag": etag})
