"""Refuse requests to any address that is not globally routable unicast (SSRF guard).

A news page can link or redirect anywhere, including ``http://169.254.169.254/`` or a service on
``127.0.0.1``; a crawler that follows such links leaks internal data into its WARC files. Two
layers keep it out:

* :class:`SsrfGuardMiddleware` checks every request that reaches the downloader, redirects
  included, whose host is an IP literal (also legacy forms such as ``2130706433`` or ``0x7f.1``,
  which ``inet_aton`` accepts).
* :class:`GuardedResolver` checks what a host name resolves to, at connection time, so a name
  that points at a private address is refused too.

:func:`check_guard_wiring` refuses, before a crawl starts, settings that would leave either
layer out while ``NEWSARC_SSRF_GUARD_ENABLED`` says the guard is on (another
``TWISTED_DNS_RESOLVER``, the middleware removed from ``DOWNLOADER_MIDDLEWARES``): a guard
that is on must be in place. :class:`SsrfCanaryExtension` then checks that it works: when the
spider opens, before any request, both layers are asked about an address they must refuse (no
connection is made: an IP literal is "resolved" without a lookup), and a guard that lets it pass
stops the crawl (finish reason ``ssrf_guard_failed``; ``newsarc crawl`` exits 2). The wiring
check reads the resolver setting Scrapy will use (its deprecated ``DNS_RESOLVER`` outranks
``TWISTED_DNS_RESOLVER`` when set above the default priority:
:func:`installed_resolver_setting`); the canary catches what settings cannot show, such as a
resolver replaced on the reactor by another component.

Destinations are allowed when they are the crawl's own start URLs (so a crawl of a site served on
127.0.0.1 works) or listed in ``NEWSARC_ALLOWED_HOSTS`` (``host`` or ``host:port``).

Settings: ``NEWSARC_SSRF_GUARD_ENABLED``, ``NEWSARC_ALLOWED_HOSTS``, ``NEWSARC_DNS_SERVERS``,
``TWISTED_DNS_RESOLVER`` (or the deprecated ``DNS_RESOLVER``), ``DNS_TIMEOUT``.
Stats: ``ssrf/blocked``, ``ssrf/blocked_dns`` (the canary is not counted), ``ssrf/canary``
(``refused`` when the start-up check passed, else what let the canary through).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

__all__ = [
    "CANARY_ADDRESSES",
    "SSRF_GUARD_FAILED",
    "AllowList",
    "BlockedAddress",
    "GuardedResolver",
    "SsrfCanaryExtension",
    "SsrfGuardMiddleware",
    "check_guard_wiring",
    "installed_resolver_setting",
    "is_forbidden_address",
    "parse_servers",
]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Addresses the start-up canary asks the guard about, the first one the crawl does not allow:
#: the cloud metadata service, then documentation addresses nobody serves.
CANARY_ADDRESSES = ("169.254.169.254", "192.0.2.1", "198.51.100.1")
#: The finish reason of a crawl whose guard let the canary through.
SSRF_GUARD_FAILED = "ssrf_guard_failed"
# Request meta key marking the canary: its refusal is neither counted nor logged as a block.
_META_CANARY = "_newsarc_ssrf_canary"


def parse_ip(host: str) -> IPAddress | None:
    """Return the address an IP-literal host stands for, or None for a host name.

    Accepts the forms a browser or ``inet_aton`` accepts (``2130706433``, ``0x7f.1``, ``[::1]``).
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError):
        return None


# Ranges ``ipaddress`` counts as global that still must not be reached: IPv6 forms that carry an
# IPv4 address a relay or translator would connect to (6to4, NAT64), deprecated site-local IPv6,
# and IPv4 blocks that are special-purpose or anycast relays (RFC 6890, RFC 7526).
_NOT_REACHABLE = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::/96",  # IPv4-compatible (deprecated): ::127.0.0.1
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "2002::/16",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "fec0::/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
    )
)


def is_forbidden_address(address: IPAddress) -> bool:
    """True unless ``address`` is globally routable unicast (the only kind a crawler reaches by
    default): loopback, private, shared (100.64.0.0/10, where cloud metadata services live),
    link-local, reserved, documentation, multicast, … are all refused."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return True
    return any(
        address in network for network in _NOT_REACHABLE if network.version == address.version
    )


@dataclass(frozen=True)
class AllowList:
    """Hosts (optionally with a port) that may be private: the crawl's own targets."""

    entries: frozenset[tuple[str, int | None]]

    @classmethod
    def build(cls, urls: Iterable[str], extra: Iterable[str]) -> AllowList:
        entries: set[tuple[str, int | None]] = set()
        for url in urls:
            parts = urlsplit(url)
            if parts.hostname:
                entries.add((parts.hostname.lower(), parts.port or _default_port(parts.scheme)))
        for item in extra:
            parts = urlsplit(f"//{item}")
            if parts.hostname:
                entries.add((parts.hostname.lower(), parts.port))
        return cls(frozenset(entries))

    def allows(self, host: str, port: int | None) -> bool:
        host = host.lower().strip("[]")
        return (host, port) in self.entries or (host, None) in self.entries

    def allows_host(self, host: str) -> bool:
        return host.lower().strip("[]") in self._hosts

    @functools.cached_property
    def _hosts(self) -> frozenset[str]:
        # A set: a crawl of thousands of allowed hosts asks once per DNS answer (L3).
        return frozenset(entry_host for entry_host, _ in self.entries)


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


def _allow_list(crawler: Crawler) -> AllowList:
    spider = getattr(crawler, "spider", None)
    start_urls: Sequence[str] = getattr(spider, "start_urls", None) or []
    return AllowList.build(start_urls, crawler.settings.getlist("NEWSARC_ALLOWED_HOSTS"))


class SsrfGuardMiddleware:
    """Drop requests whose host is a forbidden IP literal (redirect targets included)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._allow: AllowList | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSARC_SSRF_GUARD_ENABLED"):
            raise NotConfigured("NEWSARC_SSRF_GUARD_ENABLED is off")
        return cls(crawler)

    @property
    def allow(self) -> AllowList:
        if self._allow is None:
            self._allow = _allow_list(self.crawler)
        return self._allow

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in {"http", "https"}:
            self._block(request, f"scheme {parts.scheme!r} is not fetched")
        host = parts.hostname or ""
        address = parse_ip(host)
        if address is None or not is_forbidden_address(address):
            return
        if self.allow.allows(str(address), parts.port or _default_port(parts.scheme)):
            return
        if self.allow.allows(host, parts.port or _default_port(parts.scheme)):
            return
        self._block(request, f"{address} is a loopback, private or link-local address")

    def _block(self, request: Request, why: str) -> None:
        assert self.crawler.stats is not None
        if request.meta.get(_META_CANARY):
            raise IgnoreRequest(f"blocked_ip: {why}")
        self.crawler.stats.inc_value("ssrf/blocked")
        logger.warning("Refused %s: %s (allow it with NEWSARC_ALLOWED_HOSTS)", request.url, why)
        raise IgnoreRequest(f"blocked_ip: {why}")


class BlockedAddress(DNSLookupError):
    """A host name resolved to an address the guard refuses."""


def parse_servers(entries: Iterable[str]) -> list[tuple[str, int]]:
    """``NEWSARC_DNS_SERVERS`` entries (``address`` or ``address:port``) as (address, port)."""
    servers = []
    for entry in entries:
        parts = urlsplit(f"//{entry.strip()}")
        try:
            port = parts.port or 53
        except ValueError:
            raise ValueError(f"NEWSARC_DNS_SERVERS: bad port in {entry!r}") from None
        if not parts.hostname or parse_ip(parts.hostname) is None:
            raise ValueError(f"NEWSARC_DNS_SERVERS: {entry!r} is not an IP address[:port]")
        servers.append((parts.hostname, port))
    return servers


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing names that resolve to forbidden addresses.

    Scrapy builds resolvers from the crawler *process* (which has settings and crawlers but no
    spider or stats), so the allow-list is read from the process's crawlers at lookup time.

    A name the allow-list admits (a start URL's host, a name in ``NEWSARC_ALLOWED_HOSTS``) may
    resolve to a forbidden address, but only to the one it resolved to the first time: the
    address is pinned, so a DNS server that answers the site's address first and then another
    one (rebinding) is refused. With ``NEWSARC_DNS_SERVERS`` the lookups go to those servers
    instead of the system's resolver (the browser's egress proxy resolves through this resolver
    too, so both paths see the same answers and the same checks).
    """

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        owner: Any = None,
        enabled: bool = True,
        *,
        servers: Sequence[tuple[str, int]] = (),
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.owner = owner
        self.enabled = enabled
        # name -> the address it first resolved to: one object a name, no set (a crawl of
        # thousands of allowed hosts keeps one entry each for the whole crawl).
        self.pinned: dict[str, IPAddress] = {}
        # Each crawler's allow list, built once its spider (and start URLs) exist: rebuilding
        # it for every DNS answer held the reactor for seconds with 5,000 allowed hosts (L3).
        self._allow_lists: dict[int, AllowList] = {}
        self._names: Any = None
        if servers:
            from twisted.names import client  # noqa: PLC0415 - only with NEWSARC_DNS_SERVERS

            self._names = client.Resolver(  # type: ignore[no-untyped-call]
                servers=list(servers), reactor=reactor
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> Self:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            crawler,
            settings.getbool("NEWSARC_SSRF_GUARD_ENABLED"),
            servers=parse_servers(settings.getlist("NEWSARC_DNS_SERVERS")),
        )

    def _allow_list(self, crawler: Crawler) -> AllowList:
        cached = self._allow_lists.get(id(crawler))
        if cached is None:
            cached = _allow_list(crawler)
            if getattr(crawler, "spider", None) is not None:  # start URLs known: final
                self._allow_lists[id(crawler)] = cached
        return cached

    def _crawlers(self) -> list[Crawler]:
        crawlers = getattr(self.owner, "crawlers", None)
        if crawlers is not None:
            return list(crawlers)
        return [self.owner] if self.owner is not None else []

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        if self._names is not None and parse_ip(name) is None:
            deferred: Deferred[str] = self._names.getHostByName(name, (self.timeout,))
        else:
            deferred = super().getHostByName(name, timeout)
        if self.enabled:
            deferred.addCallback(self._check, name)
        return deferred

    def _check(self, result: Any, name: str) -> Any:
        address = parse_ip(str(result))
        if address is None or not is_forbidden_address(address):
            return result
        crawlers = self._crawlers()
        if any(self._allow_list(crawler).allows_host(name) for crawler in crawlers):
            pinned = self.pinned.setdefault(name.lower(), address)
            if address == pinned:
                return result
            why = f"{name} resolved to {pinned} before, now to {address}"
        else:
            why = f"{name} resolves to {address}, an address that is not globally routable"
        if name in CANARY_ADDRESSES:  # the start-up check (SsrfCanaryExtension): not a block
            raise BlockedAddress(f"blocked_ip: {why}")
        for crawler in crawlers:
            if getattr(crawler, "stats", None) is not None:
                crawler.stats.inc_value("ssrf/blocked_dns")
        logger.warning(
            "Refused to connect to %s: %s (allow it with NEWSARC_ALLOWED_HOSTS)", name, why
        )
        raise BlockedAddress(f"blocked_ip: {why}")


class SsrfCanaryExtension:
    """Check, when the spider opens, that both layers of the guard refuse a forbidden address.

    The middleware instances Scrapy built are given a request to the canary address, and the
    resolver installed on the reactor is asked to resolve it (an IP literal: no lookup, no
    connection). A layer that lets it through (or a guard middleware that is missing) stops
    the crawl before its first request, with :data:`SSRF_GUARD_FAILED`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSARC_SSRF_GUARD_ENABLED"):
            raise NotConfigured("NEWSARC_SSRF_GUARD_ENABLED is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> Deferred[None] | None:
        allow = _allow_list(self.crawler)
        address = next((a for a in CANARY_ADDRESSES if not allow.allows_host(a)), None)
        if address is None:
            logger.warning(
                "SSRF canary not run: NEWSARC_ALLOWED_HOSTS allows every canary address (%s)",
                ", ".join(CANARY_ADDRESSES),
            )
            return None
        problem = self._middleware_problem(address)
        if problem is not None:
            self._failed(problem)
        from twisted.internet import reactor  # noqa: PLC0415 - the installed one, at run time

        resolver = reactor.resolver
        deferred: Deferred[Any] = resolver.getHostByName(address)

        def resolved(result: Any) -> None:
            self._failed(
                f"the DNS resolver on the reactor ({type(resolver).__module__}."
                f"{type(resolver).__qualname__}) gave {result} for {address} instead of refusing "
                "it: host names would reach internal addresses unchecked (did a component install "
                "another resolver on the reactor?)"
            )

        def refused(failure: Any) -> None:
            if not failure.check(BlockedAddress):
                self._failed(
                    f"the DNS resolver failed on {address} with {failure.getErrorMessage()!r} "
                    "instead of refusing it as a forbidden address"
                )
            self._stats_set("ssrf/canary", "refused")

        deferred.addCallbacks(resolved, refused)
        return deferred

    def _middleware_problem(self, address: str) -> str | None:
        engine = self.crawler.engine
        chain = getattr(getattr(engine, "downloader", None), "middleware", None)
        chain_members = getattr(chain, "middlewares", ())
        guards = [m for m in chain_members if isinstance(m, SsrfGuardMiddleware)]
        if not guards:
            return "no SsrfGuardMiddleware is in the downloader's middleware chain"
        request = Request(f"http://{address}/", meta={_META_CANARY: True})
        for guard in guards:
            try:
                guard.process_request(request)
            except IgnoreRequest:
                continue
            return f"{type(guard).__qualname__} let a request to {address} through"
        return None

    def _stats_set(self, key: str, value: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(key, value)

    def _failed(self, problem: str) -> None:
        self._stats_set("ssrf/canary", problem)
        logger.error("The SSRF guard is on but does not work: %s; the crawl stops", problem)
        raise CloseSpider(SSRF_GUARD_FAILED)


def check_guard_wiring(settings: BaseSettings) -> None:
    """Raise ``ValueError`` when the guard is on but one of its two layers is not in place.

    Nothing is imported: a middleware's module may install Twisted's reactor when imported,
    before Scrapy installs the one it is configured with. A class counts when it is the guard's
    own (by its dotted path) or, if its module is imported already, a subclass of it.
    """
    if not settings.getbool("NEWSARC_SSRF_GUARD_ENABLED"):
        return
    off = "or turn the guard off with -s NEWSARC_SSRF_GUARD_ENABLED=False"
    setting, name = installed_resolver_setting(settings)
    if not _is(name, GuardedResolver):
        outranks = (
            " (Scrapy's deprecated DNS_RESOLVER, set here, outranks TWISTED_DNS_RESOLVER)"
            if setting == "DNS_RESOLVER"
            else ""
        )
        raise ValueError(
            f"{setting}={name!r} is not newsarc's guarded resolver{outranks}: host names would "
            "reach loopback, private and link-local addresses unchecked (SSRF); keep "
            f"crawler.middlewares.ssrf.GuardedResolver (or a subclass), {off}"
        )
    middlewares = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    if not any(
        order is not None and _is(entry, SsrfGuardMiddleware)
        for entry, order in middlewares.items()
    ):
        raise ValueError(
            "DOWNLOADER_MIDDLEWARES leaves out crawler.middlewares.ssrf.SsrfGuardMiddleware: "
            f"links and redirects to IP literals would be fetched unchecked (SSRF); keep it, {off}"
        )
    extensions = settings.getwithbase("EXTENSIONS")
    if not any(
        order is not None and _is(entry, SsrfCanaryExtension) for entry, order in extensions.items()
    ):
        raise ValueError(
            "EXTENSIONS leaves out crawler.middlewares.ssrf.SsrfCanaryExtension: the guard would "
            f"not be checked at start-up (SSRF); keep it, {off}"
        )


def installed_resolver_setting(settings: BaseSettings) -> tuple[str, Any]:
    """The setting whose resolver Scrapy will install on the reactor, and its value.

    Scrapy 2.19 (``CrawlerProcess._setup_reactor``) still honours the deprecated
    ``DNS_RESOLVER`` when it is set above the default priority, unless
    ``TWISTED_DNS_RESOLVER`` is set at a higher one; the same rule is followed here (read with
    ``getpriority`` and indexing, which do not warn as ``get`` does)."""
    dns_priority = settings.getpriority("DNS_RESOLVER") or 0
    if (
        dns_priority > SETTINGS_PRIORITIES["default"]
        and (settings.getpriority("TWISTED_DNS_RESOLVER") or 0) <= dns_priority
    ):
        return "DNS_RESOLVER", settings["DNS_RESOLVER"]
    return "TWISTED_DNS_RESOLVER", settings["TWISTED_DNS_RESOLVER"]


def _is(entry: Any, wanted: type) -> bool:
    """Whether ``entry`` (a class or a dotted path) is ``wanted`` or an imported subclass."""
    if isinstance(entry, str):
        if entry == f"{wanted.__module__}.{wanted.__qualname__}":
            return True
        module, _, attr = entry.rpartition(".")
        entry = getattr(sys.modules.get(module), attr, None)
    return isinstance(entry, type) and issubclass(entry, wanted)
