"""A metro news site built with a React framework and CSS-in-JS: nested div frames, hashed classes.

Modelled on the big-city dailies whose front end is server-rendered React with an emotion or
styled-components stylesheet: every element carries generated classes (``css-1x2y3z e1abc0``),
the page is a dozen levels of ``<div>`` with no ``<main>``, ``<article>`` or ``<aside>``; a few
``data-testid`` attributes are the only readable names. The story body is split into several
"companion column" frames with ad slots ("Advertisement") and an inline "Read more" link
between them, and subheads inside; the byline is "By A and B"; the dateline a ``<time>`` with
"Dec. 2, 2026, 9:41 a.m. ET"; JSON-LD ``NewsArticle`` on articles; the whole story repeated as
JSON in a ``__NEXT_DATA__`` script. The home page is a grid of story frames with relative times
("2h ago") and "5 min read"; a "Most Popular" rail with rank numbers is on every page.
"""

from __future__ import annotations

import json
import random
from functools import partial

from tests.sites.blind.common import (
    E,
    Shown,
    Site,
    Story,
    clock12,
    item,
    make_stories,
    news_article_ld,
    prose,
    relative,
    slug,
)

_TITLES = [
    ("nyregion", "Subway Signal Upgrade on the F Line Slips Another Two Years"),
    ("business", "A Bronx Bakery Chain Bets on Night Shifts as Rents Climb"),
    ("nyregion", "Inside the Fight Over a Parking Lot That Could Become 400 Apartments"),
    ("arts", "A Tiny Jazz Club in Queens Reopens, Piano and All"),
    ("business", "Why the Ferry System Keeps Losing Money, Explained in Five Charts"),
    ("nyregion", "Tenants in Three Harlem Buildings Win Repairs After Winter Without Heat"),
]
_AUTHORS = [["Ann Lee", "Mark Diaz"], ["Priya Raman"], ["Joel Brandt"], ["Ann Lee"]]
_SECTIONS = {"nyregion": "New York", "business": "Business", "arts": "Arts"}


def _h(rng: random.Random) -> str:
    """A generated class pair, as a CSS-in-JS library writes them."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    first = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 7)))
    second = "e" + "".join(rng.choice(alphabet) for _ in range(7)) + str(rng.randint(0, 9))
    return f"css-{first} {second}"


def _time_text(story: Story) -> str:
    when = story.published
    month = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."][when.month - 1]  # fmt: skip
    return f"{month} {when.day}, {when:%Y}, {clock12(when, dots=True)} ET"


def _popular(site: Site) -> list[Story]:
    return [site.stories[i] for i in (5, 2, 0, 4, 1)]


def _shell(site: Site, rng: random.Random, title: str, content: str, head: str = "",
           next_data: object = None) -> str:  # fmt: skip
    c = partial(_h, rng)
    nav = "".join(
        f'<div class="{c()}"><a class="{c()}" href="/section/{key}">{E(label)}</a></div>'
        for key, label in _SECTIONS.items()
    )
    popular = "".join(
        f'<div class="{c()}" data-testid="popular-item"><div class="{c()}">{rank}</div>'
        f'<div class="{c()}"><a class="{c()}" href="{s.path}"><div class="{c()}">{E(s.title)}'
        "</div></a></div></div>"
        for rank, s in enumerate(_popular(site), start=1)
    )
    data = json.dumps({"props": {"pageProps": next_data or {}}, "page": "/[...slug]",
                       "buildId": "a8Zk3q"}, ensure_ascii=False)  # fmt: skip
    return (
        f'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style data-emotion=\"css\">.css-k008qs{{display:flex}}.css-1d3w5wq{{width:100%}}</style>"
        f"{head}</head><body>"
        f'<div id="__next"><div class="{c()}"><div class="{c()}" data-testid="masthead">'
        f'<div class="{c()}"><a class="{c()}" href="/" aria-label="Metro Pulse home">Metro Pulse</a>'
        f'</div><div class="{c()}">{nav}<div class="{c()}"><a class="{c()}" href="/account">Log in'
        f'</a></div></div></div><div class="{c()}" role="dialog" aria-label="Privacy">'
        f'<div class="{c()}">We and our partners use cookies and similar technologies to '
        "personalize content and ads and to analyze how our sites are used.</div>"
        f'<div class="{c()}"><button class="{c()}">Accept</button><button class="{c()}">Manage'
        f'</button></div></div><div class="{c()}"><div class="{c()}">{content}</div>'
        f'<div class="{c()}"><div class="{c()}"><div class="{c()}">Most Popular</div>{popular}'
        f'</div><div class="{c()}"><div class="{c()}">Advertisement</div><div id="dfp-ad-right">'
        f'</div></div></div></div><div class="{c()}" data-testid="footer"><div class="{c()}">'
        f'<a class="{c()}" href="/about">About Us</a><a class="{c()}" href="/privacy">Privacy '
        f'Policy</a><a class="{c()}" href="/terms">Terms of Service</a></div><div class="{c()}">'
        "© 2026 Metro Pulse Media Company</div></div></div></div>"
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script>'
        '<script>window.__analytics={"page":"story","v":3};</script></body></html>'
    )


def _popular_truth(site: Site) -> list[dict[str, object]]:
    return [item(site, "Most Popular", r, s) for r, s in enumerate(_popular(site), start=1)]


def _ago(site: Site, story: Story) -> Shown:
    """"2h ago" within a day; older: the dateline, which names its zone (ET)."""
    when = relative(site, story.published, lambda n, u: f"{n}m ago" if u == "min" else f"{n}h ago")
    if when.ago is not None and when.ago >= 24 * 3600:
        return Shown(_time_text(story), story.published, story.published)
    return when


def _listing(site: Site, rng: random.Random, path: str, label: str, stories: list[Story]) -> None:
    c = partial(_h, rng)
    frames = []
    items = []
    for index, s in enumerate(stories, start=1):
        when = _ago(site, s)
        headline = (
            f'<h2 class="{c()}">{E(s.title)}</h2>' if index == 1
            else f'<p class="{c()}">{E(s.title)}</p>'
        )  # fmt: skip
        frames.append(
            f'<div class="{c()}" data-testid="story-wrapper"><div class="{c()}"><div class="{c()}">'
            f'<a class="{c()}" href="{s.path}"><div class="{c()}"><img class="{c()}" src="'
            f'{s.image}" alt=""></div>{headline}<p class="{c()}">{E(s.lead)}</p></a></div>'
            f'<div class="{c()}"><span class="{c()}">{E(when.text)}</span><span class="{c()}">'
            f"{rng.randint(3, 9)} min read</span></div></div></div>"
        )
        items.append(item(site, label, index, s, when=when))
    content = f'<div class="{c()}"><div class="{c()}">{E(label)}</div>' + "".join(frames) + "</div>"
    site.add(path, _shell(site, rng, f"{label} - Metro Pulse", content), "listing",
             items + _popular_truth(site))  # fmt: skip


def _article(site: Site, rng: random.Random, story: Story) -> None:
    c = partial(_h, rng)
    body = list(story.paragraphs)
    subhead = "What happens next" if len(body) > 5 else "A long wait"
    body.insert(3, subhead)
    related = next(s for s in site.stories if s is not story)
    frames: list[str] = []
    chunk: list[str] = []
    for index, text in enumerate(body):
        tag = "h2" if text == subhead else "p"
        chunk.append(f'<{tag} class="{c()}">{E(text)}</{tag}>')
        if index in (1, 4):
            frames.append(
                f'<div class="{c()} StoryBodyCompanionColumn"><div class="{c()}">'
                + "".join(chunk) + "</div></div>"
            )  # fmt: skip
            chunk = []
            if index == 1:
                frames.append(
                    f'<div class="{c()}" id="mid1-wrapper"><div class="{c()}">Advertisement</div>'
                    f'<div class="{c()}">SKIP ADVERTISEMENT</div></div>'
                )
            else:
                frames.append(
                    f'<div class="{c()}"><span class="{c()}">Read more: </span><a class="{c()}" '
                    f'href="{related.path}">{E(related.title)}</a></div>'
                )
    if chunk:
        frames.append(f'<div class="{c()} StoryBodyCompanionColumn"><div class="{c()}">'
                      + "".join(chunk) + "</div></div>")  # fmt: skip
    byline = " and ".join(
        f'<a class="{c()}" href="/by/{n.lower().replace(" ", "-")}">{E(n)}</a>' for n in story.authors
    )
    content = (
        f'<div class="{c()}" data-testid="story"><div class="{c()}"><div class="{c()}">'
        f'<a class="{c()}" href="/section/{story.section}">{_SECTIONS[story.section]}</a></div>'
        f'<div class="{c()}"><h1 class="{c()}" data-testid="headline">{E(story.title)}</h1></div>'
        f'<p class="{c()}">{E(story.lead)}</p><div class="{c()}"><div class="{c()}"><img class="'
        f'{c()}" src="{story.image}" alt=""></div><span class="{c()}">{E(prose(rng, "en", 1))}</span>'
        f'<span class="{c()}">Credit: Staff photo</span></div><div class="{c()}"><div class="{c()}">'
        f'<span class="{c()}">By {byline}</span></div><div class="{c()}"><time class="{c()}" '
        f'datetime="{story.published.isoformat(timespec="seconds")}">{_time_text(story)}</time>'
        f'</div></div><div class="{c()}"><button class="{c()}">Share full article</button><span '
        f'class="{c()}">{rng.randint(40, 900)}</span></div></div>'
        f'<div class="{c()}" name="articleBody">{"".join(frames)}</div>'
        f'<div class="{c()}"><div class="{c()}">A version of this article appears in print on '
        f"Section A, Page {rng.randint(1, 24)} of the New York edition.</div><div class=\"{c()}\">"
        '<a href="/subscription">Subscribe</a></div></div></div>'
    )
    head = news_article_ld(site, story) + f'<link rel="canonical" href="{site.url(story.path)}">'
    data = {"article": {"headline": story.title, "body": [{"type": "p", "text": t} for t in body]}}
    items = [item(site, "Read more", 1, related, optional=True)]
    site.add(story.path, _shell(site, rng, f"{story.title} - Metro Pulse", content, head, data),
             "article", items + _popular_truth(site), story=story, body=body)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS,
        lambda i, s, p: f"/{p:%Y/%m/%d}/{s}/{slug(_TITLES[i][1])}.html",
        minutes_ago=(38, 170, 420, 900, 1600, 3100),
    )  # fmt: skip
    _listing(site, rng, "/", "Top Stories", stories)
    for key, label in _SECTIONS.items():
        _listing(site, rng, f"/section/{key}", label, [s for s in stories if s.section == key])
    for story in stories:
        _article(site, rng, story)
    for path, title in (("/about", "About Us"), ("/privacy", "Privacy Policy"),
                        ("/terms", "Terms of Service"), ("/account", "Log in"),
                        ("/subscription", "Subscribe")):  # fmt: skip
        inner = (f"<div><h1>{E(title)}</h1><div>Metro Pulse Media Company, 120 Fulton Street. "
                 "Questions about your account go to our help center.</div></div>")  # fmt: skip
        site.add(path, _shell(site, rng, f"{title} - Metro Pulse", inner), "other",
                 _popular_truth(site))  # fmt: skip
    for n in dict.fromkeys(a for s in stories for a in s.authors):
        path = f"/by/{n.lower().replace(' ', '-')}"
        mine = [s for s in stories if n in s.authors]
        _listing(site, rng, path, n, mine)
