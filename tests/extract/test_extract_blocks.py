"""Headline blocks found by structure alone (crawler/extract/blocks.py), on small pages written
for each shape: no class names to lean on, the page's own story in its list, …"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from crawler.extract import PageInput, extract_page
from crawler.items import HeadlineItem

FETCHED = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
BASE = "https://news.example.com"
TITLES = [
    "Council sends the road repaving plan back for another review",
    "Bakery chain bets on night shifts as the rents keep climbing",
    "Tenants in three buildings win repairs after a winter without heat",
    "A tiny jazz club reopens with the old piano and all its regulars",
    "Why the ferry system keeps losing money, explained in five charts",
]
BODY = "".join(
    f"<p>Paragraph {n} of the story, with enough words, commas, and clauses to read as prose "
    "that a reader would take for the body of the article on this page.</p>"
    for n in range(6)
)


def _hashed(rng: random.Random) -> str:
    """A generated class pair, as CSS-in-JS libraries write them (one per element)."""
    token = "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    return f"css-{token} e{rng.randint(10_000, 99_999)}"


def _headlines(html: str, url: str = f"{BASE}/") -> list[HeadlineItem]:
    return extract_page(PageInput(url, html, FETCHED)).headlines


def test_items_with_a_generated_class_each_are_one_block() -> None:
    rng = random.Random(1)
    items = "".join(
        f'<div class="{_hashed(rng)}"><div class="{_hashed(rng)}">{rank}</div>'
        f'<div class="{_hashed(rng)}"><a class="{_hashed(rng)}" href="/story/{rank}">'
        f'<div class="{_hashed(rng)}">{title}</div></a></div></div>'
        for rank, title in enumerate(TITLES, start=1)
    )
    html = (
        f'<html><body><div class="{_hashed(rng)}"><div class="{_hashed(rng)}">{BODY}</div>'
        f'<div class="{_hashed(rng)}">{items}</div></div></body></html>'
    )
    got = _headlines(html)
    assert [(h.position, h.url, h.title) for h in got] == [
        (rank, f"{BASE}/story/{rank}", title) for rank, title in enumerate(TITLES, start=1)
    ]


def test_the_page_own_story_keeps_its_place_in_a_most_read_list() -> None:
    url = f"{BASE}/story/3"
    items = "".join(
        f'<li><a href="/story/{n}">{title}</a></li>' for n, title in enumerate(TITLES, start=1)
    )
    html = (
        f"<html><body><article><h1>{TITLES[2]}</h1>{BODY}</article>"
        f"<div><h2>Most read</h2><ol>{items}</ol></div></body></html>"
    )
    got = _headlines(html, url)
    assert [(h.position, h.url) for h in got] == [(n, f"{BASE}/story/{n}") for n in range(1, 6)]
    assert {h.block for h in got} == {"Most read"}
