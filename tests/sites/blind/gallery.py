"""Photo-gallery articles of a Singapore daily: many pictures with captions, little running text.

Modelled on the "In pictures" pages of Asian English-language dailies: a headline, one or two
short intro paragraphs, then eight to ten slides, each a ``<figure>`` with a counter ("3/9"),
the photo, a caption and a credit in capitals ("PHOTO: LENS DAILY / KELVIN ONG"); a thumbnail
strip, a "Next gallery" teaser, a share bar, a "Recommended" strip of other galleries with photo
counts ("12 photos"), and a "Latest" rail with times like "Dec 2, 2026, 6:30 PM SGT". One
gallery has ``NewsArticle`` JSON-LD; the other only ``article:published_time``. One ordinary
article completes the site. The body of a gallery is its intro and its captions in order (the
captions are the story); credits and counters are not.
"""

from __future__ import annotations

import random
from typing import Any

from tests.sites.blind.common import (
    EN_MONTHS_SHORT,
    E,
    Site,
    Story,
    clock12,
    item,
    make_stories,
    news_article_ld,
    paragraphs,
    prose,
    shown,
    slug,
)

_TITLES = [
    ("photos", "In pictures: Lantern makers of Chinatown race to finish for the new year"),
    ("photos", "In pictures: A night on the last ferry to Pulau Ubin"),
    ("singapore", "HDB estates to get more sheltered walkways by 2028"),
    ("photos", "In pictures: Monsoon rain floods hawker centres in Bedok"),
]
_AUTHORS = [["Kelvin Ong"], ["Aisha Rahman", "Kelvin Ong"], ["Tan Wei Ling"]]
_PHOTOGRAPHERS = ["KELVIN ONG", "AISHA RAHMAN", "NG JUN HAO"]
_GALLERIES = (0, 1, 3)


def _stamp(story: Story) -> str:
    when = story.published
    return f"{EN_MONTHS_SHORT[when.month - 1].rstrip('.')} {when.day}, {when:%Y}, {clock12(when)} SGT"


def _rail(site: Site) -> tuple[str, list[dict[str, Any]]]:
    latest = site.newest()
    rows, items = [], []
    for pos, s in enumerate(latest, start=1):
        rows.append(f'<li><a href="{s.path}">{E(s.title)}</a><span class="ts">{_stamp(s)}</span></li>')
        # The stamp names its zone (SGT): the instant is known whatever else the page says.
        items.append(item(site, "Latest", pos, s, when=shown(site, s.published, _stamp(s), "dated")))
        items[-1]["published_at_if_utc"] = items[-1]["published_at"]
    return f'<aside class="latest-rail"><h2>Latest</h2><ul>{"".join(rows)}</ul></aside>', items


def _page(site: Site, title: str, main: str, head: str = "") -> str:
    rail, _ = _rail(site)
    return (
        f'<!DOCTYPE html><html lang="en-SG"><head><meta charset="utf-8"><title>{E(title)}</title>'
        f'{head}</head><body><header class="masthead"><a href="/">Lens Daily</a><nav>'
        '<a href="/singapore/">Singapore</a><a href="/photos/">Photos</a><a href="/subscribe/">'
        'Subscribe</a></nav></header><div class="cookie">By continuing, you agree to our use of '
        f'cookies. <a href="/privacy/">Privacy</a></div><div class="container">{main}{rail}</div>'
        '<footer><a href="/privacy/">Privacy</a> · <a href="/subscribe/">Subscribe</a><p>Lens '
        "Daily Pte Ltd. Co Regn No. 198402868E. © 2026</p></footer></body></html>"
    )


def _gallery(site: Site, rng: random.Random, story: Story, with_jsonld: bool) -> None:
    intro = story.paragraphs[:1] if story.key != "s2" else story.paragraphs[:2]
    count = rng.randint(8, 10)
    captions = [prose(rng, "en", rng.randint(1, 2)) for _ in range(count)]
    slides = "".join(
        f'<figure class="slide" id="slide-{n}"><div class="counter">{n}/{count}</div>'
        f'<img src="{story.image[:-4]}-{n}.jpg" alt="{E(cap[:40])}" loading="lazy"><figcaption>'
        f'<span class="caption">{E(cap)}</span> <span class="credit">PHOTO: LENS DAILY / '
        f"{rng.choice(_PHOTOGRAPHERS)}</span></figcaption></figure>"
        for n, cap in enumerate(captions, start=1)
    )
    thumbs = "".join(f'<a href="#slide-{n}"><img src="{story.image[:-4]}-{n}-t.jpg" alt=""></a>'
                     for n in range(1, count + 1))  # fmt: skip
    others = [s for s in site.stories if s is not story and s.section == "photos"]
    rec = "".join(
        f'<div class="rec"><a href="{s.path}"><img src="{s.image}" alt=""><h4>{E(s.title)}</h4></a>'
        f'<span class="count">{rng.randint(8, 14)} photos</span></div>'
        for s in others
    )
    main = (
        f'<main class="gallery-page"><h1 class="headline">{E(story.title)}</h1>'
        f'<div class="byline">{" and ".join(map(E, story.authors))}</div><div class="date">'
        f"Published {_stamp(story)}</div><div class=\"share\"><a href=\"https://www.facebook.com/"
        'sharer/sharer.php">Facebook</a><a href="https://wa.me/?text=x">WhatsApp</a></div>'
        f'<div class="intro">{paragraphs(intro)}</div><div class="slides">{slides}</div>'
        f'<div class="thumbs">{thumbs}</div><div class="recommended"><h3>Recommended</h3>{rec}</div>'
        "</main>"
    )
    head = (
        news_article_ld(site, story) if with_jsonld
        else f'<meta property="article:published_time" content="{story.published.isoformat()}">'
    )  # fmt: skip
    _, items = _rail(site)
    items += [item(site, "Recommended", i, s, optional=True) for i, s in enumerate(others, 1)]
    site.add(story.path, _page(site, f"{story.title} | Lens Daily", main, head), "article",
             items, story=story, body=intro + captions, extra={"gallery": True})  # fmt: skip


def _article(site: Site, story: Story) -> None:
    main = (
        f'<main><article><h1 class="headline">{E(story.title)}</h1><p class="standfirst">'
        f'{E(story.lead)}</p><div class="byline">{E(" and ".join(story.authors))}</div>'
        f'<div class="date">Published {_stamp(story)}</div><div class="body">'
        f"{paragraphs(story.paragraphs)}</div></article></main>"
    )
    _, items = _rail(site)
    site.add(story.path, _page(site, f"{story.title} | Lens Daily", main,
                               news_article_ld(site, story)), "article", items, story=story)  # fmt: skip


def _listing(site: Site, rng: random.Random, path: str, label: str, stories: list[Story]) -> None:
    cards = "".join(
        f'<div class="card"><a href="{s.path}"><img src="{s.image}" alt=""><h3>{E(s.title)}</h3>'
        f"</a>" + (f'<span class="count">{rng.randint(8, 14)} photos</span>' if s.section == "photos"
                   else "") + "</div>"
        for s in stories
    )  # fmt: skip
    _, items = _rail(site)
    items = [item(site, label, i, s) for i, s in enumerate(stories, 1)] + items
    site.add(path, _page(site, f"{label} | Lens Daily", f'<main><h2>{label}</h2>{cards}</main>'),
             "listing", items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{s}/{slug(_TITLES[i][1], 9)}-{p:%Y%m%d}",
        minutes_ago=(150, 1300, 60, 2900),
        paragraphs=(3, 6),
    )  # fmt: skip
    for index, story in enumerate(stories):
        if index in _GALLERIES:
            _gallery(site, rng, story, with_jsonld=index == 0)
        else:
            _article(site, story)
    _listing(site, rng, "/", "Top stories", stories)
    _listing(site, rng, "/photos/", "Photos", [s for s in stories if s.section == "photos"])
    _listing(site, rng, "/singapore/", "Singapore", [s for s in stories if s.section == "singapore"])
    for path, title in (("/privacy/", "Privacy policy"), ("/subscribe/", "Subscribe")):
        _, items = _rail(site)
        main = f"<main><h1>{title}</h1><p>Lens Daily digital access from $0.99 a month.</p></main>"
        site.add(path, _page(site, f"{title} | Lens Daily", main), "other", items)
