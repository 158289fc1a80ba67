"""SSRF by host name, end to end: a stub DNS server answers for the site, a canary listens on
a loopback address the crawl was not started on and must receive nothing.

The crawl resolves through the stub (``NEWSARC_DNS_SERVERS``). The site is ``site.test`` on
127.0.0.1; the canary is on 127.0.0.2, same port. An on-site name (``news.site.test``: the
offsite filter lets it through, so only the resolver's check can stop it) resolves to the
canary; and ``site.test`` itself rebinds to the canary after its first answers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import run_newsarc
from tests.dns_server import StubDNS

SITE_IP, CANARY_IP = "127.0.0.1", "127.0.0.2"
ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
BROWSER = "/usr/bin/chromium"
BROWSER_PARAM = pytest.param(True, marks=[pytest.mark.browser, pytest.mark.slow])


def _page(body: str) -> Route:
    html = f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"
    # One connection per request: each one makes the crawl (or its browser) resolve again.
    headers = {"Content-Type": "text/html; charset=utf-8", "Connection": "close"}
    return Route(200, headers, html.encode())


def _routes(port: int, pages: int) -> dict[str, Route]:
    links = "".join(f'<a href="/p{i}.html">{i}</a> ' for i in range(pages))
    links += f'<a href="http://news.site.test:{port}/secret.html">news</a>'
    routes = {"/robots.txt": ROBOTS, "/": _page(f"<p>home</p>{links}")}
    routes |= {f"/p{i}.html": _page(f"<p>page {i}</p>") for i in range(pages)}
    return routes


def _crawl(dns: StubDNS, port: int, out: Path, *extra: str) -> None:
    run = run_newsarc(
        "crawl", f"http://site.test:{port}/", "--out", str(out),
        "-s", f"NEWSARC_DNS_SERVERS={dns.server}",
        "-s", "DNSCACHE_ENABLED=False",  # every connection asks the stub again
        *extra,
    )  # fmt: skip
    log = (run.crawl_dir(out) / "logs" / "crawl.log").read_text()
    assert "blocked_ip" in log or "Refused" in log, run.stderr


@pytest.mark.parametrize("render", [False, BROWSER_PARAM], ids=["plain", "browser"])
def test_an_on_site_name_resolving_to_another_loopback_address_is_refused(
    render: bool, tmp_path: Path
) -> None:
    if render and not os.path.exists(BROWSER):
        pytest.skip(f"{BROWSER} is not installed")
    with SiteServer(host=SITE_IP) as site:
        site.routes = _routes(site.port, pages=2)
        with (
            SiteServer({"/": _page("canary")}, host=CANARY_IP, port=site.port) as canary,
            StubDNS({"site.test": SITE_IP, "news.site.test": CANARY_IP}) as dns,
        ):
            canary.routes = {"/secret.html": _page("canary"), "/": _page("canary")}
            _crawl(dns, site.port, tmp_path, *(["--render"] if render else []))
        fetched = site.requested_paths
    assert canary.requests == [], "the canary must receive nothing"
    assert "/p0.html" in fetched, f"the site was not crawled through the stub DNS: {fetched}"
    assert "news.site.test" in dns.queries, "the link never reached the resolver"


@pytest.mark.parametrize("render", [False, BROWSER_PARAM], ids=["plain", "browser"])
def test_a_start_host_rebinding_to_another_address_is_refused(render: bool, tmp_path: Path) -> None:
    if render and not os.path.exists(BROWSER):
        pytest.skip(f"{BROWSER} is not installed")
    with SiteServer(host=SITE_IP) as site:
        site.routes = _routes(site.port, pages=6)

        def rebinding(asked_before: int) -> str:
            return SITE_IP if asked_before < 2 else CANARY_IP

        with (
            SiteServer({"/": _page("canary")}, host=CANARY_IP, port=site.port) as canary,
            StubDNS({"site.test": rebinding, "news.site.test": CANARY_IP}) as dns,
        ):
            canary.routes = {f"/p{i}.html": _page("canary") for i in range(6)}
            _crawl(dns, site.port, tmp_path, *(["--render"] if render else []))
        fetched = site.requested_paths
    assert canary.requests == [], "the canary must receive nothing"
    assert "/" in fetched, fetched
    assert dns.queries.count("site.test") > 2, "the rebinding answer was never given"


def test_a_proxy_in_the_environment_does_not_bypass_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy resolves the names it is given itself, past the resolver's check: the crawl
    does not take one from the environment."""
    with SiteServer(host=SITE_IP) as site, SiteServer(host=CANARY_IP) as proxy:
        site.routes = _routes(site.port, pages=1)
        proxy.routes = {}  # any request at all is a failure
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, proxy.base_url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        with StubDNS({"site.test": SITE_IP, "news.site.test": CANARY_IP}) as dns:
            # The proxy itself is reachable, as a real one on a public address would be.
            _crawl(
                dns, site.port, tmp_path, "-s", f"NEWSARC_ALLOWED_HOSTS={CANARY_IP}:{proxy.port}"
            )
        fetched = site.requested_paths
    assert proxy.requests == [], "the crawl went through the proxy from the environment"
    assert "/p0.html" in fetched, fetched
