"""The bundled demo news site: a deterministic, realistic site generated in Python.

``DemoSite(n_articles)`` builds the ground truth up front (articles, their sidebar headlines)
from a fixed seed, and renders each page lazily on request, so a 3,000-article site builds in
well under a second and serves a page in about a millisecond. It never reads the clock.

URL layout (``base_url`` is prepended for absolute URLs: canonical, og:url, sitemap, RSS)::

    /                                   home page (listing)
    /<section>/, /<section>/page/<n>/   section listings, 20 teasers a page
    /tag/<tag-slug>/                    tag listings (latest 20)
    /<section>/YYYY/MM/DD/<slug>.html   articles
    /about.html, /contact.html, /privacy.html, /terms.html   plain pages
    /private/secret.html                exists, but robots.txt disallows /private/
    /robots.txt, /sitemap.xml, /rss.xml
    /img/*.jpg, /img/*.png, /static/site.css, /static/site.js

A section path without its trailing slash answers 301 to the slashed form.

The seed article (``shared/seed/news-page.txt``) is ``/world/2025/08/24/kremlin-casts-doubt-…``
with the six "Most read" sidebar items of the captured page; every other article uses one of
four other sidebar styles in rotation (see :mod:`crawler.demo._sidebars`).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from crawler.demo import _pages, _prose, _sidebars
from crawler.demo._media import SCRIPT, STYLESHEET, tiny_jpeg, tiny_png
from crawler.demo._model import (
    SECTIONS,
    SITE_NAME,
    SITE_TZ,
    DemoArticle,
    DemoHeadline,
    DemoResponse,
)
from crawler.demo._seed import (
    SEED_AUTHORS,
    SEED_BLOCK,
    SEED_CAPTION,
    SEED_IMAGE,
    SEED_MODIFIED,
    SEED_PARAGRAPHS,
    SEED_PUBLISHED,
    SEED_SECTION,
    SEED_SIDEBAR,
    SEED_TAGS,
    SEED_TITLE,
)

__all__ = [
    "SECTIONS",
    "SITE_NAME",
    "SITE_TZ",
    "DemoArticle",
    "DemoHeadline",
    "DemoResponse",
    "DemoSite",
]

_RANDOM_SEED = 20251204
#: Teasers per section listing page.
PAGE_SIZE = 20
_RSS_SIZE = 20
# The seed article plus the six articles its sidebar links to.
_FIXED_ARTICLES = 1 + len(SEED_SIDEBAR)

_OLDEST = datetime(2025, 6, 1, 6, 0, tzinfo=SITE_TZ)
_NEWEST = datetime(2025, 12, 4, 17, 0, tzinfo=SITE_TZ)

#: Byline name → role shown after it.
_AUTHORS = {
    "Jane Doe": "Senior Correspondent",
    "Michael Brennan": "Business Editor",
    "Priya Natarajan": "Political Correspondent",
    "Oliver Grant": "Technology Reporter",
    "Lena Fischer": "Europe Correspondent",
    "Samuel Osei": "Staff Writer",
    "Grace Liu": "Culture Writer",
    "Marco Bianchi": "Staff Writer",
}
_AUTHOR_NAMES = tuple(_AUTHORS)
_PHOTOS = tuple(f"/img/photo-{number:02d}.jpg" for number in range(1, 13))
_PLACEHOLDER = "/img/placeholder.jpg"
_LOGO = "/img/logo.png"

_HTML = "text/html; charset=utf-8"
_CACHE = {"Cache-Control": "public, max-age=300"}


@dataclass
class _Draft:
    """An article before its sidebar is chosen (the sidebar needs every other article)."""

    serial: int
    """Order of generation: 0 is the seed article, 1–6 its sidebar's targets."""
    section: str
    title: str
    lead: str | None
    paragraphs: list[str]
    authors: list[str]
    published: datetime
    modified: datetime | None
    image_path: str | None
    image_caption: str | None
    tags: list[str]
    path: str = ""


@dataclass(frozen=True)
class _Listing:
    heading: str
    articles: list[DemoArticle]
    page: int = 1
    pages: int = 1
    section_path: str | None = None
    topics: tuple[str, ...] = ()


class DemoSite:
    """A deterministic news site of ``n_articles`` articles (at least 7), rendered on demand."""

    def __init__(self, n_articles: int = 36) -> None:
        if n_articles < _FIXED_ARTICLES:
            raise ValueError(
                f"n_articles must be at least {_FIXED_ARTICLES} (the seed article and the six"
                f" articles its sidebar links to), got {n_articles}"
            )
        self.n_articles = n_articles
        rng = random.Random(_RANDOM_SEED)
        drafts = self._make_drafts(rng, n_articles)
        drafts.sort(key=lambda d: (d.published, d.path), reverse=True)
        self._serial: dict[str, int] = {d.path: d.serial for d in drafts}
        self.articles: list[DemoArticle] = [self._finish(rng, d, drafts) for d in drafts]
        """Every article, newest first."""
        self._by_path = {a.path: a for a in self.articles}
        self.seed_article: DemoArticle = self._by_path[
            next(d.path for d in drafts if d.serial == 0)
        ]
        self._by_section: dict[str, list[DemoArticle]] = {slug: [] for slug in SECTIONS}
        self._by_tag: dict[str, list[DemoArticle]] = {}
        tag_counts: Counter[str] = Counter()
        section_tags: dict[str, set[str]] = {slug: set() for slug in SECTIONS}
        self._section_index: dict[str, int] = {}
        for article in self.articles:
            siblings = self._by_section[article.section_slug]
            self._section_index[article.path] = len(siblings)
            siblings.append(article)
            for tag in article.tags:
                self._by_tag.setdefault(tag, []).append(article)
                section_tags[article.section_slug].add(tag)
            tag_counts.update(article.tags)
        self._top_tags = tuple(
            tag for tag, _ in sorted(tag_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
        )
        self._section_tags = {slug: tuple(sorted(tags)) for slug, tags in section_tags.items()}
        self._listings = self._make_listings()
        self.listing_paths: list[str] = list(self._listings)
        """The home page, every page of every section, and every tag page."""
        self._files = self._make_files()

    # -- ground truth -------------------------------------------------------------------

    @staticmethod
    def _article_path(section: str, published: datetime, title: str) -> str:
        return f"/{section}/{published:%Y/%m/%d}/{_pages.slugify(title)}.html"

    @staticmethod
    def _body(rng: random.Random, section: str) -> tuple[str | None, list[str]]:
        lead = _prose.lead(rng, section) if rng.random() < 0.65 else None
        return lead, _prose.paragraphs(rng, section, rng.randint(4, 10))

    def _generated(
        self, rng: random.Random, serial: int, section: str, title: str, published: datetime
    ) -> _Draft:
        lead, paragraphs = self._body(rng, section)
        authors = rng.sample(_AUTHOR_NAMES, 2 if rng.random() < 0.2 else 1)
        modified = None
        if rng.random() < 0.4:
            modified = published + timedelta(minutes=rng.randint(20, 600))
        image_path = caption = None
        if rng.random() < 0.8:
            image_path = rng.choice(_PHOTOS)
            caption = _prose.caption(rng, section)
        return _Draft(
            serial=serial,
            section=section,
            title=title,
            lead=lead,
            paragraphs=paragraphs,
            authors=authors,
            published=published,
            modified=modified,
            image_path=image_path,
            image_caption=caption,
            tags=_prose.tags(rng, section),
        )

    def _make_drafts(self, rng: random.Random, n_articles: int) -> list[_Draft]:
        drafts = [
            _Draft(
                serial=0,
                section=SEED_SECTION,
                title=SEED_TITLE,
                lead=None,
                paragraphs=list(SEED_PARAGRAPHS),
                authors=list(SEED_AUTHORS),
                published=SEED_PUBLISHED,
                modified=SEED_MODIFIED,
                image_path=SEED_IMAGE,
                image_caption=SEED_CAPTION,
                tags=list(SEED_TAGS),
            )
        ]
        for serial, item in enumerate(SEED_SIDEBAR, start=1):
            drafts.append(self._generated(rng, serial, item.section, item.title, item.published))
        titles = {d.title for d in drafts}
        slugs = list(SECTIONS)
        span_minutes = int((_NEWEST - _OLDEST).total_seconds() // 60)
        for serial in range(_FIXED_ARTICLES, n_articles):
            section = slugs[serial % len(slugs)]
            title = _prose.title(rng, section)
            attempts = 0
            while title in titles:
                attempts += 1
                title = _prose.title(rng, section)
                if attempts > 20:  # vocabulary exhausted (huge sites): make it unique
                    title = f"{title} ({serial})"
            titles.add(title)
            published = _OLDEST + timedelta(minutes=rng.randrange(span_minutes))
            drafts.append(self._generated(rng, serial, section, title, published))
        paths: set[str] = set()
        for draft in drafts:
            path = self._article_path(draft.section, draft.published, draft.title)
            if path in paths:  # two titles with the same slug on the same day
                path = path.removesuffix(".html") + f"-{draft.serial}.html"
            paths.add(path)
            draft.path = path
        return drafts

    def _finish(self, rng: random.Random, draft: _Draft, newest_first: list[_Draft]) -> DemoArticle:
        if draft.serial == 0:
            style = _sidebars.SEED_STYLE
            targets = {d.title: d for d in newest_first if 1 <= d.serial <= len(SEED_SIDEBAR)}
            sidebar = [
                DemoHeadline(
                    title=item.title,
                    path=targets[item.title].path,
                    views=item.views,
                    views_raw=str(item.views),
                    time_raw=item.time_raw,
                    position=position,
                )
                for position, item in enumerate(SEED_SIDEBAR, start=1)
            ]
            block = SEED_BLOCK
        else:
            style = _sidebars.ROTATING_STYLES[draft.serial % len(_sidebars.ROTATING_STYLES)]
            sidebar = self._sidebar(rng, draft, style, newest_first)
            block = _sidebars.BLOCKS[style]
        return DemoArticle(
            path=draft.path,
            section=SECTIONS[draft.section],
            title=draft.title,
            lead=draft.lead,
            paragraphs=draft.paragraphs,
            authors=draft.authors,
            published=draft.published,
            modified=draft.modified,
            image_path=draft.image_path,
            image_caption=draft.image_caption,
            tags=draft.tags,
            sidebar_block=block,
            sidebar=sidebar,
            sidebar_style=style,
            has_jsonld=draft.serial % 6 != 4,
        )

    @staticmethod
    def _sidebar(
        rng: random.Random, draft: _Draft, style: str, newest_first: list[_Draft]
    ) -> list[DemoHeadline]:
        size = {"latest": 5, "ranked": 5, "cards": 4, "trending": 6}[style]
        if style == "latest":
            others = [d for d in newest_first[: size + 1] if d is not draft][:size]
            minutes = rng.randint(1, 9)
            items = []
            for position, other in enumerate(others, start=1):
                items.append(
                    DemoHeadline(
                        other.title, other.path, None, None, _sidebars.ago(minutes), position
                    )
                )
                minutes += rng.randint(5, 100)
            return items
        picks = rng.sample(range(len(newest_first)), min(size + 1, len(newest_first)))
        others = [newest_first[i] for i in picks if newest_first[i] is not draft][:size]
        if style == "cards":
            variant = draft.serial // len(_sidebars.ROTATING_STYLES)
            return [
                DemoHeadline(
                    title=other.title,
                    path=other.path,
                    views=None,
                    views_raw=None,
                    time_raw=_sidebars.card_date(other.published, variant),
                    position=position,
                    image_path=other.image_path or _PLACEHOLDER,
                )
                for position, other in enumerate(others, start=1)
            ]
        formatter = _sidebars.ranked_views if style == "ranked" else _sidebars.trending_views
        counts = sorted((int(10 ** rng.uniform(2.2, 4.7)) for _ in others), reverse=True)
        items = []
        for position, (other, count) in enumerate(zip(others, counts, strict=True), start=1):
            views, raw = formatter(count)
            items.append(DemoHeadline(other.title, other.path, views, raw, None, position))
        return items

    def _make_listings(self) -> dict[str, _Listing]:
        listings = {"/": _Listing(heading=f"{SITE_NAME}: latest news", articles=self.articles[:12])}
        for slug, name in SECTIONS.items():
            articles = self._by_section[slug]
            pages = max(1, math.ceil(len(articles) / PAGE_SIZE))
            for page in range(1, pages + 1):
                path = f"/{slug}/" if page == 1 else f"/{slug}/page/{page}/"
                listings[path] = _Listing(
                    heading=name,
                    articles=articles[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
                    page=page,
                    pages=pages,
                    section_path=f"/{slug}/",
                    topics=self._section_tags[slug],
                )
        for tag in sorted(self._by_tag):
            listings[_pages.tag_path(tag)] = _Listing(
                heading=tag, articles=self._by_tag[tag][:PAGE_SIZE], topics=self._top_tags
            )
        return listings

    def _make_files(self) -> dict[str, tuple[str, bytes]]:
        files: dict[str, tuple[str, bytes]] = {
            path: ("image/jpeg", tiny_jpeg(f"{SITE_NAME} {path}"))
            for path in (*_PHOTOS, SEED_IMAGE, _PLACEHOLDER)
        }
        files[_LOGO] = ("image/png", tiny_png(f"{SITE_NAME} logo"))
        files["/static/site.css"] = ("text/css; charset=utf-8", STYLESHEET.encode())
        files["/static/site.js"] = ("application/javascript; charset=utf-8", SCRIPT.encode())
        return files

    # -- public API ---------------------------------------------------------------------

    def article(self, path: str) -> DemoArticle | None:
        """The article at ``path``, or ``None``."""
        return self._by_path.get(path)

    def paths(self) -> list[str]:
        """Every path that answers 200: pages, feeds, robots.txt, images, static files."""
        return [
            *self.listing_paths,
            *(article.path for article in self.articles),
            *_pages.INFO_PAGES,
            "/private/secret.html",
            "/robots.txt",
            "/sitemap.xml",
            "/rss.xml",
            *self._files,
        ]

    def render(self, path: str, base_url: str) -> DemoResponse | None:
        """The response for ``path`` (query and fragment ignored), or ``None`` for a 404.

        ``base_url`` (``"http://127.0.0.1:8123"``, no trailing slash) is used for every
        absolute URL on the page.
        """
        path = urlsplit(path).path or "/"
        article = self._by_path.get(path)
        if article is not None:
            return self._article_response(article, base_url)
        listing = self._listings.get(path)
        if listing is not None:
            return self._html(self._render_listing(path, listing, base_url))
        if path in self._files:
            content_type, body = self._files[path]
            return DemoResponse(200, content_type, body, dict(_CACHE))
        if path in _pages.INFO_PAGES:
            heading, paragraphs = _pages.INFO_PAGES[path]
            return self._html(_pages.info_page(base_url, path, heading, paragraphs))
        if path == "/private/secret.html":
            return self._html(_pages.private_page(base_url))
        if path == "/robots.txt":
            return DemoResponse(
                200, "text/plain; charset=utf-8", _pages.robots_txt(base_url).encode()
            )
        if path == "/sitemap.xml":
            body = _pages.sitemap_xml(base_url, self.articles).encode()
            return DemoResponse(200, "application/xml; charset=utf-8", body)
        if path == "/rss.xml":
            body = _pages.rss_xml(base_url, self.articles[:_RSS_SIZE]).encode()
            return DemoResponse(200, "application/rss+xml; charset=utf-8", body)
        if not path.endswith("/") and f"{path}/" in self._listings:
            location = f"{base_url}{path}/"
            body = f'<a href="{path}/">Moved permanently</a>\n'.encode()
            return DemoResponse(301, _HTML, body, {"Location": location})
        return None

    def render_not_found(self, base_url: str) -> DemoResponse:
        """The site's 404 page."""
        return DemoResponse(404, _HTML, _pages.not_found_page(base_url).encode())

    # -- rendering ----------------------------------------------------------------------

    @staticmethod
    def _html(text: str, headers: dict[str, str] | None = None) -> DemoResponse:
        return DemoResponse(200, _HTML, text.encode(), {**_CACHE, **(headers or {})})

    def _article_response(self, article: DemoArticle, base_url: str) -> DemoResponse:
        serial = self._serial[article.path]
        siblings = self._by_section[article.section_slug]
        index = self._section_index[article.path]
        count = len(siblings)
        # The next articles of the same section, wrapping round; never the article itself.
        nearby = [siblings[(index + step) % count] for step in range(1, min(count, 5))]
        related = nearby[:3]
        read_more = nearby[3] if serial % 3 == 1 and len(nearby) > 3 else None
        topics = self._section_tags[article.section_slug] if serial % 3 == 0 and serial else ()
        text = _pages.article_page(
            article,
            base_url,
            roles=_AUTHORS,
            related=related,
            read_more=read_more,
            topics=topics,
            jsonld_graph=serial % 2 == 1,
        )
        last_modified = _pages.http_date(article.modified or article.published)
        return self._html(text, {"Last-Modified": last_modified})

    def _render_listing(self, path: str, listing: _Listing, base_url: str) -> str:
        home_blocks: list[tuple[str, str, list[DemoArticle]]] = []
        topics = listing.topics
        if path == "/":
            topics = self._top_tags
            home_blocks = [
                (name, f"/{slug}/", self._by_section[slug][:4]) for slug, name in SECTIONS.items()
            ]
        return _pages.listing_page(
            base_url,
            path,
            heading=listing.heading,
            teasers=listing.articles,
            topics=topics,
            page=listing.page,
            pages=listing.pages,
            section_path=listing.section_path,
            home_blocks=home_blocks,
        )
