"""Tests of pipelines/clean.py."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, HeadlineItem
from pipelines.clean import CleanPipeline, EmptyItem, clean_line


@pytest.fixture
def pipeline() -> CleanPipeline:
    return build_from_crawler(CleanPipeline, get_crawler())


def test_article_text_and_fields(pipeline: CleanPipeline) -> None:
    item = ArticleItem(
        site="news",
        url=" https://news.example/a ",
        title="Kremlin casts doubt\u00a0on  peace |",
        text="Cafe\u0301 opens.\n![]()\n\n  Second   paragraph\nwraps here. |\n\n|\n\n---\n\nEnd.",
        authors=["  Jane Doe ", "", " "],
        tags=["World", ""],
        images=[
            {"url": "", "caption": "x", "alt": None},
            {"url": " https://i/1.jpg ", "alt": " a "},
        ],
        word_count=999,
    )
    out = pipeline.process_item(item)
    assert out.url == "https://news.example/a"
    assert out.title == "Kremlin casts doubt on peace"
    assert out.text == "Café opens.\n\nSecond paragraph wraps here.\n\nEnd."
    assert out.authors == ["Jane Doe"]
    assert out.tags == ["World"]
    assert out.images == [{"url": "https://i/1.jpg", "alt": "a"}]
    assert out.word_count == 7


def test_empty_article_dropped(pipeline: CleanPipeline) -> None:
    with pytest.raises(EmptyItem):
        pipeline.process_item(ArticleItem(url="u", title="t", text=" ![]() \n\n | \n"))


def test_headline_cleaned(pipeline: CleanPipeline) -> None:
    item = HeadlineItem(
        block=" Most\nread ", title="  Billionaires  inherit ", views_raw="1,2\u00a0тыс."
    )
    out = pipeline.process_item(item)
    assert (out.block, out.title, out.views_raw) == (
        "Most read",
        "Billionaires inherit",
        "1,2 тыс.",
    )


_SPACE_RUN = re.compile(r"\s+")
_REFERENCE_PIPE = re.compile(r"(?:\s+\|)+\s*$")
_ALPHABET = [" ", "\t", "\n", "\r", "\xa0", "\u2009", "\u3000", "\x1c", "\x85", "|", "a", "é"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*_ALPHABET, "e\u0301", "Б", "!", "-"]), max_size=40).map("".join))
def test_fast_cleaning_equals_the_regex_definition(value: str) -> None:
    # clean_line uses str.split() and the pipeline skips the trailing-pipe regex when there is
    # no "|": both must give what the plain regular expressions define.
    expected = _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()
    assert clean_line(value) == expected
    item = HeadlineItem(block=value, title=value)
    CleanPipeline(_NoStats()).process_item(item)  # type: ignore[arg-type]
    assert item.block == _REFERENCE_PIPE.sub("", expected)
    # A title keeps a run of ideographic spaces alone as one U+3000.
    title = _SPACE_RUN.sub(
        lambda m: "\u3000" if set(m.group()) == {"\u3000"} else " ",
        unicodedata.normalize("NFC", value),
    ).strip()
    assert item.title == _REFERENCE_PIPE.sub("", title)


class _NoStats:
    def inc_value(self, key: str) -> None:
        pass


def test_a_title_keeps_its_ideographic_space(pipeline: CleanPipeline) -> None:
    item = ArticleItem(
        title=" 首都高で車5台が絡む事故\u3000\u30003人けが \u3000 一時 ", text="本文。"
    )
    out = pipeline.process_item(item)
    assert out.title == "首都高で車5台が絡む事故\u30003人けが 一時"
