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


def _section_front(teasers: str, heading: str = "<h2>Business</h2>") -> str:
    rail = "".join(
        f'<li><a href="/popular/{n}">{title}</a></li>' for n, title in enumerate(TITLES, start=1)
    )
    return (
        f"<html><body><main>{heading}{teasers}</main>"
        f"<aside><h3>Most read</h3><ol>{rail}</ol></aside></body></html>"
    )


def test_a_section_front_with_two_stories_is_a_block() -> None:
    teasers = "".join(
        f'<div class="card"><a href="/story/{n}"><h3>{title}</h3></a>'
        "<p>A short summary of the story under its headline.</p></div>"
        for n, title in enumerate(TITLES[:2], start=1)
    )
    got = _headlines(_section_front(teasers))
    business = [(h.position, h.url) for h in got if h.block == "Business"]
    assert business == [(1, f"{BASE}/story/1"), (2, f"{BASE}/story/2")]
    assert [h.position for h in got if h.block == "Most read"] == [1, 2, 3, 4, 5]


def test_a_single_story_card_under_a_heading_is_a_block() -> None:
    rng = random.Random(2)
    card = (
        f'<div class="{_hashed(rng)}"><a class="{_hashed(rng)}" href="/story/1">'
        f'<img src="/media/1.jpg" alt=""><h2 class="{_hashed(rng)}">{TITLES[0]}</h2>'
        f'<p class="{_hashed(rng)}">A summary of the story that is a little longer than its '
        "headline, as teasers with a picture often have.</p></a>"
        f'<span class="{_hashed(rng)}">15h ago</span></div>'
    )
    got = _headlines(_section_front(card, f'<div class="{_hashed(rng)}">Arts</div>'))
    assert [(h.block, h.position, h.url) for h in got][:1] == [("Arts", 1, f"{BASE}/story/1")]


def test_a_lone_link_under_a_heading_is_not_a_block() -> None:
    # One plain link (no picture, no heading of its own) after a subhead: a "Read more" line,
    # not a list of stories.
    teaser = f'<div><a href="/story/1">{TITLES[0]}</a></div>'
    got = _headlines(_section_front(teaser))
    assert [h.block for h in got] == ["Most read"] * 5


def test_prose_with_links_under_a_subhead_is_not_a_block() -> None:
    paragraphs = "".join(
        f"<p>As we reported last week in <a href='/story/{n}'>{title}</a>, the council has "
        "not yet said when it will vote, and residents have asked for a public meeting.</p>"
        for n, title in enumerate(TITLES[:2], start=1)
    )
    html = f"<html><body><article><h1>A story</h1>{BODY}<h2>Background</h2>{paragraphs}</article>"
    assert _headlines(html + "</body></html>", f"{BASE}/story/9") == []


def test_a_label_line_before_the_items_names_the_block() -> None:
    rng = random.Random(3)
    items = "".join(
        f'<div class="{_hashed(rng)}"><a href="/story/{n}">{title}</a></div>'
        for n, title in enumerate(TITLES, start=1)
    )
    html = (
        f"<html><body><div>{BODY}</div><div class='{_hashed(rng)}'>"
        f"<div class='{_hashed(rng)}'>Most Popular</div>{items}</div></body></html>"
    )
    assert {h.block for h in _headlines(html)} == {"Most Popular"}


def test_the_line_just_before_a_list_names_it_before_a_heading_further_out() -> None:
    rows = "".join(
        f'<li><a href="/story/{n}">{title}</a></li>' for n, title in enumerate(TITLES, start=1)
    )
    html = (
        f"<html><body><div><div><h2>Region</h2>{BODY}</div>"
        f"<div><div class='kasten'><div class='kasten-titel'>Meistgelesen</div><ol>{rows}</ol>"
        "</div></div></div></body></html>"
    )
    assert {h.block for h in _headlines(html)} == {"Meistgelesen"}


def test_a_subhead_in_the_body_before_an_image_link_is_not_a_block() -> None:
    # A subhead, a paragraph, then a paragraph whose link wraps a book cover and its caption:
    # the body goes on around them, so this is running text, not a list under a heading.
    html = (
        f"<html><body><article><h1>A story</h1>{BODY}<h2>The discovery of a quiet fullness</h2>"
        f"{BODY}<p><a href='/shop/book'><img src='/cover.jpg' alt=''>The county book, a "
        f"portrait of the land in keywords, out now</a></p>{BODY}</article></body></html>"
    )
    result = extract_page(PageInput(f"{BASE}/story/9", html, FETCHED))
    assert result.headlines == []
    assert result.article is not None
    assert "The discovery of a quiet fullness" in result.article.text


SUMMARY = (
    "The summary under the headline runs on for a while, as home pages write them: who, what, "
    "where, and why anyone should read on, in two long sentences about the story."
)


def _teasers(picture: bool) -> str:
    thumb = '<a href="/s/{n}" class="thumb"><img src="/i/{n}.jpg" alt=""></a>' if picture else ""
    return "".join(
        f"<li>{thumb.format(n=n)}<div><a href='/s/{n}'>{title}</a><p>{SUMMARY}</p>"
        "<span>2026-12-04 09:15 · 1,234 views</span></div></li>"
        for n, title in enumerate(TITLES, start=1)
    )


def test_picture_teasers_with_long_summaries_are_a_block() -> None:
    """Each item a picture link and a headline link to one URL, then a summary longer than the
    headline (the link holds under 0.3 of the text): cards, a block, and the page a listing."""
    html = f"<html><body><main><h2>Top stories</h2><ul>{_teasers(True)}</ul></main></body></html>"
    page = extract_page(PageInput(f"{BASE}/", html, FETCHED))
    assert [h.url for h in page.headlines] == [f"{BASE}/s/{n}" for n in range(1, 6)]
    assert [h.views for h in page.headlines] == [1234] * 5
    assert page.article is None


def test_the_same_teasers_without_pictures_are_not_cards() -> None:
    html = f"<html><body><main><h2>Top stories</h2><ul>{_teasers(False)}</ul></main></body></html>"
    assert _headlines(html) == []


def test_a_section_front_with_two_stories_under_its_h1_is_a_block() -> None:
    items = "".join(
        f'<li><a href="/city/{n}">{title}</a><p>A line of summary under the headline.</p>'
        f"<span>06/12/2026 18:2{n}</span></li>"
        for n, title in enumerate(TITLES[:2], start=1)
    )
    html = f"<html><body><main><h1>City</h1><ul>{items}</ul></main></body></html>"
    got = _headlines(html, f"{BASE}/city/")
    assert [(h.block, h.position, h.url) for h in got] == [
        ("City", 1, f"{BASE}/city/1"),
        ("City", 2, f"{BASE}/city/2"),
    ]


def test_an_article_headline_in_h1_heads_no_list() -> None:
    headline = "A long article headline that no section front would ever carry"
    html = (
        f'<html><body><main><h1>{headline}</h1><ul><li><a href="/story/1">{TITLES[0]}</a>'
        f"<span>06/12/2026 18:20</span></li></ul></main></body></html>"
    )
    assert _headlines(html, f"{BASE}/story/9") == []


def test_a_section_of_one_dated_story_is_a_block() -> None:
    html = (
        '<html><body><main><div><a href="/">Home</a> &gt; <span>Sport</span></div><h2>Sport</h2>'
        f'<table><tr><td><a href="/sport/1">{TITLES[3]}</a></td><td>4 Dec 2026 09:12</td></tr>'
        "</table><p>Older stories are for subscribers</p></main></body></html>"
    )
    got = _headlines(html, f"{BASE}/sport/")
    assert [(h.block, h.position, h.url) for h in got] == [("Sport", 1, f"{BASE}/sport/1")]


def test_a_single_undated_link_under_a_heading_is_no_block() -> None:
    html = (
        f'<html><body><main><h2>Sport</h2><div><a href="/sport/1">{TITLES[3]}</a></div>'
        "</main></body></html>"
    )
    assert _headlines(html, f"{BASE}/sport/") == []


def test_a_lead_story_above_a_section_list_is_ranked_first_in_it() -> None:
    rows = "".join(
        f'<li><a href="/story/{n}">{title}</a><span>{n} hours ago</span></li>'
        for n, title in enumerate(TITLES[1:], start=2)
    )
    html = (
        '<html><body><main><section><h2>Top news</h2><div class="lead">'
        f'<a href="/story/1"><img src="/lead.jpg" alt=""><h2>{TITLES[0]}</h2></a>'
        f"<p>The summary of the lead story.</p></div><ul>{rows}</ul></section></main>"
        "</body></html>"
    )
    got = _headlines(html)
    assert [(h.block, h.position, h.url) for h in got] == [
        ("Top news", n, f"{BASE}/story/{n}") for n in range(1, 6)
    ]
