"""Live blogs of an English-language outlet in Paris: many timestamped updates on one page.

Modelled on the live pages of general-news sites: a headline, a bulleted summary ("Key
points") as the standfirst, a "Key events" box of links to anchors further down the same page,
a pinned post, then a dozen updates newest first, each with its own ``<time>`` ("10:42 CET"), an
optional bold headline, paragraphs, sometimes a quote or an embedded post, and a share button.
One live page carries ``LiveBlogPosting`` JSON-LD with its updates; the other has no JSON-LD at
all, only the "First published" ``<time>`` in its header. Two ordinary articles, a "Most read"
rail with view counts ("8.2K") and relative times, and a "Latest" rail with clock times
complete the site. The body of a live blog is every update's headline and paragraphs, pinned
post first, in page order; the published time is when coverage started (the first update).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from tests.sites.blind.common import (
    E,
    Site,
    Story,
    abbreviated,
    day_of,
    item,
    jsonld,
    make_stories,
    news_article_ld,
    paragraphs,
    prose,
    relative,
    shown,
    slug,
)

_TITLES = [
    ("europe", "EU summit live: leaders split over farm subsidies as talks run into the night"),
    ("france", "Paris transport strike live: metro lines closed, RER partly running"),
    ("europe", "Brussels unveils plan to speed up rail links between capitals"),
    ("france", "Lyon's old silk workshops to become low-rent studios for artists"),
]
_AUTHORS = [["Claire Dumont", "Ben Adeyemi"], ["Sophie Marchetti"], ["Ben Adeyemi"]]
_SECTIONS = {"europe": "Europe", "france": "France"}
_LIVE = (0, 1)


def _clock(site: Site, when: Any) -> str:
    local = when.astimezone(site.tz)
    return f"{local:%H:%M} CET"


def _rails(site: Site, exclude: Story | None) -> tuple[str, list[dict[str, Any]]]:
    most = [s for s in sorted(site.stories, key=lambda s: -s.views)]
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, views = abbreviated(s.views)
        when = relative(site, s.published, lambda n, u: f"{n} min ago" if u == "min" else f"{n}h ago")
        if when.ago is not None and when.ago >= 24 * 3600:
            when = shown(site, s.published, f"{s.published:%d %b %H:%M}", "dated")
        rows.append(
            f'<li><span class="rank">{rank}</span><a href="{s.path}">{E(s.title)}</a>'
            f'<span class="meta">{text} · {E(when.text)}</span></li>'
        )
        items.append(item(site, "Most read", rank, s, views=views, views_shown=text, when=when))
    latest = site.newest()
    lrows = []
    for pos, s in enumerate(latest, start=1):
        kind = day_of(site, s.published)
        label = f"{s.published:%H:%M}" if kind == "today" else (
            f"Yesterday {s.published:%H:%M}" if kind == "yesterday" else f"{s.published:%d/%m %H:%M}"
        )  # fmt: skip
        when = shown(site, s.published, label, "dated" if kind == "older" else kind)
        lrows.append(f'<li><time>{E(label)}</time> <a href="{s.path}">{E(s.title)}</a></li>')
        items.append(item(site, "Latest", pos, s, when=when))
    html = (
        '<aside class="rail"><section class="rail-most"><h2>Most read</h2><ol>'
        + "".join(rows)
        + '</ol></section><section class="rail-latest"><h2>Latest</h2><ul>'
        + "".join(lrows)
        + "</ul></section></aside>"
    )
    return html, items


def _page(title: str, main: str, rail: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/{k}/">{v}</a></li>' for k, v in _SECTIONS.items())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{E(title)}</title>'
        f'{head}</head><body><header><a href="/" class="logo">The Continental</a><nav><ul>{nav}'
        '</ul></nav><a href="/support/" class="support">Support us</a></header>'
        '<div id="cmp" class="cmp"><p>We and our 142 partners store and access information on '
        "your device.</p><button>Agree</button><button>Options</button></div>"
        f'<div class="page">{main}{rail}</div><footer><a href="/about/">About</a> · '
        '<a href="/support/">Support us</a> · <a href="/privacy/">Privacy</a><p>© 2026 The '
        "Continental SAS, Paris</p></footer></body></html>"
    )


def _updates(site: Site, rng: random.Random, story: Story) -> list[dict[str, Any]]:
    """Updates from the start of coverage (``story.published``) on, newest first."""
    start = story.published
    span = max(int((site.now - start).total_seconds() // 60) - 5, 30)
    minutes = sorted(rng.sample(range(1, span), 11)) if span > 12 else list(range(1, 12))
    times = [start] + [start + timedelta(minutes=m) for m in minutes]
    updates = []
    for index, when in enumerate(times):
        texts = [prose(rng, "en", rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
        heading = prose(rng, "en", 1).split(",")[0][:70].rstrip(".") if index % 3 == 0 else None
        updates.append({"id": f"post-{index + 1}", "when": when, "heading": heading, "texts": texts})
    updates.reverse()
    return updates


def _live(site: Site, rng: random.Random, story: Story, with_jsonld: bool) -> None:
    updates = _updates(site, rng, story)
    pinned = {"id": "pinned", "when": updates[0]["when"], "heading": "Summary so far",
              "texts": [prose(rng, "en", 3)]}  # fmt: skip
    story.modified = updates[0]["when"]
    blocks = []
    body: list[str] = []
    for update in [pinned, *updates]:
        cls = "block block--pinned" if update is pinned else "block"
        heading = f'<h3 class="block-title">{E(update["heading"])}</h3>' if update["heading"] else ""
        quote = ""
        if update is not pinned and update["id"] == "post-5":
            quote = ('<blockquote class="embed"><p>Statement from the presidency: talks continue.'
                     '</p>— Press office (@pressoffice) <a href="https://social.example/p/1">link'
                     "</a></blockquote>")  # fmt: skip
        blocks.append(
            f'<div class="{cls}" id="{update["id"]}"><p class="block-time"><time datetime="'
            f'{update["when"].isoformat()}">{_clock(site, update["when"])}</time></p>{heading}'
            f'{paragraphs(update["texts"])}{quote}<div class="block-share"><button>Share</button>'
            '<a href="#' + update["id"] + '">Copy link</a></div></div>'
        )
        body += ([update["heading"]] if update["heading"] else []) + update["texts"]
    key_events = "".join(
        f'<li><a href="#{u["id"]}">{_clock(site, u["when"])} {E(u["heading"])}</a></li>'
        for u in updates if u["heading"]
    )  # fmt: skip
    points = "".join(f"<li>{E(prose(rng, 'en', 1))}</li>" for _ in range(3))
    byline = " and ".join(f'<a href="/profile/{slug(n, 3)}/">{E(n)}</a>' for n in story.authors)
    main = (
        f'<main class="liveblog"><div class="live-badge">Live</div><h1>{E(story.title)}</h1>'
        f'<div class="standfirst"><ul>{points}</ul></div><div class="meta"><span class="byline">'
        f'{byline}</span><span class="first-published">First published on <time datetime="'
        f'{story.published.isoformat()}">{story.published:%a %d %b %Y} {_clock(site, story.published)}'
        f'</time></span><span class="updated">Updated {_clock(site, updates[0]["when"])}</span></div>'
        f'<div class="key-events"><h2>Key events</h2><ul>{key_events}</ul></div>'
        f'<div class="live-feed">{"".join(blocks)}</div><div class="load-older"><a href="?page=2">'
        "Older posts</a></div></main>"
    )
    head = ""
    if with_jsonld:
        data = {
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting",
            "headline": story.title,
            "url": site.url(story.path),
            "datePublished": story.published.isoformat(),
            "dateModified": updates[0]["when"].isoformat(),
            "coverageStartTime": story.published.isoformat(),
            "author": [{"@type": "Person", "name": n} for n in story.authors],
            "liveBlogUpdate": [
                {"@type": "BlogPosting", "headline": u["heading"] or u["texts"][0][:80],
                 "datePublished": u["when"].isoformat(), "articleBody": " ".join(u["texts"])}
                for u in updates
            ],
        }  # fmt: skip
        head = jsonld(data)
    rail, items = _rails(site, story)
    site.add(story.path, _page(f"{story.title} | The Continental", main, rail, head), "article",
             items, story=story, body=body, extra={"live": True})  # fmt: skip
    # "?page=2" of a live blog: the older posts, served as a page of the same live blog.
    older = f"{story.path}?page=2"
    older_main = (
        f'<main class="liveblog"><h1>{E(story.title)}</h1><p>Showing older posts.</p>'
        '<div class="live-feed"></div><a href="' + story.path + '">Back to latest</a></main>'
    )
    site.add(older, _page(f"{story.title} | The Continental", older_main, rail), "other", items)


def _article(site: Site, rng: random.Random, story: Story) -> None:
    rail, items = _rails(site, story)
    main = (
        f'<main><article><p class="kicker">{_SECTIONS[story.section]}</p><h1>{E(story.title)}</h1>'
        f'<p class="standfirst">{E(story.lead)}</p><p class="byline">{E(" and ".join(story.authors))}'
        f'</p><p class="dateline"><time datetime="{story.published.isoformat()}">'
        f"{story.published:%a %d %b %Y} {_clock(site, story.published)}</time></p>"
        f'<div class="article-body">{paragraphs(story.paragraphs)}</div>'
        '<div class="support-box"><h3>A note to readers</h3><p>We have no billionaire owner. If '
        'you can, support independent journalism from as little as €2.</p><a href="/support/">'
        "Support us</a></div></article></main>"
    )
    site.add(story.path, _page(f"{story.title} | The Continental", main, rail,
                               news_article_ld(site, story)), "article", items, story=story)  # fmt: skip


def _listing(site: Site, path: str, label: str, stories: list[Story]) -> None:
    rail, items = _rails(site, None)
    rows = []
    for pos, s in enumerate(stories, start=1):
        live = '<span class="live">Live</span> ' if s.key in {f"s{i + 1}" for i in _LIVE} else ""
        rows.append(f'<div class="fc-item"><a href="{s.path}">{live}<h3>{E(s.title)}</h3></a>'
                    f"<p>{E(s.lead)}</p></div>")  # fmt: skip
        items.append(item(site, label, pos, s))
    main = f'<main><h2 class="section-title">{label}</h2>{"".join(rows)}</main>'
    site.add(path, _page(f"{label} | The Continental", main, rail), "listing", items)


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/live/{p:%Y/%b/%d}/{slug(_TITLES[i][1])}".lower() if i in _LIVE
        else f"/{s}/{p:%Y/%b/%d}/{slug(_TITLES[i][1])}".lower(),
        minutes_ago=(420, 1500, 95, 2900),
        views=(8240, 23_400, 912, 3300),
    )  # fmt: skip
    for index, story in enumerate(stories):
        if index in _LIVE:
            _live(site, rng, story, with_jsonld=index == 0)
        else:
            _article(site, rng, story)
    _listing(site, "/", "Headlines", stories)
    for key, label in _SECTIONS.items():
        _listing(site, f"/{key}/", label, [s for s in stories if s.section == key])
    for path, title in (("/about/", "About"), ("/support/", "Support us"), ("/privacy/", "Privacy")):
        rail, items = _rails(site, None)
        main = f"<main><h1>{title}</h1><p>The Continental is edited in Paris.</p></main>"
        site.add(path, _page(f"{title} | The Continental", main, rail), "other", items)
    for name in dict.fromkeys(a for s in stories for a in s.authors):
        _listing(site, f"/profile/{slug(name, 3)}/", name, [s for s in stories if name in s.authors])
