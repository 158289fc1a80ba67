"""``newsarc run`` under pressure (crawler/middlewares/polite.py in whole runs): a site that
refuses every page is stopped early and named, and a robots.txt ``Crawl-delay`` above the cap is
honoured up to the cap. Both sites run in one job, side by side; the servers count and time the
requests."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import run_newsarc
from tests.run.test_run import FAST, _crawl_dirs, _jobs, _reports, _site
from tests.sites.changing_site import ChangingSite

_MAX_REFUSALS = 3
_DELAY_CAP = 0.5
_XML = ("/robots.txt", "/rss.xml", "/stale.xml", "/sitemap-news.xml")


@pytest.mark.slow
def test_a_refusing_site_is_stopped_and_a_crawl_delay_is_capped(tmp_path: Path) -> None:
    refusing = ChangingSite()
    refusing.mode = "refuse"  # 503 on every HTML page
    refusing.throttle_after = 0  # Retry-After: 0, so only the refusal cut-off can stop it soon
    delayed = ChangingSite(n=3)
    delayed.crawl_delay = 30.0  # far above the cap: the cap must apply
    with SiteServer(refusing.handle) as refusing_server, SiteServer(delayed.handle) as slow_server:
        sequential = {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        jobs = _jobs(
            tmp_path,
            [
                _site(
                    refusing_server,
                    "refusing",
                    settings={**sequential, "POLITE_MAX_REFUSALS": _MAX_REFUSALS},
                ),
                _site(
                    slow_server, "delayed", settings={**sequential, "POLITE_CRAWL_DELAY_MAX": 0.5}
                ),
            ],
            parallel=2,
        )
        run = run_newsarc("run", str(jobs), timeout=170)
        pages = [p for p in refusing_server.requested_paths if p not in _XML]
        delayed_times = list(delayed.request_times)
    assert run.returncode == 1, run.stderr
    sites = {s["name"]: s for s in _reports(tmp_path / "data")[-1]["sites"]}

    # Refusing: stopped after POLITE_MAX_REFUSALS refusals in a row, named in the report and on
    # stderr. Scrapy's own retries alone would ask for each of its ~10 pages three times.
    refused = sites["refusing"]
    assert refused["status"] == "failed", refused
    assert any("kept refusing" in p for p in refused["problems"]), refused["problems"]
    assert refused["finish_reason"] == "site_refusing"
    # One request at a time: the refusals, plus at most one more sent before the host was given
    # up (a retry already on its way); no request queued for the host is sent after that, on
    # a busy machine too. (Before the queued ones were failed: 12 requests; before feeds and
    # sitemaps stopped resetting the count of refusals in a row: 14; before refusals were
    # counted at response_downloaded, a loaded machine sent all 12 before the count arrived.)
    assert _MAX_REFUSALS <= len(pages) <= _MAX_REFUSALS + 1, pages
    assert refused["errors"].get("refused_429_503") == len(pages)
    assert "refusing" in run.stderr and "kept refusing" in run.stderr

    # Delayed: Crawl-delay 30 capped at 0.5 s: requests at least that far apart, none near 30 s.
    assert sites["delayed"]["status"] == "ok", sites["delayed"]
    gaps = [b - a for a, b in itertools.pairwise(delayed_times)]
    assert len(gaps) >= 6, gaps
    assert min(gaps) >= _DELAY_CAP - 0.05, gaps
    assert max(gaps) < 10, gaps  # the cap, not the 30 s robots.txt asked for
    (crawl_dir,) = _crawl_dirs(tmp_path / "data", "delayed")
    log = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "Crawl-delay 30.0 s; capped at 0.5 s" in log, log[-2000:]


@pytest.mark.slow
def test_a_503_asking_for_an_hour_is_waited_for_only_up_to_the_cap(tmp_path: Path) -> None:
    site = ChangingSite(n=3)
    site.throttle_count = 1
    site.throttle_status = 503
    site.throttle_after = 3600  # an hour: far beyond the cap
    with SiteServer(site.handle) as server:
        settings = {
            **FAST,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "POLITE_RETRY_AFTER_MAX": 1.5,
            # Scrapy 2.19 starts every queued request of a slot at once when its delay is 0
            # (README, "Politeness"), so one could reach the server just after the 503.
            "DOWNLOAD_DELAY": 0.05,
        }
        jobs = _jobs(tmp_path, [_site(server, "unavailable", settings=settings)])
        run = run_newsarc("run", str(jobs), timeout=120)
        refused = list(site.refused_times)
        times = list(site.request_times)
    assert run.returncode == 0, run.stderr
    line = _reports(tmp_path / "data")[-1]["sites"][0]
    assert line["status"] == "ok" and line["errors"].get("refused_429_503") == 1
    assert line["articles"] == 3  # the refused article was fetched again after the wait
    (when,) = refused
    later = [t for t in times if t > when + 0.01]
    # The host waits the cap (1.5 s), not the hour it asked for, then gets the rest.
    assert later and 1.4 <= later[0] - when < 10, (when, later)
