"""Extraction is a pure function of its inputs: the same pages give the same items in any order.

Pages of the demo site whose sidebars show times that read differently at different capture
times of one day ("5 PM", "noon", "Monday 5 PM", "5 minutes ago", two-digit years, dates without
a year), and an interview whose text holds headed lists inside headed lists (the order the lists
are tried in decides which is the block), are extracted at capture times spread over three days,
in one order, then in another order in the same process (warm caches), then in a fresh process
in a third order. Every item must be identical each time.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.site import DemoSite
from crawler.extract import PageInput, decode_html, extract_page

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "http://127.0.0.1:8000"
#: Sidebar times whose reading depends on the capture time in different ways.
TEXTS = [
    "5 PM",
    "noon",
    "Monday 5 PM",
    "Today 5pm",
    "5 minutes ago",
    "2 hours ago",
    "Yesterday, 23:59",
    "Yesterday 4pm",
    "Dec 1",
    "1 Dec 17:36",
    "05.12.25, 10:00",
    "3 Dec 2025 14:05 GMT",
    "17:36",
]
START = datetime(2025, 12, 3, 0, 0, 7, tzinfo=UTC)

PROSE = (
    "<p>Paragraph {n} of the interview, with enough words, commas, and clauses to read as the "
    "prose that a reader would take for the body of the article on this page, and then some "
    "more words so that it is long.</p>"
)
BOX = """<div class="contentbox list voll">
<div class="boxhead">{head}</div>
<div class="teaser">
<div class="teaserimage">
<div class="image-container"><img src="/img{n}.jpg" alt="The studio"></div>
<div class="textpadding"><span class="icon"></span>Podcast</div>
</div>
<div class="teaserpadding">
<h2><a href="/info/story-{n}.html">The related story number {n} in the series</a></h2>
<div class="teasertext"><p>What is a cell culture? What does the word mean, and why does it
matter for the story that this box links to? <a href="/info/story-{n}.html">more</a></p></div>
</div>
</div>
</div>"""


def nested_boxes_page() -> str:
    """An interview whose text holds boxes ("More information") of one teaser each, whose
    picture carries a label ("Podcast"): a headed list inside a headed list (the shape of
    ndr.de's podcast scripts)."""
    parts = []
    heads = ["Download this script as a PDF", "More information", "More information"]
    for n in range(12):
        parts.append(PROSE.format(n=n))
        if n % 4 == 3:
            parts.append(BOX.format(head=heads[n // 4], n=n))
    return (
        "<html><head><title>The podcast, episode 12</title></head><body><article>"
        "<h1>The podcast, episode 12</h1><div class='text'>" + "".join(parts) + "</div>"
        "</article></body></html>"
    )


def _pages() -> list[tuple[str, str, datetime]]:
    """(url, html, capture time) of seed pages whose sidebar shows ``TEXTS``, over three days."""
    site = DemoSite(36)
    path = site.seed_article.path
    response = site.render(path, BASE_URL)
    assert response is not None
    html = decode_html(response.body, response.content_type)
    seed_times = ["17:36", "Yesterday, 23:59", "Yesterday, 23:42", "Yesterday, 00:55"]
    assert all(f'<time class="time">{t}</time>' in html for t in seed_times)
    rng = random.Random(7)
    pages = []
    for index in range(48):
        texts = rng.sample(TEXTS, len(seed_times))
        page = html
        for old, new in zip(seed_times, texts, strict=True):
            page = page.replace(f'class="time">{old}<', f'class="time">{new}<')
        # Captures every 90 minutes or so, each at an odd second, across three days.
        fetched = START + timedelta(minutes=index * 89, seconds=rng.randrange(60))
        pages.append((f"{BASE_URL}{path}?v={index}", page, fetched))
    nested = nested_boxes_page()
    for index in range(6):
        fetched = START + timedelta(hours=index)
        pages.append((f"{BASE_URL}/podcast/episode-{index}.html", nested, fetched))
    return pages


def extract_all(order_seed: int) -> dict[str, object]:
    """Items of every page, extracted in the order given by ``order_seed``, keyed by page."""
    pages = _pages()
    random.Random(order_seed).shuffle(pages)
    out: dict[str, object] = {}
    for url, html, fetched in pages:
        result = extract_page(PageInput(url=url, html=html, fetched_at=fetched))
        out[f"{url} {fetched.isoformat()}"] = {
            "page_type": result.page_type,
            "article": asdict(result.article) if result.article else None,
            "headlines": [asdict(h) for h in result.headlines],
        }
    return out


@pytest.mark.timeout(120)
def test_items_do_not_depend_on_extraction_order() -> None:
    first = extract_all(1)
    resolved = [h for page in first.values() for h in page["headlines"]]  # type: ignore[index]
    # The sidebars are read (otherwise the comparison proves nothing).
    assert sum(1 for h in resolved if h["published_at"]) >= 48 * 3
    second = extract_all(2)
    assert second == first
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from tests.extract.test_extract_purity import extract_all; "
            "print(json.dumps(extract_all(3), sort_keys=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=100,
    )
    assert json.loads(fresh.stdout) == json.loads(json.dumps(first, sort_keys=True))


def test_clock_times_never_after_capture() -> None:
    # The capture-time dependence is right, not only repeatable: a displayed clock time is at
    # most the capture time, whatever order the pages come in.
    for page_items in extract_all(4).values():
        for headline in page_items["headlines"]:  # type: ignore[index]
            if headline["published_raw"] in {"5 PM", "noon", "17:36"}:
                published = datetime.fromisoformat(headline["published_at"])
                fetched = datetime.fromisoformat(headline["fetched_at"])
                assert fetched - timedelta(days=1) < published <= fetched


def test_nested_headed_lists_give_the_same_items_every_time() -> None:
    # The headed lists were tried in the order of a set of elements, that is of their memory
    # addresses: the same page gave a different block, and so a different body, from one call
    # to the next in one process (eval-dev page d4f8a8655a21da8e: 37,591-37,651 characters).
    html = nested_boxes_page()
    url = "https://radio.example.com/podcast/episode-12.html"
    first = _items(html, url)
    article, headlines = first
    assert article is not None
    assert len(headlines) == 3
    # The outer list is the block: its heading is no part of the body.
    assert "More information" not in article["text"]
    assert "Download this script" not in article["text"]
    assert "Podcast" not in article["text"]
    kept = []  # pages extracted in between stay alive, so addresses differ each time
    for n in range(40):
        kept.append(_items(html.replace("episode 12", f"episode {n}"), f"{url}?{n}"))
        assert _items(html, url) == first


def _items(html: str, url: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    result = extract_page(PageInput(url, html, datetime(2026, 12, 4, 12, 0, tzinfo=UTC)))
    return (
        asdict(result.article) if result.article else None,
        [asdict(h) for h in result.headlines],
    )
