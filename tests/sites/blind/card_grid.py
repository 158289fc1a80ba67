"""A card-grid entertainment and viral-news site: view counts on every card, a ranked "Most read".

Modelled on the listicle-and-trending publishers: the home page is a responsive grid of cards
(thumbnail as a CSS background, a coloured badge, the headline, "12.3K views" and a ``<time>``
with a relative label), a sponsored card linking to an advertiser, a "Load more" button and a
quiz promo; a right rail "Most read" with big rank numbers and clock times in the US style
("3:45 PM", "Yesterday 11:20 PM", "Nov 30, 9:05 AM"). Articles are listicles: an intro, then
numbered ``<h2>`` entries each with an image, a credit and a paragraph; a reaction bar
("LOL 1.2K"), a comment teaser, "More like this" cards. JSON-LD ``NewsArticle`` on articles;
the cards' ``<time datetime>`` carry the offset (Los Angeles, -08:00 in December).
"""

from __future__ import annotations

import random
from typing import Any

from tests.sites.blind.common import (
    EN_MONTHS_SHORT,
    E,
    Shown,
    Site,
    Story,
    abbreviated,
    clock12,
    day_of,
    item,
    make_stories,
    news_article_ld,
    prose,
    relative,
    shown,
    slug,
)

_TITLES = [
    ("viral", "17 Dogs Who Absolutely Refused to Leave the Beach"),
    ("food", "We Tried Every Gas Station Burrito on Route 66 So You Don't Have To"),
    ("tv", "The Finale Everyone Is Arguing About, Explained"),
    ("viral", "A Grandma Knitted 400 Hats for a Marathon and the Runners Wore Them"),
    ("food", "12 Pantry Dinners That Take Less Time Than Delivery"),
    ("tv", "Every Cameo in the Holiday Special, Ranked"),
    ("viral", "This Town Votes on Its Christmas Tree Every Year and It Is Chaos"),
    ("food", "The Cafeteria Chef Whose Lunch Menu Went Viral"),
]
_AUTHORS = [["Mia Castillo"], ["Dre Howard"], ["Mia Castillo", "Sunny Park"], ["Buzzline Staff"]]
_SECTIONS = {"viral": "Viral", "food": "Food", "tv": "TV"}


def _views(story: Story) -> tuple[str, int]:
    text, value = abbreviated(story.views)
    return f"{text} views", value


def _card_time(site: Site, story: Story) -> Shown:
    """The card's label: "34m ago", "5h ago", else "Nov 30"; its ``datetime`` has the instant.

    The machine-readable time beside the label is exact, so it is the truth, not "capture time
    minus three hours".
    """
    rel = relative(site, story.published, lambda n, u: f"{n}m ago" if u == "min" else f"{n}h ago")
    when = story.published
    if rel.ago is not None and rel.ago < 24 * 3600:
        return Shown(rel.text, when, when)
    return Shown(f"{EN_MONTHS_SHORT[when.month - 1]} {when.day}", when, when)


def _rail_time(site: Site, story: Story) -> Shown:
    when = story.published
    kind = day_of(site, when)
    if kind == "today":
        return shown(site, when, clock12(when), "today")
    if kind == "yesterday":
        return shown(site, when, f"Yesterday {clock12(when)}", "yesterday")
    text = f"{EN_MONTHS_SHORT[when.month - 1].rstrip('.')} {when.day}, {clock12(when)}"
    return shown(site, when, text, "dated")


def _most_read(site: Site) -> list[Story]:
    return site.most_read()


def _rail(site: Site) -> tuple[str, list[dict[str, Any]]]:
    rows, items = [], []
    for rank, s in enumerate(_most_read(site), start=1):
        when = _rail_time(site, s)
        rows.append(
            f'<li class="mr-row"><span class="mr-rank">{rank}</span><div class="mr-body">'
            f'<a class="mr-link" href="{s.path}">{E(s.title)}</a><span class="mr-time">'
            f"{E(when.text)}</span></div></li>"
        )
        items.append(item(site, "Most read", rank, s, when=when))
    html = (
        '<aside class="rail"><div class="rail-ad">Advertisement</div><section class="most-read">'
        f'<h2 class="rail-title">Most read</h2><ol class="mr-list">{"".join(rows)}</ol></section>'
        '<div class="rail-newsletter"><h3>Get the Daily Buzz</h3><p>The internet\'s best, in '
        'your inbox every morning.</p><input type="email" placeholder="Email address"><button>'
        "Sign up</button></div></aside>"
    )
    return html, items


def _cards(site: Site, rng: random.Random, label: str, stories: list[Story],
           sponsored: bool) -> tuple[str, list[dict[str, Any]]]:  # fmt: skip
    cards, items = [], []
    position = 0
    for s in stories:
        position += 1
        views_text, views = _views(s)
        when = _card_time(site, s)
        cards.append(
            f'<div class="card"><a class="card-link" href="{s.path}"><div class="card-thumb" '
            f"style=\"background-image:url('{s.image}')\"></div><span class=\"badge badge-"
            f'{s.section}">{_SECTIONS[s.section]}</span><h3 class="card-title">{E(s.title)}</h3>'
            f'</a><div class="card-meta"><span class="card-views">{views_text}</span> · '
            f'<time datetime="{s.published.isoformat()}">{E(when.text)}</time></div></div>'
        )
        items.append(item(site, label, position, s, views=views, views_shown=views_text, when=when))
        if sponsored and position == 3:
            position += 1
            cards.append(
                '<div class="card card-sponsored"><a class="card-link" href="https://ads.partner'
                '.example/click?cid=88"><div class="card-thumb"></div><span class="badge">'
                'Sponsored</span><h3 class="card-title">These Noise-Cancelling Earbuds Are 40% Off '
                'Today</h3></a><div class="card-meta"><span>Paid for by SoundCo</span></div></div>'
            )
            items.append({**item(site, label, position, s), "url":
                          "https://ads.partner.example/click?cid=88", "title": "These "
                          "Noise-Cancelling Earbuds Are 40% Off Today", "optional": True})  # fmt: skip
    html = (
        f'<section class="grid-section"><h2 class="grid-heading">{E(label)}</h2>'
        f'<div class="card-grid">{"".join(cards)}</div>'
        '<button class="load-more" data-next="/api/feed?page=2">Load more</button></section>'
    )
    return html, items


def _page(site: Site, title: str, main: str, head: str = "") -> str:
    nav = "".join(f'<a href="/{k}/">{v}</a>' for k, v in _SECTIONS.items())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{E(title)}</title>'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'{head}</head><body><div class="topbar"><a class="logo" href="/">Buzzline</a><nav>{nav}'
        '<a href="/quizzes/">Quizzes</a></nav><a class="btn" href="/newsletter/">Newsletter</a>'
        f'</div><div class="layout">{main}</div><div class="quiz-promo"><a href="/quizzes/">Which '
        "holiday cookie are you? Take the quiz</a></div><footer><a href=\"/about/\">About</a> "
        '<a href="/privacy/">Privacy</a> <a href="/newsletter/">Newsletter</a><p>© 2026 Buzzline '
        "Media</p></footer><script>window.dataLayer=window.dataLayer||[];</script></body></html>"
    )


def _listing(site: Site, rng: random.Random, path: str, label: str, stories: list[Story]) -> None:
    grid, items = _cards(site, rng, label, stories, sponsored=path == "/")
    rail, rail_items = _rail(site)
    site.add(path, _page(site, f"{label} | Buzzline", f"<main>{grid}</main>{rail}"), "listing",
             items + rail_items)  # fmt: skip


def _article(site: Site, rng: random.Random, story: Story) -> None:
    intro = story.paragraphs[:1]
    entries: list[str] = []
    body = list(intro)
    for number, text in enumerate(story.paragraphs[1:], start=1):
        heading = f"{number}. {prose(rng, 'en', 1).split(',')[0][:60].rstrip('.')}"
        body += [heading, text]
        entries.append(
            f'<div class="list-item"><h2 class="list-head">{E(heading)}</h2><figure><img src="'
            f'{story.image[:-4]}-{number}.jpg" alt=""><figcaption class="credit">Instagram / '
            f"@user{rng.randint(100, 999)}</figcaption></figure><p>{E(text)}</p></div>"
        )
    more = [s for s in site.stories if s is not story and s.section == story.section][:3]
    more_grid, more_items = _cards(site, rng, "More like this", more, sponsored=False)
    rail, rail_items = _rail(site)
    byline = " and ".join(f'<a href="/author/{slug(n, 3)}/">{E(n)}</a>' for n in story.authors)
    main = (
        f'<main><article class="post"><div class="badge badge-{story.section}">'
        f"{_SECTIONS[story.section]}</div><h1 class=\"post-title\">{E(story.title)}</h1>"
        f'<p class="post-dek">{E(story.lead)}</p><div class="post-byline">by {byline} · '
        f'<time datetime="{story.published.isoformat()}">{_rail_time(site, story).text}</time>'
        f'</div><div class="post-body"><p>{E(intro[0])}</p>{"".join(entries)}</div>'
        '<div class="reactions"><button>LOL 1.2K</button><button>WIN 860</button><button>OMG 44'
        '</button></div><div class="comments-teaser"><a href="#comments">View 38 comments</a>'
        "</div></article>" + more_grid + "</main>" + rail
    )
    for entry in more_items:
        entry["optional"] = True
    site.add(story.path, _page(site, f"{story.title} | Buzzline", main, news_article_ld(site, story)),
             "article", more_items + rail_items, story=story, body=body)  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS, lambda i, s, _p: f"/{s}/{slug(_TITLES[i][1])}",
        minutes_ago=(34, 200, 500, 800, 1300, 1650, 2800, 4500),
        views=(12345, 987, 1_530_000, 156_789, 4420, 67_100, 23, 1234),
    )  # fmt: skip
    _listing(site, rng, "/", "Trending today", stories)
    for key, label in _SECTIONS.items():
        _listing(site, rng, f"/{key}/", label, [s for s in stories if s.section == key])
    for story in stories:
        _article(site, rng, story)
    for path, title in (("/about/", "About Buzzline"), ("/privacy/", "Privacy"),
                        ("/newsletter/", "Newsletter"), ("/quizzes/", "Quizzes")):  # fmt: skip
        rail, rail_items = _rail(site)
        main = (f"<main><h1>{title}</h1><p>Buzzline is made by a small team in Los Angeles. "
                "Quizzes and newsletters come out every weekday.</p></main>" + rail)  # fmt: skip
        site.add(path, _page(site, f"{title} | Buzzline", main), "other", rail_items)
    for name in dict.fromkeys(a for s in stories for a in s.authors):
        mine = [s for s in stories if name in s.authors]
        _listing(site, rng, f"/author/{slug(name, 3)}/", name, mine)
