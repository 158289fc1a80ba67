"""A small news site serving pages as HTML, as XHTML and as generic XML, beside a feed and a sitemap.

``/`` (``text/html``) links to three articles: ``/news/html-story.html`` (``text/html``),
``/news/xhtml-story.xhtml`` (``application/xhtml+xml``, with an XML declaration, the XHTML
doctype and namespace) and ``/news/xml-story.xhtml`` (the same kind of document served as
``application/xml``, so only its root element says it is a page). Every article has a
"Most read" sidebar. ``/feed`` is an RSS feed served as ``text/xml`` and ``/sitemap`` a sitemap
served as ``application/xml`` (no ``.xml`` suffix, so a crawl meets them only as start URLs,
through the page callback); each lists one article nothing else links to.
``/rss.xml`` (``application/rss+xml``) is the feed the home page declares.
"""

from __future__ import annotations

from html import escape

from crawler.demo.server import Route, SiteServer

ARTICLES = {
    "/news/html-story.html": ("text/html; charset=utf-8", "An ordinary HTML story"),
    "/news/xhtml-story.xhtml": (
        "application/xhtml+xml; charset=utf-8",
        "A story served as XHTML to show it is extracted",
    ),
    "/news/xml-story.xhtml": (
        "application/xml; charset=utf-8",
        "A story in XHTML served as generic XML",
    ),
    "/news/from-feed.html": ("text/html; charset=utf-8", "A story only the feed lists"),
    "/news/from-sitemap.html": ("text/html; charset=utf-8", "A story only the sitemap lists"),
    "/news/from-rss.html": ("text/html; charset=utf-8", "A story only the declared feed lists"),
}
XHTML_ARTICLE = "/news/xhtml-story.xhtml"
MOST_READ = [
    ("/news/html-story.html", "Most read one: the ordinary story"),
    ("/news/from-feed.html", "Most read two: the story from the feed"),
    ("/news/from-sitemap.html", "Most read three: the story from the sitemap"),
]

_PARAGRAPHS = [
    "The council approved the new budget on Tuesday after a long debate that ran late into the "
    "evening, with several members asking for changes to the spending on roads and schools.",
    "Officials said the plan would be reviewed again in the spring, once the final figures for "
    "the year are known and the effect of the new rules on local services can be measured.",
    "Residents who spoke at the meeting welcomed the extra money for libraries but warned that "
    "the cuts to bus services would hit older people and families without cars the hardest.",
    "The mayor said the council had listened to the concerns and would publish a full report "
    "on the consultation, including every written submission, before the end of the month.",
]


def _article_body(title: str) -> str:
    # Each story its own text (the crawl drops articles with the same text as an earlier one).
    paragraphs = "".join(f"<p>{escape(p)} ({escape(title)}, part {n}.)</p>" for n, p in enumerate(_PARAGRAPHS, 1))
    most_read = "".join(
        f'<li><a href="{url}">{escape(text)}</a></li>' for url, text in MOST_READ
    )
    return (
        '<header class="site-header"><a class="logo" href="/">XML Times</a></header>'
        '<main class="layout"><div class="content"><article class="article">'
        f'<h1 class="headline">{escape(title)}</h1>'
        '<div class="byline">By <span class="author">Ann Author</span></div>'
        '<time class="published" datetime="2025-12-04T09:30:00+01:00">4 December 2025</time>'
        f'<div class="article-body">{paragraphs}</div></article></div>'
        '<aside class="sidebar"><section class="most-read"><h2>Most read</h2>'
        f"<ol>{most_read}</ol></section></aside></main>"
    )


def _head(title: str) -> str:
    return (
        f"<head><meta charset=\"utf-8\"/><title>{escape(title)} | XML Times</title>"
        '<meta property="og:type" content="article"/>'
        f'<meta property="og:title" content="{escape(title)}"/>'
        '<meta property="article:published_time" content="2025-12-04T09:30:00+01:00"/></head>'
    )


def html_article(title: str) -> str:
    return f'<!DOCTYPE html><html lang="en">{_head(title)}<body>{_article_body(title)}</body></html>'


def xhtml_article(title: str) -> str:
    """A well-formed XHTML 1.1 document (declaration, doctype, namespace)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">'
        f"{_head(title)}<body>{_article_body(title)}</body></html>"
    )


def home_html() -> str:
    links = "".join(
        f'<li><a href="{url}">{escape(title)}</a></li>'
        for url, (_, title) in list(ARTICLES.items())[:3]
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>XML Times</title>'
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>'
        f'<h1>Latest from XML Times</h1><ul class="story-list">{links}</ul></body></html>'
    )


def _rss(path: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>XML Times'
        f"</title><link>/</link><item><title>{escape(ARTICLES[path][1])}</title>"
        f"<link>{path}</link></item></channel></rss>"
    )


def routes(base_url: str) -> dict[str, Route]:
    """The site's routes (the sitemap needs absolute URLs: ``base_url``)."""
    table = {
        "/": Route.html(home_html()),
        "/robots.txt": Route.text("User-agent: *\nAllow: /\n"),
        "/feed": Route.content(_rss("/news/from-feed.html"), "text/xml; charset=utf-8"),
        "/rss.xml": Route.content(_rss("/news/from-rss.html"), "application/rss+xml"),
        "/sitemap": Route.content(
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base_url}/news/from-sitemap.html</loc></url></urlset>",
            "application/xml",
        ),
    }
    for path, (content_type, title) in ARTICLES.items():
        body = xhtml_article(title) if path.endswith(".xhtml") else html_article(title)
        table[path] = Route.content(body, content_type)
    return table


def serve_xhtml_site() -> SiteServer:
    """Start serving the site (stop it, or use ``with``)."""
    server = SiteServer({}).start()
    server.routes = routes(server.base_url)
    return server
