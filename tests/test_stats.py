"""Tests of crawler/stats.py: Scrapy's stats collector without its per-attribute look-up."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.stats import WARNED_METHODS, StatsCollector


def _run(stats: MemoryStatsCollector, spider: Spider | None) -> list[str]:
    """The same calls on ``stats`` (with ``spider=`` when given); the warnings they raise."""
    extra: dict[str, Any] = {} if spider is None else {"spider": spider}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stats.open_spider(**extra)
        stats.set_value("a", 1, **extra)
        stats.inc_value("a", **extra)
        stats.inc_value("b", 2, start=5, **extra)
        stats.max_value("m", 3, **extra)
        stats.max_value("m", 2, **extra)
        stats.min_value("n", 3, **extra)
        stats.min_value("n", 1, **extra)
        assert stats.get_value("a", **extra) == 2
        assert stats.get_value("missing", "default", **extra) == "default"
        stats.set_stats({**stats.get_stats(**extra), "c": 0}, **extra)
        snapshot = dict(stats.get_stats())
        stats.clear_stats(**extra)
        assert stats.get_stats() == {}
        stats.set_stats(snapshot)
        stats.close_spider(reason="finished", **extra)
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("with_spider", [False, True])
def test_same_stats_and_warnings_as_scrapys(with_spider: bool) -> None:
    crawler = get_crawler(Spider, settings_dict={"STATS_DUMP": False})
    spider = Spider("s") if with_spider else None
    ours, scrapys = StatsCollector(crawler), MemoryStatsCollector(crawler)
    assert _run(ours, spider) == _run(scrapys, spider)
    assert ours.get_stats() == scrapys.get_stats() == {"a": 2, "b": 7, "m": 3, "n": 1, "c": 0}
    warned = {m.split("StatsCollector.")[1].split("()")[0] for m in _run(ours, spider)}
    # Every wrapped method warns about the spider argument, as Scrapy's does; none without it.
    assert warned == (set(WARNED_METHODS) if with_spider else set())


def test_the_project_uses_it() -> None:
    assert get_project_settings()["STATS_CLASS"] == "crawler.stats.StatsCollector"
