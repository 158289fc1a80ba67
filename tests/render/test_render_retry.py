"""RenderRetryMiddleware: a page whose browser died is rescheduled, at most RENDER_RETRY_TIMES."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from crawler.render.handler import BrowserCrashed, RenderTimeout
from crawler.render.retry import RenderRetryMiddleware


def _middleware(retry_times: int) -> tuple[RenderRetryMiddleware, object]:
    crawler = get_crawler(Spider, {"RENDER_RETRY_TIMES": retry_times})
    crawler.spider = crawler._create_spider("test")
    crawler.stats.open_spider()
    return RenderRetryMiddleware.from_crawler(crawler), crawler


def test_crashed_page_is_retried_once() -> None:
    middleware, crawler = _middleware(1)
    request = Request("http://127.0.0.1/a", meta={"playwright": True})
    retry = middleware.process_exception(request, BrowserCrashed("died"))
    assert isinstance(retry, Request)
    assert retry.url == request.url and retry.meta["playwright"] and retry.dont_filter
    assert middleware.process_exception(retry, BrowserCrashed("died again")) is None
    stats = crawler.stats  # type: ignore[attr-defined]
    assert stats.get_value("render/retried") == 1
    assert stats.get_value("retry/reason_count/browser_crashed") == 1


def test_other_failures_are_not_retried() -> None:
    middleware, _ = _middleware(1)
    request = Request("http://127.0.0.1/a", meta={"playwright": True})
    assert middleware.process_exception(request, RenderTimeout("slow")) is None
    assert middleware.process_exception(request, ValueError("x")) is None
