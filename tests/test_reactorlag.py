"""The reactor's heartbeat (crawler/reactorlag.py): percentiles, settings, stats."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.reactorlag import LagHistogram, ReactorLagExtension


def test_percentiles_come_from_whole_milliseconds() -> None:
    lags = LagHistogram()
    assert (lags.percentile(0.5), lags.percentile(0.99), lags.max) == (0, 0, 0)
    for millis in [*range(1, 100), 2500]:  # 99 beats 1–99 ms late, one 2.5 s late
        lags.add(millis / 1000)
    lags.add(-0.0004)  # a timer run a hair early counts as on time (0 ms)
    assert lags.count == 101
    assert lags.percentile(0.5) == 49  # the 50th of 0, 1, …, 99, 2500
    assert lags.percentile(0.99) == 99
    assert lags.percentile(1.0) == lags.max == 2500


def test_off_by_default_and_a_bad_interval_is_refused() -> None:
    with pytest.raises(NotConfigured):
        build_from_crawler(ReactorLagExtension, get_crawler())
    crawler = get_crawler(settings_dict={"REACTOR_LAG_ENABLED": True, "REACTOR_LAG_INTERVAL": 0})
    with pytest.raises(ValueError, match="REACTOR_LAG_INTERVAL"):
        build_from_crawler(ReactorLagExtension, crawler)


def test_the_figures_go_into_stats_at_close() -> None:
    collector = MemoryStatsCollector(get_crawler())
    extension = ReactorLagExtension(collector, 0.1)
    for millis in (3, 5, 700):
        extension.lags.add(millis / 1000)
    extension.spider_closed()
    stats = collector.get_stats()
    assert stats["reactor/heartbeats"] == 3
    assert (stats["reactor/lag_p50_ms"], stats["reactor/lag_p99_ms"]) == (5, 700)
    assert stats["reactor/lag_max_ms"] == 700
