"""Tests of crawler/seen.py: the seen-sets, and that the spider keeps no URL strings (L1, L2)."""

from __future__ import annotations

import gc
import tracemalloc
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.seen import SeenDupeFilter, SeenSet
from spiders.news import NewsSpider

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

#: What a URL may cost in a seen-set: the tables take 12-24 bytes a key. A set of the URL
#: strings takes ~150 (the string and its slot), which is what memory grew by before (L1).
_MAX_BYTES_PER_URL = 48


def _url(i: int) -> str:
    return f"https://news.example/2026/12/04/story-{i}-council-budget.html"


def test_membership_through_many_shard_growths() -> None:
    seen = SeenSet(_url(i) for i in range(0, 60_000, 2))
    assert len(seen) == 30_000
    assert all(_url(i) in seen for i in range(0, 60_000, 2))
    assert not any(_url(i) in seen for i in range(1, 60_000, 2))
    assert seen.add(_url(1)) is True
    assert seen.add(_url(1)) is False
    assert seen.add(bytes(range(20))) is True  # bytes keys too (the dupefilter's digests)
    assert bytes(range(20)) in seen
    assert len(seen) == 30_002
    assert 0 < seen.false_positive_rate() < 1e-14


def _retained_per_key(
    n: int, fill: Callable[[int], object], warm: Callable[[], object] = lambda: None
) -> float:
    """Bytes still allocated per key after ``fill(n)`` built a structure and dropped its input
    (after ``warm()``, traced too: what it caches is then replaced, not added)."""
    gc.collect()
    tracemalloc.start()
    try:
        warm()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        kept = fill(n)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept is not None
    return (after - before) / n


def test_a_seen_set_keeps_no_key_strings() -> None:
    def fill(n: int) -> SeenSet:
        seen = SeenSet()
        for i in range(n):
            seen.add(_url(i))  # each string is freed once added
        return seen

    assert _retained_per_key(50_000, fill) < _MAX_BYTES_PER_URL

    # The same measurement tells a set of the strings apart, or the bound would prove nothing.
    def strings(n: int) -> set[str]:
        return {_url(i) for i in range(n)}

    assert _retained_per_key(50_000, strings) > 2 * _MAX_BYTES_PER_URL


def test_the_spider_keeps_no_url_strings_per_link() -> None:
    """Links followed by the spider leave a fingerprint each behind, not their strings."""
    n = 4_000
    spider = NewsSpider(start_urls="https://news.example/")
    base = len(spider.seen) + 500

    def warm() -> None:
        # Fills the bounded caches of urlsplit and w3lib (128 URLs each) before measuring.
        assert len(list(spider._follow(_url(-i) for i in range(1, 501)))) == 500

    def follow(n: int) -> NewsSpider:
        # Pages of 50 links, each page met twice (the second time every link is seen).
        for page in range(n // 50):
            links = [_url(page * 50 + j) for j in range(50)]
            assert len(list(spider._follow(links))) == 50
            assert list(spider._follow(list(links))) == []
        return spider

    assert _retained_per_key(n, follow, warm) < _MAX_BYTES_PER_URL
    assert len(spider.seen) == base + n
    assert spider.seen_duplicates == n


def test_dupefilter_filters_what_scrapy_filters(tmp_path: Path) -> None:
    settings = {"DUPEFILTER_CLASS": "crawler.seen.SeenDupeFilter", "JOBDIR": str(tmp_path)}
    dupes = build_from_crawler(SeenDupeFilter, get_crawler(settings_dict=settings))
    assert dupes.request_seen(Request("https://n.example/a?b=2&a=1")) is False
    assert dupes.request_seen(Request("https://n.example/a?a=1&b=2")) is True  # canonical URL
    assert dupes.request_seen(Request("https://n.example/a?a=1&b=2", method="POST")) is False
    assert dupes.request_seen(Request("https://n.example/b")) is False
    dupes.close("finished")
    # JOBDIR's requests.seen carries them to the next run, as with RFPDupeFilter.
    again = build_from_crawler(SeenDupeFilter, get_crawler(settings_dict=settings))
    assert again.request_seen(Request("https://n.example/b")) is True
    assert again.request_seen(Request("https://n.example/c")) is False
    again.close("finished")
