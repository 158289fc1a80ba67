"""Fixture news sites written blind to the extractor (issue 14, item 5), served for whole crawls.

Each template is modelled on a description of a kind of publisher, written without reading the
extractor's code or its tests: the markup, the noise and the made-up articles are ours. A
template fills a :class:`~tests.sites.blind.common.Site` with pages and the truth of each page
(page type; for articles the title, authors, published time with offset and body paragraphs; for
every page its headline items with block, rank, title, URL, views and time). Unlike
``tests/sites/news_templates.py`` (pages extracted at a fixed capture time), these sites are
crawled end to end by ``newsarc crawl``, so they are built for a real capture time: ``now``, the
time the site is built, and every relative or day-relative label is rendered against it.

Templates (module, kind of publisher):

``table_paper``  an old table-layout US county weekly (nested tables, ``<font>``, ``<b>`` headline)
``css_frames``   a metro site built with a CSS-in-JS framework (nested divs, hashed class names)
``amp_pages``    a regional paper whose articles also have AMP versions (amp-img, amp-carousel)
``card_grid``    a viral/entertainment site: a card grid with view counts and a "Most read" rail
``live_blog``    a live blog of an English-language outlet in Paris (LiveBlogPosting on one page)
``gallery``      photo-gallery articles of a Singapore daily (captions, little running text)
``paywall``      a business daily's paywalled teasers (short visible body, a paywall box)
``german``       a German regional paper ("Gestern, 17:36", "1.234 Aufrufe", "12,3 Tsd.")
``russian``      a Russian regional portal ("вчера в 23:59", "1 234 просмотров", "12,3 тыс.")
``japanese``     a Japanese national daily ("3時間前", "12/1(火) 23:59", "閲覧数 1.2万", "１８時")
``arabic``       an Egyptian portal, right to left ("منذ ساعتين", "١٢٬٣٤٥ مشاهدة", "أمس ١١:٤٥ م")
``spanish``      an Argentine daily ("Hace 3 horas", "ayer, 23:59", "12,3 mil visualizaciones")
``korean``       a Korean daily ("3시간 전", "입력 2026.12.02. 오후 6:40", "조회 1.2만")
``turkish``      a Turkish portal ("5 dakika önce", "Dün 23:59", "12 B okunma", "1,5 Mn okunma")
``french``       a French regional daily ("Il y a 3 h", "Hier à 23h59", "1 234 vues", "(avec AFP)")
``portuguese``   a Brazilian portal ("Há 2 horas", "Ontem às 23h59", "12,3 mil visualizações")
``italian``      a Neapolitan daily ("2 ore fa", "ieri alle 23:59", "12,3 mila visualizzazioni")

``regional`` is not a template: it is the layout ``german`` and ``russian`` share (a
:class:`~tests.sites.blind.regional.Locale` per language), with no ``build`` of its own.

Serve one with :func:`serve` (a :class:`~crawler.demo.server.SiteServer` on 127.0.0.1, port 0)
and read its truth from the returned site; :func:`truth` gives the JSON-ready truth file.
"""

from __future__ import annotations

import importlib
import random
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from crawler.demo.server import Route, SiteServer
from tests.sites.blind.common import Site

#: template → (site name, language, timezone)
TEMPLATES: dict[str, tuple[str, str, tzinfo]] = {
    "table_paper": ("The Millbrook Courier", "en", ZoneInfo("America/Chicago")),
    "css_frames": ("Metro Pulse", "en", ZoneInfo("America/New_York")),
    "amp_pages": ("The Harbour Herald", "en", ZoneInfo("Australia/Sydney")),
    "card_grid": ("Buzzline", "en", ZoneInfo("America/Los_Angeles")),
    "live_blog": ("The Continental", "en", ZoneInfo("Europe/Paris")),
    "gallery": ("Lens Daily", "en", ZoneInfo("Asia/Singapore")),
    "paywall": ("The Ledger Review", "en", ZoneInfo("America/Toronto")),
    "german": ("Rheintaler Kurier", "de", ZoneInfo("Europe/Berlin")),
    "russian": ("Приморский вестник", "ru", ZoneInfo("Asia/Vladivostok")),
    "japanese": ("東都新聞", "ja", ZoneInfo("Asia/Tokyo")),
    "arabic": ("بوابة النيل", "ar", ZoneInfo("Africa/Cairo")),
    "spanish": ("El Diario del Plata", "es", ZoneInfo("America/Argentina/Buenos_Aires")),
    "korean": ("한빛일보", "ko", ZoneInfo("Asia/Seoul")),
    "turkish": ("Körfez Haber", "tr", ZoneInfo("Europe/Istanbul")),
    "french": ("L'Écho de la Gironde", "fr", ZoneInfo("Europe/Paris")),
    "portuguese": ("Portal Paulista", "pt", ZoneInfo("America/Sao_Paulo")),
    "italian": ("Il Corriere del Golfo", "it", ZoneInfo("Europe/Rome")),
}


def build(template: str, base: str, now: datetime | None = None, seed: int = 0) -> Site:
    """The pages and truth of ``template`` served at ``base`` (no trailing slash)."""
    name, lang, tz = TEMPLATES[template]
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    site = Site(name=name, base=base.rstrip("/"), now=when, tz=tz, lang=lang)
    module = importlib.import_module(f"tests.sites.blind.{template}")
    module.build(site, random.Random(f"{template}-{seed}"))
    return site


def routes(site: Site) -> dict[str, Route]:
    """Every page of ``site`` as a route, and its robots.txt."""
    table = {
        path: Route.content(page.body, page.content_type) for path, page in site.pages.items()
    }
    table["/robots.txt"] = Route.text(site.robots)
    return table


def serve(template: str, now: datetime | None = None, seed: int = 0) -> tuple[SiteServer, Site]:
    """Start serving ``template`` (stop the server, or use it in ``with``)."""
    server = SiteServer({}).start()
    site = build(template, server.base_url, now, seed)
    server.routes = routes(site)
    return server, site


def truth(site: Site) -> dict[str, Any]:
    """The site's truth file: what ``truth.schema.json`` describes."""
    return {
        "site": site.name,
        "base": site.base,
        "built_at": site.now.isoformat(),
        "timezone": str(site.tz),
        "language": site.lang,
        "start_urls": [site.url(p) for p in site.start_paths],
        "pages": [page.truth for page in site.pages.values()],
    }
