"""Baseline for the crawl benchmark: a bare Scrapy spider that only follows same-site links.

Run as a script: ``python bench/bare_spider.py URL MAX_PAGES``. It uses Scrapy's defaults plus
the same concurrency and the same disabled throttling as the newsarc run it is compared with,
and filters links through a seen-set as newsarc does (``follow_all`` on every link is 12x
slower, see PERFORMANCE.md, and would make the baseline look worse than it is).
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, max_pages: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.host = urlsplit(start_url).netloc
        self.max_pages = max_pages
        self.scheduled = 1
        self.seen = {start_url}

    def parse(self, response: scrapy.http.Response) -> Any:
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href).split("#", 1)[0]
            if url in self.seen or urlsplit(url).netloc != self.host:
                continue
            self.seen.add(url)
            if url.endswith((".jpg", ".png", ".xml")) or self.scheduled >= self.max_pages:
                continue
            self.scheduled += 1
            yield scrapy.Request(url, callback=self.parse)


def main() -> None:
    url, max_pages = sys.argv[1], int(sys.argv[2])
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "ROBOTSTXT_OBEY": True,
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "CONCURRENT_ITEMS": 8,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, start_url=url, max_pages=max_pages)
    process.start()
    assert crawler.stats is not None
    print(f"pages={crawler.stats.get_value('response_received_count', 0)}")


if __name__ == "__main__":
    main()
