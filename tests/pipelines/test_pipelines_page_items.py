"""A page's items as one PageItems unit: every pipeline treats each member as a single item,
and Scrapy's item contract holds (user pipelines, feed exports and core stats see items)."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.items import ArticleItem, HeadlineItem, PageItems
from pipelines.clean import CleanPipeline, EmptyItem
from pipelines.dedupe import DedupePipeline
from pipelines.jsonl import JsonLinesPipeline
from pipelines.members import PageItemsPipelineManager, process_members
from pipelines.validate import ValidatePipeline
from tests.conftest import ROOT, crawl_items, run_newsarc
from tests.pipelines.docs_pipelines import AsyncStampPipeline, JsonWriterPipeline

CRAWL = "20251203T143605Z-test-abcd"
WARC = {"filename": "f.warc.gz", "offset": 0, "length": 10, "record_id": "<urn:uuid:1>"}


def _article(**kw: Any) -> ArticleItem:
    fields: dict[str, Any] = {
        "site": "news",
        "crawl_id": CRAWL,
        "fetched_at": "2025-12-03T14:36:05Z",
        "warc": WARC,
        "url": "https://news.example/a",
        "title": "Title",
        "text": "Body  text.",
        "extraction": {"method": "auto", "extractor_version": "1"},
    }
    return ArticleItem(**(fields | kw))


def _headline(position: int, **kw: Any) -> HeadlineItem:
    fields: dict[str, Any] = {
        "site": "news",
        "crawl_id": CRAWL,
        "fetched_at": "2025-12-03T14:36:05Z",
        "warc": WARC,
        "source_url": "https://news.example/a",
        "block": "Most read",
        "position": position,
        "title": f"  Headline\u00a0{position} ",
        "url": f"https://news.example/h{position}",
    }
    return HeadlineItem(**(fields | kw))


def _chain(tmp_path: Path) -> tuple[list[Any], Any]:
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "JSONL_MAX_ITEMS_PER_FILE": 100,
        }
    )
    pipelines = [
        build_from_crawler(cls, crawler)
        for cls in (CleanPipeline, ValidatePipeline, DedupePipeline, JsonLinesPipeline)
    ]
    return pipelines, crawler.stats


def _manager(tmp_path: Path) -> tuple[PageItemsPipelineManager, Any]:
    """The page-unit manager (ITEM_PROCESSOR) over the same four pipelines, built by Scrapy."""
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "JSONL_MAX_ITEMS_PER_FILE": 100,
            "ITEM_PIPELINES": {
                f"{cls.__module__}.{cls.__name__}": 100 * n
                for n, cls in enumerate(
                    (CleanPipeline, ValidatePipeline, DedupePipeline, JsonLinesPipeline), 1
                )
            },
        }
    )
    crawler.spider = crawler._create_spider("news")  # as crawler.crawl() would
    return build_from_crawler(PageItemsPipelineManager, crawler), crawler.stats


def _run_page(manager: PageItemsPipelineManager, page: PageItems) -> Any:
    """What the manager hands back to Scrapy's scraper for ``page`` (one member's outcome)."""
    return asyncio.run(manager.process_item_async(page))


def _run(pipelines: list[Any], item: Any) -> Any:
    for pipeline in pipelines:
        item = pipeline.process_item(item)
    return item


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_members_are_processed_like_single_items(tmp_path: Path) -> None:
    """The same items, once as single items and once as pages, give the same files and the
    same drop counts; a dropped member leaves the page's other members alone."""
    single, single_stats = _chain(tmp_path / "single")
    paged, paged_stats = _manager(tmp_path / "paged")

    def pages() -> list[list[Any]]:
        return [
            [_article(), _headline(1), _headline(2)],
            # an empty article (EmptyItem), an invalid headline (InvalidItem), a duplicate
            # headline (DuplicateItem) and a good one
            [
                _article(url="https://news.example/b", text=" ![]() | "),
                dataclasses.replace(_headline(3), position=0),
                _headline(1),
                _headline(4),
            ],
        ]

    for items in pages():
        for item in items:
            try:
                _run(single, item)
            except Exception as exc:  # noqa: BLE001 - Scrapy counts a dropped item
                assert type(exc).__name__ in {"EmptyItem", "InvalidItem", "DuplicateItem"}
                single_stats.inc_value(f"item_dropped_reasons_count/{type(exc).__name__}")
    for items in pages():
        page = PageItems(items)
        carrier = _run_page(paged, page)
        assert isinstance(page, PageItems)
        assert carrier is page.items[-1]  # the last member kept is left to Scrapy to report
    assert [m.position for m in page.items if isinstance(m, HeadlineItem)] == [4]
    for pipelines in (single, list(paged.middlewares)):
        pipelines[-1].close_spider()
    for name in ("articles-00000.jsonl.gz", "headlines-00000.jsonl.gz"):
        assert _lines(tmp_path / "paged" / CRAWL / "items" / name) == _lines(
            tmp_path / "single" / CRAWL / "items" / name
        )
    headlines = _lines(tmp_path / "paged" / CRAWL / "items" / "headlines-00000.jsonl.gz")
    assert [h["title"] for h in headlines] == ["Headline 1", "Headline 2", "Headline 4"]
    for reason in ("EmptyItem", "InvalidItem", "DuplicateItem"):
        key = f"item_dropped_reasons_count/{reason}"
        assert paged_stats.get_value(key) == single_stats.get_value(key) == 1, reason
    assert paged_stats.get_value("item_dropped_count") == 3
    assert paged_stats.get_value("items/written/headline") == 3


def test_a_member_that_breaks_a_pipeline_costs_only_itself() -> None:
    stats = get_crawler().stats
    assert stats is not None

    def process(item: HeadlineItem) -> HeadlineItem:
        if item.position == 2:
            raise KeyError("a bug in some pipeline")
        return item

    page = asyncio.run(
        process_members(PageItems([_headline(1), _headline(2), _headline(3)]), process, stats)
    )
    assert [m.position for m in page.items] == [1, 3]
    assert stats.get_value("items/member_errors") == 1
    assert stats.get_value("item_dropped_count") is None


class _FailOnSecond:
    """A pipeline with a bug that shows on the headline at position 2."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, HeadlineItem) and item.position == 2:
            raise KeyError("a bug in some pipeline")
        return item


def _contract_manager(
    tmp_path: Path, extra: dict[Any, int]
) -> tuple[PageItemsPipelineManager, Any, list[tuple[str, str, Any]]]:
    """The manager over our pipelines plus ``extra``; and every item signal sent, as
    ``(signal, item class, response)``."""
    pipelines: dict[Any, int] = {
        CleanPipeline: 100,
        ValidatePipeline: 200,
        DedupePipeline: 300,
        JsonLinesPipeline: 900,
    }
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "JSONL_MAX_ITEMS_PER_FILE": 100,
            "ITEM_PIPELINES": pipelines | extra,
        }
    )
    crawler.spider = crawler._create_spider("news")
    sent: list[tuple[str, str, Any]] = []
    for signal, name in (
        (signals.item_scraped, "scraped"),
        (signals.item_dropped, "dropped"),
        (signals.item_error, "error"),
    ):

        def receiver(item: Any, response: Any, name: str = name, **kwargs: Any) -> None:
            sent.append((name, type(item).__name__, response))

        crawler.signals.connect(receiver, signal=signal, weak=False)
    return build_from_crawler(PageItemsPipelineManager, crawler), crawler.stats, sent


@pytest.mark.filterwarnings(
    "ignore:.*requires a spider argument:scrapy.exceptions.ScrapyDeprecationWarning"
)
def test_pipelines_from_scrapys_docs_and_item_signals_see_each_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the docs' pipeline writes items.jsonl where it runs
    manager, stats, sent = _contract_manager(
        tmp_path, {JsonWriterPipeline: 500, AsyncStampPipeline: 600}
    )
    writer, stamp = manager.middlewares[3], manager.middlewares[4]
    assert isinstance(writer, JsonWriterPipeline) and isinstance(stamp, AsyncStampPipeline)
    writer.open_spider(manager.crawler.spider)  # type: ignore[union-attr]
    page = PageItems([_article(), _headline(1), _headline(2), _headline(1)])
    carrier = _run_page(manager, page)
    writer.close_spider(manager.crawler.spider)  # type: ignore[union-attr]

    # Scrapy's scraper reports the last member kept (with the page's response); every other
    # member is reported here, in page order, without the response (the frontier counts the
    # page once, through Scrapy's report).
    assert isinstance(carrier, HeadlineItem) and carrier.position == 2
    assert sent == [
        ("scraped", "ArticleItem", None),
        ("scraped", "HeadlineItem", None),
        ("dropped", "HeadlineItem", None),
    ]
    lines = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert [line["class"] for line in lines] == ["ArticleItem", "HeadlineItem", "HeadlineItem"]
    assert [line.get("position") for line in lines] == [None, 1, 2]
    assert stamp.seen == ["ArticleItem", "HeadlineItem", "HeadlineItem"]
    # Scrapy's core stats count members (the carrier is Scrapy's own to count).
    assert stats.get_value("item_scraped_count") == 2
    assert stats.get_value("item_dropped_count") == 1
    assert stats.get_value("item_dropped_reasons_count/DuplicateItem") == 1


def test_members_are_logged_as_scrapy_logs_items_when_a_handler_takes_the_level(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Scrapy logs "Scraped from …" (DEBUG) and "Dropped: …" (WARNING) per item; a member's
    record is still written when a handler takes its level, and only then."""
    manager, _stats, _sent = _contract_manager(tmp_path, {})
    page = PageItems([_article(), _headline(1), _headline(2), _headline(1)])
    with caplog.at_level(logging.DEBUG, logger="pipelines.members"):
        _run_page(manager, page)
    members = [r for r in caplog.records if r.name == "pipelines.members"]
    assert [r.levelno for r in members] == [logging.DEBUG, logging.DEBUG, logging.WARNING]
    assert members[0].getMessage().startswith("Scraped from")
    assert "Dropped" in members[2].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipelines.members"):
        second = [_article(url="https://news.example/b", text="Other."), _headline(3), _headline(1)]
        _run_page(manager, PageItems(second))
    members = [r for r in caplog.records if r.name == "pipelines.members"]
    # The article's DEBUG line is not written; the repeated headline's drop is.
    assert [r.levelno for r in members] == [logging.WARNING]


def test_an_error_or_an_all_dropped_page_reaches_scrapy_as_that_members_outcome(
    tmp_path: Path,
) -> None:
    manager, stats, sent = _contract_manager(tmp_path, {_FailOnSecond: 400})
    # An error wins: Scrapy reports item_error for the page, so its URL stays queued.
    page = PageItems([_headline(1), _headline(2), _headline(3)])
    with pytest.raises(KeyError, match="a bug in some pipeline"):
        _run_page(manager, page)
    assert sent == [("scraped", "HeadlineItem", None), ("scraped", "HeadlineItem", None)]
    assert [m.position for m in page.items] == [1, 3]
    assert stats.get_value("items/member_errors") == 1
    assert page.errors == ["KeyError: 'a bug in some pipeline'"]
    # Every member dropped: the last drop is Scrapy's to report; the others are reported here.
    sent.clear()
    empty = [_article(url=f"https://news.example/e{n}", text=" | ") for n in range(3)]
    with pytest.raises(EmptyItem):
        _run_page(manager, PageItems(empty))
    assert sent == [("dropped", "ArticleItem", None)] * 2
    assert stats.get_value("item_dropped_reasons_count/EmptyItem") == 2


def test_a_crawl_keeps_scrapys_item_contract(tmp_path: Path) -> None:
    """In a real crawl with page units: a pipeline from Scrapy's docs in ITEM_PIPELINES and a
    feed export (``FEEDS``, what ``-o items.jsonl`` sets) get one ordinary item per line,
    ``item_scraped_count`` counts items, and every URL ends done."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    docs, feed = cwd / "items.jsonl", tmp_path / "feed.jsonl"  # the docs' pipeline: ./items.jsonl
    pipelines = {
        "pipelines.clean.CleanPipeline": 100,
        "pipelines.validate.ValidatePipeline": 200,
        "pipelines.dedupe.DedupePipeline": 300,
        "tests.pipelines.docs_pipelines.JsonWriterPipeline": 500,
        "pipelines.jsonl.JsonLinesPipeline": 900,
    }
    with DemoServer(DemoSite(n_articles=12)) as server:
        run = run_newsarc(
            "crawl",
            f"{server.base_url}/",
            "--out",
            str(tmp_path / "data"),
            "-s",
            f"ITEM_PIPELINES={json.dumps(pipelines)}",
            "-s",
            f"FEEDS={json.dumps({str(feed): {'format': 'jsonlines'}})}",
            cwd=cwd,
            env={"PYTHONPATH": str(ROOT)},
        )
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path / "data")
    articles, headlines = crawl_items(crawl_dir)
    assert articles and headlines

    def key(item: dict[str, Any]) -> str:
        return json.dumps(item, sort_keys=True)

    written = sorted(map(key, articles + headlines))
    exported = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(map(key, exported)) == written  # one line per item, no page units
    seen = [json.loads(line) for line in docs.read_text(encoding="utf-8").splitlines()]
    assert {line.pop("class") for line in seen} == {"ArticleItem", "HeadlineItem"}
    assert sorted(map(key, seen)) == written
    stats = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert re.search(rf"'item_scraped_count': {len(written)},", stats), stats[-3000:]
    assert "'frontier/pending': 0," in stats
