"""Page type on any layout (crawler/extract/page.py): small hand-written pages, one per layout.

Each layout comes as an article page and, where the layout has one, a listing page: old table
layouts, frames of nested divs, AMP, card grids, live blogs, photo galleries and paywalled
teasers (an article with a short body, flagged). A listing page yields no article; an article
page is never a listing however many links and teaser blocks surround it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.extract import PageInput, extract_page

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
_SENTENCES = [
    "The council met on Tuesday evening to discuss the new budget for the harbour district",
    "Residents had asked for better lighting along the river path since the spring floods",
    "Officials said the works would begin in March and take about eleven weeks to finish",
    "A spokesperson for the port authority declined to comment on the final cost estimate",
    "Local shop owners welcomed the plan but worried about access during the construction",
    "The mayor promised regular updates on the project website and at public meetings",
    "Several engineers from the regional office inspected the quay walls last month",
    "Funding comes partly from a national programme for coastal towns and partly from taxes",
]


def _prose(n: int, offset: int = 0) -> list[str]:
    """``n`` paragraphs of two to three sentences each."""
    out = []
    for i in range(n):
        picks = [_SENTENCES[(offset + i + k) % len(_SENTENCES)] for k in range(2 + i % 2)]
        out.append(", and ".join(picks[:2]) + ". " + ". ".join(picks[2:]) + ".")
    return out


def _teasers(prefix: str, n: int, *, tag: str = "li") -> str:
    return "".join(
        f'<{tag} class="teaser"><a href="/{prefix}/2025/12/0{1 + i % 9}/story-number-{i}-here">'
        f"Story number {i} about the harbour and the town council</a></{tag}>"
        for i in range(n)
    )


def _sidebar(n: int = 8) -> str:
    return (
        '<aside class="sidebar"><section class="most-read"><h2>Most read</h2><ol>'
        + _teasers("news", n)
        + "</ol></section><section class='latest'><h2>Latest</h2><ul>"
        + _teasers("local", n)
        + "</ul></section></aside>"
    )


def _nav() -> str:
    return (
        "<nav><ul>"
        + "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in ("news", "sport", "arts"))
        + "</ul></nav>"
    )


def _head(title: str, extra: str = "") -> str:
    return f"<head><meta charset='utf-8'><title>{title} | The Harbour Gazette</title>{extra}</head>"


def _jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


TITLE = "Harbour lights plan approved after long debate"


def table_article() -> str:
    paras = "<br><br>".join(_prose(5))
    return (
        f"<html>{_head(TITLE)}<body bgcolor='#ffffff'>"
        "<table width='100%' border='0'><tr><td colspan='2'><img src='/logo.gif'></td></tr>"
        "<tr><td width='160' valign='top'>"
        + "".join(f"<a href='/s{i}.html'>Section {i}</a><br>" for i in range(25))
        + "</td><td valign='top'><font face='Arial' size='2'>"
        f"<b><font size='4'>{TITLE}</font></b><br>04.12.2025 14:05<br><br>{paras}"
        "<br><br><a href='/print'>Print</a> | <a href='/mail'>Send to a friend</a>"
        "</font></td></tr>"
        "<tr><td colspan='2'>"
        + "".join(f"<a href='/archive/{i}.html'>Older story {i} here</a> " for i in range(30))
        + "</td></tr></table></body></html>"
    )


def table_listing() -> str:
    rows = "".join(
        f"<tr><td><a href='/news/2025/12/0{1 + i % 9}/item-{i}.html'>"
        f"<b>Council story number {i} in the harbour</b></a><br>"
        f"<font size='1'>0{1 + i % 9}.12.2025</font></td></tr>"
        for i in range(20)
    )
    return (
        f"<html>{_head('News')}<body><table width='100%'><tr><td width='160' valign='top'>"
        + "".join(f"<a href='/s{i}.html'>Section {i}</a><br>" for i in range(10))
        + f"</td><td valign='top'><table>{rows}</table></td></tr></table></body></html>"
    )


def nested_divs_article() -> str:
    body = "".join(f"<div class='txt'><div><span>{p}</span></div></div>" for p in _prose(6))
    wrap = body
    for depth in range(12):
        wrap = f"<div class='c{depth}'>{wrap}</div>"
    return (
        f"<html lang='en'>{_head(TITLE)}<body><div id='root'>{_nav()}"
        f"<div class='x1'><div class='x2'><div class='headline'>{TITLE}</div></div></div>"
        f"{wrap}{_sidebar()}</div></body></html>"
    )


def amp_article() -> str:
    paras = "".join(f"<p>{p}</p>" for p in _prose(5))
    meta = _jsonld({"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE})
    return (
        f"<!doctype html><html ⚡ lang='en'>{_head(TITLE, meta + '<link rel=canonical href=/x>')}"
        "<body><amp-sidebar id='menu' layout='nodisplay'>"
        + _teasers("news", 12)
        + f"</amp-sidebar><header><h1>{TITLE}</h1></header>"
        "<amp-img src='/a.jpg' width='600' height='400' layout='responsive'></amp-img>"
        f"<article>{paras}</article>"
        "<amp-carousel type='slides'>"
        + _teasers("more", 10, tag="div")
        + "</amp-carousel></body></html>"
    )


def card_grid_listing() -> str:
    cards = "".join(
        f"<div class='card'><a href='/news/2025/12/0{1 + i % 9}/card-story-{i}'>"
        f"<img src='/c{i}.jpg'><h3>Card story {i} about the harbour works</h3></a>"
        f"<p class='summary'>A short summary of story {i}, with a few words of context.</p>"
        f"<span class='views'>{100 + i}</span></div>"
        for i in range(24)
    )
    return (
        f"<html lang='en'>{_head('Top stories')}<body>{_nav()}<main><h1>Top stories</h1>"
        f"<div class='grid'>{cards}</div></main></body></html>"
    )


def card_grid_article() -> str:
    paras = "".join(f"<p>{p}</p>" for p in _prose(5))
    cards = "".join(
        f"<div class='card'><a href='/news/2025/12/0{1 + i % 9}/related-{i}'>"
        f"<img src='/r{i}.jpg'><h3>Related story {i} about the harbour works</h3></a></div>"
        for i in range(30)
    )
    return (
        f"<html lang='en'>{_head(TITLE)}<body>{_nav()}<main><h1>{TITLE}</h1>{paras}</main>"
        f"<section class='related'><h2>More stories</h2><div class='grid'>{cards}</div></section>"
        f"{_sidebar(12)}</body></html>"
    )


def live_blog() -> str:
    posts = "".join(
        f"<div class='live-post'><time datetime='2025-12-04T1{i}:00:00+01:00'>1{i}:00</time>"
        f"<p>{p}</p></div>"
        for i, p in enumerate(_prose(6))
    )
    meta = _jsonld(
        {
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting",
            "headline": "Live: harbour council votes on lights plan",
            "coverageStartTime": "2025-12-04T10:00:00+01:00",
        }
    )
    return (
        f"<html lang='en'>{_head('Live: harbour council votes on lights plan', meta)}<body>"
        f"{_nav()}<main><h1>Live: harbour council votes on lights plan</h1>{posts}</main>"
        f"{_sidebar()}</body></html>"
    )


def photo_gallery() -> str:
    figures = "".join(
        f"<figure><img src='/g/{i}.jpg' alt='Quay wall {i}'>"
        f"<figcaption>{_SENTENCES[i % len(_SENTENCES)]}.</figcaption></figure>"
        for i in range(12)
    )
    meta = _jsonld(
        {"@context": "https://schema.org", "@type": "ImageGallery", "headline": "In pictures"}
    )
    title = "In pictures: the harbour works from above"
    return (
        f"<html lang='en'>{_head(title, meta)}<body>{_nav()}<main><h1>{title}</h1>"
        f"<p class='intro'>{_prose(1)[0]}</p><div class='gallery'>{figures}</div></main>"
        f"{_sidebar()}</body></html>"
    )


def paywalled_teaser() -> str:
    meta = _jsonld(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": TITLE,
            "datePublished": "2025-12-04T09:00:00+01:00",
            "isAccessibleForFree": False,
            "hasPart": {
                "@type": "WebPageElement",
                "isAccessibleForFree": False,
                "cssSelector": ".paywalled",
            },
        }
    )
    return (
        f"<html lang='en'>{_head(TITLE, meta + '<meta property=og:type content=article>')}"
        f"<body>{_nav()}<main><article><h1>{TITLE}</h1>"
        f"<p class='lead'>{_SENTENCES[0]}.</p>"
        "<div class='paywalled'><p>Subscribe to read the full story.</p>"
        "<a href='/subscribe'>Subscribe now</a></div></article></main>"
        f"{_sidebar(12)}</body></html>"
    )


def short_teaser_without_paywall() -> str:
    meta = "<meta property='og:type' content='article'>"
    return (
        f"<html lang='en'>{_head(TITLE, meta)}<body>{_nav()}<main><article><h1>{TITLE}</h1>"
        f"<p>{_SENTENCES[1]}.</p></article></main>{_sidebar(12)}</body></html>"
    )


def section_front() -> str:
    blocks = "".join(
        f"<section><h2>Section {s}</h2><ul>{_teasers(f'sec{s}', 6)}</ul></section>"
        for s in range(6)
    )
    return (
        f"<html lang='en'>{_head('Home')}<body>{_nav()}<main><h1>The Harbour Gazette</h1>"
        f"{blocks}</main></body></html>"
    )


URL = "https://gazette.example/news/2025/12/04/harbour-lights-plan-approved"
LISTING_URL = "https://gazette.example/news/"


@pytest.mark.parametrize(
    "html",
    [table_article, nested_divs_article, amp_article, card_grid_article, live_blog],
    ids=lambda f: f.__name__,
)
def test_article_layouts(html: object) -> None:
    result = extract_page(PageInput(url=URL, html=html(), fetched_at=FETCHED))  # type: ignore[operator]
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert _SENTENCES[0][:40] in result.article.text or _SENTENCES[1][:40] in result.article.text
    assert "short_body" not in result.article.flags


@pytest.mark.parametrize("url", [URL, "https://gazette.example/a?id=12"])
@pytest.mark.parametrize(
    "html", [table_article, nested_divs_article, card_grid_article], ids=lambda f: f.__name__
)
def test_articles_whatever_the_url(html: object, url: str) -> None:
    result = extract_page(PageInput(url=url, html=html(), fetched_at=FETCHED))  # type: ignore[operator]
    assert result.page_type == "article", result.reason


@pytest.mark.parametrize(
    "html", [table_listing, card_grid_listing, section_front], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("url", [LISTING_URL, "https://gazette.example/index.php?cat=3"])
def test_listing_layouts(html: object, url: str) -> None:
    result = extract_page(PageInput(url=url, html=html(), fetched_at=FETCHED))  # type: ignore[operator]
    assert result.page_type == "listing", result.reason
    assert result.article is None
    assert len(result.headlines) >= 10


def test_photo_gallery_is_an_article() -> None:
    result = extract_page(PageInput(url=URL, html=photo_gallery(), fetched_at=FETCHED))
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert len(result.article.images) >= 10
    assert "gallery" in result.article.flags


def test_paywalled_teaser_is_a_flagged_article() -> None:
    result = extract_page(PageInput(url=URL, html=paywalled_teaser(), fetched_at=FETCHED))
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert result.article.title == TITLE
    assert {"paywalled", "short_body"} <= set(result.article.flags)
    assert result.article.published_at == "2025-12-04T09:00:00+01:00"


def test_short_declared_article_is_flagged_not_a_listing() -> None:
    result = extract_page(
        PageInput(url=URL, html=short_teaser_without_paywall(), fetched_at=FETCHED)
    )
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert "short_body" in result.article.flags
    assert "paywalled" not in result.article.flags


def test_live_blog_is_flagged() -> None:
    result = extract_page(PageInput(url=URL, html=live_blog(), fetched_at=FETCHED))
    assert result.article is not None
    assert "live_blog" in result.article.flags


@pytest.mark.parametrize("teasers", [10, 60, 200])
def test_many_links_never_make_an_article_a_listing(teasers: int) -> None:
    html = card_grid_article().replace(
        "</body>", f"<div class='footer-links'><ul>{_teasers('arch', teasers)}</ul></div></body>"
    )
    result = extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))
    assert result.page_type == "article", result.reason


def test_article_text_without_a_headline_is_no_article_but_kept_flagged_beside_it() -> None:
    body = "".join(f"<p>{p}</p>" for p in _prose(6))
    html = f"<html><body><article>{body}</article></body></html>"
    url = "https://news.example/2025/12/04/harbour-budget-meeting.html"
    result = extract_page(PageInput(url=url, html=html, fetched_at=FETCHED))
    # Exactly as before for anyone who looks at article and reason only ...
    assert (result.page_type, result.article) == ("other", None)
    assert result.reason == "article-like text but no headline found"
    assert result.reason_code == "article_like_text_but_no_headline_found"
    # ... and the article it would be, for a feed's or sitemap's title to complete.
    untitled = result.untitled
    assert untitled is not None
    assert (untitled.title, untitled.url) == ("", url)
    assert "no_headline" in untitled.flags
    assert untitled.text.startswith(_prose(1)[0])
    assert untitled.word_count > 80
    # A page with its headline has no such thing.
    titled = extract_page(
        PageInput(
            url=url, html=html.replace("<article>", "<article><h1>Budget</h1>"), fetched_at=FETCHED
        )
    )
    assert titled.article is not None and titled.untitled is None
    assert "no_headline" not in titled.article.flags


def short_blog_post() -> str:
    """One paragraph of about ninety words, no article metadata, no heading: an old blog's or
    a small association's post (the second pass finds the same paragraph, no more)."""
    paragraph = " ".join(f"{s}." for s in _SENTENCES[:6])
    return (
        f"<html>{_head(TITLE)}<body>{_nav()}<div class='entry'>"
        f"<p>{paragraph}</p></div>{_sidebar(4)}</body></html>"
    )


def excerpt_archive() -> str:
    """A month archive: teasers with excerpts of WordPress's 55 words at most."""
    excerpt = " ".join(f"{s}." for s in _SENTENCES[:3])
    posts = "".join(
        f"<div class='post'><h2><a href='/2025/12/0{i + 1}/post-number-{i}'>Post {i}</a></h2>"
        f"<p>{excerpt}</p></div>"
        for i in range(4)
    )
    return f"<html>{_head('December 2025')}<body>{_nav()}<main>{posts}</main></body></html>"


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example/blog/briefe/2010-10-26-18",
        "https://park.example/dettaglio.php?id=58354",
        "https://blog.example/2014/03/20/spring-is-coming",
    ],
)
def test_one_long_paragraph_under_an_article_url_is_an_article(url: str) -> None:
    result = extract_page(PageInput(url=url, html=short_blog_post(), fetched_at=FETCHED))
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert result.article.text.startswith(_SENTENCES[0])


def test_one_long_paragraph_under_a_section_url_is_not_an_article() -> None:
    page = PageInput(url="https://blog.example/about/", html=short_blog_post(), fetched_at=FETCHED)
    assert extract_page(page).article is None


def test_excerpts_under_a_dated_archive_url_stay_a_listing() -> None:
    page = PageInput(
        url="https://blog.example/2025/12/", html=excerpt_archive(), fetched_at=FETCHED
    )
    result = extract_page(page)
    assert result.article is None, result.article


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://blog.example/blog/briefe/2010-10-26-18", True),
        ("https://news.example/harbour/2023-11", False),
        ("https://news.example/story-2023-11-08", True),
        ("https://park.example/dettaglio.php?id=58354", True),
        ("https://news.example/news?page=2", False),
        ("https://news.example/archive/2014-03", False),
        ("https://news.example/a/123-4567-89", False),
    ],
)
def test_article_like_urls(url: str, expected: bool) -> None:
    from crawler.extract.fallback import article_like_url

    assert article_like_url(url) is expected


def association_page() -> str:
    """A small site's page: no metadata, no ``<h1>``, an ``<h2>`` over three paragraphs."""
    paras = "".join(f"<p>{p}</p>" for p in _prose(3))
    return (
        f"<html>{_head('Ausbildung')}<body>{_nav()}<div class='body'>"
        f"<h2 id='training'>Boat crew training</h2>{paras}</div></body></html>"
    )


def test_prose_opened_by_a_heading_is_an_article_whatever_the_url() -> None:
    page = PageInput(
        url="https://club.example/boats/training.html", html=association_page(), fetched_at=FETCHED
    )
    result = extract_page(page)
    assert result.page_type == "article", result.reason


def test_prose_opened_by_a_linked_heading_is_not_an_article() -> None:
    html = association_page().replace(
        "<h2 id='training'>Boat crew training</h2>",
        "<h2><a href='/boats/training/more'>Boat crew training</a></h2>",
    )
    page = PageInput(url="https://club.example/boats/", html=html, fetched_at=FETCHED)
    assert extract_page(page).article is None


def test_a_gallery_with_a_long_intro_keeps_its_captions_without_the_credits() -> None:
    """An intro long enough to pass as a short article does not hide the pictures' captions;
    a credit inside a caption is no caption text."""
    figures = "".join(
        f"<figure><img src='/g/{i}.jpg'><figcaption><span class='caption'>"
        f"{_SENTENCES[i % len(_SENTENCES)]}.</span> <span class='credit'>PHOTO: LENS DAILY"
        "</span></figcaption></figure>"
        for i in range(6)
    )
    title = "In pictures: lantern makers race to finish"
    html = (
        f"<html lang='en'>{_head(title, '')}<body>{_nav()}<main><h1>{title}</h1>"
        f"<div class='date'>Published Dec 4, 2025, 9:50 AM</div>"
        f"<div class='intro'><p>{' '.join(_prose(2))}</p></div><div class='slides'>{figures}"
        f"</div></main>{_sidebar()}</body></html>"
    )
    article = extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED)).article
    assert article is not None and "gallery" in article.flags
    paragraphs = article.text.split("\n\n")
    assert f"{_SENTENCES[3]}." in paragraphs
    assert "LENS DAILY" not in article.text
    assert not article.text.startswith((title, "Published"))  # headline and dateline are no body


def _unsignalled_prose(paragraphs: int) -> str:
    """Prose with no headline, metadata or article-shaped URL: a page ours calls ``other``."""
    body = "".join(
        f"<p>{'. '.join(_SENTENCES[i % 8 : i % 8 + 3])}, paragraph {i}.</p>"
        for i in range(paragraphs)
    )
    return (
        "<html><head><title>Harbour district budget</title></head><body>"
        '<div class="menu"><a href="/">Home</a> <a href="/a">About</a>'
        ' <a href="/c">Contact</a></div>'
        f'<div class="page">{body}</div><div class="foot">© Harbour Town</div></body></html>'
    )


def test_prose_that_two_other_engines_agree_on_is_an_article() -> None:
    # Our first pass finds the prose but no sign of one item (no <h1>, no metadata, a short
    # URL); resiliparse and trafilatura both read the same paragraphs as the page's content.
    page = PageInput(
        url="https://town.example/budget", html=_unsignalled_prose(4), fetched_at=FETCHED
    )
    result = extract_page(page)
    assert result.page_type == "article", result.reason
    assert result.article is not None
    assert result.article.extraction.get("engine") == "trafilatura"
    assert _SENTENCES[0] in result.article.text
    assert "Contact" not in result.article.text


def test_a_line_of_prose_in_a_frame_of_menus_is_no_agreed_article() -> None:
    # Both other engines take a whole layout table (menu, weather box, footer) as the content:
    # their text holds no article's worth of sentences, so the page stays what it was.
    menu = "".join(f'<tr><td><a href="/s{i}">Section {i}</a></td></tr>' for i in range(15))
    html = (
        "<html><head><title>Courier - Letters</title></head><body><table><tr>"
        f"<td><table>{menu}</table></td><td><b>Letters</b><br>This page is updated every "
        "Thursday. Call the front office with questions about notices or advertising.</td>"
        "<td>Weather<br>Millbrook: 34°F, cloudy<br>Tonight: low 22°F</td></tr></table>"
        "<p>Copyright © 2026 The Courier, PO Box 118. All rights reserved.</p></body></html>"
    )
    page = PageInput(url="https://courier.example/letters.php", html=html, fetched_at=FETCHED)
    assert extract_page(page).article is None
