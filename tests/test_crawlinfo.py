"""Tests of crawler/crawlinfo.py: crawl ids, store URIs and the scrapy-crawl add-on."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.crawlinfo import CrawlInfo, make_crawl_id
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.exceptions import ConfigError
from tests.conftest import ROOT, crawl_items


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


def _crawl_at(instant: str, url: str, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fixed_clock", instant, "crawl", url, "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _files(out: Path) -> dict[Path, tuple[int, int, str]]:
    """Every file under ``out``: inode, size and SHA-256."""
    return {
        path: (
            path.stat().st_ino,
            path.stat().st_size,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in out.rglob("*")
        if path.is_file()
    }


def test_crawls_started_in_the_same_second_or_after_the_clock_stepped_back_share_no_file(
    tmp_path: Path,
) -> None:
    """RELIABILITY.md F17: crawls whose clocks read the same second (a restart right after a
    crash, two at once) or an earlier one (the clock stepped back) each get their own crawl id
    and directory, their WARC names differ, and no file of an earlier crawl is touched."""
    instant, earlier = "2026-03-01T12:00:00.250+00:00", "2026-03-01T11:59:59.900+00:00"
    out = tmp_path / "data"
    with DemoServer(DemoSite(7)) as site:
        first = _crawl_at(instant, site.url("/"), out)
        assert first.wait(timeout=120) == 0, first.communicate()[1]
        before = _files(out)
        # Two more in that same second, at once, then one whose clock went back.
        pair = [_crawl_at(instant, site.url("/"), out) for _ in range(2)]
        assert [p.wait(timeout=120) for p in pair] == [0, 0], [p.communicate()[1] for p in pair]
        back = _crawl_at(earlier, site.url("/"), out)
        assert back.wait(timeout=120) == 0, back.communicate()[1]
    crawls = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(crawls) == 4, crawls
    assert sum(name.startswith("20260301T120000Z-") for name in crawls) == 3, crawls
    assert sum(name.startswith("20260301T115959Z-") for name in crawls) == 1, crawls
    warcs = [p.name for p in out.glob("*/warc/*.warc.gz")]
    assert len(warcs) == 4 and len(set(warcs)) == 4, warcs
    # Each WARC name carries the stopped clock's time: only its random part tells them apart.
    assert sum("-20260301120000-00000-" in name for name in warcs) == 3, warcs
    after = _files(out)
    assert {path: after.get(path) for path in before} == before, "an earlier crawl's file changed"
    counts = [len(crawl_items(out / crawl)[0]) for crawl in crawls]
    assert counts[0] > 0 and len(set(counts)) == 1, counts
