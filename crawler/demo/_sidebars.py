"""Sidebar headline blocks of the demo site: the text formats of each style and their markup.

Five styles, each with its own markup and class names, as different real sites have:

``feed`` (the seed page only)
    "Most read"; ``<span class="views">139</span><time class="time">17:36</time>``.
``latest``
    "Latest"; relative times as text ("5 minutes ago", "1 hour ago"), no views.
``ranked``
    "Most read"; rank numbers and counts ("987 views", "1.2K views", "12,304 views"), no times.
``cards``
    "Top stories"; a card grid with thumbnails and dates ("December 2, 2025",
    "3 Dec 2025 14:05 GMT"), no views.
``trending``
    "Trending"; heading in a ``div``, counts with a decimal comma ("845", "1,2K", "15K").

No sidebar time carries a machine-readable ``datetime``: the text is all the page gives.
"""

from __future__ import annotations

from datetime import UTC
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from crawler.demo._model import DemoHeadline

__all__ = [
    "BLOCKS",
    "MONTHS",
    "ROTATING_STYLES",
    "SEED_STYLE",
    "ago",
    "card_date",
    "ranked_views",
    "render",
    "trending_views",
]

SEED_STYLE = "feed"
#: Styles other article pages rotate through.
ROTATING_STYLES = ("latest", "ranked", "cards", "trending")
#: Style → block heading.
BLOCKS = {
    "feed": "Most read",
    "latest": "Latest",
    "ranked": "Most read",
    "cards": "Top stories",
    "trending": "Trending",
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def ago(minutes: int) -> str:
    """ "1 minute ago", "5 minutes ago", "1 hour ago", "3 hours ago"."""
    if minutes < 60:
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    hours = minutes // 60
    return "1 hour ago" if hours == 1 else f"{hours} hours ago"


def _short(count: int, point: str) -> tuple[int, str]:
    """Thousands with one decimal: 1234 → (1200, "1.2K"); 3000 → (3000, "3K")."""
    hundreds = round(count / 100)
    whole, tenth = divmod(hundreds, 10)
    text = f"{whole}K" if tenth == 0 else f"{whole}{point}{tenth}K"
    return hundreds * 100, text


def ranked_views(count: int) -> tuple[int, str]:
    """Count shown by the ``ranked`` style: "987 views", "1.2K views", "12,304 views"."""
    if count < 1000:
        return count, f"{count} views"
    if count < 10_000:
        value, text = _short(count, ".")
        if value < 10_000:  # 9,960 rounds to "10K": show it in full like other big counts
            return value, f"{text} views"
    return count, f"{count:,} views"


def trending_views(count: int) -> tuple[int, str]:
    """Count shown by the ``trending`` style: "845", "1,2K", "15K"."""
    if count < 1000:
        return count, str(count)
    if count < 10_000:
        return _short(count, ",")
    thousands = round(count / 1000)
    return thousands * 1000, f"{thousands}K"


def card_date(when: datetime, variant: int) -> str:
    """Date shown on a ``cards`` item: "December 2, 2025" or "3 Dec 2025 14:05 GMT"."""
    if variant % 2 == 0:
        return f"{MONTHS[when.month - 1]} {when.day}, {when.year}"
    utc = when.astimezone(UTC)
    return f"{utc.day} {MONTHS[utc.month - 1][:3]} {utc.year} {utc:%H:%M} GMT"


def _feed(block: str, items: list[DemoHeadline]) -> str:
    rows = "".join(
        f'<li class="news-feed__item"><a class="news-feed__link" href="{escape(h.path)}">'
        f"{escape(h.title)}</a>"
        f'<div class="news-feed__info"><span class="views">{escape(h.views_raw or "")}</span>'
        f'<time class="time">{escape(h.time_raw or "")}</time></div></li>\n'
        for h in items
    )
    return (
        f'<section class="news-feed"><h2 class="news-feed__heading">{escape(block)}</h2>\n'
        f'<ul class="news-feed__list">\n{rows}</ul></section>\n'
    )


def _latest(block: str, items: list[DemoHeadline]) -> str:
    rows = "".join(
        f'<li><span class="latest-news__ago">{escape(h.time_raw or "")}</span> '
        f'<a href="{escape(h.path)}">{escape(h.title)}</a></li>\n'
        for h in items
    )
    return (
        f'<div class="widget widget--latest"><h3 class="widget__title">{escape(block)}</h3>\n'
        f'<ol class="latest-news">\n{rows}</ol></div>\n'
    )


def _ranked(block: str, items: list[DemoHeadline]) -> str:
    rows = "".join(
        f'<li class="most-popular__item"><span class="most-popular__rank">{h.position}</span>'
        f'<div class="most-popular__body"><a class="most-popular__link" href="{escape(h.path)}">'
        f"{escape(h.title)}</a> "
        f'<span class="most-popular__count">{escape(h.views_raw or "")}</span></div></li>\n'
        for h in items
    )
    return (
        '<section class="most-popular" data-component="most-read">'
        f'<header class="most-popular__header"><h2>{escape(block)}</h2></header>\n'
        f'<ol class="most-popular__list">\n{rows}</ol></section>\n'
    )


def _cards(block: str, items: list[DemoHeadline]) -> str:
    rows = "".join(
        f'<div class="card"><a class="card__media" href="{escape(h.path)}" tabindex="-1">'
        f'<img src="{escape(h.image_path or "")}" alt="" width="320" height="180"'
        ' loading="lazy"></a>'
        f'<div class="card__body"><h3 class="card__title"><a href="{escape(h.path)}">'
        f"{escape(h.title)}</a></h3>"
        f'<p class="card__meta"><span class="card__date">{escape(h.time_raw or "")}</span></p>'
        "</div></div>\n"
        for h in items
    )
    return (
        f'<section class="top-stories"><h2 class="block-title">{escape(block)}</h2>\n'
        f'<div class="card-grid">\n{rows}</div></section>\n'
    )


def _trending(block: str, items: list[DemoHeadline]) -> str:
    rows = "".join(
        f'<li><span class="trending-box__pos">#{h.position}</span> '
        f'<a href="{escape(h.path)}">{escape(h.title)}</a> '
        f'<em class="trending-box__views">{escape(h.views_raw or "")}</em></li>\n'
        for h in items
    )
    return (
        f'<div class="trending-box"><div class="trending-box__head">{escape(block)}</div>\n'
        f'<ul class="trending-box__list">\n{rows}</ul></div>\n'
    )


_RENDERERS = {
    "feed": _feed,
    "latest": _latest,
    "ranked": _ranked,
    "cards": _cards,
    "trending": _trending,
}


def render(style: str, block: str, items: list[DemoHeadline]) -> str:
    """The HTML of one headline block in ``style``."""
    return _RENDERERS[style](block, items)
