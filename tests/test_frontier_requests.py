"""Requests as versioned JSON (crawler/frontier/requests.py): what a shared frontier stores."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from scrapy import Spider
from scrapy.http import Request

from crawler.frontier.requests import RequestFormatError, request_from_json, request_to_json
from crawler.signals import META_KIND, META_URL


class _Spider(Spider):
    name = "t"

    def parse_page(self, response: object) -> None: ...

    def on_error(self, failure: object) -> None: ...


@dataclass
class _Hint:
    changed: str


def test_a_request_comes_back_equal_by_name_never_pickled() -> None:
    spider = _Spider()
    request = Request(
        "http://a.test/x?q=a b",
        callback=spider.parse_page,
        errback=spider.on_error,
        method="POST",
        body=b"\x00\xffdata",
        headers=[("Accept", "text/html"), ("X-Many", "1"), ("X-Many", "2")],
        priority=7,
        dont_filter=True,
        meta={META_KIND: "page", "playwright": True, "depth": 2, "hint": _Hint("x")},
        cb_kwargs={"n": [1, "two"]},
        flags=["f"],
    )
    request.meta[META_URL] = request.url  # this process's tracking: not stored
    text = request_to_json(request, spider)
    record = json.loads(text)
    assert record["v"] == 1 and record["callback"] == "parse_page"
    assert "hint" not in record["meta"] and META_URL not in record["meta"]
    again = request_from_json(text, spider)
    assert again.url == "http://a.test/x?q=a%20b"
    assert again.callback == spider.parse_page and again.errback == spider.on_error
    assert (again.method, again.body, again.priority, again.dont_filter) == (
        "POST",
        b"\x00\xffdata",
        7,
        True,
    )
    assert again.headers.getlist("X-Many") == [b"1", b"2"]
    assert again.meta == {META_KIND: "page", "playwright": True, "depth": 2}
    assert again.cb_kwargs == {"n": [1, "two"]} and again.flags == ["f"]


def test_another_version_or_an_unknown_callback_is_refused_by_name() -> None:
    spider = _Spider()
    text = request_to_json(Request("http://a.test/", callback=spider.parse_page), spider)
    newer = json.dumps({**json.loads(text), "v": 2})
    with pytest.raises(RequestFormatError, match=r"'http://a.test/' has version 2"):
        request_from_json(newer, spider)
    renamed = json.dumps({**json.loads(text), "callback": "parse_gone"})
    with pytest.raises(RequestFormatError, match="cannot be issued"):
        request_from_json(renamed, spider)
    with pytest.raises(RequestFormatError, match="not JSON"):
        request_from_json("\x80pickle", spider)
