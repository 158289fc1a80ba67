"""Displayed-date cost on demo pages: dateparser calls and extraction time per page.

Renders ``--pages`` pages of the bundled demo site (articles and listings in crawl order, each
sidebar with its relative times, dates and clock times), gives each a capture time
``--interval`` seconds after the previous one (as a crawl would), extracts every page in this
process and prints the number of dateparser calls and the median and mean extraction time per
page. Run it on two checkouts back to back to compare them::

    uv run python bench/displayed_dates.py [--pages 1500] [--interval 0.2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from crawler.demo.site import DemoSite
from crawler.extract import PageInput, decode_html, extract_page

START = datetime(2025, 12, 4, 14, 50, 3, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:8000"


def demo_pages(count: int) -> list[tuple[str, str]]:
    """``count`` (url, html) pairs of the demo site, cycling through its HTML pages."""
    site = DemoSite(max(36, count // 2))
    html_paths = [p for p in site.paths() if p == "/" or p.endswith((".html", "/"))]
    pages: list[tuple[str, str]] = []
    while len(pages) < count:
        for path in html_paths:
            response = site.render(path, BASE_URL)
            if response is None or not response.content_type.startswith("text/html"):
                continue
            pages.append((BASE_URL + path, decode_html(response.body, response.content_type)))
            if len(pages) == count:
                break
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between captures")
    args = parser.parse_args(argv)
    from dateparser.date import DateDataParser  # noqa: PLC0415

    calls = 0
    original = DateDataParser.get_date_data

    def counted(self: DateDataParser, *a: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        return original(self, *a, **kw)  # type: ignore[arg-type]

    DateDataParser.get_date_data = counted  # type: ignore[assignment,method-assign]
    pages = demo_pages(args.pages)
    extract_page(PageInput(url=pages[0][0], html=pages[0][1], fetched_at=START))  # warm up
    calls = 0
    times: list[float] = []
    for index, (url, html) in enumerate(pages):
        fetched = START + timedelta(seconds=index * args.interval)
        begin = time.perf_counter()
        extract_page(PageInput(url=url, html=html, fetched_at=fetched))
        times.append(time.perf_counter() - begin)
    print(
        f"{len(pages)} pages over {len(pages) * args.interval:.0f} s of capture time: "
        f"{calls} dateparser calls, median {statistics.median(times) * 1000:.2f} ms/page, "
        f"mean {statistics.mean(times) * 1000:.2f} ms/page"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
