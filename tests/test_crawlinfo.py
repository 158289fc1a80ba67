"""Tests of crawler/crawlinfo.py: crawl ids, store URIs and the scrapy-crawl add-on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.crawlinfo import CrawlInfo, make_crawl_id
from crawler.exceptions import ConfigError


def test_make_crawl_id_sorts_by_time() -> None:
    moscow = timezone(timedelta(hours=3))
    first = make_crawl_id("news site/ä", datetime(2025, 12, 3, 17, 36, tzinfo=moscow))
    assert re.fullmatch(r"20251203T143600Z-news-site-[0-9a-f]{4}", first)
    later = make_crawl_id("aaa", datetime(2025, 12, 3, 14, 37, tzinfo=UTC))
    assert sorted([later, first]) == [first, later]
    with pytest.raises(ValueError):
        make_crawl_id("x", datetime(2025, 1, 1))


def test_from_settings(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={"NEWSARC_CRAWL_ID": "c1", "NEWSARC_STORE_URI": f"file://{tmp_path}"}
    )
    info = CrawlInfo.from_crawler(crawler)
    assert info == CrawlInfo("c1", f"file://{tmp_path}", tmp_path / "c1", tmp_path)
    for bad in ({"NEWSARC_CRAWL_ID": "../x"}, {"NEWSARC_STORE_URI": "s3://b/p"}):
        settings = {"NEWSARC_CRAWL_ID": "c1", "NEWSARC_STORE_URI": str(tmp_path), **bad}
        with pytest.raises(ConfigError):
            CrawlInfo.from_crawler(get_crawler(settings_dict=settings))


def test_frozen_settings_without_id_is_an_error(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSARC_STORE_URI": str(tmp_path)})
    with pytest.raises(ConfigError, match="NEWSARC_CRAWL_ID"):
        CrawlInfo.from_crawler(crawler)


class _NewsSpider(Spider):
    name = "example-news"


def test_addon_derives_one_id_for_all_components(tmp_path: Path) -> None:
    crawler = get_crawler(
        _NewsSpider,
        settings_dict={
            "NEWSARC_STORE_URI": str(tmp_path),
            "ADDONS": {"crawler.crawlinfo.CrawlIdAddon": 0},
        },
    )
    crawl_id = crawler.settings["NEWSARC_CRAWL_ID"]
    assert re.fullmatch(r"\d{8}T\d{6}Z-example-news-[0-9a-f]{4}", crawl_id)
    assert CrawlInfo.from_crawler(crawler).crawl_id == crawl_id
