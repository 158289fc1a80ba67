"""Tests of crawler/warc/extension.py with a test crawler and real Request/Response objects."""

from __future__ import annotations

import gzip
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.frontier import Frontier
from crawler.items import WarcRef
from crawler.render.capture import CapturedResponse
from crawler.signals import archive_write_failed
from crawler.warc.exchange import BrowserExchanges
from crawler.warc.extension import (
    META_BROWSER_EXCHANGES,
    META_FETCHED_AT,
    META_WARC,
    WarcExtension,
)
from crawler.warc.writer import HttpExchange


def _settings(store: Path, **extra: Any) -> dict[str, Any]:
    return {
        "NEWSARC_CRAWL_ID": "20251203T143605Z-test-abcd",
        "NEWSARC_STORE_URI": str(store),
        "WARC_ENABLED": True,
        "WARC_PREFIX": "newsarc",
        "WARC_MAX_FILE_SIZE": 10_000_000,
        "WARC_STRIP_REQUEST_HEADERS": ["Cookie", "Authorization", "Proxy-Authorization"],
        "WARC_CDXJ_ENABLED": True,
        **extra,
    }


def _extension(store: Path, **extra: Any) -> tuple[WarcExtension, Any]:
    crawler = get_crawler(settings_dict=_settings(store, **extra))
    ext = build_from_crawler(WarcExtension, crawler)
    closed: list[str] = []
    ext.close_spider = closed.append
    return ext, crawler


def _read_member(path: Path, ref: WarcRef) -> tuple[Any, Any, bytes]:
    data = path.read_bytes()[ref.offset : ref.offset + ref.length]
    for rec in ArchiveIterator(io.BytesIO(data)):
        return rec.rec_headers, rec.http_headers, rec.raw_stream.read()
    raise AssertionError("no record")


def test_gzip_response_with_repeated_headers(tmp_path: Path) -> None:
    ext, crawler = _extension(tmp_path)
    html = b"<html><body>" + b"news " * 500 + b"</body></html>"
    body = gzip.compress(html)
    request = Request(
        "https://news.example/world/1?page=2",
        headers={"Cookie": "session=canary", "Authorization": "Bearer canary", "Accept": "*/*"},
    )
    response = Response(
        request.url,
        status=200,
        headers={
            "Content-Encoding": "gzip",
            "Content-Type": "text/html",
            "Set-Cookie": ["a=1", "b=2"],
            "Content-Length": "72",
        },
        body=body,
        request=request,
        protocol="HTTP/1.1",
    )
    ext.response_downloaded(response, request, crawler.spider)
    ref = request.meta[META_WARC]
    assert isinstance(ref, WarcRef)
    assert request.meta[META_FETCHED_AT].endswith("Z")
    ext.spider_closed(crawler.spider, "finished")

    crawl_dir = tmp_path / "20251203T143605Z-test-abcd" / "warc"
    path = crawl_dir / ref.filename
    assert path.is_file() and path.with_name(path.name.replace(".warc.gz", ".cdxj")).is_file()
    warc_h, http_h, block_body = _read_member(path, ref)
    assert warc_h.get_header("WARC-Target-URI") == request.url
    assert http_h.statusline == "200 OK"
    assert [v for k, v in http_h.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert block_body == body  # still compressed
    assert http_h.get_header("Content-Length") == str(len(body))
    assert warc_h.get_header("WARC-Newsarc-Original-Content-Length") == "72"

    # The request record: credentials stripped, Host added, Accept kept.
    raw = path.read_bytes()
    requests = [rec for rec in ArchiveIterator(io.BytesIO(raw)) if rec.rec_type == "request"]
    assert len(requests) == 1
    req_http = requests[0].http_headers
    assert req_http.get_header("Host") == "news.example"
    assert req_http.get_header("Accept") == "*/*"
    assert req_http.get_header("Cookie") is None
    assert req_http.get_header("Authorization") is None
    assert b"canary" not in gzip.decompress(raw)

    stats = crawler.stats.get_stats()
    assert stats["warc/records_written"] == 3  # warcinfo + response + request
    assert stats["warc/files_closed"] == 1
    assert stats["warc/bytes_written"] == path.stat().st_size


def test_redirects_and_errors_are_archived(tmp_path: Path) -> None:
    ext, crawler = _extension(tmp_path)
    refs = []
    for status, headers in ((301, {"Location": "/b"}), (503, {}), (200, {})):
        request = Request(f"http://user:pw@news.example:8080/{status}")
        response = HtmlResponse(
            request.url, status=status, headers=headers, body=b"x", request=request
        )
        ext.response_downloaded(response, request, crawler.spider)
        refs.append(request.meta[META_WARC])
    ext.spider_closed(crawler.spider, "finished")
    path = tmp_path / "20251203T143605Z-test-abcd" / "warc" / refs[0].filename
    statuses = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                statuses.append(rec.http_headers.get_statuscode())
                assert "user:pw" not in rec.rec_headers.get_header("WARC-Target-URI")
            if rec.rec_type == "request":
                assert rec.http_headers.get_header("Host") == "news.example:8080"
    assert statuses == ["301", "503", "200"]


def test_write_failure_closes_spider(tmp_path: Path) -> None:
    ext, crawler = _extension(tmp_path)
    reasons: list[str] = []
    ext.close_spider = reasons.append
    # Make the WARC directory unusable: replace it with a file.
    warc_dir = tmp_path / "20251203T143605Z-test-abcd" / "warc"
    warc_dir.rmdir()
    warc_dir.write_text("blocked")
    for i in range(2):
        request = Request(f"https://news.example/{i}")
        response = HtmlResponse(request.url, body=b"x", request=request)
        ext.response_downloaded(response, request, crawler.spider)
        assert META_WARC not in request.meta
    assert reasons == ["warc_write_failed"]
    stats = crawler.stats.get_stats()
    assert stats["warc/write_failed"] == 1
    assert stats["warc/unarchived"] == 1


def test_store_failure_keeps_local_file(tmp_path: Path) -> None:
    ext, crawler = _extension(tmp_path)

    class BrokenStore:
        uri = "broken://"

        def put(self, local_path: Path, key: str) -> None:
            from crawler.exceptions import StoreError

            raise StoreError(f"cannot store {key}")

    ext.store = BrokenStore()  # type: ignore[assignment]
    request = Request("https://news.example/")
    ext.response_downloaded(HtmlResponse(request.url, body=b"x", request=request), request, None)
    ext.spider_closed(None, "finished")
    assert crawler.stats.get_value("warc/store_failed") == 2  # WARC and CDXJ
    assert (
        tmp_path / "20251203T143605Z-test-abcd" / "warc" / request.meta[META_WARC].filename
    ).is_file()


def test_disabled_and_bad_config(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict=_settings(tmp_path, WARC_ENABLED=False))
    with pytest.raises(NotConfigured):
        build_from_crawler(WarcExtension, crawler)
    crawler = get_crawler(settings_dict=_settings(tmp_path, WARC_PREFIX="../x"))
    with pytest.raises(ValueError, match="WARC_PREFIX"):
        build_from_crawler(WarcExtension, crawler)
    crawler = get_crawler(settings_dict=_settings(tmp_path, WARC_MAX_FILE_SIZE=0))
    with pytest.raises(ValueError, match="WARC_MAX_FILE_SIZE"):
        build_from_crawler(WarcExtension, crawler)


def test_a_redirect_whose_target_is_not_archived_carries_no_stale_record(tmp_path: Path) -> None:
    # Scrapy's redirect (and retry) middleware copies the request's meta to the next hop: the
    # 301's WarcRef must not survive onto a response whose own record was not written, or the
    # page counts as archived (Frontier.archived) and its items cite the 301's record.
    ext, crawler = _extension(tmp_path)
    redirect = RedirectMiddleware.from_crawler(crawler)
    frontier = Frontier(
        tmp_path / "ledger", "c", crawler.stats, interval=3600, reserve_bytes=0, require_warc=True
    )
    hops = []
    for name in ("a", "b"):
        first = Request(f"https://news.example/old-{name}")
        moved = Response(first.url, status=301, headers={"Location": f"/{name}"}, request=first)
        ext.response_downloaded(moved, first, crawler.spider)
        assert META_WARC in first.meta
        hops.append((redirect.process_response(first, moved), first))
    # The disk fills up: every write to the open WARC file now fails with ENOSPC.
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, ext.writer._fd)
    finally:
        os.close(full)
    for target, first in hops:  # the write that fails, then one after the writer gave up
        assert META_WARC in target.meta and META_FETCHED_AT in target.meta  # copied by Scrapy
        response = HtmlResponse(target.url, body=b"<p>article</p>", request=target)
        ext.response_downloaded(response, target, crawler.spider)
        assert META_WARC not in response.meta and META_FETCHED_AT not in response.meta
        assert not frontier.archived(response)
        assert META_WARC in first.meta  # the 301 itself was archived
    stats = crawler.stats.get_stats()
    assert stats["warc/write_failed"] == 1
    assert stats["warc/unarchived"] == 1


def _browser_exchanges(base: str) -> BrowserExchanges:
    """What the render handler hands over for ``base + "/article"``: the document, then JSON."""

    def captured(path: str, body: bytes, seconds: int, kind: str) -> HttpExchange:
        return CapturedResponse(
            url=base + path,
            fetched_at=datetime(2025, 12, 4, 15, 0, seconds, tzinfo=UTC),
            method="GET",
            resource_type=kind,
            navigation=kind == "document",
            request_headers=(("Host", "ignored"), ("Cookie", "session=canary")),
            request_body=b"",
            status=200,
            response_headers=(("Content-Type", "text/html"),),
            body=body,
            protocol="http/1.1",
        ).exchange(["Cookie"])

    return BrowserExchanges(
        exchanges=(
            captured("/article", b'<div id="most-read"></div>', 1, "document"),
            captured("/api/most-read.json", b'["a", "b"]', 2, "fetch"),
        ),
        document=0,
    )


def _rendered(url: str, browser: BrowserExchanges | None) -> tuple[Request, Response]:
    request = Request(url, meta={"playwright": True})
    if browser is not None:
        request.meta[META_BROWSER_EXCHANGES] = browser
    dom = b'<div id="most-read"><li>a</li><li>b</li></div>'
    return request, HtmlResponse(url, body=dom, request=request, flags=["playwright"])


def test_browser_responses_from_the_render_handler_are_written_before_the_dom(
    tmp_path: Path,
) -> None:
    ext, crawler = _extension(tmp_path)
    request, response = _rendered(
        "https://news.example/article", _browser_exchanges("https://news.example")
    )
    ext.response_downloaded(response, request, crawler.spider)
    assert META_BROWSER_EXCHANGES not in request.meta  # the bodies do not travel on
    ref = request.meta[META_WARC]
    ext.spider_closed(crawler.spider, "finished")

    path = tmp_path / "20251203T143605Z-test-abcd" / "warc" / ref.filename
    with path.open("rb") as fh:
        records = [
            (rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"), rec.rec_headers)
            for rec in ArchiveIterator(fh)
        ]
    assert [(kind, uri) for kind, uri, _ in records] == [
        ("warcinfo", None),
        ("response", "https://news.example/article"),
        ("request", "https://news.example/article"),
        ("response", "https://news.example/api/most-read.json"),
        ("request", "https://news.example/api/most-read.json"),
        ("conversion", "https://news.example/article"),
    ]
    document, dom = records[1][2], records[5][2]
    assert dom.get_header("WARC-Record-ID") == ref.record_id  # items cite the DOM
    assert dom.get_header("WARC-Refers-To") == document.get_header("WARC-Record-ID")
    assert dom.get_header("WARC-Newsarc-Document-Date") == "2025-12-04T15:00:01+00:00"
    assert b"canary" not in gzip.decompress(path.read_bytes())
    stats = crawler.stats.get_stats()
    assert stats["warc/records_written"] == 6
    assert stats["warc/browser_responses"] == 2
    assert stats["warc/rendered"] == 1
    assert stats["warc/bytes_written"] == path.stat().st_size


def test_a_rendered_page_without_browser_responses_is_its_dom_record_alone(tmp_path: Path) -> None:
    ext, crawler = _extension(tmp_path)
    request, response = _rendered("https://news.example/article", None)
    ext.response_downloaded(response, request, crawler.spider)
    ref = request.meta[META_WARC]
    ext.spider_closed(crawler.spider, "finished")
    headers, _, _ = _read_member(
        tmp_path / "20251203T143605Z-test-abcd" / "warc" / ref.filename, ref
    )
    assert headers.get_header("WARC-Type") == "conversion"
    assert headers.get_header("WARC-Refers-To") is None
    assert "warc/browser_responses" not in crawler.stats.get_stats()


@pytest.mark.parametrize("rendered", [False, True], ids=["plain", "rendered"])
def test_a_write_failure_fails_a_rendered_page_as_it_fails_a_plain_one(
    tmp_path: Path, rendered: bool
) -> None:
    ext, crawler = _extension(tmp_path)
    reasons: list[str] = []
    ext.close_spider = reasons.append
    signalled: list[bool] = []
    crawler.signals.connect(lambda: signalled.append(True), signal=archive_write_failed, weak=False)
    frontier = Frontier(
        tmp_path / "ledger", "c", crawler.stats, interval=3600, reserve_bytes=0, require_warc=True
    )
    home = Request("https://news.example/")
    ext.response_downloaded(
        HtmlResponse(home.url, body=b"<a href=/article>", request=home), home, crawler.spider
    )
    assert frontier.archived(HtmlResponse(home.url, request=home))
    # The disk fills up: every write to the open WARC file now fails with ENOSPC.
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, ext.writer._fd)
    finally:
        os.close(full)
    url = "https://news.example/article"
    if rendered:
        request, response = _rendered(url, _browser_exchanges("https://news.example"))
    else:
        request = Request(url)
        response = HtmlResponse(url, body=b"<p>article</p>", request=request)
    ext.response_downloaded(response, request, crawler.spider)

    assert signalled == [True]  # archive_write_failed: the frontier checkpoints at once
    assert reasons == ["warc_write_failed"]
    assert META_WARC not in response.meta and META_FETCHED_AT not in response.meta
    assert not frontier.archived(response)
    assert META_BROWSER_EXCHANGES not in response.meta
    stats = crawler.stats.get_stats()
    assert stats["warc/write_failed"] == 1
    assert "warc/browser_responses" not in stats and "warc/rendered" not in stats
    # Only warcinfo and the home page's two records made it.
    assert stats["warc/records_written"] == 3
