"""The browser must not reach loopback/private addresses that are not the crawl's own targets.

The crawled site is on 127.0.0.1:A (allowed: it is the start URL). Its page makes the browser
try a second local server, 127.0.0.1:B: a script ``fetch`` to the IP literal (refused by
Playwright routing), an iframe through the host name ``localhost`` and a ``fetch`` that the site
*redirects* to B (both refused by the egress proxy at connection time: routing never sees
redirect targets, and chromium resolves names itself). B is a canary: it must see no request at
all, unless it is allowed with ``NEWSARC_ALLOWED_HOSTS`` (the control that shows the test can
fail). Nothing about B may end up in the WARC.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_newsarc
from tests.render.conftest import crawl_stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]


_CANARY = {
    "/secret.json": Route.content("{}", "application/json"),
    "/redirected": Route.content("{}", "application/json"),
}


def _site(canary: SiteServer) -> dict[str, Route]:
    page = f"""<html><head><title>Page that reaches inside</title></head><body>
<p>{"A page whose scripts try to reach a service on the crawler's own network. " * 4}</p>
<iframe src="http://localhost:{canary.port}/frame.html"></iframe>
<script>fetch('{canary.url("/secret.json")}').catch(() => null);</script>
<a href="/redirecting.html">More</a>
</body></html>"""
    redirecting = """<html><body><p>Redirecting fetch</p>
<script>fetch('/go').catch(() => null);</script></body></html>"""
    return {
        "/": Route.html(page),
        "/redirecting.html": Route.html(redirecting),
        "/go": Route.redirect(canary.url("/redirected")),
        "/robots.txt": Route.text("User-agent: *\n"),
    }


def test_browser_cannot_reach_other_local_services(tmp_path: Path) -> None:
    with SiteServer(_CANARY) as canary:
        with SiteServer(_site(canary)) as site:
            run = run_newsarc(
                "crawl", site.url("/"), "--out", str(tmp_path), "--render", "always",
                "-s", "RENDER_SETTLE_TIMEOUT=1",
            )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert canary.requested_paths == []
        canary_url, port = canary.base_url, canary.port
    crawl_dir = run.crawl_dir(tmp_path)
    stats = crawl_stats(crawl_dir)
    # The fetch to the IP literal is refused by routing; the iframe (by name) and the
    # redirected fetch by the egress proxy, at connection time.
    assert stats["render/ssrf_blocked"] >= 3
    assert stats["render/ssrf_blocked/egress"] >= 2
    log = (crawl_dir / "logs" / "crawl.log").read_text()
    assert f"Browser request refused: {canary_url}/secret.json" in log
    assert f"Browser connection refused: localhost:{port}" in log
    assert f"Browser connection refused: 127.0.0.1:{port}" in log
    uris = set()
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            uris |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)}
    assert not [uri for uri in uris if uri and uri.startswith(canary_url)]


def test_allowed_hosts_let_the_browser_through(tmp_path: Path) -> None:
    with SiteServer(_CANARY) as canary:
        with SiteServer(_site(canary)) as site:
            allowed = f"127.0.0.1:{canary.port},localhost:{canary.port}"
            run = run_newsarc(
                "crawl", site.url("/"), "--out", str(tmp_path), "--render", "always",
                "-s", "RENDER_SETTLE_TIMEOUT=1", "-s", f"NEWSARC_ALLOWED_HOSTS={allowed}",
            )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert sorted(canary.requested_paths) == ["/frame.html", "/redirected", "/secret.json"]
