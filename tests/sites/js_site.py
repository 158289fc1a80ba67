"""A small news site whose article body and "Most read" sidebar exist only after JavaScript runs.

``/`` is a plain listing page. ``/world/2025/12/04/js-article.html`` ships its headline and
metadata in HTML, but an empty ``div.article-body`` and an empty "Most read" list: an inline
script fetches ``/api/article/js-article.json`` and ``/api/most-read.json`` and fills them in.
``/world/2025/12/04/plain-article.html`` is an ordinary server-rendered article. The hostile
pages (``/hostile/loop.html``, ``/hostile/huge-dom.html``, ``/hostile/endless.html``) never
finish in a browser.

:data:`MOST_READ` is what the sidebar shows (the golden values); :data:`ARTICLE_PARAGRAPHS` the
body the script inserts.
"""

from __future__ import annotations

import json
from html import escape

from crawler.demo.server import Route, SiteServer

JS_ARTICLE = "/world/2025/12/04/js-article.html"
PLAIN_ARTICLE = "/world/2025/12/04/plain-article.html"
HOSTILE_PAGES = ("/hostile/loop.html", "/hostile/huge-dom.html", "/hostile/endless.html")

MOST_READ = [
    {
        "title": "Billionaires are inheriting record levels of wealth, UBS report finds",
        "url": "/business/2025/12/04/billionaires-inherit.html",
        "views": 139,
        "time": "17:36",
    },
    {
        "title": "Austrian Businessman Seeks to Buy Sanctioned Lukoil Assets",
        "url": "/business/2025/12/03/lukoil-assets.html",
        "views": 340,
        "time": "Yesterday, 23:59",
    },
    {
        "title": (
            "Trump repeats claim of ending India, Pakistan conflict, says should win Nobel Prize"
        ),
        "url": "/world/2025/12/02/trump-nobel.html",
        "views": 525,
        "time": "02.12.2025, 23:47",
    },
]

ARTICLE_TITLE = "Scripts fill this article in after the page loads"
ARTICLE_PARAGRAPHS = [
    "The body of this article is not in the HTML the server sends. A script asks a JSON "
    "endpoint for the paragraphs and inserts them once the page has loaded in a browser.",
    "Crawlers that read only the HTML see an empty container where the text should be, and "
    "an empty list where the most-read stories should be listed with their views and times.",
    "A browser runs the script, so a rendered crawl finds both the article text and the "
    "sidebar, and it archives the JSON the script fetched next to the document itself.",
]

_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | JS Times</title>
<meta property="og:site_name" content="JS Times">
<meta property="og:type" content="{kind}">
<meta property="og:title" content="{title}">
{extra}
</head>"""

_SCRIPT = """<script>
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}
fetch('/api/article/js-article.json').then(r => r.json()).then(data => {
  const body = document.getElementById('article-body');
  for (const p of data.paragraphs) body.appendChild(el('p', '', p));
});
fetch('/api/most-read.json').then(r => r.json()).then(items => {
  const list = document.getElementById('most-read');
  for (const item of items) {
    const li = el('li', 'news-feed__item');
    const a = el('a', 'news-feed__link', item.title);
    a.href = item.url;
    li.appendChild(a);
    const info = el('div', 'news-feed__info');
    info.appendChild(el('span', 'views', String(item.views)));
    info.appendChild(el('time', 'time', item.time));
    li.appendChild(info);
    list.appendChild(li);
  }
});
</script>"""

_ARTICLE_META = (
    '<meta property="article:published_time" content="2025-12-04T09:30:00+03:00">\n'
    '<meta name="author" content="Ann Author">'
)


def _nav() -> str:
    return (
        '<header class="site-header"><a class="logo" href="/">JS Times</a>'
        '<nav class="main-nav"><ul><li><a href="/">Home</a></li>'
        '<li><a href="/world/">World</a></li></ul></nav></header>'
    )


def js_article_html() -> str:
    """The article page as the server sends it: metadata, but an empty body and sidebar."""
    head = _HEAD.format(title=escape(ARTICLE_TITLE), kind="article", extra=_ARTICLE_META)
    return f"""{head}
<body class="page-article">
{_nav()}
<main class="layout"><div class="content">
<article class="article">
<header class="article-header"><h1 class="headline">{escape(ARTICLE_TITLE)}</h1>
<div class="byline">By <span class="author">Ann Author</span></div>
<time class="published" datetime="2025-12-04T09:30:00+03:00">4 December 2025, 09:30</time>
</header>
<div class="article-body" id="article-body"></div>
</article></div>
<aside class="sidebar" aria-label="Sidebar">
<section class="news-feed"><h2 class="news-feed__heading">Most read</h2>
<ul class="news-feed__list" id="most-read"></ul></section>
</aside></main>
<footer class="site-footer"><p>JS Times, a test site. All the text here is made up for tests
of a crawler that renders pages in a browser when their content is filled in by scripts.</p>
</footer>
{_SCRIPT}
</body></html>"""


def plain_article_html() -> str:
    title = "An ordinary article that needs no browser at all"
    paragraphs = "".join(
        f"<p>{escape(p)}</p>"
        for p in (
            "This article arrives complete in the HTML the server sends, like most news "
            "articles do. Plain HTTP gives the same items as a browser would.",
            "It is here so that a crawl in auto mode has something ordinary to compare with, "
            "and so that a rendered crawl of the site has more than one article to visit.",
            "Its sidebar is empty on purpose: the interesting sidebar is on the other page.",
        )
    )
    head = _HEAD.format(title=escape(title), kind="article", extra=_ARTICLE_META)
    return f"""{head}
<body class="page-article">
{_nav()}
<main class="layout"><div class="content">
<article class="article">
<header class="article-header"><h1 class="headline">{escape(title)}</h1>
<time class="published" datetime="2025-12-04T09:30:00+03:00">4 December 2025, 09:30</time>
</header>
<div class="article-body">{paragraphs}</div>
</article></div></main>
</body></html>"""


def home_html(links: list[str]) -> str:
    head = _HEAD.format(title="JS Times", kind="website", extra="")
    items = "".join(f'<li><a href="{escape(url)}">{escape(url)}</a></li>' for url in links)
    return f"""{head}
<body class="page-home">
{_nav()}
<main class="layout"><h1>Latest news from JS Times</h1>
<p>JS Times is a small test site. Its home page is ordinary HTML; one of its articles is
filled in by scripts after the page loads, which only a browser sees.</p>
<ul class="story-list">{items}</ul></main>
</body></html>"""


_HOSTILE = {
    # An endless script: the load event never fires, the renderer never yields.
    "/hostile/loop.html": "<html><body><p>loop</p><script>while (true) {}</script></body></html>",
    # A DOM that keeps growing by a million nodes.
    "/hostile/huge-dom.html": (
        "<html><body><div id=x></div><script>const x = document.getElementById('x');"
        "for (let i = 0; i < 1000000; i++) { x.appendChild(document.createElement('div')); }"
        "</script></body></html>"
    ),
    # Infinite scroll: fetches and appends forever, so the network is never quiet.
    "/hostile/endless.html": (
        "<html><body><div id=feed></div><script>setInterval(() => {"
        "fetch('/api/most-read.json?' + Math.random()).then(r => r.json()).then(items => {"
        "const d = document.createElement('div'); d.textContent = items[0].title;"
        "document.getElementById('feed').appendChild(d); window.scrollTo(0, 1e9); });"
        "}, 50);</script></body></html>"
    ),
}


def js_site_routes(*, home_links: list[str] | None = None) -> dict[str, Route]:
    """The site's routes; ``home_links`` defaults to the two articles."""
    links = home_links if home_links is not None else [JS_ARTICLE, PLAIN_ARTICLE]
    routes = {
        "/": Route.html(home_html(links)),
        JS_ARTICLE: Route.html(js_article_html()),
        PLAIN_ARTICLE: Route.html(plain_article_html()),
        "/api/most-read.json": Route.content(json.dumps(MOST_READ), "application/json"),
        "/api/article/js-article.json": Route.content(
            json.dumps({"paragraphs": ARTICLE_PARAGRAPHS}), "application/json"
        ),
        "/robots.txt": Route.text("User-agent: *\nAllow: /\n"),
    }
    routes.update({path: Route.html(body) for path, body in _HOSTILE.items()})
    return routes


def serve_js_site(*, home_links: list[str] | None = None) -> SiteServer:
    """Start serving the site (stop it, or use ``with``)."""
    return SiteServer(js_site_routes(home_links=home_links)).start()


def numbered_article_html(number: int) -> str:
    """An ordinary server-rendered article, different for every ``number``."""
    title = f"Numbered story {number} about a browser that may crash"
    paragraphs = "".join(
        f"<p>Paragraph {i} of story {number}. {escape(ARTICLE_PARAGRAPHS[i % 3])}</p>"
        for i in range(3)
    )
    head = _HEAD.format(title=escape(title), kind="article", extra=_ARTICLE_META)
    return f"""{head}
<body class="page-article">
{_nav()}
<main class="layout"><div class="content"><article class="article">
<header class="article-header"><h1 class="headline">{escape(title)}</h1></header>
<div class="article-body">{paragraphs}</div>
</article></div></main>
</body></html>"""


def numbered_site_routes(count: int, *, delay: float = 0.0) -> dict[str, Route]:
    """A home page linking to ``count`` articles, each answered after ``delay`` seconds."""
    paths = [f"/news/story-{n}.html" for n in range(count)]
    routes = {"/": Route.html(home_html(paths)), "/robots.txt": Route.text("User-agent: *\n")}
    for n, path in enumerate(paths):
        routes[path] = Route.html(numbered_article_html(n), delay=delay)
    return routes
