"""HTML, XML and text rendering of the demo site's pages.

Every HTML page has the same chrome: a cookie-consent banner, a header with the section menu,
and a footer full of links (including one to the robots-disallowed ``/private/`` area). Article
pages put their distractors (share bar, ad slot, newsletter box, "Related articles", byline,
figure) inside the ``<article>`` element, around the body paragraphs in ``div.article-body``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from crawler.demo import _sidebars
from crawler.demo._model import SECTIONS, SITE_NAME

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from crawler.demo._model import DemoArticle

__all__ = [
    "INFO_PAGES",
    "article_page",
    "http_date",
    "info_page",
    "listing_page",
    "not_found_page",
    "private_page",
    "robots_txt",
    "rss_xml",
    "sitemap_xml",
    "slugify",
    "tag_path",
]

_SLUG_DROP = re.compile(r"['’]")
_SLUG_SEP = re.compile(r"[^a-z0-9]+")

#: Plain pages: path → (heading, paragraphs). Neither articles nor listings.
INFO_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/about.html": (
        f"About {SITE_NAME}",
        (
            f"{SITE_NAME} is a generated news site bundled with newsarc. It exists so that the"
            " crawler can be demonstrated and tested without touching the internet.",
            "Every page is produced deterministically from a fixed seed: the same version of"
            " newsarc always serves the same articles, headlines and images.",
        ),
    ),
    "/contact.html": (
        "Contact us",
        (
            "Tips and corrections: newsroom@demo-times.invalid.",
            "Advertising and partnerships: ads@demo-times.invalid.",
        ),
    ),
    "/privacy.html": (
        "Privacy policy",
        (
            "This demo site sets no cookies, although its banner says otherwise, as real news"
            " sites' banners do.",
        ),
    ),
    "/terms.html": (
        "Terms of use",
        ("All content on this site is generated and may be reused freely for testing.",),
    ),
}


def slugify(text: str) -> str:
    """URL slug: "Kremlin casts doubt on Trump's push" → "kremlin-casts-doubt-on-trumps-push"."""
    return _SLUG_SEP.sub("-", _SLUG_DROP.sub("", text.lower())).strip("-")


def tag_path(tag: str) -> str:
    """Path of a tag's listing page."""
    return f"/tag/{slugify(tag)}/"


def http_date(when: datetime) -> str:
    """RFC 7231 date for ``Last-Modified``."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _long_date(when: datetime) -> str:
    return f"{when.day} {_sidebars.MONTHS[when.month - 1]} {when.year}, {when:%H:%M}"


def _short_date(when: datetime) -> str:
    return f"{when.day} {_sidebars.MONTHS[when.month - 1][:3]} {when.year}"


def _jsonld(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>\n'


_COOKIE_BANNER = (
    '<div id="cookie-consent" class="cookie-consent" role="dialog" aria-live="polite">'
    "<p>We use cookies and similar technologies to personalise content and ads and to analyse"
    " our traffic. By clicking “Accept all” you agree to this."
    ' <a href="/privacy.html">Read our privacy policy</a>.</p>'
    '<button type="button" class="btn-accept">Accept all</button> '
    '<button type="button" class="btn-settings">Manage preferences</button></div>\n'
)

_NAV_ITEMS = "".join(
    f'<li><a href="/{slug}/">{escape(name)}</a></li>' for slug, name in SECTIONS.items()
)

_HEADER = (
    '<header class="site-header">\n'
    '<div class="top-bar"><span class="edition">International edition</span>'
    ' <a href="/about.html">About us</a> <a href="/rss.xml">RSS</a></div>\n'
    f'<a class="logo" href="/"><img src="/img/logo.png" alt="{SITE_NAME}" width="180"'
    ' height="40"></a>\n'
    '<nav class="main-nav" aria-label="Sections"><ul><li><a href="/">Home</a></li>'
    f"{_NAV_ITEMS}</ul></nav>\n"
    "</header>\n"
)

_FOOTER = (
    '<footer class="site-footer">\n<div class="footer-cols">\n'
    f'<div class="footer-col"><h4>Sections</h4><ul>{_NAV_ITEMS}</ul></div>\n'
    '<div class="footer-col"><h4>Company</h4><ul>'
    '<li><a href="/about.html">About us</a></li>'
    '<li><a href="/contact.html">Contact</a></li>'
    '<li><a href="/privacy.html">Privacy policy</a></li>'
    '<li><a href="/terms.html">Terms of use</a></li>'
    '<li><a href="/private/secret.html">Staff login</a></li></ul></div>\n'
    '<div class="footer-col"><h4>Follow us</h4><ul>'
    '<li><a href="/rss.xml">RSS feed</a></li>'
    '<li><a href="/sitemap.xml">Sitemap</a></li>'
    '<li><a href="https://twitter.com/demotimes" rel="noopener">X (Twitter)</a></li>'
    '<li><a href="https://www.facebook.com/demotimes" rel="noopener">Facebook</a></li>'
    "</ul></div>\n</div>\n"
    f'<p class="copyright">© 2025 {SITE_NAME}. All rights reserved.</p>\n'
    "</footer>\n"
)


def _layout(
    *,
    base_url: str,
    path: str,
    title: str,
    description: str,
    body_class: str,
    main: str,
    head_extra: str = "",
    og_type: str = "website",
) -> str:
    canonical = escape(base_url + path)
    return "".join(
        (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{escape(title)}</title>\n",
            f'<meta name="description" content="{escape(description)}">\n',
            f'<link rel="canonical" href="{canonical}">\n',
            '<link rel="alternate" type="application/rss+xml"'
            f' title="{SITE_NAME}: latest news" href="{escape(base_url)}/rss.xml">\n',
            '<link rel="stylesheet" href="/static/site.css">\n',
            f'<meta property="og:site_name" content="{SITE_NAME}">\n',
            f'<meta property="og:type" content="{og_type}">\n',
            f'<meta property="og:url" content="{canonical}">\n',
            head_extra,
            f'</head>\n<body class="{body_class}">\n',
            _COOKIE_BANNER,
            _HEADER,
            main,
            _FOOTER,
            '<script src="/static/site.js"></script>\n</body>\n</html>\n',
        )
    )


def _byline(authors: Sequence[str], roles: dict[str, str]) -> str:
    names = " and ".join(f'<span class="author">{escape(name)}</span>' for name in authors)
    if len(authors) == 1:
        return f"By {names}, {escape(roles[authors[0]])}"
    return f"By {names}"


def _topics(tags: Iterable[str]) -> str:
    links = "".join(f'<li><a href="{tag_path(tag)}">{escape(tag)}</a></li>' for tag in tags)
    return (
        '<div class="topics"><h3 class="topics__title">Popular topics</h3>'
        f'<ul class="tag-cloud">{links}</ul></div>\n'
    )


def _share_bar(url: str, title: str) -> str:
    u, t = quote(url, safe=""), quote(title, safe="")
    return (
        '<div class="share-bar"><span class="share-bar__label">Share</span> '
        f'<a class="share share--facebook" href="https://www.facebook.com/sharer/sharer.php?u={u}"'
        ' rel="noopener">Facebook</a> '
        f'<a class="share share--x" href="https://twitter.com/intent/tweet?url={u}&amp;text={t}"'
        ' rel="noopener">Tweet</a> '
        f'<a class="share share--email" href="mailto:?subject={t}&amp;body={u}">Email</a></div>\n'
    )


_AD_SLOT = (
    '<div class="ad-slot" aria-hidden="true"><span class="ad-slot__label">Advertisement</span>'
    '<div class="ad-slot__frame" data-ad-unit="article-mid"></div></div>\n'
)

_NEWSLETTER = (
    '<aside class="newsletter-signup"><h3>Get the Morning Briefing</h3>'
    "<p>Sign up for our newsletter and get the day’s top stories in your inbox.</p>"
    '<form class="newsletter-signup__form" action="#" method="post">'
    '<input type="email" name="email" placeholder="Your email address">'
    '<button type="submit">Sign up</button></form></aside>\n'
)


def _article_jsonld(article: DemoArticle, base_url: str, as_graph: bool) -> str:
    url = article.url(base_url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "logo": {"@type": "ImageObject", "url": f"{base_url}/img/logo.png"},
        },
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "articleSection": article.section,
        "keywords": article.tags,
        "inLanguage": "en",
    }
    if article.modified:
        data["dateModified"] = article.modified.isoformat()
    if article.image_path:
        data["image"] = [base_url + article.image_path]
    if not as_graph:
        return _jsonld(data)
    del data["@context"]
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{base_url}/"},
            {
                "@type": "ListItem",
                "position": 2,
                "name": article.section,
                "item": f"{base_url}/{article.section_slug}/",
            },
        ],
    }
    return _jsonld({"@context": "https://schema.org", "@graph": [data, crumbs]})


def article_page(
    article: DemoArticle,
    base_url: str,
    *,
    roles: dict[str, str],
    related: Sequence[DemoArticle],
    read_more: DemoArticle | None,
    topics: Sequence[str],
    jsonld_graph: bool,
) -> str:
    """The HTML of one article page."""
    url = article.url(base_url)
    slug = article.section_slug
    head = [
        f'<meta property="og:title" content="{escape(article.title)}">\n',
        f'<meta property="og:description" content="{escape(article.summary)}">\n',
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n',
    ]
    if article.image_path:
        head.append(
            f'<meta property="og:image" content="{escape(base_url + article.image_path)}">\n'
        )
    if article.modified:
        head.append(
            f'<meta property="article:modified_time" content="{article.modified.isoformat()}">\n'
        )
    head.append(f'<meta property="article:section" content="{escape(article.section)}">\n')
    head.extend(f'<meta property="article:tag" content="{escape(tag)}">\n' for tag in article.tags)
    head.append(f'<meta name="author" content="{escape(", ".join(article.authors))}">\n')
    if article.has_jsonld:
        head.append(_article_jsonld(article, base_url, jsonld_graph))

    dateline = (
        f'<time class="published" datetime="{article.published.isoformat()}">'
        f"{_long_date(article.published)}</time>"
    )
    if article.modified:
        dateline += (
            f' <span class="updated">Updated <time datetime="{article.modified.isoformat()}">'
            f"{_long_date(article.modified)}</time></span>"
        )
    parts = [
        '<main class="layout">\n<div class="content">\n',
        '<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li>',
        f'<li><a href="/{slug}/">{escape(article.section)}</a></li>',
        f'<li aria-current="page">{escape(article.title)}</li></ol></nav>\n',
        '<article class="article">\n<header class="article-header">\n',
        f'<a class="kicker" href="/{slug}/">{escape(article.section)}</a>\n',
        f'<h1 class="headline">{escape(article.title)}</h1>\n',
    ]
    if article.lead:
        parts.append(f'<p class="standfirst">{escape(article.lead)}</p>\n')
    parts += [
        f'<div class="byline">{_byline(article.authors, roles)}</div>\n',
        f'<div class="dateline">{dateline}</div>\n</header>\n',
        _share_bar(url, article.title),
    ]
    if article.image_path:
        parts.append(
            f'<figure class="lead-image"><img src="{escape(article.image_path)}"'
            f' alt="{escape(article.image_caption or "")}" width="1200" height="675">'
            f"<figcaption>{escape(article.image_caption or '')}</figcaption>"
            '<small class="credit">Photo: Demo Times archive</small></figure>\n'
        )
    parts.append('<div class="article-body">\n')
    last = len(article.paragraphs) - 1
    newsletter_after = 3 if last > 4 else last - 1
    for index, paragraph in enumerate(article.paragraphs):
        parts.append(f"<p>{escape(paragraph, quote=False)}</p>\n")
        if index == 1:
            parts.append(_AD_SLOT)
        if index == 2 and read_more is not None:
            parts.append(
                f'<div class="read-more">Read more: <a href="{escape(read_more.path)}">'
                f"{escape(read_more.title)}</a></div>\n"
            )
        if index == newsletter_after:
            parts.append(_NEWSLETTER)
    parts.append("</div>\n")
    tag_links = "".join(
        f'<li><a href="{tag_path(tag)}" rel="tag">{escape(tag)}</a></li>' for tag in article.tags
    )
    related_links = "".join(
        f'<li><a href="{escape(other.path)}">{escape(other.title)}</a></li>' for other in related
    )
    parts += [
        '<footer class="article-footer">\n',
        f'<ul class="article-tags">{tag_links}</ul>\n',
        _share_bar(url, article.title),
        '<section class="related-articles"><h2>Related articles</h2>',
        f"<ul>{related_links}</ul></section>\n",
        "</footer>\n</article>\n</div>\n",
        '<aside class="sidebar" aria-label="Sidebar">\n',
        _sidebars.render(article.sidebar_style, article.sidebar_block, article.sidebar),
        _topics(topics) if topics else "",
        "</aside>\n</main>\n",
    ]
    return _layout(
        base_url=base_url,
        path=article.path,
        title=f"{article.title} | {SITE_NAME}",
        description=article.summary,
        body_class=f"page-article section-{slug}",
        main="".join(parts),
        head_extra="".join(head),
        og_type="article",
    )


def _teaser(article: DemoArticle, *, heading: str = "h2", image: bool = True) -> str:
    path = escape(article.path)
    media = ""
    if image and article.image_path:
        media = (
            f'<a class="teaser__media" href="{path}" tabindex="-1">'
            f'<img src="{escape(article.image_path)}" alt="" width="320" height="180"'
            ' loading="lazy"></a>'
        )
    return (
        f'<article class="teaser">{media}'
        f'<{heading} class="teaser__title"><a href="{path}">{escape(article.title)}</a>'
        f"</{heading}>"
        f'<p class="teaser__summary">{escape(article.summary, quote=False)}</p>'
        f'<time class="teaser__date" datetime="{article.published.isoformat()}">'
        f"{_short_date(article.published)}</time></article>\n"
    )


def _pagination(section_path: str, page: int, pages: int) -> str:
    def href(number: int) -> str:
        return section_path if number == 1 else f"{section_path}page/{number}/"

    items: list[str] = []
    if page > 1:
        items.append(f'<li><a href="{href(page - 1)}" rel="prev">Previous</a></li>')
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append('<li class="gap">…</li>')
        if number == page:
            items.append(f'<li aria-current="page"><span>{number}</span></li>')
        else:
            items.append(f'<li><a href="{href(number)}">{number}</a></li>')
        previous = number
    if page < pages:
        items.append(f'<li><a href="{href(page + 1)}" rel="next">Next</a></li>')
    return f'<nav class="pagination" aria-label="Pages"><ul>{"".join(items)}</ul></nav>\n'


def listing_page(
    base_url: str,
    path: str,
    *,
    heading: str,
    teasers: Sequence[DemoArticle],
    topics: Sequence[str],
    page: int = 1,
    pages: int = 1,
    section_path: str | None = None,
    home_blocks: Sequence[tuple[str, str, Sequence[DemoArticle]]] = (),
) -> str:
    """A listing page: the home page, a page of a section, or a tag page.

    ``home_blocks`` are (section name, section path, teasers) shown under the main list on the
    home page.
    """
    is_home = path == "/"
    title_class = "visually-hidden" if is_home else "page-title"
    parts = [
        '<main class="layout listing">\n<div class="content">\n',
        f'<h1 class="{title_class}">{escape(heading)}</h1>\n',
        '<section class="teaser-list">\n',
        *(_teaser(article) for article in teasers),
        "</section>\n",
    ]
    for name, block_path, block_teasers in home_blocks:
        parts += [
            f'<section class="section-block"><h2 class="section-block__title">'
            f'<a href="{block_path}">{escape(name)}</a></h2>\n',
            *(_teaser(article, heading="h3", image=False) for article in block_teasers),
            f'<a class="section-block__more" href="{block_path}">More {escape(name)}</a>',
            "</section>\n",
        ]
    if pages > 1 and section_path is not None:
        parts.append(_pagination(section_path, page, pages))
    parts += ["</div>\n", '<aside class="sidebar">\n', _topics(topics), "</aside>\n</main>\n"]
    head = ""
    if is_home:
        head = _jsonld(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": SITE_NAME, "url": f"{base_url}/"},
                    {
                        "@type": "Organization",
                        "name": SITE_NAME,
                        "url": f"{base_url}/",
                        "logo": f"{base_url}/img/logo.png",
                    },
                ],
            }
        )
    title = f"{SITE_NAME}: latest news" if is_home else f"{heading} | {SITE_NAME}"
    if page > 1:
        title = f"{heading}, page {page} | {SITE_NAME}"
    return _layout(
        base_url=base_url,
        path=path,
        title=title,
        description=f"{heading}: the latest news from {SITE_NAME}.",
        body_class="page-home" if is_home else "page-listing",
        main="".join(parts),
        head_extra=head,
    )


def info_page(base_url: str, path: str, heading: str, paragraphs: Iterable[str]) -> str:
    """A plain page (about, contact, …): neither an article nor a listing."""
    body = "".join(f"<p>{escape(p, quote=False)}</p>\n" for p in paragraphs)
    main = f'<main class="page">\n<h1>{escape(heading)}</h1>\n{body}</main>\n'
    return _layout(
        base_url=base_url,
        path=path,
        title=f"{heading} | {SITE_NAME}",
        description=heading,
        body_class="page-info",
        main=main,
    )


def private_page(base_url: str) -> str:
    """The staff page behind ``Disallow: /private/``."""
    main = (
        '<main class="page">\n<h1>Staff area</h1>\n'
        "<p>This page is disallowed by robots.txt. A polite crawler never fetches it.</p>\n"
        "</main>\n"
    )
    return _layout(
        base_url=base_url,
        path="/private/secret.html",
        title=f"Staff area | {SITE_NAME}",
        description="Staff area",
        body_class="page-private",
        main=main,
        head_extra='<meta name="robots" content="noindex, nofollow">\n',
    )


def not_found_page(base_url: str) -> str:
    """The 404 page."""
    main = (
        '<main class="page error-page">\n<h1>Page not found</h1>\n'
        '<p>Sorry, we could not find that page. Try the <a href="/">home page</a>.</p>\n'
        "</main>\n"
    )
    return _layout(
        base_url=base_url,
        path="/404.html",
        title=f"Page not found | {SITE_NAME}",
        description="Page not found",
        body_class="page-error",
        main=main,
        head_extra='<meta name="robots" content="noindex">\n',
    )


def robots_txt(base_url: str) -> str:
    """robots.txt: everything allowed except ``/private/``; points at the sitemap."""
    return f"User-agent: *\nDisallow: /private/\n\nSitemap: {base_url}/sitemap.xml\n"


def sitemap_xml(base_url: str, articles: Iterable[DemoArticle]) -> str:
    """A plain sitemap (sitemaps.org 0.9) of every article, with ``lastmod``."""
    rows = "".join(
        f"<url><loc>{escape(article.url(base_url))}</loc>"
        f"<lastmod>{(article.modified or article.published).isoformat()}</lastmod></url>\n"
        for article in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}</urlset>\n"
    )


def rss_xml(base_url: str, articles: Sequence[DemoArticle]) -> str:
    """An RSS 2.0 feed of ``articles`` (newest first)."""
    items = "".join(
        "<item>"
        f"<title>{escape(article.title)}</title>"
        f"<link>{escape(article.url(base_url))}</link>"
        f'<guid isPermaLink="true">{escape(article.url(base_url))}</guid>'
        f"<description>{escape(article.summary)}</description>"
        f"<category>{escape(article.section)}</category>"
        f"<dc:creator>{escape(', '.join(article.authors))}</dc:creator>"
        f"<pubDate>{format_datetime(article.published)}</pubDate>"
        "</item>\n"
        for article in articles
    )
    built = format_datetime(articles[0].published) if articles else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>{SITE_NAME}: latest news</title>\n"
        f"<link>{escape(base_url)}/</link>\n"
        f'<atom:link href="{escape(base_url)}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        f"<description>The latest stories from {SITE_NAME}.</description>\n"
        "<language>en</language>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n"
        f"{items}</channel>\n</rss>\n"
    )
