"""Headline items: the fields of each teaser in a headline block.

Each field is read from the item's own elements, never from its flattened text (where "139" and
"17:36" would run together): the title is the main link's text without any count or time
elements inside it; the view count is a short element whose text is a count; the time is a
``<time>`` element (its ``datetime`` attribute wins) or a short time-like element, resolved
against the capture time (see :func:`_resolve`); an explicit rank ("1", "2", …) sets the
position. A short element showing several values ("23.4K · 7h ago") is also read part by part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from crawler.extract.counts import parse_count
from crawler.extract.dates import looks_like_time, parse_machine_date, resolve_displayed
from crawler.extract.dom import HEADING_TAGS, attr_hint, element_text, image_url, raw_string
from crawler.extract.text import clean_text, normalize_space

if TYPE_CHECKING:
    from datetime import datetime

    from lxml.etree import _Element as Element

    from crawler.extract.blocks import Block, BlockItem
    from crawler.extract.dates import DateContext
    from crawler.extract.links import UrlResolver

__all__ = ["HeadlineFields", "read_headlines"]

_META_HINT = re.compile(r"view|count|eye|read|stat|meta|date|time|ago|publish|rank|num|info")
_VIEWS_HINT = re.compile(r"view|count|eye|read|hits|просм|stat")
_RANK_HINT = re.compile(r"rank|position|(?:^|[\s_-])num|index|order|place")
_TITLE_HINT = re.compile(r"title|headline|heading")
_MAX_SHORT_CHARS = 40
# A meta line of several short values, split at separators.
_MAX_META_CHARS = 2 * _MAX_SHORT_CHARS
# A day and month with no year after them: "02/12", "2.12.", "12-02" (not "02/12/2026").
_DAY_MONTH = re.compile(
    r"(?<![\d./-])(\d{1,2})([./-])(\d{1,2})"
    r"(?!\d|[./-]\s?\d{2,4}(?![:.h]?\d))"  # not followed by a year
)
_CLOCK = re.compile(r"(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)")
_DIGITS = re.compile(r"\d+")
# Capture times and the clocks of the pages' servers differ by a little.
_CLOCK_SKEW = timedelta(minutes=5)
# Separators between values in one meta line; a hyphen only with spaces ("12 Dec - 1.2K").
_SEPARATORS = re.compile(r"\s*[·•|‧∙⋅]\s*|\s+[-–—]\s+")


@dataclass
class HeadlineFields:
    """What one teaser shows (the envelope fields are added by the page builder)."""

    block: str | None
    position: int
    title: str
    url: str
    views: int | None
    views_raw: str | None
    published_at: datetime | None
    published_raw: str | None
    image: str | None


def _short_leaves(item: Element, link: Element) -> list[tuple[Element, str]]:
    """Short text elements of an item outside the title text, in document order."""
    leaves: list[tuple[Element, str]] = []
    for el in item.iter():
        if not isinstance(el.tag, str) or el is link:
            continue
        if len(el) and el.tag != "time" and not _only_empty_children(el):
            # Only elements without element children (icons aside), or <time>, carry one value.
            continue
        text = normalize_space(str(raw_string(el)))
        if not text or len(text) > _MAX_META_CHARS:
            continue
        if len(text) <= _MAX_SHORT_CHARS:
            leaves.append((el, text))
        # One element may show several values: "23.4K · 7h ago", "12 min | 1,204 views",
        # "03/12/2026 alle 19:36 · 1.530.000 visualizzazioni" (each part short, the whole not).
        parts = [p.strip() for p in _SEPARATORS.split(text)]
        if len(parts) > 1:
            leaves.extend((el, part) for part in parts if part and len(part) <= _MAX_SHORT_CHARS)
    return leaves


def _only_empty_children(el: Element) -> bool:
    """Whether every child is an empty decoration (an icon ``<i>``, ``<svg>``, ``<img>``)."""
    return all(
        isinstance(child.tag, str) and not normalize_space(str(raw_string(child))) for child in el
    )


def _title_element(link: Element) -> Element:
    """The headline inside a link that wraps a whole teaser (heading + summary), else the link."""
    if len(link) == 0:
        return link
    for el in link.iter(*HEADING_TAGS):
        if normalize_space(str(raw_string(el))):
            return el
    for el in link.iter():
        hinted = el is not link and _TITLE_HINT.search(attr_hint(el)) is not None
        if hinted and normalize_space(str(raw_string(el))):
            return el
    return link


def _title_skip(el: Element, languages: tuple[str, ...] = ()) -> bool:
    if el.tag == "time":
        return True
    hint = attr_hint(el)
    if not hint or not _META_HINT.search(hint):
        return False
    text = normalize_space(str(raw_string(el)))
    return len(text) <= _MAX_SHORT_CHARS and (
        parse_count(text, languages) is not None or looks_like_time(text, languages)
    )


def _resolve(text: str, context: DateContext) -> datetime | None:
    """A teaser's displayed time, read against the capture time (see the module docstring).

    Two rules on top of :func:`~crawler.extract.dates.resolve_displayed`, both about what a
    teaser can show: a day and month without a year ("02/12 19:37") on an English page whose
    date order is unknown (it may be British or American) is read both ways and the reading
    nearest before the capture wins, as teasers show recent stories ("02.12." is day-first
    there); in any other language it is read in that language's order; and a time of day with
    no date ("Today, 19:46", "Heute, 19:46 Uhr") is never later than the capture: when the
    page's zone had to be assumed it can be, and it is then the day before, as for a bare clock
    time.
    """
    # Only English is written both ways; any other language's CLDR order is the site's
    # ("12.03" is 3 December in Korean, "02/12" 2 December in French).
    english = not context.languages or context.languages[0].split("-")[0] == "en"
    day_month = _DAY_MONTH.search(text) if context.date_order is None and english else None
    if day_month is not None and min(int(day_month.group(1)), int(day_month.group(3))) <= 12:
        orders = ("DMY",) if day_month.group(2) == "." else ("DMY", "MDY")
        readings = [resolve_displayed(text, replace(context, date_order=o)) for o in orders]
        known = [r for r in readings if r is not None]
        past = [r for r in known if r <= context.fetched_at + _CLOCK_SKEW]
        if past or known:
            return max(past) if past else known[0]
    parsed = resolve_displayed(text, context)
    if (
        parsed is not None
        and parsed > context.fetched_at + _CLOCK_SKEW
        and parsed - context.fetched_at < timedelta(days=1)
        and len(_DIGITS.findall(text)) <= 2
        and _CLOCK.search(text)
    ):
        return parsed - timedelta(days=1)
    return parsed


def _time_of(
    leaves: list[tuple[Element, str]], context: DateContext
) -> tuple[datetime | None, str | None]:
    for el, text in leaves:
        if el.tag == "time":
            value = el.get("datetime")
            parsed = parse_machine_date(value, context.tz) if value else None
            if parsed is None:
                parsed = _resolve(text, context)
            return parsed, text or value
    for _el, text in leaves:
        languages = context.languages
        if looks_like_time(text, languages) and parse_count(text, languages) is None:
            parsed = _resolve(text, context)
            if parsed is not None:
                return parsed, text
    return None, None


def _read_item(
    item: BlockItem, context: DateContext, resolve: UrlResolver, rank_el: Element | None
) -> tuple[str, int | None, str | None, datetime | None, str | None, str | None]:
    languages = context.languages
    skip = partial(_title_skip, languages=languages)
    title = clean_text(" ".join(element_text(_title_element(item.link), skip)))
    leaves = [
        (el, text)
        for el, text in _short_leaves(item.element, item.link)
        if el is not rank_el and not _is_within(el, item.link, title, languages)
    ]
    views: int | None = None
    views_raw: str | None = None
    candidates = [(el, text, parse_count(text, languages)) for el, text in leaves]
    counted = [(el, text, n) for el, text, n in candidates if n is not None]
    hinted = [c for c in counted if _VIEWS_HINT.search(attr_hint(c[0]))]
    chosen = hinted[0] if hinted else (counted[0] if counted else None)
    if chosen is not None:
        views, views_raw = chosen[2], chosen[1]
    published, published_raw = _time_of(
        [
            (el, text)
            for el, text in leaves
            # Not the count, nor a line that holds it ("23.4K · 7h ago": "7h ago" is tried).
            if chosen is None or not (el is chosen[0] and chosen[1] in text)
        ],
        context,
    )
    image: str | None = None
    for img in item.element.iter("img"):
        image = resolve(image_url(img))
        if image:
            break
    return title, views, views_raw, published, published_raw, image


def _is_within(el: Element, link: Element, title: str, languages: tuple[str, ...]) -> bool:
    """Whether ``el`` is part of the title text (inside the link and not skipped)."""
    node: Element | None = el
    while node is not None:
        if node is link:
            return not _title_skip(el, languages) and normalize_space(str(raw_string(el))) in title
        node = node.getparent()
    return False


def _ranks(block: Block) -> list[Element] | None:
    """The elements showing an explicit rank 1, 2, 3, … in every item, if there are any."""
    found: list[Element] = []
    for index, item in enumerate(block.items, start=1):
        rank: Element | None = None
        for el, text in _short_leaves(item.element, item.link):
            if text.rstrip(".") == str(index) and (
                _RANK_HINT.search(attr_hint(el)) or not found or el.tag == found[0].tag
            ):
                rank = el
                break
        if rank is None:
            return None
        found.append(rank)
    return found


def read_headlines(
    blocks: list[Block], context: DateContext, resolve: UrlResolver
) -> list[HeadlineFields]:
    """Read every item of every block, positions 1-based within each block."""
    out: list[HeadlineFields] = []
    for block in blocks:
        ranks = _ranks(block)
        for index, item in enumerate(block.items):
            rank_el = ranks[index] if ranks else None
            title, views, views_raw, published, published_raw, image = _read_item(
                item, context, resolve, rank_el
            )
            if not title:
                continue
            out.append(
                HeadlineFields(
                    block=block.heading,
                    position=index + 1,
                    title=title,
                    url=item.url,
                    views=views,
                    views_raw=views_raw,
                    published_at=published,
                    published_raw=published_raw,
                    image=image,
                )
            )
    return out
