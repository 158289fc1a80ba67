"""The regional-portal layout shared by the German and the Russian variants (``german``, ``russian``).

Modelled on the regional news portals of Germany and Russia: a consent layer, a header with
weather (and, in Russia, currency rates), a lead story and a teaser list with kickers and
displayed times in the local language, a ranked "most read" box with view counts in the local
grouping, a "news feed" box of clock times, and articles with a kicker, a bold lead, a byline,
a displayed date (with a ``<time datetime>`` on some articles, only the text on others), an
inline "read also" link, a comment count and tags. What differs between the two is in a
:class:`Locale`: words, class names, and how times and counts are shown.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.sites.blind.common import (
    E,
    Shown,
    Site,
    Story,
    day_of,
    item,
    make_stories,
    news_article_ld,
    paragraphs,
    relative,
    shown,
    slug,
)


@dataclass(frozen=True)
class Locale:
    """What a variant says and how (``cls`` maps a role to its class name)."""

    lang: str
    site_title: str
    sections: dict[str, str]
    titles: list[tuple[str, str]]
    authors: list[list[str]]
    by: Callable[[list[str]], str]
    words: dict[str, str]
    cls: dict[str, str]
    today: Callable[[str], str]
    yesterday: Callable[[str], str]
    minutes_ago: Callable[[int], str]
    hours_ago: Callable[[int], str]
    dated: Callable[[Any], str]
    views: Callable[[int], tuple[str, int]]
    consent: str
    header_extra: str


def when_shown(site: Site, loc: Locale, when: Any, *, relative_ok: bool) -> Shown:
    """The local label for ``when``: relative within two hours (if allowed), else by day."""
    if relative_ok and (site.now - when).total_seconds() < 7200:
        rel = relative(site, when, lambda n, u: loc.minutes_ago(n) if u == "min" else loc.hours_ago(n))
        return rel
    clock = f"{when.astimezone(site.tz):%H:%M}"
    kind = day_of(site, when)
    if kind == "today":
        return shown(site, when, loc.today(clock), "today")
    if kind == "yesterday":
        return shown(site, when, loc.yesterday(clock), "yesterday")
    return shown(site, when, loc.dated(when.astimezone(site.tz)), "dated")


def _page(site: Site, loc: Locale, title: str, main: str, side: str, head: str = "") -> str:
    c = loc.cls
    nav = "".join(f'<li><a href="/{k}/">{E(v)}</a></li>' for k, v in loc.sections.items())
    return (
        f'<!DOCTYPE html><html lang="{loc.lang}"><head><meta charset="utf-8"><title>{E(title)}'
        f"</title>{head}</head><body><div id=\"consent\" class=\"{c['consent']}\"><p>"
        f"{E(loc.consent)}</p><button>{E(loc.words['accept'])}</button></div><header class=\""
        f'{c["header"]}"><a class="logo" href="/">{E(loc.site_title)}</a>{loc.header_extra}'
        f'<nav class="{c["nav"]}"><ul>{nav}</ul></nav></header><div class="{c["wrap"]}">{main}'
        f"{side}</div><footer class=\"{c['footer']}\"><a href=\"/impressum/\">"
        f"{E(loc.words['imprint'])}</a> · <a href=\"/datenschutz/\">{E(loc.words['privacy'])}</a>"
        f"<p>© 2026 {E(loc.site_title)}</p></footer><script>var _tmr = window._tmr || [];</script>"
        "</body></html>"
    )


def _side(site: Site, loc: Locale) -> tuple[str, list[dict[str, Any]]]:
    c = loc.cls
    most = site.most_read()
    rows, items = [], []
    for rank, s in enumerate(most, start=1):
        text, value = loc.views(s.views)
        when = when_shown(site, loc, s.published, relative_ok=False)
        rows.append(
            f'<li class="{c["most_item"]}"><span class="{c["rank"]}">{rank}</span><a href="{s.path}"'
            f' class="{c["most_link"]}">{E(s.title)}</a><div class="{c["most_meta"]}"><span class="'
            f'{c["date"]}">{E(when.text)}</span> <span class="{c["views"]}">{E(text)}</span></div></li>'
        )
        items.append(
            item(site, loc.words["most_read"], rank, s, views=value, views_shown=text, when=when)
        )
    feed = site.newest()
    frows = []
    for pos, s in enumerate(feed, start=1):
        when = when_shown(site, loc, s.published, relative_ok=True)
        frows.append(
            f'<div class="{c["feed_item"]}"><span class="{c["feed_time"]}">{E(when.text)}</span>'
            f'<a href="{s.path}">{E(s.title)}</a></div>'
        )
        items.append(item(site, loc.words["feed"], pos, s, when=when))
    html = (
        f'<div class="{c["side"]}"><div class="{c["box"]}"><div class="{c["box_title"]}">'
        f'{E(loc.words["most_read"])}</div><ol>{"".join(rows)}</ol></div><div class="{c["ad"]}">'
        f'{E(loc.words["ad"])}</div><div class="{c["box"]}"><div class="{c["box_title"]}">'
        f'{E(loc.words["feed"])}</div>{"".join(frows)}</div></div>'
    )
    return html, items


def _article(site: Site, loc: Locale, rng: random.Random, story: Story, machine: bool) -> None:
    c = loc.cls
    when = when_shown(site, loc, story.published, relative_ok=False)
    also = next(s for s in site.stories if s is not story)
    body = story.paragraphs
    text = (
        paragraphs(body[:2])
        + f'<p class="{c["also"]}"><b>{E(loc.words["read_also"])}</b> <a href="{also.path}">'
        f"{E(also.title)}</a></p>" + paragraphs(body[2:])
    )
    date_html = (
        f'<time datetime="{story.published.isoformat()}">{E(when.text)}</time>' if machine
        else f'<span class="{c["date"]}">{E(when.text)}</span>'
    )  # fmt: skip
    main = (
        f'<div class="{c["content"]}"><div class="{c["article"]}"><div class="{c["kicker"]}">'
        f'{E(loc.sections[story.section])}</div><h1 class="{c["title"]}">{E(story.title)}</h1>'
        f'<div class="{c["meta"]}">{date_html} · <span class="{c["comments"]}">'
        f'{E(loc.words["comments"])} ({rng.randint(2, 60)})</span></div><div class="{c["lead"]}">'
        f'<b>{E(story.lead)}</b></div><div class="{c["author"]}">{E(loc.by(story.authors))}</div>'
        f'<div class="{c["text"]}">{text}</div><div class="{c["tags"]}"><a href="/tag/1/">'
        f'{E(loc.words["tag1"])}</a> <a href="/tag/2/">{E(loc.words["tag2"])}</a></div>'
        f'<div class="{c["share"]}">{E(loc.words["share"])}: <a href="https://vk.com/share.php">VK'
        '</a> <a href="https://t.me/share/url">Telegram</a> <a href="https://wa.me/">WhatsApp</a>'
        "</div></div></div>"
    )
    side, items = _side(site, loc)
    head = news_article_ld(site, story) if machine else ""
    items.append(item(site, loc.words["read_also"], 1, also, optional=True))
    site.add(story.path, _page(site, loc, f"{story.title} | {loc.site_title}", main, side, head),
             "article", items, story=story, published_shown_zone=False,
             published_if_utc=when.if_utc)  # fmt: skip


def _listing(site: Site, loc: Locale, path: str, label: str, stories: list[Story]) -> None:
    c = loc.cls
    rows, items = [], []
    for pos, s in enumerate(stories, start=1):
        when = when_shown(site, loc, s.published, relative_ok=True)
        views_text, views = loc.views(s.views)
        big = pos == 1
        rows.append(
            f'<div class="{c["teaser_big"] if big else c["teaser"]}"><a href="{s.path}">'
            + (f'<img src="{s.image}" alt="">' if big else "")
            + f'<span class="{c["kicker"]}">{E(loc.sections[s.section])}</span>'
            f'<span class="{c["teaser_title"]}">{E(s.title)}</span></a>'
            + (f'<p class="{c["teaser_text"]}">{E(s.lead)}</p>' if big else "")
            + f'<span class="{c["date"]}">{E(when.text)}</span> <span class="{c["views"]}">'
            f"{E(views_text)}</span></div>"
        )
        items.append(item(site, label, pos, s, views=views, views_shown=views_text, when=when))
    side, side_items = _side(site, loc)
    main = f'<div class="{c["content"]}"><h2>{E(label)}</h2>{"".join(rows)}</div>'
    site.add(path, _page(site, loc, f"{label} | {loc.site_title}", main, side), "listing",
             items + side_items)  # fmt: skip


def build_regional(site: Site, rng: random.Random, loc: Locale) -> None:
    stories = make_stories(
        site, rng, loc.titles, loc.authors,
        lambda i, s, p: f"/{s}/{slug(loc.titles[i][1]) if loc.lang == 'de' else 'news'}-"
        f"{p:%Y%m%d}-{1000 + i}.html",
        minutes_ago=(12, 95, 300, 820, 1250, 1600, 2950, 4300),
    )  # fmt: skip
    for index, story in enumerate(stories):
        _article(site, loc, rng, story, machine=index % 2 == 0)
    _listing(site, loc, "/", loc.words["home"], stories)
    for key, label in loc.sections.items():
        _listing(site, loc, f"/{key}/", label, [s for s in stories if s.section == key])
    for path, key in (("/impressum/", "imprint"), ("/datenschutz/", "privacy"),
                      ("/tag/1/", "tag1"), ("/tag/2/", "tag2")):  # fmt: skip
        side, items = _side(site, loc)
        main = f"<div><h1>{E(loc.words[key])}</h1><p>{E(loc.words['about'])}</p></div>"
        site.add(path, _page(site, loc, loc.words[key], main, side), "other", items)
