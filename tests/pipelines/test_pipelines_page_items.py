"""A page's items as one PageItems unit: every pipeline treats each member as a single item."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, HeadlineItem, PageItems
from pipelines.clean import CleanPipeline
from pipelines.dedupe import DedupePipeline
from pipelines.jsonl import JsonLinesPipeline
from pipelines.members import process_members
from pipelines.validate import ValidatePipeline

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
    paged, paged_stats = _chain(tmp_path / "paged")

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
        page = _run(paged, PageItems(items))
        assert isinstance(page, PageItems)
    assert [m.position for m in page.items if isinstance(m, HeadlineItem)] == [4]
    for pipelines in (single, paged):
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

    page = process_members(PageItems([_headline(1), _headline(2), _headline(3)]), process, stats)
    assert [m.position for m in page.items] == [1, 3]
    assert stats.get_value("items/member_errors") == 1
    assert stats.get_value("item_dropped_count") is None
