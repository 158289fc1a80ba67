"""crawler/collector.py: the collector's pauses are counted and its thresholds set for the crawl."""

from __future__ import annotations

import gc

import pytest
from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.collector import GarbageCollectorExtension


def test_collections_are_timed_and_the_thresholds_hold_while_the_spider_runs() -> None:
    before = gc.get_threshold()
    crawler = get_crawler(Spider, {"GC_THRESHOLDS": [50_000, 20, 30], "GC_FREEZE_AT_OPEN": True})
    assert crawler.stats is not None
    extension = build_from_crawler(GarbageCollectorExtension, crawler)
    extension.spider_opened()
    try:
        assert gc.get_threshold() == (50_000, 20, 30)
        assert gc.get_freeze_count() > 0
        gc.collect(0)
        gc.collect()
    finally:
        extension.spider_closed()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert crawler.stats.get_value("gc/collections") >= 2
    assert crawler.stats.get_value("gc/collections_full") >= 1
    assert crawler.stats.get_value("gc/pause_max_ms") >= 0
    collections = extension.collections
    gc.collect()  # after close: no longer counted
    assert extension.collections == collections


def test_python_s_thresholds_stay_without_the_setting() -> None:
    before = gc.get_threshold()
    crawler = get_crawler(Spider, {"GC_THRESHOLDS": [], "GC_FREEZE_AT_OPEN": False})
    extension = build_from_crawler(GarbageCollectorExtension, crawler)
    extension.spider_opened()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    extension.spider_closed()


@pytest.mark.parametrize("value", [[1, 2], [0, 10, 10], ["a", "b", "c"]])
def test_bad_thresholds_are_refused_by_name(value: list[object]) -> None:
    crawler = get_crawler(Spider, {"GC_THRESHOLDS": value})
    with pytest.raises(ValueError, match="GC_THRESHOLDS"):
        build_from_crawler(GarbageCollectorExtension, crawler)
