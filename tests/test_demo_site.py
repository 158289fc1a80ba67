"""The bundled demo news site: determinism, ground truth vs. markup, links, robots/sitemap/RSS."""

from __future__ import annotations

import json
import re
import urllib.robotparser
from collections import deque
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

from crawler.demo._sidebars import ROTATING_STYLES
from crawler.demo.site import SITE_TZ, DemoSite

BASE = "http://127.0.0.1:8123"
SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "news-page.txt"
SEED_SIDEBAR = [
    ("Billionaires are inheriting record levels of wealth, UBS report finds", 139, "17:36"),
    ("Austrian Businessman Seeks to Buy Sanctioned Lukoil Assets", 340, "Yesterday, 23:59"),
    (
        "Italy sharply slows down NATO program for purchasing American weapons for Ukraine"
        " - Bloomberg",
        359,
        "Yesterday, 23:42",
    ),
    ("The Netherlands Plans to Close Centers for Ukrainians in 2027", 522, "Yesterday, 00:55"),
    (
        "Trump repeats claim of ending India, Pakistan conflict, says should win Nobel Prize",
        525,
        "02.12.2025, 23:47",
    ),
    (
        'Oxford University Press names "rage bait" as word of the year 2025',
        657,
        "01.12.2025, 23:35",
    ),
]
DISTRACTORS = (
    "Advertisement",
    "Share",
    "Tweet",
    "Sign up",
    "newsletter",
    "Related articles",
    "Senior Correspondent",
    "Read more",
    "cookies",
    "Popular topics",
)


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return DemoSite()


@pytest.fixture(scope="module")
def big_site() -> DemoSite:
    return DemoSite(n_articles=250)


def page(site: DemoSite, path: str) -> lxml.html.HtmlElement:
    response = site.render(path, BASE)
    assert response is not None and response.status == 200, path
    return lxml.html.fromstring(response.body)


def internal_links(site: DemoSite, path: str) -> list[str]:
    """Root-relative paths of every same-site href/src on an HTML page."""
    doc = page(site, path)
    found = []
    for element, attribute, link, _ in doc.iterlinks():
        if element.tag == "form" or attribute not in ("href", "src"):
            continue
        url = urljoin(BASE + path, link)
        if url.startswith(BASE):
            found.append(urlsplit(url).path)
        else:
            assert url.startswith(("https://", "mailto:")), (path, link)
    return found


def html_paths(site: DemoSite) -> list[str]:
    return [p for p in site.paths() if site.render(p, BASE).content_type.startswith("text/html")]


# -- determinism and scale ------------------------------------------------------------------


def test_same_size_gives_the_same_site_byte_for_byte() -> None:
    first, second = DemoSite(36), DemoSite(36)
    assert first.articles == second.articles
    assert first.paths() == second.paths()
    for path in first.paths():
        assert first.render(path, BASE) == second.render(path, BASE), path


def test_too_small_a_site_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 7"):
        DemoSite(6)


def test_a_3000_article_site_builds_and_renders() -> None:
    # How fast it builds is the crawl benchmark's business (bench/crawl_throughput.py), not a
    # timed assertion here: one such threshold failed a quiet CI run at 2.5 s against 1 s.
    site = DemoSite(n_articles=3000)
    assert len(site.articles) == 3000
    assert len({a.title for a in site.articles}) == 3000
    for article in site.articles[:300]:
        assert site.render(article.path, BASE)


# -- shape of the site ----------------------------------------------------------------------


def test_articles_are_spread_over_sections_with_dated_urls(site: DemoSite) -> None:
    assert len(site.articles) == 36
    assert len({a.path for a in site.articles}) == 36
    assert len({a.title for a in site.articles}) == 36
    assert len({a.section for a in site.articles}) >= 3
    for article in site.articles:
        match = re.fullmatch(r"/([a-z]+)/(\d{4})/(\d{2})/(\d{2})/[a-z0-9-]+\.html", article.path)
        assert match, article.path
        assert match.group(1) == article.section_slug
        assert article.published.strftime("%Y/%m/%d") == "/".join(match.group(2, 3, 4))
        assert article.published.utcoffset() == SITE_TZ.utcoffset(None)
        assert (
            article.modified is None
            or article.modified.utcoffset() == article.published.utcoffset()
        )
        assert article.authors and article.tags
    published = [a.published for a in site.articles]
    assert published == sorted(published, reverse=True), "articles are newest first"


def test_generated_prose_is_shaped_like_news(site: DemoSite) -> None:
    for article in site.articles:
        if article is site.seed_article:
            continue
        assert 4 <= len(article.paragraphs) <= 10
        assert len(set(article.paragraphs)) == len(article.paragraphs)
        for paragraph in article.paragraphs:
            assert 25 <= len(paragraph.split()) <= 80, paragraph


def test_some_articles_have_no_jsonld_and_all_sidebar_styles_are_used(site: DemoSite) -> None:
    assert 0 < sum(not a.has_jsonld for a in site.articles) < len(site.articles) // 2
    styles = {a.sidebar_style for a in site.articles}
    assert styles == {"feed", *ROTATING_STYLES}
    assert [a.sidebar_style for a in site.articles].count("feed") == 1


def test_listing_paths_include_home_sections_and_pagination(big_site: DemoSite) -> None:
    listings = big_site.listing_paths
    assert listings[0] == "/"
    assert {"/world/", "/business/", "/politics/"} <= set(listings)
    assert "/world/page/2/" in listings
    assert not set(listings) & {a.path for a in big_site.articles}


# -- the seed article -----------------------------------------------------------------------


def test_seed_article_ground_truth(site: DemoSite) -> None:
    seed = site.seed_article
    assert (
        seed.title
        == "Kremlin casts doubt on Trump's push for Ukraine peace as rifts remain unresolved"
    )
    assert seed.paragraphs[0].startswith(
        "Russia’s top diplomat laid out the wide gaps between Moscow and Kyiv"
    )
    assert seed.published == datetime.fromisoformat("2025-08-24T16:20:00+03:00")
    assert (
        seed.published.utcoffset() == datetime.fromisoformat("2025-01-01T00:00+03:00").utcoffset()
    )
    assert seed.image_path and seed.image_caption
    assert seed.sidebar_block == "Most read"
    assert seed.has_jsonld


@pytest.mark.skipif(not SEED_FILE.exists(), reason="shared/seed/news-page.txt not available")
def test_seed_body_is_the_seed_text_verbatim(site: DemoSite) -> None:
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == site.seed_article.title
    body = lines[1].replace("![]() ", "").removesuffix(" |")
    assert " ".join(site.seed_article.paragraphs) == body
    assert "“" in body and "’" in body


def test_seed_sidebar_ground_truth(site: DemoSite) -> None:
    sidebar = site.seed_article.sidebar
    assert [(h.title, h.views, h.time_raw) for h in sidebar] == SEED_SIDEBAR
    assert [h.views_raw for h in sidebar] == [str(v) for _, v, _ in SEED_SIDEBAR]
    assert [h.position for h in sidebar] == [1, 2, 3, 4, 5, 6]
    for headline in sidebar:
        target = site.article(headline.path)
        assert target is not None and target.title == headline.title


def test_seed_page_shows_views_and_time_in_separate_elements(site: DemoSite) -> None:
    response = site.render(site.seed_article.path, BASE)
    assert response is not None
    html = response.body.decode()
    assert "13917:36" not in html and "340Yesterday" not in html
    doc = lxml.html.fromstring(html)
    (block,) = doc.xpath("//aside[contains(@class, 'sidebar')]//section[h2='Most read']")
    items = block.xpath(".//li")
    assert len(items) == 6
    shown = []
    for item in items:
        (link,) = item.xpath(".//a")
        (views,) = item.xpath(".//span[@class='views']")
        (when,) = item.xpath(".//time[@class='time']")
        assert "datetime" not in when.attrib
        shown.append((link.text_content(), int(views.text_content()), when.text_content()))
    assert shown == SEED_SIDEBAR
    assert [i.xpath(".//a/@href")[0] for i in items] == [h.path for h in site.seed_article.sidebar]


# -- article pages: metadata, body, distractors, sidebars -----------------------------------


def body_paragraphs(doc: lxml.html.HtmlElement) -> list[str]:
    return [p.text_content() for p in doc.xpath("//div[@class='article-body']/p")]


def test_article_markup_matches_ground_truth(site: DemoSite) -> None:
    for article in site.articles:
        doc = page(site, article.path)
        url = BASE + article.path
        meta = {m.get("property") or m.get("name"): m.get("content") for m in doc.xpath("//meta")}
        assert doc.get("lang") == "en"
        assert doc.findtext(".//title").startswith(article.title)
        assert doc.xpath("//link[@rel='canonical']/@href") == [url]
        assert meta["og:type"] == "article" and meta["og:url"] == url
        assert meta["og:title"] == article.title
        assert meta["article:published_time"] == article.published.isoformat()
        assert meta.get("article:modified_time") == (
            article.modified and article.modified.isoformat()
        )
        assert meta["article:section"] == article.section
        assert doc.xpath("//meta[@property='article:tag']/@content") == article.tags
        if article.image_path:
            assert meta["og:image"] == BASE + article.image_path
            assert doc.xpath("//article//figcaption")[0].text_content() == article.image_caption
        assert doc.xpath("//article//time[@class='published']/@datetime") == [
            article.published.isoformat()
        ]
        assert doc.xpath("//article//h1")[0].text_content() == article.title
        assert body_paragraphs(doc) == article.paragraphs
        lead = doc.xpath("//p[@class='standfirst']")
        assert [p.text_content() for p in lead] == ([article.lead] if article.lead else [])
        authors = [
            a.text_content() for a in doc.xpath("//div[@class='byline']/span[@class='author']")
        ]
        assert authors == article.authors
        assert doc.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href") == [
            f"{BASE}/rss.xml"
        ]


def test_jsonld_is_present_only_where_promised_and_agrees(site: DemoSite) -> None:
    for article in site.articles:
        doc = page(site, article.path)
        scripts = doc.xpath("//script[@type='application/ld+json']/text()")
        if not article.has_jsonld:
            assert scripts == []
            continue
        (raw,) = scripts
        data = json.loads(raw)
        nodes = data.get("@graph", [data])
        (news,) = [n for n in nodes if n["@type"] == "NewsArticle"]
        assert news["headline"] == article.title
        assert news["datePublished"] == article.published.isoformat()
        assert news.get("dateModified") == (article.modified and article.modified.isoformat())
        assert [a["name"] for a in news["author"]] == article.authors
        assert news["articleSection"] == article.section
        assert news["keywords"] == article.tags
        assert news.get("image") == ([BASE + article.image_path] if article.image_path else None)


def test_distractors_sit_inside_the_article_but_never_in_the_body(site: DemoSite) -> None:
    seed = site.seed_article
    seed_doc = page(site, seed.path)
    article_text = seed_doc.xpath("//article")[0].text_content()
    for needle in (
        "Share",
        "Tweet",
        "Email",
        "Advertisement",
        "Sign up",
        "Related articles",
        "By Jane Doe, Senior Correspondent",
    ):
        assert needle in article_text, needle
    assert "Jane Doe" in seed.authors
    for article in site.articles:
        for paragraph in article.paragraphs:
            for needle in DISTRACTORS:
                assert needle not in paragraph, (article.path, needle)


def sidebar_items(
    doc: lxml.html.HtmlElement, style: str
) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(title, href, views text, time text, image src) of each item, read per style's markup."""
    aside = doc.xpath("//aside[contains(@class, 'sidebar')]")[0]

    def text(element: lxml.html.HtmlElement, xpath: str) -> str | None:
        found = element.xpath(xpath)
        return found[0].text_content() if found else None

    if style == "cards":
        cards = aside.xpath(".//div[@class='card']")
        return [
            (
                text(c, ".//h3/a"),
                c.xpath(".//h3/a/@href")[0],
                None,
                text(c, ".//span[@class='card__date']"),
                c.xpath(".//img/@src")[0],
            )
            for c in cards
        ]
    selectors = {
        "feed": ("views", "time"),
        "latest": (None, "latest-news__ago"),
        "ranked": ("most-popular__count", None),
        "trending": ("trending-box__views", None),
    }[style]
    views_class, time_class = selectors
    items = aside.xpath(".//li[a]") if style != "ranked" else aside.xpath(".//li[.//a]")
    items = [i for i in items if not i.xpath("ancestor::ul[@class='tag-cloud']")]
    return [
        (
            text(i, ".//a"),
            i.xpath(".//a/@href")[0],
            text(i, f".//*[@class='{views_class}']") if views_class else None,
            text(i, f".//*[@class='{time_class}']") if time_class else None,
            None,
        )
        for i in items
    ]


def test_every_sidebar_matches_its_ground_truth(site: DemoSite) -> None:
    for article in site.articles:
        doc = page(site, article.path)
        expected = [
            (h.title, h.path, h.views_raw, h.time_raw, h.image_path) for h in article.sidebar
        ]
        assert sidebar_items(doc, article.sidebar_style) == expected, article.path
        assert article.sidebar_block in doc.xpath("//aside[@class='sidebar']")[0].text_content()
        assert [h.position for h in article.sidebar] == list(range(1, len(article.sidebar) + 1))
        assert all(h.path != article.path for h in article.sidebar)
        assert all(site.article(h.path) is not None for h in article.sidebar)
        assert doc.xpath("//aside//time[@datetime]") == []


def test_sidebar_text_formats(big_site: DemoSite) -> None:
    patterns = {
        "latest": (None, r"(1 minute|\d+ minutes|1 hour|\d+ hours) ago"),
        "ranked": (r"(\d{1,3}|\d\.\dK|\dK|\d{1,3},\d{3}) views", None),
        "cards": (None, r"[A-Z][a-z]+ \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d GMT"),
        "trending": (r"\d{1,3}|\d,\dK|\d+K", None),
    }
    seen_formats: set[str] = set()
    for article in big_site.articles:
        if article.sidebar_style == "feed":
            continue
        views_pattern, time_pattern = patterns[article.sidebar_style]
        for headline in article.sidebar:
            if views_pattern:
                assert re.fullmatch(views_pattern, headline.views_raw or ""), headline
                assert headline.views is not None and headline.views > 0
                seen_formats.add(re.sub(r"\d", "9", headline.views_raw or ""))
            else:
                assert headline.views is None and headline.views_raw is None
            if time_pattern:
                assert re.fullmatch(time_pattern, headline.time_raw or ""), headline
            else:
                assert headline.time_raw is None
        views = [h.views for h in article.sidebar if h.views is not None]
        assert views == sorted(views, reverse=True)
    # The count notations all occur: plain, "1.2K", "12,304" and the decimal-comma "1,2K".
    assert {"999 views", "9.9K views", "99,999 views", "9,9K"} <= seen_formats


def test_sidebar_views_parse_as_shown() -> None:
    from crawler.demo._sidebars import card_date, ranked_views, trending_views

    assert ranked_views(987) == (987, "987 views")
    assert ranked_views(1234) == (1200, "1.2K views")
    assert ranked_views(3010) == (3000, "3K views")
    assert ranked_views(12304) == (12304, "12,304 views")
    assert trending_views(1234) == (1200, "1,2K")
    assert trending_views(15321) == (15000, "15K")
    when = datetime.fromisoformat("2025-12-03T17:05:00+03:00")
    assert card_date(when, 0) == "December 3, 2025"
    assert card_date(when, 1) == "3 Dec 2025 14:05 GMT"


# -- listings and other pages ---------------------------------------------------------------


def test_listing_pages_do_not_look_like_articles(big_site: DemoSite) -> None:
    for path in big_site.listing_paths:
        doc = page(big_site, path)
        assert doc.xpath("//meta[@property='og:type']/@content") == ["website"]
        assert not doc.xpath("//meta[@property='article:published_time']")
        assert len(doc.xpath("//h1")) == 1
        teasers = doc.xpath("//article[@class='teaser']")
        assert len(teasers) >= 1
        for paragraph in doc.xpath("//p"):
            assert len(paragraph.text_content().split()) <= 40, (path, paragraph.text_content())
    section_page = page(big_site, "/world/page/2/")
    assert section_page.xpath("//nav[@class='pagination']//a[@rel='next']")
    assert section_page.xpath("//nav[@class='pagination']//a[@rel='prev']/@href") == ["/world/"]


def test_about_and_private_pages_exist_and_are_neither(site: DemoSite) -> None:
    for path in ("/about.html", "/private/secret.html"):
        doc = page(site, path)
        assert doc.xpath("//meta[@property='og:type']/@content") == ["website"]
        assert not doc.xpath("//article")
    assert "/private/secret.html" in internal_links(site, "/")


def test_unknown_paths_are_404_and_bare_sections_redirect(site: DemoSite) -> None:
    assert site.render("/nope.html", BASE) is None
    assert site.render("/world/page/1/", BASE) is None
    assert site.render_not_found(BASE).status == 404
    redirect = site.render("/world", BASE)
    assert redirect is not None and redirect.status == 301
    assert redirect.headers["Location"] == f"{BASE}/world/"
    with_query = site.render("/?utm_source=x", BASE)
    assert with_query is not None and with_query.body == site.render("/", BASE).body


def test_images_are_valid(site: DemoSite) -> None:
    images = [p for p in site.paths() if p.startswith("/img/")]
    assert len(images) >= 5
    bodies = set()
    for path in images:
        response = site.render(path, BASE)
        assert response is not None
        if path.endswith(".jpg"):
            assert response.content_type == "image/jpeg"
            assert response.body[:3] == b"\xff\xd8\xff" and response.body.endswith(b"\xff\xd9")
        else:
            assert response.content_type == "image/png"
            assert response.body.startswith(b"\x89PNG\r\n\x1a\n")
        bodies.add(response.body)
    assert len(bodies) == len(images)


# -- links and reachability -----------------------------------------------------------------


def test_every_internal_link_resolves(site: DemoSite) -> None:
    servable = set(site.paths())
    for path in html_paths(site):
        for link in internal_links(site, path):
            assert link in servable, f"{path} links to {link}, which is not served"


def reachable_from_home(site: DemoSite) -> set[str]:
    seen, queue = {"/"}, deque(["/"])
    while queue:
        path = queue.popleft()
        if not site.render(path, BASE).content_type.startswith("text/html"):
            continue
        for link in internal_links(site, path):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return seen


@pytest.mark.parametrize("n_articles", [36, 250])
def test_every_article_and_listing_is_reachable_from_home(n_articles: int) -> None:
    site = DemoSite(n_articles)
    reached = reachable_from_home(site)
    assert {a.path for a in site.articles} <= reached
    assert set(site.listing_paths) <= reached


# -- robots, sitemap, RSS -------------------------------------------------------------------


def test_robots_txt(site: DemoSite) -> None:
    response = site.render("/robots.txt", BASE)
    assert response is not None and response.content_type.startswith("text/plain")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.body.decode().splitlines())
    assert not parser.can_fetch("newsarc", f"{BASE}/private/secret.html")
    assert parser.can_fetch("newsarc", BASE + site.seed_article.path)
    assert parser.can_fetch("newsarc", f"{BASE}/")
    assert parser.site_maps() == [f"{BASE}/sitemap.xml"]


def test_sitemap_lists_every_article_with_lastmod(site: DemoSite) -> None:
    response = site.render("/sitemap.xml", BASE)
    assert response is not None
    root = lxml.etree.fromstring(response.body)
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    entries = {
        u.findtext("sm:loc", namespaces=ns): u.findtext("sm:lastmod", namespaces=ns)
        for u in root.findall("sm:url", ns)
    }
    assert set(entries) == {BASE + a.path for a in site.articles}
    for article in site.articles:
        lastmod = datetime.fromisoformat(entries[BASE + article.path])
        assert lastmod == (article.modified or article.published)
        assert lastmod.utcoffset() is not None


def test_rss_feed_holds_the_latest_20(site: DemoSite) -> None:
    response = site.render("/rss.xml", BASE)
    assert response is not None and response.content_type.startswith("application/rss+xml")
    feed = feedparser.parse(response.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert len(feed.entries) == 20
    latest = site.articles[:20]
    assert [e.link for e in feed.entries] == [BASE + a.path for a in latest]
    assert [e.title for e in feed.entries] == [a.title for a in latest]
    for entry, article in zip(feed.entries, latest, strict=True):
        assert parsedate_to_datetime(entry.published) == article.published
        assert entry.published.endswith("+0300")
