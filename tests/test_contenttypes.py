"""Feeds and pages by Content-Type: the one rule of the spider and ``newsarc extract``."""

from __future__ import annotations

import pytest

from crawler.contenttypes import is_feed, is_html


@pytest.mark.parametrize(
    ("content_type", "feed", "html"),
    [
        ("text/html; charset=utf-8", False, True),
        ("TEXT/HTML", False, True),
        (None, False, True),  # no Content-Type: taken as a page
        ("", False, True),
        ("application/rss+xml", True, False),
        ("application/atom+xml; charset=utf-8", True, False),
        ("application/rdf+xml", True, False),
        ("text/xml", True, False),
        ("application/xml", True, False),
        ("application/json", False, False),
        ("image/png", False, False),
    ],
)
def test_content_type_classification(content_type: str | None, feed: bool, html: bool) -> None:
    assert is_feed(content_type) is feed
    assert is_html(content_type) is html
