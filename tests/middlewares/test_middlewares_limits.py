"""A crawl of a site full of URL traps stays bounded (DEPTH_LIMIT, NEWSARC_MAX_PAGES_PER_HOST,
MEMUSAGE_LIMIT_MB), with the shipped defaults and with each one overridden."""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.settings import Settings

from crawler.demo.server import RequestHeaders, Route, SiteServer
from tests.conftest import run_newsarc

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")


def _page(links: list[str]) -> Route:
    anchors = " ".join(f'<a href="{href}">{href}</a>' for href in links)
    html = (
        f"<!doctype html><html><head><title>t</title></head><body><p>x</p>{anchors}</body></html>"
    )
    return Route(200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())


def trap_site(target: str, headers: RequestHeaders) -> Route | None:
    """An endless calendar, session ids that make every link new, and pagination without end."""
    if target == "/robots.txt":
        return ROBOTS
    if target == "/":
        return _page(["/cal/2026/1/", "/s/1/news/", "/page/1/"])
    if match := re.fullmatch(r"/cal/(\d+)/(\d+)/", target):
        year, month = int(match[1]), int(match[2])
        after = (year + month // 12, month % 12 + 1)
        before = (year - (month == 1), (month - 2) % 12 + 1)
        return _page([f"/cal/{after[0]}/{after[1]}/", f"/cal/{before[0]}/{before[1]}/"])
    if match := re.fullmatch(r"/s/(\d+)/news/", target):
        return _page([f"/s/{int(match[1]) + 1}/news/"])  # the same page, a new session
    if match := re.fullmatch(r"/page/(\d+)/", target):
        return _page([f"/page/{int(match[1]) + 1}/"])
    return None


def _trap_crawl(tmp_path: Path, *settings: str) -> tuple[int, list[str], str]:
    with SiteServer(trap_site) as site:
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(tmp_path),
            "-s", "AUTOTHROTTLE_ENABLED=False", *settings,
        )  # fmt: skip
        pages = [p for p in site.requested_paths if p != "/robots.txt"]
    return run.returncode, pages, run.stdout + run.stderr


def test_the_default_depth_limit_bounds_a_trap_site(tmp_path: Path) -> None:
    depth = Settings()
    depth.setmodule("settings.local")
    limit = depth.getint("DEPTH_LIMIT")
    assert 0 < limit <= 20, "DEPTH_LIMIT must be on by default"
    code, pages, output = _trap_crawl(tmp_path)
    assert code == 0, output
    deepest = max(int(p.split("/")[2]) for p in pages if p.startswith("/page/"))
    assert deepest == limit, f"pagination followed to page {deepest}, DEPTH_LIMIT is {limit}"
    # Calendar: both directions, one month a hop; session ids and pages: one chain each.
    assert len(pages) <= 1 + 4 * limit, len(pages)


def test_an_overridden_depth_limit(tmp_path: Path) -> None:
    code, pages, output = _trap_crawl(tmp_path, "-s", "DEPTH_LIMIT=3")
    assert code == 0, output
    assert "/page/3/" in pages and "/page/4/" not in pages


def test_the_per_host_page_cap(tmp_path: Path) -> None:
    code, pages, output = _trap_crawl(
        tmp_path, "-s", "DEPTH_LIMIT=0", "-s", "NEWSARC_MAX_PAGES_PER_HOST=30"
    )
    assert code == 0, output
    assert 25 <= len(pages) <= 1 + 30, len(pages)  # the start page is not a followed link
    log = next(tmp_path.glob("*/logs/crawl.log"))
    assert "reached NEWSARC_MAX_PAGES_PER_HOST (30 pages)" in log.read_text()


def test_the_memory_limit_stops_the_crawl_cleanly(tmp_path: Path) -> None:
    defaults = Settings()
    defaults.setmodule("settings.local")
    assert defaults.getint("MEMUSAGE_LIMIT_MB") > 0, "MEMUSAGE_LIMIT_MB must be on by default"
    code, _, output = _trap_crawl(tmp_path, "-s", "MEMUSAGE_LIMIT_MB=1")
    assert code == 1
    assert "memusage_exceeded" in output


def test_overlong_urls_are_dropped_and_counted(tmp_path: Path) -> None:
    """RELIABILITY.md B11: links longer than URLLENGTH_LIMIT (2,083 by default) are never
    requested, and each drop is counted (urllength/request_ignored_count in the crawl's stats).
    A 10,000-character href is not even taken for a link (the extractor reads hrefs of at most
    4,096 characters), so it is neither requested nor counted."""
    long_links = [f"/long/{n}/" + "a" * 3000 for n in range(3)]
    routes = {
        "/robots.txt": ROBOTS,
        "/": _page([*long_links, "/long/huge/" + "b" * 10_000, "/short/"]),
        "/short/": _page(["/"]),
    }
    with SiteServer(routes) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path))
        requested = list(site.requested_paths)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "/short/" in requested and not [p for p in requested if p.startswith("/long/")]
    log = next(tmp_path.glob("*/logs/crawl.log")).read_text(encoding="utf-8")
    assert "'urllength/request_ignored_count': 3," in log
