"""crawler/warc/exchange.py: plain and browser fetches of one URL build exchanges of one shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import Request, Response

from crawler.render.capture import BROWSER_CAPTURE, CapturedResponse
from crawler.warc.exchange import exchange_from_scrapy, http_protocol
from crawler.warc.writer import HttpExchange

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
STRIP = ("Cookie", "Authorization")


def _plain(url: str, protocol: str) -> HttpExchange:
    request = Request(
        url,
        headers={
            "Accept": "text/html",
            "User-Agent": "newsarc-test",
            "Cookie": "session=canary",
        },
    )
    response = Response(
        url,
        status=200,
        headers={"Content-Type": "text/html"},
        body=b"<p>x</p>",
        request=request,
        protocol=protocol,
    )
    return exchange_from_scrapy(request, response, FETCHED, STRIP)


def _browser(url: str, host_sent: str, protocol: str) -> HttpExchange:
    # What chromium reports: its own Host header (HTTP/2: pseudo-headers instead), lower case.
    if protocol == "h2":
        sent = [(":authority", host_sent), (":method", "GET"), (":path", "/"), (":scheme", "x")]
    else:
        sent = [("Host", host_sent)]
    captured = CapturedResponse(
        url=url,
        fetched_at=FETCHED,
        method="GET",
        resource_type="document",
        navigation=True,
        request_headers=(
            *sent,
            ("accept", "text/html"),
            ("user-agent", "newsarc-test"),
            ("cookie", "session=canary"),
        ),
        request_body=b"",
        status=200,
        response_headers=(("content-type", "text/html"), ("content-encoding", "gzip")),
        body=b"<p>x</p>",
        protocol=protocol,
    )
    return captured.exchange(STRIP)


def _shape(exchange: HttpExchange) -> tuple[object, ...]:
    """What a request record says, header names compared case-insensitively."""
    return (
        exchange.url,
        exchange.method,
        exchange.request_target,
        exchange.protocol,
        [(name.lower(), value) for name, value in exchange.request_headers],
    )


@pytest.mark.parametrize(
    ("url", "host_sent", "written", "host", "target"),
    [
        # User info and the scheme's default port never reach the Host header or the URL.
        (
            "http://user:pw@news.example:80/world/a.html?page=2",
            "news.example",
            "http://news.example/world/a.html?page=2",
            "news.example",
            "/world/a.html?page=2",
        ),
        (
            "https://news.example:443/",
            "news.example",
            "https://news.example:443/",
            "news.example",
            "/",
        ),
        ("https://news.example:8443/a", "news.example:8443", None, "news.example:8443", "/a"),
        ("http://[::1]:8080/x", "[::1]:8080", None, "[::1]:8080", "/x"),
        ("http://127.0.0.1:45571", "127.0.0.1:45571", None, "127.0.0.1:45571", "/"),
    ],
)
def test_plain_and_browser_exchanges_of_one_url_have_one_shape(
    url: str, host_sent: str, written: str | None, host: str, target: str
) -> None:
    plain = _plain(url, "HTTP/1.1")
    browser = _browser(url, host_sent, "http/1.1")
    assert _shape(browser) == _shape(plain)
    assert plain.url == (written or url)
    assert plain.request_headers[0] == ("Host", host)
    assert plain.request_target == target
    assert plain.protocol == "HTTP/1.1"
    # Credentials stripped from both, every other header kept.
    assert [name.lower() for name, _ in plain.request_headers] == ["host", "accept", "user-agent"]
    # What only the browser's record says: how its body was captured.
    assert browser.extra_warc_headers == {
        "WARC-Newsarc-Capture": BROWSER_CAPTURE,
        "WARC-Newsarc-Original-Content-Encoding": "gzip",
    }
    assert plain.extra_warc_headers == {}


def test_http2_exchanges_record_the_protocol_and_no_pseudo_headers() -> None:
    url = "https://news.example/a"
    plain = _plain(url, "h2")
    browser = _browser(url, "news.example", "h2")
    assert _shape(browser) == _shape(plain)
    assert plain.protocol == browser.protocol == "HTTP/2"
    assert not [name for name, _ in browser.request_headers if name.startswith(":")]


@pytest.mark.parametrize(
    ("reported", "written"),
    [
        ("HTTP/1.1", "HTTP/1.1"),
        ("HTTP/1.0", "HTTP/1.0"),
        ("http/1.1", "HTTP/1.1"),
        ("h2", "HTTP/2"),
        ("h3", "HTTP/3"),
        ("quic/1+spdy/3", "HTTP/3"),
        ("", "HTTP/1.1"),
        (None, "HTTP/1.1"),
        ("spdy/3", "HTTP/1.1"),
    ],
)
def test_protocol_as_a_status_line_names_it(reported: str | None, written: str) -> None:
    assert http_protocol(reported) == written
