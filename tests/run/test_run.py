"""Whole runs of ``newsarc run`` against fixture sites on 127.0.0.1 that change between runs.

Each test runs the real console script (one process per run, one per site under it) and checks
the server's own request log, the store's files and the run report.
"""

from __future__ import annotations

import gzip
import itertools
import json
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from crawler.run.headlines import headline_series
from crawler.warc.writer import verify_warc
from tests.conftest import ROOT, read_jsonl, run_newsarc
from tests.sites.changing_site import PROFILE, ChangingSite

FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "NEWSARC_EXTRACT_WORKERS": 0,
    "WARC_INDEX_WORKER": False,
    "FRONTIER_CHECKPOINT_INTERVAL": 0.5,
}


_SOURCES = ("/rss.xml", "/stale.xml", "/sitemap-news.xml")


def _jobs(tmp_path: Path, sites: list[dict[str, Any]], **top: Any) -> Path:
    (tmp_path / "changing.yaml").write_text(PROFILE, encoding="utf-8")
    document = {
        "name": "news",
        "store": str(tmp_path / "data"),
        "state": str(tmp_path / "state"),
        "defaults": {"settings": FAST, "profile": "changing.yaml"},
        "sites": sites,
        **top,
    }
    path = tmp_path / "jobs.yaml"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")  # JSON is YAML
    return path


def _site(server: SiteServer, name: str = "changing", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "start_urls": [server.url("/"), server.url("/world/")],
        "feeds": [server.url("/rss.xml"), server.url("/stale.xml")],
        "sitemaps": [server.url("/sitemap-news.xml")],
        **extra,
    }


def _reports(store: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((store / "_runs" / "news").glob("*.json"))]


def _crawl_dirs(store: Path, site: str = "changing") -> list[Path]:
    return sorted(p for p in store.glob(f"*-{site}-*") if p.is_dir())


def _articles(crawl_dir: Path) -> list[dict[str, Any]]:
    return read_jsonl(list((crawl_dir / "items").glob("articles-*.jsonl.gz")))


def _assert_files_valid(crawl_dir: Path) -> None:
    assert not list(crawl_dir.rglob("*.open")), list(crawl_dir.rglob("*.open"))
    assert not list(crawl_dir.rglob("*.jsonl.gz.tmp"))
    warcs = list((crawl_dir / "warc").glob("*.warc.gz"))
    assert warcs
    for warc in warcs:
        assert verify_warc(warc) == [], warc
    for items in (crawl_dir / "items").glob("*.jsonl.gz"):
        with gzip.open(items, "rt") as fh:
            for line in fh:
                json.loads(line)
    assert (crawl_dir / "manifest.json").is_file()


@pytest.mark.slow
def test_second_run_fetches_only_new_and_changed_articles_and_every_listing(
    tmp_path: Path,
) -> None:
    site = ChangingSite()
    with SiteServer(site.handle) as server:
        jobs = _jobs(tmp_path, [_site(server)])
        store = tmp_path / "data"

        first = run_newsarc("run", str(jobs), timeout=120)
        assert first.returncode == 0, first.stderr
        assert first.stderr == "" and first.stdout == ""  # quiet on success: nothing for cron
        paths = server.requested_paths
        assert ChangingSite.article_requests(paths) == dict.fromkeys(range(1, 9), 1)
        (run1,) = _crawl_dirs(store)
        articles = {a["url"].rsplit("/", 1)[1]: a for a in _articles(run1)}
        assert len(articles) == 8
        # Each item carries the health class of its page (decided before extraction).
        headlines = read_jsonl(list((run1 / "items").glob("headlines-*.jsonl.gz")))
        assert headlines
        assert {i["page_class"] for i in [*articles.values(), *headlines]} == {"ok"}
        # Linked only from the news sitemap, no date on its page: the sitemap's date fills it.
        hidden = articles["story-8.html"]
        assert hidden["published_at"] == site.stories[7].published.isoformat()
        assert "published_from_sitemap" in hidden["flags"]
        assert "published_from_sitemap" not in articles["story-1.html"]["flags"]

        assert sorted(site.source_statuses) == [(p, 200) for p in sorted(_SOURCES)]

        site.advance()
        server.clear_requests()
        site.source_statuses.clear()
        second = run_newsarc("run", str(jobs), "-v", timeout=120)
        assert second.returncode == 0, second.stderr
        paths = server.requested_paths
        # Feeds and the sitemap asked for conditionally: the stale feed is unchanged (304).
        assert dict(site.source_statuses) == {
            "/rss.xml": 200,
            "/stale.xml": 304,
            "/sitemap-news.xml": 200,
        }
        # New articles 9 and 10, edited article 2, touched article 6 (its sitemap lastmod moved):
        # nothing else of the eight captured before.
        assert ChangingSite.article_requests(paths) == {2: 1, 6: 1, 9: 1, 10: 1}
        for listing in ("/", "/world/", "/rss.xml", "/stale.xml", "/sitemap-news.xml"):
            assert paths.count(listing) == 1, listing  # listing pages: every run
        conditional = {
            r.path.rsplit("/", 1)[1]: r.headers.get("If-None-Match") for r in server.requests
        }
        assert conditional["story-2.html"] and conditional["story-6.html"]
        assert conditional["story-9.html"] is None
        run2 = _crawl_dirs(store)[-1]
        new_captures = {a["url"].rsplit("/", 1)[1]: a for a in _articles(run2)}
        assert set(new_captures) == {"story-2.html", "story-9.html", "story-10.html"}
        assert "(updated)" in new_captures["story-2.html"]["text"]  # the edit is captured
        _assert_files_valid(run2)

    # The run reports, in the store.
    reports = _reports(store)
    assert len(reports) == 2
    last = reports[-1]["sites"][0]
    assert reports[-1]["exit_code"] == 0 and last["status"] == "ok"
    assert (last["new"], last["changed"], last["not_modified"]) == (2, 1, 1)
    assert last["skipped_known"] == 6 and last["articles"] == 3
    assert last["crawl_id"] == run2.name and last["previous_median_items"] > 0
    assert last["health"] == {"ok": 5} and last["bytes"] > 0
    # The unchanged feed is counted as such (read from the copy the state kept).
    assert (last["feeds"], last["sitemaps"], last["sources_not_modified"]) == (2, 1, 1)
    assert reports[0]["sites"][0]["sources_not_modified"] == 0
    assert "3 feeds and sitemaps (1 unchanged)" in second.stderr
    assert "changing" in second.stderr and "report" in second.stderr

    # The headline series: article 1 on the home page's "Most read", views rising.
    url = server.url(site.stories[0].path)
    rows = [
        r
        for r in headline_series(str(store), site="changing", url=url)
        if r["source_url"] == server.url("/") and r["block"] == "Most read"
    ]
    assert [r["crawl_id"] for r in rows] == [run1.name, run2.name]
    assert rows[0]["views"] < rows[1]["views"]
    csv_out = run_newsarc("headlines", str(store), "--url", url, "--csv", timeout=60)
    assert csv_out.returncode == 0 and csv_out.stdout.startswith("fetched_at,crawl_id,")
    assert len(csv_out.stdout.splitlines()) > 2


def _wait_for_an_article_request(running: subprocess.Popen[str], server: SiteServer) -> None:
    """Until the running ``newsarc run`` has asked the site for an article (at most 60 s)."""
    deadline = time.monotonic() + 60
    while not ChangingSite.article_requests(server.requested_paths):
        assert running.poll() is None, running.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _start_run(jobs: Path) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.Popen(
        [str(script), "run", str(jobs)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.slow
def test_lock_sigterm_and_the_next_run_carries_on(tmp_path: Path) -> None:
    site = ChangingSite(slow=0.4)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)], grace="20s")
        store = tmp_path / "data"
        running = _start_run(jobs)
        try:
            _wait_for_an_article_request(running, server)
            before = _snapshot(tmp_path)
            started = time.monotonic()
            second = run_newsarc("run", str(jobs), timeout=30)
            took = time.monotonic() - started
            assert second.returncode == 3, second.stderr
            assert "already running" in second.stderr and second.stdout == ""
            assert took < 1.5, took  # process start included; the lock itself is immediate
            after = _snapshot(tmp_path)
            assert {k for k in after if k not in before} <= {
                k for k in after if "changing-" in k or k.startswith("state/logs")
            }  # nothing new but the first run's own files
            running.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            _, stderr = running.communicate(timeout=60)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
        assert running.returncode == 5, stderr
        assert time.monotonic() - stopped < 20  # within the grace period
        assert "INTERRUPTED" in stderr and "interrupted" in stderr
        (first,) = _crawl_dirs(store)
        _assert_files_valid(first)
        fetched_first = {a["url"] for a in _articles(first)}
        assert len(fetched_first) < 8
        report = _reports(store)[-1]
        assert report["interrupted"] and report["sites"][0]["status"] == "interrupted"

        # The stopped run read every feed and the sitemap before its first article.
        assert sorted(site.source_statuses) == [(p, 200) for p in sorted(_SOURCES)]

        site.slow = 0.0
        server.clear_requests()
        site.source_statuses.clear()
        again = run_newsarc("run", str(jobs), timeout=120)
        assert again.returncode == 0, again.stderr
        # The run after the stop asks for them with the validators the stopped run kept.
        assert sorted(site.source_statuses) == [(p, 304) for p in sorted(_SOURCES)]
        assert _reports(store)[-1]["sites"][0]["sources_not_modified"] == 3
        latest = _crawl_dirs(store)[-1]
        fetched_next = {a["url"] for a in _articles(latest)}
        # Carries on: what the stopped run captured is not fetched again, the rest is.
        assert fetched_first.isdisjoint(fetched_next)
        assert len(fetched_first | fetched_next) == 8


_PER_CAPTURE = ("crawl_id", "fetched_at", "warc")  # ids and times: differ between any 2 runs


def _outputs(crawl_dir: Path) -> tuple[list[str], list[str], dict[str, bytes], int]:
    """A crawl's articles and headlines (JSON, without ids and times, sorted), its WARC
    response payloads by URL, and its WARC record count."""
    items = []
    for stream in ("articles", "headlines"):
        rows = read_jsonl(list((crawl_dir / "items").glob(f"{stream}-*.jsonl.gz")))
        items.append(
            sorted(
                json.dumps({k: v for k, v in row.items() if k not in _PER_CAPTURE}, sort_keys=True)
                for row in rows
            )
        )
    payloads: dict[str, bytes] = {}
    records = 0
    for warc in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                records += 1
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    assert uri not in payloads, f"{uri} archived twice"
                    payloads[uri] = record.content_stream().read()
    return items[0], items[1], payloads, records


# Which of a feed and the sitemap gave an article its date first depends on the order they
# were read in, in any run: not compared.
_DISCOVERY = ("flags", "published_at")


def _by_url(rows: list[str]) -> dict[str, dict[str, Any]]:
    articles: dict[str, dict[str, Any]] = {}
    for row in rows:
        article = json.loads(row)
        assert article["url"] not in articles, f"{article['url']} written twice"
        articles[article["url"]] = {k: v for k, v in article.items() if k not in _DISCOVERY}
    return articles


def _differences(ours: list[str], alone: list[str]) -> list[tuple[str, Any, Any]]:
    """(field, ours, alone) for the first item that differs between two sorted item lists."""
    for a, b in zip(ours, alone, strict=False):
        if a != b:
            x, y = json.loads(a), json.loads(b)
            return [(k, x.get(k), y.get(k)) for k in sorted({*x, *y}) if x.get(k) != y.get(k)]
    return [("count", len(ours), len(alone))]


@pytest.mark.slow
def test_a_second_instance_on_the_same_job_leaves_the_first_runs_output_as_a_solo_runs(
    tmp_path: Path,
) -> None:
    """RELIABILITY.md F11: a second ``newsarc run`` of a job that is running exits 3 at once, and
    the first run's output (items without ids and times, WARC payloads and record count) is the
    same as that of a run of the same job alone, against the same unchanged site."""
    site = ChangingSite(slow=0.2)
    duo, solo = tmp_path / "duo", tmp_path / "solo"
    duo.mkdir()
    solo.mkdir()
    with SiteServer(site.handle) as server:
        jobs = _jobs(duo, [_site(server)])
        running = _start_run(jobs)
        try:
            _wait_for_an_article_request(running, server)
            second = run_newsarc("run", str(jobs), timeout=30)
            assert running.poll() is None, "the first run was still running"
            _, stderr = running.communicate(timeout=120)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
        alone = run_newsarc("run", str(_jobs(solo, [_site(server)])), timeout=120)
    assert second.returncode == 3 and "already running" in second.stderr, second.stderr
    assert running.returncode == 0, stderr
    assert alone.returncode == 0, alone.stderr
    (first,) = _crawl_dirs(duo / "data")
    (only,) = _crawl_dirs(solo / "data")
    _assert_files_valid(first)
    got, want = _outputs(first), _outputs(only)
    assert len(got[0]) == 8 and got[1], "articles and headlines were written"
    ours, alone = _by_url(got[0]), _by_url(want[0])
    assert sorted(ours) == sorted(alone), "the same articles"
    for url, article in alone.items():
        assert ours[url] == article, (
            url,
            _differences([json.dumps(ours[url])], [json.dumps(article)]),
        )
    assert got[1] == want[1], ("headlines", _differences(got[1], want[1]))
    assert sorted(got[2]) == sorted(want[2]), "the same URLs archived"
    for uri, payload in want[2].items():
        assert got[2][uri] == payload, uri
    assert got[3] == want[3], "the same number of WARC records"


_BROKEN_FEEDS = ("/bad.xml", "/bomb.xml", "/xxe.xml", "/html-feed.xml")
_BROKEN_SITEMAPS = (
    "/gzbomb.xml.gz",
    "/loop-a.xml",
    "/many.xml",
    "/sitemap-bomb.xml",
    "/sitemap-xxe.xml",
    "/empty.xml",
    "/html-sitemap.xml",
    "/truncated.xml.gz",
    "/good.xml",
)


def _gzip_of_spaces(mebibytes: int) -> bytes:
    """A gzip bomb, compressed a mebibyte at a time (never all in memory here)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    chunk = b" " * (1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(mebibytes)) + packer.flush()


def _broken_routes(canary: Path, base: str) -> dict[str, Route]:
    """A site whose feeds and sitemaps are broken in every way but one good sitemap."""
    page = (
        "<html><head><title>B {n}</title></head><body><article><h1>Broken story {n}</h1>"
        + "<p>{n} The council approved the new budget after a long debate. </p>" * 8
        + "</article></body></html>"
    )
    home = (
        "<html><body><h1>Broken Times</h1><ul><li><a href='/news/2026/12/01/b-1.html'>"
        "One story linked from the home page</a></li></ul>" + "<p>x</p>" * 40 + "</body></html>"
    )
    rss = "<?xml version='1.0'?><rss version='2.0'><channel>{}</channel></rss>"
    entities = "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in itertools.pairwise("abcdefghi")
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">{entities}]>'
        "<rss><channel><item><title>&i;</title><link>/x</link></item></channel></rss>"
    )
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary}">]>'
        "<rss><channel><item><title>&x;</title></item></channel></rss>"
    )
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def urlset(locs: list[str]) -> str:
        body = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        return f'<?xml version="1.0"?><urlset {ns}>{body}</urlset>'

    def index(loc: str) -> str:
        entry = f"<sitemap><loc>{loc}</loc></sitemap>"
        return f'<?xml version="1.0"?><sitemapindex {ns}>{entry}</sitemapindex>'

    xml = "application/xml"
    bomb_body = _gzip_of_spaces(200)  # 200 MiB of spaces, ~0.9 MB on the wire
    cut_urls = gzip.compress(urlset([f"{base}/cut/{i}.html" for i in range(2000)]).encode())
    cut_short = cut_urls[: len(cut_urls) // 2]  # a download cut off halfway
    return {
        "/robots.txt": Route.text("User-agent: *\nAllow: /\n"),
        "/": Route.html(home),
        "/news/2026/12/01/b-1.html": Route.html(page.format(n=1)),
        "/news/2026/12/01/b-2.html": Route.html(page.format(n=2)),
        "/bad.xml": Route.content(rss.format("<item><title>Unclosed<link>/x</item>"), xml),
        "/bomb.xml": Route.content(bomb, xml),
        "/xxe.xml": Route.content(xxe, xml),
        "/html-feed.xml": Route.html(home),
        "/gzbomb.xml.gz": Route(
            200, {"Content-Type": "application/x-gzip"}, bomb_body, compress=False
        ),
        "/loop-a.xml": Route.content(index(f"{base}/loop-b.xml"), xml),
        "/loop-b.xml": Route.content(index(f"{base}/loop-a.xml"), xml),
        "/many.xml": Route.content(urlset([f"{base}/many/{i}.html" for i in range(60_000)]), xml),
        "/sitemap-bomb.xml": Route.content(
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">{entities}]>'
            f"<urlset {ns}><url><loc>{base}/&i;</loc></url></urlset>",
            xml,
        ),
        "/sitemap-xxe.xml": Route.content(
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{canary}">]>'
            f"<urlset {ns}><url><loc>{base}/x/&x;</loc></url></urlset>",
            xml,
        ),
        "/empty.xml": Route.content("", xml),
        "/html-sitemap.xml": Route.html(home),
        "/truncated.xml.gz": Route(
            200,
            {"Content-Type": "application/x-gzip"},
            cut_short,
            compress=False,
        ),
        "/good.xml": Route.content(urlset([f"{base}/news/2026/12/01/b-2.html"]), xml),
    }


@pytest.mark.slow
def test_bot_wall_throttling_and_broken_feeds_and_sitemaps(tmp_path: Path) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-c0ffee", encoding="utf-8")
    walled = ChangingSite()
    walled.mode = "challenge"
    throttled = ChangingSite(n=3)
    throttled.throttle_count = 2
    throttled.throttle_after = 2
    throttled.crawl_delay = 0.6
    with (
        SiteServer(walled.handle) as wall_server,
        SiteServer(throttled.handle) as slow_server,
        SiteServer() as broken_server,
    ):
        base = broken_server.base_url
        broken_server.routes = _broken_routes(canary, base)
        sequential = {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(
            tmp_path,
            [
                _site(wall_server, "walled"),
                _site(slow_server, "throttled", settings=sequential),
                {
                    "name": "broken",
                    "start_urls": [f"{base}/"],
                    "feeds": [f"{base}{p}" for p in _BROKEN_FEEDS],
                    "sitemaps": [f"{base}{p}" for p in _BROKEN_SITEMAPS],
                    "max_pages": 10,
                },
            ],
            parallel=3,
        )
        started = time.monotonic()
        run = run_newsarc("run", str(jobs), timeout=170)
        took = time.monotonic() - started
        times = list(throttled.article_times)
        refused = list(throttled.refused_times)
        spaced = list(throttled.request_times)
        broken_paths = broken_server.requested_paths
    assert run.returncode == 1, run.stderr
    report = _reports(tmp_path / "data")[-1]
    sites = {s["name"]: s for s in report["sites"]}
    # The bot wall, served with status 200, is named.
    assert sites["walled"]["status"] == "blocked"
    assert any("challenge or bot-wall" in p for p in sites["walled"]["problems"])
    assert "walled" in run.stderr and "bot-wall" in run.stderr
    # 429 with Retry-After: 2 — the host's next request waited for it, twice.
    assert sites["throttled"]["status"] == "ok", sites["throttled"]
    assert sites["throttled"]["errors"].get("refused_429_503") == 2
    # After the first 429 the server sees no request for the 2 s it asked for, but the one
    # already on its way (the second 429); then one request at a time again.
    assert len(times) >= 5 and len(refused) == 2
    later = [t for t in times if t > refused[0] + 0.5]
    assert later and later[0] - refused[0] >= 1.9, (refused, times)
    # robots.txt Crawl-delay: 0.6 — no two requests closer than that.
    gaps = [b - a for a, b in itertools.pairwise(spaced)]
    assert len(gaps) >= 8 and min(gaps) >= 0.55, gaps
    # Broken inputs: counted, bounded, and the other sources still crawled.
    broken = sites["broken"]
    assert broken["status"] == "ok", broken
    # Every broken feed counted, and every broken sitemap: the gzip bomb, the empty one, the
    # HTML page, the cut-short gzip, the entity bomb and the external entity.
    assert broken["errors"].get("feed") == 4
    assert broken["errors"].get("sitemap") == 6
    # The one good sitemap's article is discovered: fetched, or (when the 60,000-URL sitemap
    # used up the site's 10 pages first) queued in the ledger for later.
    (broken_dir,) = _crawl_dirs(tmp_path / "data", "broken")
    ledger = sqlite3.connect(broken_dir / ".frontier.sqlite")
    queued = {row[0] for row in ledger.execute("SELECT url FROM urls")}
    ledger.close()
    assert "/good.xml" in broken_paths
    assert any(u.endswith("/news/2026/12/01/b-2.html") for u in queued), len(queued)
    assert len(queued) > 60_000
    cut = {u for u in queued if "/cut/" in u}
    assert 0 < len(cut) < 2000  # what the cut-short sitemap still had is read, and counted
    assert broken_paths.count("/loop-a.xml") == 1 and broken_paths.count("/loop-b.xml") == 1
    assert sum(p.startswith("/many/") for p in broken_paths) <= 10
    # Bounded memory: the site's crawl peaked far below what the bombs would take unbounded
    # (the gzip bomb alone is 200 MiB decompressed; the entity bomb 10^9 characters).
    # (peak resident memory of each site's crawl process, against a plain site's in this run)
    broken_peak, plain_peak = broken["peak_rss_bytes"], sites["throttled"]["peak_rss_bytes"]
    print(f"peak RSS: broken inputs {broken_peak >> 20} MB, a plain site {plain_peak >> 20} MB")
    assert broken_peak - plain_peak < 100 << 20, (broken_peak, plain_peak)
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            assert b"CANARY-c0ffee" not in data, path
    assert took < 150


@pytest.mark.slow
def test_a_site_crawl_killed_by_sigkill_loses_nothing(tmp_path: Path) -> None:
    import psutil

    site = ChangingSite(slow=0.3)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)])
        store = tmp_path / "data"
        running = _start_run(jobs)
        try:
            deadline = time.monotonic() + 60
            while sum(ChangingSite.article_requests(server.requested_paths).values()) < 4:
                assert running.poll() is None, running.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            (child,) = psutil.Process(running.pid).children()
            child.kill()  # the site's crawl process, mid-write
            _, stderr = running.communicate(timeout=60)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
        assert running.returncode == 1, stderr
        assert "ended without a result" in stderr
        site.slow = 0.0
        again = run_newsarc("run", str(jobs), timeout=120)
        assert again.returncode == 0, again.stderr
    killed, latest = _crawl_dirs(store)
    _assert_files_valid(killed)  # repaired by the next run
    captured = {a["url"] for a in _articles(killed)} | {a["url"] for a in _articles(latest)}
    assert len(captured) == 8  # every article in one crawl or the other: none silently missing


@pytest.mark.slow
def test_a_run_far_below_its_history_warns_and_a_drop_to_zero_fails(tmp_path: Path) -> None:
    site = ChangingSite(n=6)  # five linked articles: full blocks on the two listing pages
    with SiteServer(site.handle) as server:
        jobs = _jobs(tmp_path, [_site(server, expectations={"warn_drop": 0.6})])
        first = run_newsarc("run", str(jobs), timeout=120)
        assert first.returncode == 0 and first.stderr == "", first.stderr

        site.sidebar_size = 0  # "Most read" is gone: 10 headlines on the listings, not 20
        warned = run_newsarc("run", str(jobs), timeout=120)
        assert warned.returncode == 0, warned.stderr  # a warning, not a failure ...
        assert "finished with warnings" in warned.stderr  # ... but said, so cron mails it
        assert "listing_headlines_drop: 10, below 0.6 × the last good run" in warned.stderr

        site.teasers = False  # a redesign: no headline block left; the articles are still there
        site.advance()
        broken = run_newsarc("run", str(jobs), timeout=120)
    assert broken.returncode == 1, broken.stderr
    reports = _reports(tmp_path / "data")
    one, two, three = (r["sites"][0] for r in reports)
    assert one["measures"]["listing_headlines"] == 20 and one["warnings"] == []
    assert two["status"] == "ok" and two["measures"]["listing_headlines"] == 10
    assert two["previous_medians"] == {"listing_headlines": 20}  # no article in run 2
    assert two["warnings"] == ["listing_headlines_drop: 10, below 0.6 × the last good run (20)"]
    assert three["articles"] == 3 and three["status"] == "failed"
    assert three["measures"]["date_ratio"] == 1 and three["previous_medians"]["date_ratio"] == 1
    assert three["problems"] == [
        "listing_headlines dropped to zero (the median of the last 2 good runs: 15)"
    ]
    assert "listing_headlines dropped to zero" in broken.stderr


@pytest.mark.slow
def test_feeds_and_sitemaps_are_asked_for_conditionally_and_a_304_keeps_their_entries(
    tmp_path: Path,
) -> None:
    site = ChangingSite(n=4)
    site.failing_ids = {4}  # the article linked only from the sitemap fails in run 1
    with SiteServer(site.handle) as server:
        jobs = _jobs(tmp_path, [_site(server)])
        first = run_newsarc("run", str(jobs), timeout=120)
        assert ChangingSite.article_requests(server.requested_paths)[4] >= 1, first.stderr
        sources = ChangingSite.source_answers(server.requests)
        assert all(answers == [None] for answers in sources.values()), sources  # no copy yet

        site.failing_ids = set()  # the site is unchanged; the failed article is back
        server.clear_requests()
        site.source_statuses.clear()
        second = run_newsarc("run", str(jobs), timeout=120)
        assert second.returncode == 0, second.stderr
        sources = ChangingSite.source_answers(server.requests)
        statuses = list(site.source_statuses)
        article_requests = ChangingSite.article_requests(server.requested_paths)
    # Each feed and the sitemap asked for with the ETag it gave (the server answered 304) ...
    assert set(sources) == {"/rss.xml", "/stale.xml", "/sitemap-news.xml"}
    assert all(len(a) == 1 and a[0] and a[0].startswith('"') for a in sources.values()), sources
    assert sorted(statuses) == [(p, 304) for p in sorted(_SOURCES)]
    # ... and the sitemap's entries still followed from the kept copy: the article run 1 could
    # not fetch is fetched now, with the sitemap's date; the captured ones are not asked for.
    assert article_requests == {4: 1}
    latest = _crawl_dirs(tmp_path / "data")[-1]
    (article,) = _articles(latest)
    assert article["url"].endswith("/story-4.html")
    assert "published_from_sitemap" in article["flags"]
    report = _reports(tmp_path / "data")[-1]["sites"][0]
    assert report["status"] == "ok" and report["skipped_known"] == 3
    assert (report["feeds"], report["sitemaps"], report["sources_not_modified"]) == (2, 1, 3)


#: Article pages with no headline at all (no <title>, no <h1>, no metadata): the feed lists the
#: first, the news sitemap the second, nothing but the home page the third.
_UNTITLED = {
    "night-ferries-return": "The night ferries return next week after repairs to the pier.",
    "quay-repairs-finish": "Work on the north quay ended two weeks ahead of the schedule.",
    "old-pier-closes": "The old pier will close to walkers while engineers check its beams.",
}


def _atom_and_index_routes(base: str, *, untitled: bool = False) -> dict[str, Route]:
    """A site discovered through an Atom feed and a sitemap index of a gzipped news sitemap;
    its article pages carry no date of their own. ``untitled``: three more article pages
    without any headline (:data:`_UNTITLED`)."""
    texts = {
        1: "The harbour board met on Tuesday to discuss the new ferry timetable for winter.",
        2: "Fishermen protested outside the town hall against the planned quota reductions.",
        3: "A storm damaged the old lighthouse, and volunteers started repairs on Sunday.",
    }

    def page(n: int, title: str) -> Route:
        body = "".join(f"<p>{title}, part {i}. {texts[n]}</p>" for i in range(1, 9))
        return Route.html(
            f"<html><head><title>{title} | Atom Times</title></head><body><article>"
            f"<h1>{title}</h1>{body}</article></body></html>"
        )

    atom = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom Times</title><id>urn:atom-times</id><updated>2026-12-01T10:00:00Z</updated>"
        + "".join(
            f'<entry><title>Ferry story {n}</title><link href="{base}/news/ferry-{n}.html"/>'
            f"<id>urn:ferry-{n}</id><published>2026-12-01T0{n}:15:00+02:00</published>"
            f"<updated>2026-12-01T0{n}:30:00+02:00</updated></entry>"
            for n in (1, 2)
        )
        + (
            f'<entry><title>Night ferries return</title><link href="{base}/news/'
            'night-ferries-return.html"/><id>urn:night</id>'
            "<published>2026-12-01T06:00:00+02:00</published></entry>"
            if untitled
            else ""
        )
        + "</feed>"
    )
    ns = (
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    )
    index = (
        f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>{base}/sitemaps/news-1.xml.gz'
        "</loc></sitemap></sitemapindex>"
    )
    child = (
        f'<?xml version="1.0"?><urlset {ns}><url><loc>{base}/news/harbour-3.html</loc>'
        "<news:news><news:publication><news:name>Atom Times</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-11-30T18:00:00-05:00</news:publication_date>"
        "<news:title>Harbour story 3</news:title></news:news></url>"
        + (
            f"<url><loc>{base}/news/quay-repairs-finish.html</loc><news:news><news:publication>"
            "<news:name>Atom Times</news:name><news:language>en</news:language>"
            "</news:publication><news:publication_date>2026-11-29T09:00:00Z"
            "</news:publication_date><news:title>Quay repairs finish early</news:title>"
            "</news:news></url>"
            if untitled
            else ""
        )
        + "</urlset>"
    )
    home = (
        "<html><body><h1>Atom Times</h1>"
        + "<p>Harbour news.</p>" * 30
        + "<a href='/news/gone.html'>An old story</a> <a href='/news/blank.html'>Live</a>"
        + (" <a href='/news/old-pier-closes.html'>Pier</a>" if untitled else "")
        + "</body></html>"
    )
    gone = (  # a removed article, answered 200 as a friendly "not found" page
        "<html><head><title>Page not found | Atom Times</title></head><body>"
        "<h1>Page not found</h1><p>Sorry, this story has moved or no longer exists.</p>"
        "</body></html>"
    )
    untitled_pages = {
        f"/news/{slug}.html": Route.html(
            "<html><body><article>"
            + "".join(
                f"<p>Part {i}: {text} Residents were told more at the meeting.</p>"
                for i in range(1, 9)
            )
            + "</article></body></html>"
        )
        for slug, text in _UNTITLED.items()
    }
    return {
        **(untitled_pages if untitled else {}),
        "/robots.txt": Route.text("User-agent: *\nAllow: /\n"),
        "/": Route.html(home),
        "/atom.xml": Route.content(atom, "application/atom+xml"),
        "/sitemap-index.xml": Route.content(index, "application/xml"),
        "/sitemaps/news-1.xml.gz": Route(
            200,
            {"Content-Type": "application/x-gzip"},
            gzip.compress(child.encode()),
            compress=False,
        ),
        "/news/ferry-1.html": page(1, "Ferry story 1"),
        "/news/ferry-2.html": page(2, "Ferry story 2"),
        "/news/harbour-3.html": page(3, "Harbour story 3"),
        "/news/gone.html": Route.html(gone),
        "/news/blank.html": Route.html("<html><body><div id='app'></div></body></html>"),
    }


@pytest.mark.slow
def test_an_atom_feed_and_a_sitemap_index_are_followed_and_every_page_is_classified(
    tmp_path: Path,
) -> None:
    with SiteServer() as server:
        base = server.base_url
        server.routes = _atom_and_index_routes(base)
        jobs = _jobs(
            tmp_path,
            [
                {
                    "name": "atom",
                    "start_urls": [f"{base}/"],
                    "feeds": [f"{base}/atom.xml"],
                    "sitemaps": [f"{base}/sitemap-index.xml"],
                }
            ],
        )
        run = run_newsarc("run", str(jobs), timeout=120)
        paths = server.requested_paths
    assert run.returncode == 0, run.stderr
    assert paths.count("/sitemaps/news-1.xml.gz") == 1  # the index's child, once
    (crawl_dir,) = _crawl_dirs(tmp_path / "data", "atom")
    articles = {a["url"].rsplit("/", 1)[1]: a for a in _articles(crawl_dir)}
    assert set(articles) == {"ferry-1.html", "ferry-2.html", "harbour-3.html"}
    # The pages have no date: the Atom entry's <published> and the news sitemap's date fill it.
    assert articles["ferry-1.html"]["published_at"] == "2026-12-01T01:15:00+02:00"
    assert "published_from_feed" in articles["ferry-1.html"]["flags"]
    assert articles["harbour-3.html"]["published_at"] == "2026-11-30T18:00:00-05:00"
    assert "published_from_sitemap" in articles["harbour-3.html"]["flags"]
    line = _reports(tmp_path / "data")[-1]["sites"][0]
    assert (line["feeds"], line["sitemaps"]) == (1, 2)  # the index and its child
    assert line["errors"] == {}
    # Every page classified before extraction, the classes counted; the soft 404 and the empty
    # page give no article (and do not fail the site).
    assert line["health"] == {"ok": 4, "soft_404": 1, "empty": 1}
    assert line["status"] == "ok" and line["articles"] == 3


@pytest.mark.slow
def test_a_page_without_a_headline_gets_its_feed_or_sitemap_title_and_reextraction_agrees(
    tmp_path: Path,
) -> None:
    with SiteServer() as server:
        base = server.base_url
        server.routes = _atom_and_index_routes(base, untitled=True)
        site = {
            "name": "atom",
            "start_urls": [f"{base}/"],
            "feeds": [f"{base}/atom.xml"],
            "sitemaps": [f"{base}/sitemap-index.xml"],
            # Small WARC files: the feed, the sitemaps and the pages they list end up in
            # different files, for newsarc extract to read in parallel.
            "settings": {"WARC_MAX_FILE_SIZE": 2048},
        }
        run = run_newsarc("run", str(_jobs(tmp_path, [site])), timeout=120)
    assert run.returncode == 0, run.stderr
    (crawl_dir,) = _crawl_dirs(tmp_path / "data", "atom")
    articles = {a["url"].rsplit("/", 1)[1]: a for a in _articles(crawl_dir)}
    # The feed's entry title and the news sitemap's <news:title> make them articles ...
    night = articles["night-ferries-return.html"]
    assert night["title"] == "Night ferries return"
    assert {"title_from_feed", "published_from_feed"} <= set(night["flags"])
    assert night["published_at"] == "2026-12-01T06:00:00+02:00"
    quay = articles["quay-repairs-finish.html"]
    assert quay["title"] == "Quay repairs finish early"
    assert {"title_from_sitemap", "published_from_sitemap"} <= set(quay["flags"])
    assert "Work on the north quay" in quay["text"]
    assert not any("no_headline" in a["flags"] for a in articles.values())
    # ... the page nothing lists stays without an article, counted by its reason.
    assert "old-pier-closes.html" not in articles
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "'extract/news/no_article/article_like_text_but_no_headline_found': 1" in log
    assert "'discovery/filled/title': 2" in log
    assert set(articles) == {
        "ferry-1.html",
        "ferry-2.html",
        "harbour-3.html",
        "night-ferries-return.html",
        "quay-repairs-finish.html",
    }

    # newsarc extract over the run's WARCs reads the archived feed and sitemaps: the same
    # articles, titles and all, whether one process reads the files or three.
    warcs = sorted(str(p) for p in (crawl_dir / "warc").glob("*.warc.gz"))
    assert len(warcs) > 3
    key = lambda item: json.dumps(item, sort_keys=True)  # noqa: E731
    outputs = []
    for jobs in ("1", "3"):
        profile = str(tmp_path / "changing.yaml")  # the jobs file's default profile
        extract = run_newsarc("extract", "--profile", profile, "-j", jobs, *warcs)
        assert extract.returncode == 0, extract.stderr
        outputs.append([json.loads(line) for line in extract.stdout.splitlines()])
    assert outputs[0] == outputs[1]
    again = [i for i in outputs[0] if i["type"] == "article"]
    assert sorted(map(key, again)) == sorted(map(key, articles.values()))


@pytest.mark.slow
def test_a_site_stopped_by_its_time_budget_succeeds_and_the_next_run_fetches_the_rest(
    tmp_path: Path,
) -> None:
    site = ChangingSite(slow=1.0)  # 8 articles at a second each: far beyond a 3 s budget
    with SiteServer(site.handle) as server:
        settings = {**FAST, "CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(tmp_path, [_site(server, settings=settings, limits={"time": "3s"})])
        first = run_newsarc("run", str(jobs), timeout=120)
        fetched_first = ChangingSite.article_requests(server.requested_paths)
        site.slow = 0.0
        server.clear_requests()
        second = run_newsarc("run", str(jobs), timeout=120)
        fetched_second = ChangingSite.article_requests(server.requested_paths)
    # Within its budget, as asked: a success, with a warning (on stderr, so cron mails it).
    assert first.returncode == 0, first.stderr
    assert "time_budget_reached" in first.stderr
    one, two = (r["sites"][0] for r in _reports(tmp_path / "data"))
    assert one["status"] == "ok" and one["finish_reason"] == "closespider_timeout"
    assert one["warnings"][0].startswith("time_budget_reached: ")
    assert 0 < len(fetched_first) < 8
    # The next run fetches the articles the budget left out, and none of the others.
    assert second.returncode == 0, second.stderr
    assert set(fetched_second) == set(range(1, 9)) - set(fetched_first)
    assert two["status"] == "ok" and two["warnings"] == []


@pytest.mark.slow
def test_limits_depth_0_lifts_the_depth_limit_and_no_depth_keeps_the_default(
    tmp_path: Path,
) -> None:
    """A chain of 21 pages, each linking to the next: depth 0 follows all of it; without
    ``limits.depth`` the settings' DEPTH_LIMIT (16) stops after page 16."""

    def page(n: int) -> Route:
        more = f"<a href='/p/{n + 1}'>next</a>" if n < 20 else ""
        return Route.html(f"<html><body><h1>Page {n}</h1>{more}</body></html>")

    chain = {f"/p/{n}": page(n) for n in range(21)}
    fetched = {}
    for name, limits in (("deep", {"depth": 0}), ("default", {})):
        with SiteServer() as server:
            server.routes = {"/robots.txt": Route.text("User-agent: *\nAllow: /\n"), **chain}
            site = {"name": name, "start_urls": [server.url("/p/0")], "limits": limits}
            (tmp_path / name).mkdir()
            run = run_newsarc("run", str(_jobs(tmp_path / name, [site])), timeout=120)
            # The pages give no items (exit 1, "dropped to zero"); only the requests matter.
            assert f"{name}  failed      " in run.stderr, run.stderr
            fetched[name] = {p for p in server.requested_paths if p.startswith("/p/")}
    assert fetched["deep"] == set(chain)
    assert fetched["default"] == {f"/p/{n}" for n in range(17)}


@pytest.mark.slow
def test_validators_are_not_trusted_alone_the_digest_decides(tmp_path: Path) -> None:
    """A server that keeps each article's ETag whatever its content, and ignores
    If-None-Match: the edited article (same ETag) is a new capture, the touched one (same
    content, 200) is counted unchanged."""
    site = ChangingSite()
    site.sticky_etags = True
    site.honours_validators = False
    with SiteServer(site.handle) as server:
        jobs = _jobs(tmp_path, [_site(server)])
        first = run_newsarc("run", str(jobs), timeout=120)
        assert first.returncode == 0, first.stderr
        site.advance()
        server.clear_requests()
        second = run_newsarc("run", str(jobs), timeout=120)
        assert second.returncode == 0, second.stderr
        requests = {
            r.path.rsplit("/", 1)[1]: r.headers.get("If-None-Match")
            for r in server.requests
            if "story-" in r.path
        }
    # Asked for with the (sticky) ETag it had, as before; answered 200 both times.
    assert requests == {
        "story-2.html": '"story-2"',
        "story-6.html": '"story-6"',
        "story-9.html": None,
        "story-10.html": None,
    }
    line = _reports(tmp_path / "data")[-1]["sites"][0]
    assert (line["new"], line["changed"], line["unchanged"], line["not_modified"]) == (2, 1, 1, 0)
    latest = _crawl_dirs(tmp_path / "data")[-1]
    captured = {a["url"].rsplit("/", 1)[1]: a for a in _articles(latest)}
    assert "(updated)" in captured["story-2.html"]["text"]  # the edit, despite its old ETag
