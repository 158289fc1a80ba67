"""WARC capture: a rotating gzip-per-record writer and the Scrapy extension that feeds it."""

from __future__ import annotations

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
    "FileStats",
    "HttpExchange",
    "WarcFileWriter",
    "WarcWriteError",
    "verify_warc",
]
