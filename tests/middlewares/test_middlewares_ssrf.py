"""The SSRF guard: private, loopback and link-local destinations are refused unless allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import dnscache
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.demo.server import Route, SiteServer
from crawler.middlewares.ssrf import (
    AllowList,
    BlockedAddress,
    GuardedResolver,
    SsrfGuardMiddleware,
    check_guard_wiring,
    installed_resolver_setting,
    is_forbidden_address,
    parse_ip,
)
from tests.conftest import run_newsarc

FORBIDDEN = [
    "127.0.0.1",
    "[::1]",
    "169.254.169.254",
    "10.0.0.1",
    "2130706433",
    "0x7f.1",
    "[::ffff:127.0.0.1]",
    "192.168.1.20",
    "172.16.5.4",
    "0.0.0.0",
    "[fe80::1]",
    # Not globally routable unicast, though not "private" in every sense of the word:
    "100.64.0.1",  # shared address space (RFC 6598)
    "100.100.100.200",  # a cloud metadata service lives here
    "[2002:7f00:1::1]",  # 6to4, embedding 127.0.0.1
    "[2002::1]",
    "[fec0::1]",  # deprecated site-local
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[::7f00:1]",  # IPv4-compatible 127.0.0.1
    "192.0.0.8",  # IETF protocol assignments
    "192.88.99.1",  # 6to4 relay anycast
    "198.18.0.1",  # benchmarking
    "[2001:db8::1]",  # documentation
    "240.0.0.1",  # reserved
    "224.0.0.1",  # multicast
    "[ff02::1]",
    "[ff0e::1]",  # global-scope multicast
    "255.255.255.255",
]
PUBLIC = [
    "93.184.216.34",
    "[2606:2800:220:1:248:1893:25c8:1946]",
    "[::ffff:93.184.216.34]",
    "example.com",
]


@pytest.mark.parametrize("host", FORBIDDEN)
def test_forbidden_literals_are_recognised(host: str) -> None:
    address = parse_ip(host)
    assert address is not None
    assert is_forbidden_address(address)


@pytest.mark.parametrize("host", PUBLIC)
def test_public_hosts_pass(host: str) -> None:
    address = parse_ip(host)
    assert address is None or not is_forbidden_address(address)


def _middleware(start_urls: list[str], allowed: list[str] | None = None) -> SsrfGuardMiddleware:
    crawler = get_crawler(
        Spider,
        settings_dict={"NEWSARC_SSRF_GUARD_ENABLED": True, "NEWSARC_ALLOWED_HOSTS": allowed or []},
    )
    crawler.spider = Spider.from_crawler(crawler, name="t", start_urls=start_urls)
    crawler.stats.open_spider()
    return build_from_crawler(SsrfGuardMiddleware, crawler)


@pytest.mark.parametrize("host", FORBIDDEN)
def test_requests_to_forbidden_addresses_are_refused(host: str) -> None:
    middleware = _middleware(["https://news.example/"])
    with pytest.raises(IgnoreRequest, match="blocked_ip"):
        middleware.process_request(Request(f"http://{host}/latest/meta-data/"))
    assert middleware.crawler.stats.get_value("ssrf/blocked") == 1


def test_the_crawls_own_loopback_target_is_allowed_but_not_other_ports() -> None:
    middleware = _middleware(["http://127.0.0.1:8123/"])
    middleware.process_request(Request("http://127.0.0.1:8123/world/"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://127.0.0.1:6379/"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://169.254.169.254/"))


def test_allow_list_setting_adds_hosts() -> None:
    middleware = _middleware(["https://news.example/"], allowed=["10.1.2.3", "127.0.0.1:9000"])
    middleware.process_request(Request("http://10.1.2.3:8080/"))
    middleware.process_request(Request("http://127.0.0.1:9000/"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://127.0.0.1:9001/"))


def test_non_http_schemes_are_refused() -> None:
    middleware = _middleware(["https://news.example/"])
    for url in ("file:///etc/hostname", "ftp://news.example/x", "data:text/html,hi"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))


def test_allow_list_hosts() -> None:
    allow = AllowList.build(["http://LocalHost:8000/"], ["internal.example"])
    assert allow.allows_host("localhost")
    assert allow.allows("localhost", 8000)
    assert not allow.allows("localhost", 8001)
    assert allow.allows("internal.example", 1234)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("TWISTED_DNS_RESOLVER=scrapy.resolver.CachingThreadedResolver", "TWISTED_DNS_RESOLVER"),
        # Scrapy's deprecated DNS_RESOLVER, set above the default priority, outranks
        # TWISTED_DNS_RESOLVER: the check reads the one Scrapy will install.
        ("DNS_RESOLVER=scrapy.resolver.CachingThreadedResolver", "DNS_RESOLVER"),
        (
            'DOWNLOADER_MIDDLEWARES={"crawler.middlewares.ssrf.SsrfGuardMiddleware": null}',
            "SsrfGuardMiddleware",
        ),
    ],
    ids=["plain-resolver", "deprecated-dns-resolver", "middleware-removed"],
)
def test_a_guard_that_is_on_but_not_in_place_stops_the_crawl_before_it_starts(
    tmp_path: Path, override: str, named: str
) -> None:
    """RELIABILITY.md B12: settings that leave a layer of the SSRF guard out while
    NEWSARC_SSRF_GUARD_ENABLED says it is on are one line, exit 2, nothing fetched or written;
    with the guard turned off explicitly the same settings are accepted."""
    out = tmp_path / "out"
    with SiteServer(
        {"/robots.txt": Route.text("User-agent: *\n"), "/": Route.html("<p>x</p>")}
    ) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(out), "-s", override)
        assert run.returncode == 2, run.stdout + run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith("newsarc: error: ") and named in line and "SSRF" in line, line
        assert not out.exists() and site.requests == []
        off = run_newsarc(
            "crawl", site.url("/"), "--out", str(out), "-s", override,
            "-s", "NEWSARC_SSRF_GUARD_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False",
        )  # fmt: skip
    assert off.returncode == 0, off.stdout + off.stderr


def test_the_shipped_settings_have_the_guard_in_place() -> None:
    settings = Settings()
    settings.setmodule("settings.production")
    check_guard_wiring(settings)  # raises if either layer is missing


def test_the_resolver_checked_is_the_one_scrapy_installs() -> None:
    """Scrapy 2.19's rule (``CrawlerProcess._setup_reactor``): DNS_RESOLVER set above the
    default priority wins unless TWISTED_DNS_RESOLVER is set at a higher one."""
    plain = "scrapy.resolver.CachingThreadedResolver"
    guarded = "crawler.middlewares.ssrf.GuardedResolver"
    settings = Settings()
    settings.setmodule("settings.production", priority="project")
    assert installed_resolver_setting(settings) == ("TWISTED_DNS_RESOLVER", guarded)
    settings.set("DNS_RESOLVER", plain, priority="cmdline")
    assert installed_resolver_setting(settings) == ("DNS_RESOLVER", plain)
    with pytest.raises(ValueError, match=r"^DNS_RESOLVER='scrapy\.resolver\.Caching.*SSRF"):
        check_guard_wiring(settings)
    settings.set("DNS_RESOLVER", guarded, priority="cmdline")  # the guard under the old name
    check_guard_wiring(settings)
    settings.set("TWISTED_DNS_RESOLVER", guarded, priority=50)  # above cmdline: it wins again
    assert installed_resolver_setting(settings) == ("TWISTED_DNS_RESOLVER", guarded)
    check_guard_wiring(settings)
    equal = Settings()
    equal.setmodule("settings.production", priority="project")
    equal.set("DNS_RESOLVER", plain, priority="project")  # equal priority: DNS_RESOLVER wins
    assert installed_resolver_setting(equal) == ("DNS_RESOLVER", plain)


def test_a_guard_that_lets_the_start_up_canary_through_stops_the_crawl_before_any_fetch(
    tmp_path: Path,
) -> None:
    """RELIABILITY.md B12: at start the guard is asked about an address it must refuse (an IP
    literal, so nothing is looked up or connected to); a guard that lets it through stops the
    crawl before its first request, exit 2, with one error line naming the resolver."""
    out = tmp_path / "out"
    with SiteServer(
        {"/robots.txt": Route.text("User-agent: *\n"), "/": Route.html("<p>x</p>")}
    ) as site:
        # A component that installs another resolver on the reactor once the crawl runs: no
        # settings check sees it (tests/middlewares/resolver_swap.py, ordered before the canary).
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(out),
            "--settings", "tests.middlewares.settings_resolver_swap",
        )  # fmt: skip
        assert site.requests == [], "nothing was fetched"
        good = run_newsarc("crawl", site.url("/"), "--out", str(tmp_path / "good"))
    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("newsarc: error: ")]
    assert len(errors) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "SSRF guard" in errors[0] and "CachingThreadedResolver" in errors[0], errors[0]
    assert "169.254.169.254" in errors[0], errors[0]
    assert not list(out.glob("*/warc/*.warc.gz")), "no WARC file"
    assert good.returncode == 0, good.stdout + good.stderr


def test_a_crawls_allow_list_is_built_once_for_its_dns_answers() -> None:
    """L3: with 5,000 allowed hosts the resolver rebuilt the allow list for every DNS answer,
    which held the reactor for seconds (bench/soak.py --hosts 5000: lag p99 33 s); it is built
    once the spider exists, and still pins each name to its first address."""
    names = [f"h{k}.many.test:8000" for k in range(5000)]
    crawler = get_crawler(Spider, settings_dict={"NEWSARC_ALLOWED_HOSTS": names})
    resolver = GuardedResolver(None, dnscache.limit, 5.0, owner=crawler)  # type: ignore[arg-type]
    before = resolver._allow_list(crawler)  # no spider yet: not kept (start URLs unknown)
    assert resolver._allow_list(crawler) is not before
    crawler.spider = Spider("many", start_urls=["http://many.test:8000/"])
    assert resolver._check("127.0.0.5", "h4999.many.test") == "127.0.0.5"
    assert resolver._allow_list(crawler) is resolver._allow_list(crawler)
    assert resolver._allow_list(crawler).allows_host("many.test")
    with pytest.raises(BlockedAddress, match="resolved to"):
        resolver._check("127.0.0.6", "h4999.many.test")  # rebinding: refused
    with pytest.raises(BlockedAddress, match="not globally routable"):
        resolver._check("127.0.0.5", "other.test")


def test_a_pinned_name_keeps_one_address_and_is_pinned_once() -> None:
    """L3: a crawl of thousands of allowed hosts keeps one pin each for the whole crawl: the
    address itself (not a set around it), and one entry per name however often it resolves."""
    names = [f"h{k}.many.test:8000" for k in range(300)]
    crawler = get_crawler(Spider, settings_dict={"NEWSARC_ALLOWED_HOSTS": names})
    crawler.spider = Spider("many", start_urls=["http://many.test:8000/"])
    resolver = GuardedResolver(None, dnscache.limit, 5.0, owner=crawler)  # type: ignore[arg-type]
    for _ in range(3):
        for k in range(300):
            assert (
                resolver._check(f"127.0.0.{1 + k % 8}", f"H{k}.many.test") == f"127.0.0.{1 + k % 8}"
            )
    assert len(resolver.pinned) == 300
    assert resolver.pinned["h299.many.test"] == parse_ip("127.0.0.4")
    with pytest.raises(
        BlockedAddress, match=r"resolved to 127\.0\.0\.4 before, now to 127\.0\.0\.5"
    ):
        resolver._check("127.0.0.5", "h299.many.test")
