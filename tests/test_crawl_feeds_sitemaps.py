"""Broken sitemaps and feeds in a whole crawl (RELIABILITY.md §3, B7 and B8).

One site serves sitemaps and feeds broken in every way the brief lists that
``tests/run/test_run.py::test_bot_wall_throttling_and_broken_feeds_and_sitemaps`` does not
already try: an empty sitemap, HTML where a sitemap should be, a truncated ``.xml.gz``, a
gzip-bomb ``.xml.gz``, a billion-laughs sitemap, an external entity in a sitemap pointing at a
local canary file; a feed with impossible dates, relative links and duplicate GUIDs, and a feed
above ``DOWNLOAD_MAXSIZE``.
One good sitemap and one good feed are among them: their articles must still be found.
"""

from __future__ import annotations

import gzip
import itertools
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.server import Route, SiteServer
from tests.conftest import crawl_items, run_newsarc

_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_XML = "application/xml"
_CANARY = "CANARY-5eed-b7"
_GZIP_BOMB = gzip.compress(b" " * (40 << 20), compresslevel=1)


def _story(n: int) -> str:
    paragraphs = "".join(
        f"<p>Story {n}, part {k}: the harbour board of {town} met again and {k + n} members "
        f"asked for {word} before the vote on the ferry and the new pier.</p>"
        for k, (town, word) in enumerate(
            zip(
                ("Arden", "Bree", "Calder", "Dunmore", "Elston", "Fairholt", "Glenn", "Hale"),
                ("figures", "time", "changes", "a recount", "answers", "a delay", "more", "less"),
                strict=True,
            )
        )
    )
    return (
        f"<!doctype html><html lang=en><head><title>Story {n}</title></head><body><article>"
        f"<h1>Harbour story number {n}</h1>{paragraphs}</article></body></html>"
    )


def _urlset(locs: list[str], doctype: str = "") -> str:
    body = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0"?>{doctype}<urlset {_NS}>{body}</urlset>'


def _routes(base: str, canary: Path) -> dict[str, Route]:
    laughs = "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in itertools.pairwise("abcdefghi")
    )
    # Distinct random-looking names, so that half the compressed file holds some whole URLs.
    gz_locs = [f"{base}/gz/{(n * 7919) % 100_003:05d}-{n}.html" for n in range(400)]
    good_gz = gzip.compress(_urlset(gz_locs).encode())
    rss = "<?xml version='1.0'?><rss version='2.0'><channel><title>F</title>{}</channel></rss>"
    odd_items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for title, link, guid, date in (
            ("Relative", "/news/relative.html", "g-1", "Tue, 31 Feb 2026 25:61:00 +0000"),
            ("Again", "/news/relative.html", "g-1", "yesterday-ish"),
            ("Same guid", "/news/same-guid.html", "g-1", "Mon, 99 Dec 99999 00:00:00 GMT"),
            ("Dot", "./news/dot.html", "g-2", ""),
        )
    )
    big_item = "<item><title>Filler</title><link>/news/filler.html</link></item>" * 200_000
    return {
        "/robots.txt": Route.text("User-agent: *\nDisallow: /gz/\n"),
        "/": Route.html("<html><body><h1>Harbour Times</h1><p>Front page.</p></body></html>"),
        # Sitemaps
        "/empty.xml": Route.content(b"", _XML),
        "/html-sitemap.xml": Route.html(
            '<html><body><a href="/news/from-html-sitemap.html">not a sitemap</a></body></html>'
        ),
        "/truncated.xml.gz": Route(
            200,
            {"Content-Type": "application/x-gzip"},
            good_gz[: len(good_gz) // 2],
            compress=False,
        ),
        # 40 MiB of spaces in ~40 KB: a gzip bomb, stopped at DOWNLOAD_MAXSIZE while read.
        "/bomb.xml.gz": Route(
            200, {"Content-Type": "application/x-gzip"}, _GZIP_BOMB, compress=False
        ),
        "/laughs.xml": Route.content(
            _urlset([f"{base}/news/&i;.html"], f"<!DOCTYPE urlset [<!ENTITY a 'ha'>{laughs}]>"),
            _XML,
        ),
        "/xxe.xml": Route.content(
            _urlset(
                [f"{base}/news/xxe-&x;.html"],
                f'<!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{canary}">]>',
            ),
            _XML,
        ),
        "/good.xml": Route.content(_urlset([f"{base}/news/from-sitemap.html"]), _XML),
        # Feeds
        "/odd.rss": Route.content(rss.format(odd_items), "application/rss+xml"),
        "/huge.rss": Route(
            200,
            {"Content-Type": "application/rss+xml"},
            rss.format(big_item).encode(),
            compress=False,
        ),
        "/good.rss": Route.content(
            rss.format("<item><title>Good</title><link>/news/from-feed.html</link></item>"),
            "application/rss+xml",
        ),
        **{
            f"/news/{name}.html": Route.html(_story(n))
            for n, name in enumerate(
                ("from-sitemap", "from-feed", "relative", "same-guid", "dot", "filler"), 1
            )
        },
    }


_SITEMAPS = (
    "/empty.xml",
    "/bomb.xml.gz",
    "/html-sitemap.xml",
    "/truncated.xml.gz",
    "/laughs.xml",
    "/xxe.xml",
    "/good.xml",
)
_FEEDS = ("/odd.rss", "/huge.rss", "/good.rss")


def _stat(log: str, name: str) -> int:
    for line in log.splitlines():
        if f"'{name}':" in line:
            return int(line.rsplit(":", 1)[1].strip(" ,}"))
    return 0


def test_broken_sitemaps_and_feeds_are_bounded_counted_and_the_good_ones_still_read(
    tmp_path: Path,
) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text(_CANARY, encoding="utf-8")
    out = tmp_path / "data"
    with SiteServer() as site:
        base = site.base_url
        site.routes = _routes(base, canary)
        run = run_newsarc(
            "crawl", f"{base}/", "--out", str(out),
            "-s", "NEWSARC_SITEMAPS=" + ",".join(base + p for p in _SITEMAPS),
            "-s", "NEWSARC_FEEDS=" + ",".join(base + p for p in _FEEDS),
        )  # fmt: skip
        requested = [p for _, p, _ in site.requests]
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(out)
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")

    # Every sitemap and feed asked for once; nothing beyond what the good parts list.
    assert all(requested.count(p) == 1 for p in (*_SITEMAPS, *_FEEDS)), requested
    assert "/news/from-html-sitemap.html" not in requested  # HTML is not read as a sitemap
    assert not [p for p in requested if "haha" in p or p.startswith("/gz/")], requested
    assert len(requested) <= 20, requested

    # Every broken sitemap counted, by reason; the feed above DOWNLOAD_MAXSIZE failed by name.
    assert _stat(log, "newsarc/sitemap_errors/unparseable") == 1  # the empty one
    assert _stat(log, "newsarc/sitemap_errors/not_a_sitemap") == 1
    assert _stat(log, "newsarc/sitemap_errors/truncated_gzip") == 1
    assert _stat(log, "newsarc/sitemap_errors/entities") == 2  # billion laughs, XXE
    assert _stat(log, "newsarc/sitemap_errors/gzip") == 1  # the bomb, at DOWNLOAD_MAXSIZE
    assert _stat(log, "newsarc/sitemap_errors") == 6
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        ledger = {
            urlsplit(u).path: (s, r)
            for u, s, r in db.execute("SELECT url, state, reason FROM urls")
        }
    state, reason = ledger["/huge.rss"]
    assert state == "failed" and (reason or "").startswith("too_large"), (state, reason)
    # The truncated sitemap's readable part is still used (its URLs, kept out by robots.txt).
    assert any(p.startswith("/gz/") and s == "skipped" for p, (s, _) in ledger.items()), ledger

    # The good sitemap and feed, relative links and duplicate GUIDs: each article once.
    articles, _ = crawl_items(crawl_dir)
    names = sorted(urlsplit(a["url"]).path for a in articles)
    assert names == [
        "/news/dot.html",
        "/news/from-feed.html",
        "/news/from-sitemap.html",
        "/news/relative.html",
        "/news/same-guid.html",
    ], names
    assert requested.count("/news/relative.html") == 1
    # Impossible dates are dropped, not passed off as dates.
    relative = next(a for a in articles if a["url"].endswith("/relative.html"))
    assert relative.get("published_at") is None, relative.get("published_at")

    # No external entity was read: the canary's text is in no file the crawl wrote.
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            assert _CANARY.encode() not in data, path
