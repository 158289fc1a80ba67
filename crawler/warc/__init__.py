"""WARC capture: a rotating gzip-per-record writer, the one exchange builder every fetch goes
through, and the Scrapy extension that feeds them."""

from __future__ import annotations

from crawler.warc.exchange import (
    BrowserExchanges,
    build_exchange,
    exchange_from_scrapy,
    http_protocol,
)
from crawler.warc.writer import (
    CAPTURE_STATEMENT,
    FileStats,
    HttpExchange,
    WarcFileWriter,
    WarcWriteError,
    verify_warc,
)

__all__ = [
    "CAPTURE_STATEMENT",
    "BrowserExchanges",
    "FileStats",
    "HttpExchange",
    "WarcFileWriter",
    "WarcWriteError",
    "build_exchange",
    "exchange_from_scrapy",
    "http_protocol",
    "verify_warc",
]
