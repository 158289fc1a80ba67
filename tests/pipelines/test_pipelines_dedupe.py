"""Tests of pipelines/dedupe.py."""

from __future__ import annotations

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, HeadlineItem
from pipelines.dedupe import DedupePipeline, DuplicateContent, DuplicateItem, DuplicateUrl


@pytest.fixture
def pipeline() -> DedupePipeline:
    return build_from_crawler(DedupePipeline, get_crawler())


def test_articles_by_canonical_url_and_text(pipeline: DedupePipeline) -> None:
    pipeline.process_item(
        ArticleItem(url="https://n.example/a?b=2&a=1", title="t", text="One two.")
    )
    with pytest.raises(DuplicateUrl):
        pipeline.process_item(
            ArticleItem(
                url="https://n.example/other",
                canonical_url="https://n.example/a?a=1&b=2",
                title="t",
                text="Different.",
            )
        )
    with pytest.raises(DuplicateContent):
        pipeline.process_item(
            ArticleItem(url="https://n.example/amp/a", title="t", text="one  TWO.")
        )
    kept = ArticleItem(url="https://n.example/c", title="t", text="Three.")
    assert pipeline.process_item(kept) is kept
    assert pipeline.stats.get_value("items/duplicate/url") == 1
    assert pipeline.stats.get_value("items/duplicate/content") == 1


def test_headlines_by_page_block_position_url(pipeline: DedupePipeline) -> None:
    first = HeadlineItem(source_url="https://n/a", block="Most read", position=1, url="https://n/x")
    pipeline.process_item(first)
    with pytest.raises(DuplicateItem):
        pipeline.process_item(
            HeadlineItem(source_url="https://n/a", block="Most read", position=1, url="https://n/x")
        )
    # Same teaser on another page is kept.
    other = HeadlineItem(source_url="https://n/b", block="Most read", position=1, url="https://n/x")
    assert pipeline.process_item(other) is other
