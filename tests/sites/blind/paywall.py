"""Paywalled teaser articles of a business daily: a short visible body, then a paywall box.

Modelled on subscription business papers with a hard paywall: for a reader without a
subscription the server sends the headline, dek, byline, date and the first two or three
paragraphs (the last one sometimes cut off mid-sentence under a fade), then a paywall box
("Subscribe to continue reading", prices, a feature list, sign-in link). The JSON-LD says
``isAccessibleForFree: false`` with ``hasPart`` pointing at the paywalled section. The rest of
the story is not in the HTML. One article is free ("Free to read") and complete. Listing cards
carry a "Subscriber" lock label; a "Markets" ticker strip and a "Most read" rail with ranks are
on every page. Toronto times (-05:00 in December).
"""

from __future__ import annotations

import random
from typing import Any

from tests.sites.blind.common import (
    E,
    Site,
    Story,
    clock12,
    item,
    jsonld,
    make_stories,
    paragraphs,
    slug,
)

_TITLES = [
    ("markets", "Pension funds quietly cut exposure to office towers as vacancies hit record"),
    ("companies", "Regional grocer weighs sale after bidding war for its distribution arm"),
    ("economy", "Why the central bank's next move may hinge on rents, not wages"),
    ("companies", "Shipping startup lands $40-million round despite freight slump"),
    ("markets", "Five charts that explain the loonie's strange December"),
]
_AUTHORS = [["Nadia Sorensen"], ["Paul Whitfield", "Grace Obi"], ["Nadia Sorensen"]]
_SECTIONS = {"markets": "Markets", "companies": "Companies", "economy": "Economy"}
_FREE = {"s5"}


def _most_read(site: Site) -> tuple[str, list[dict[str, Any]]]:
    chosen = [site.stories[i] for i in (2, 0, 4, 1, 3)]
    rows = "".join(
        f'<li><span class="mr-n">{r}</span><a href="{s.path}">{E(s.title)}</a></li>'
        for r, s in enumerate(chosen, start=1)
    )
    items = [item(site, "Most read", r, s) for r, s in enumerate(chosen, start=1)]
    return f'<aside class="mr"><h3>Most read</h3><ol>{rows}</ol></aside>', items


def _page(site: Site, title: str, main: str, head: str = "") -> str:
    rail, _ = _most_read(site)
    nav = "".join(f'<a href="/{k}/">{v}</a>' for k, v in _SECTIONS.items())
    return (
        f'<!DOCTYPE html><html lang="en-CA"><head><meta charset="utf-8"><title>{E(title)}</title>'
        f'{head}</head><body><div class="ticker"><span>TSX 24,812.33 +0.4%</span><span>CAD/USD '
        "0.7312</span><span>WTI $68.10</span></div><header><a href=\"/\" class=\"logo\">The "
        f'Ledger Review</a><nav>{nav}</nav><a href="/subscribe/" class="cta">Subscribe</a>'
        f'<a href="/login/">Sign in</a></header><div class="main-wrap">{main}{rail}</div><footer>'
        '<a href="/subscribe/">Subscribe</a> · <a href="/terms/">Terms</a> · <a href="/login/">'
        "Sign in</a><p>© 2026 The Ledger Review Inc.</p></footer></body></html>"
    )


def _dateline(story: Story) -> str:
    when = story.published
    return f"Published {when:%B} {when.day}, {when:%Y} at {clock12(when, dots=True)} ET"


def _article(site: Site, rng: random.Random, story: Story) -> None:
    free = story.key in _FREE
    if free:
        visible = list(story.paragraphs)
    else:
        visible = story.paragraphs[: rng.randint(2, 3)]
        if story.key == "s2":  # cut mid-sentence under the fade, as such pages do
            words = visible[-1].split()
            visible[-1] = " ".join(words[: len(words) // 2])
    wall = (
        '<div class="paywall" id="paywall"><h3>Subscribe to continue reading</h3><p>Get full '
        "access to The Ledger Review for $1.99 a week for the first 24 weeks.</p><ul><li>"
        "Unlimited articles on any device</li><li>Market data and portfolio tools</li><li>The "
        'morning newsletter</li></ul><a class="btn" href="/subscribe/">Subscribe now</a><p>'
        'Already a subscriber? <a href="/login/">Sign in</a></p></div>'
    )
    fade = ' class="fade"' if story.key == "s2" else ""
    body_html = paragraphs(visible[:-1]) + f"<p{fade}>{E(visible[-1])}</p>"
    label = '<span class="free">Free to read</span>' if free else '<span class="lock">Subscriber</span>'
    main = (
        f'<main><article class="story"><div class="labels">{label}</div><h1>{E(story.title)}</h1>'
        f'<p class="dek">{E(story.lead)}</p><div class="byline">{E(" and ".join(story.authors))}'
        f'</div><div class="pubdate"><time datetime="{story.published.isoformat()}">'
        f"{_dateline(story)}</time></div><div class=\"tools\"><button>Gift this article</button>"
        f'<button>Save</button><span>{rng.randint(3, 40)} comments</span></div>'
        f'<div class="story-body">{body_html}</div>{"" if free else wall}</article></main>'
    )
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "author": [{"@type": "Person", "name": n} for n in story.authors],
        "isAccessibleForFree": free,
    }
    if not free:
        data["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False,
                           "cssSelector": ".paywall"}  # fmt: skip
    _, items = _most_read(site)
    site.add(story.path, _page(site, f"{story.title} - The Ledger Review", main, jsonld(data)),
             "article", items, story=story, body=visible,
             extra={"paywalled": not free})  # fmt: skip


def _listing(site: Site, path: str, label: str, stories: list[Story]) -> None:
    cards = "".join(
        f'<div class="card"><span class="{"free" if s.key in _FREE else "lock"}">'
        f'{"Free" if s.key in _FREE else "Subscriber"}</span><a href="{s.path}"><h3>{E(s.title)}'
        f'</h3></a><p>{E(s.lead)}</p><span class="by">{E(", ".join(s.authors))}</span></div>'
        for s in stories
    )
    _, rail_items = _most_read(site)
    items = [item(site, label, i, s) for i, s in enumerate(stories, start=1)]
    site.add(path, _page(site, f"{label} - The Ledger Review", f"<main><h2>{label}</h2>{cards}"
                         "</main>"), "listing", items + rail_items)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, _p: f"/{s}/article-{slug(_TITLES[i][1])}/",
        minutes_ago=(75, 330, 1200, 1900, 3000),
    )  # fmt: skip
    for story in stories:
        _article(site, rng, story)
    _listing(site, "/", "Top stories", stories)
    for key, label in _SECTIONS.items():
        _listing(site, f"/{key}/", label, [s for s in stories if s.section == key])
    for path, title in (("/subscribe/", "Subscribe"), ("/login/", "Sign in"), ("/terms/", "Terms")):
        _, items = _most_read(site)
        main = f"<main><h1>{title}</h1><p>Digital subscriptions start at $1.99 a week.</p></main>"
        site.add(path, _page(site, f"{title} - The Ledger Review", main), "other", items)
