"""Tests of pipelines/validate.py."""

from __future__ import annotations

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, HeadlineItem
from pipelines.validate import InvalidItem, ValidatePipeline

WARC = {"filename": "f.warc.gz", "offset": 0, "length": 10, "record_id": "<urn:uuid:1234-ab>"}


@pytest.fixture
def pipeline() -> ValidatePipeline:
    return build_from_crawler(ValidatePipeline, get_crawler())


def _article(**kw: object) -> ArticleItem:
    base: dict[str, object] = {
        "site": "news",
        "crawl_id": "c1",
        "fetched_at": "2025-12-03T14:36:05Z",
        "warc": WARC,
        "url": "https://news.example/a",
        "title": "Title",
        "text": "Body.",
        "published_at": "2025-08-28T10:00:00+03:00",
        "extraction": {"method": "auto", "extractor_version": "1"},
    }
    base.update(kw)
    return ArticleItem(**base)  # type: ignore[arg-type]


def test_valid_items_pass(pipeline: ValidatePipeline) -> None:
    item = _article()
    assert pipeline.process_item(item) is item
    headline = HeadlineItem(
        site="news",
        fetched_at="2025-12-03T14:36:05Z",
        source_url="https://news.example/a",
        position=1,
        title="Billionaires",
        url="https://news.example/b",
        views=139,
    )
    assert pipeline.process_item(headline) is headline


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"title": ""}, "title", "non-empty"),
        ({"text": ""}, "text", "non-empty"),
        ({"fetched_at": "yesterday"}, "fetched_at", "date-time"),
        ({"published_at": "2025-08-28T10:00:00"}, "published_at", "date-time"),
        ({"warc": {"filename": "f"}}, "warc", "required"),
        ({"extraction": {"method": "magic"}}, "extraction.method", "magic"),
    ],
)
def test_invalid_article_names_field(
    pipeline: ValidatePipeline, changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(InvalidItem) as excinfo:
        pipeline.process_item(_article(**changes))
    message = str(excinfo.value)
    assert f"field '{field}'" in message and words in message
    assert "https://news.example/a" in message
    assert pipeline.stats.get_value(f"items/invalid/{field}") == 1


def test_invalid_headline_position(pipeline: ValidatePipeline) -> None:
    headline = HeadlineItem(
        site="news",
        fetched_at="2025-12-03T14:36:05Z",
        source_url="https://news.example/a",
        position=0,
        title="t",
        url="https://news.example/b",
    )
    with pytest.raises(InvalidItem, match="field 'position'"):
        pipeline.process_item(headline)


def test_fast_and_explaining_validators_agree_on_valid_items() -> None:
    from itemadapter import ItemAdapter

    from crawler.schema import fast_validator, validator

    data = ItemAdapter(_article()).asdict()
    fast_validator()(data)  # raises if the compiled schema disagrees
    assert list(validator().iter_errors(data)) == []
