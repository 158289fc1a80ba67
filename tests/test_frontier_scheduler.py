"""Workers sharing one crawl through the Redis frontier (crawler/frontier/scheduler.py): the
real ``newsarc crawl --frontier`` and ``newsarc worker`` commands, a real redis-server and a
local site that logs every request it serves."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from crawler.demo.server import RequestHeaders, Route, SiteServer
from crawler.frontier.redis import RedisFrontier
from tests.conftest import ROOT, Run, crawl_items
from tests.redis_server import REDIS_SERVER, RedisServer

PAGES = 24  # articles on the test site, besides its front page and two section pages
ROBOTS = Route.text("User-agent: *\n")


def _article(n: int) -> str:
    words = " ".join(f"word{(n * 7 + i) % 97}" for i in range(160))
    return (
        f"<!doctype html><html lang=en><head><title>Story {n}</title>"
        f'<meta property="og:title" content="Story number {n}">'
        '<meta property="article:published_time" content="2024-05-01T10:00:00+00:00">'
        f"</head><body><article><h1>Story number {n}</h1><p>{words}.</p>"
        f"<p>Second paragraph of story {n}, {words}.</p></article>"
        f'<a href="/story/{(n + 1) % PAGES}.html">next</a></body></html>'
    )


def _section(name: str, numbers: range) -> str:
    links = "".join(f'<li><a href="/story/{n}.html">Story {n}</a></li>' for n in numbers)
    head = f"<!doctype html><html lang=en><head><title>{name}</title></head>"
    return f"{head}<body><ul>{links}</ul></body></html>"


class Site:
    """The test site on one or more hosts (loopback addresses): every page a little slow (work
    to share); every request counted per host and path, and the requests each host serves at
    once."""

    def __init__(self, delay: float, hosts: tuple[str, ...] = ("127.0.0.1",)) -> None:
        self.delay = delay
        self.hits: collections.Counter[str] = collections.Counter()
        self.active: collections.Counter[str] = collections.Counter()
        self.most_at_once: collections.Counter[str] = collections.Counter()
        #: host → user agents it served at once (each worker sends its own), and the most
        self.agents: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.most_agents_at_once: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        half = PAGES // 2
        front = '<a href="/a.html">A</a> <a href="/b.html">B</a>'
        self.routes: dict[str, Route] = {
            "/robots.txt": ROBOTS,
            "/": Route.html(f"<!doctype html><html lang=en><body>{front}</body></html>"),
            "/a.html": Route.html(_section("A", range(half))),
            "/b.html": Route.html(_section("B", range(half, PAGES))),
        }
        for n in range(PAGES):
            self.routes[f"/story/{n}.html"] = Route.html(_article(n))
        self.servers = [SiteServer(self.handle, host=host) for host in hosts]

    def handle(self, target: str, headers: RequestHeaders) -> Route | None:
        host = headers.get("Host", "").rsplit(":", 1)[0]
        agent = headers.get("User-Agent", "")
        with self._lock:
            self.hits[f"{host}{target}"] += 1
            self.active[host] += 1
            self.most_at_once[host] = max(self.most_at_once[host], self.active[host])
            self.agents[host][agent] += 1
            serving = sum(1 for n in self.agents[host].values() if n)
            self.most_agents_at_once[host] = max(self.most_agents_at_once[host], serving)
        try:
            if target != "/robots.txt":
                time.sleep(self.delay)
            return self.routes.get(target)
        finally:
            with self._lock:
                self.active[host] -= 1
                self.agents[host][agent] -= 1

    def url(self, n: int = 0) -> str:
        return self.servers[n].url("/")

    @property
    def pages(self) -> set[str]:
        """Every page of every host, as ``host/path``."""
        paths = set(self.routes) - {"/robots.txt"}
        return {f"{server.host}{path}" for server in self.servers for path in paths}

    def fetched(self) -> dict[str, int]:
        return {page: n for page, n in self.hits.items() if not page.endswith("/robots.txt")}

    def __enter__(self) -> Site:
        for server in self.servers:
            server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def site() -> Iterator[Site]:
    with Site(delay=0.3) as s:
        yield s


def _page(url: str) -> str:
    """``host/path`` of a URL, as :attr:`Site.pages` names pages."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}"


def _start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("newsarc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(script), *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait(proc: subprocess.Popen[bytes], timeout: float = 240) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        raise


def _crawl_key(client: redis.Redis, timeout: float = 60) -> str:
    """The crawl key of the (one) crawl in Redis, once its frontier is seeded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys = [k.decode() for k in client.keys("newsarc:frontier:{*}:meta")]
        if keys:
            return keys[0].split("{", 1)[1].split("}", 1)[0]
        time.sleep(0.1)
    raise AssertionError("no crawl appeared in Redis")


# Short checkpoints so found URLs reach the other worker soon; one lease per take so that both
# workers get work on a small site.
FAST = ["-s", "FRONTIER_CHECKPOINT_INTERVAL=0.5", "-s", "FRONTIER_LEASE_BATCH=1"]
FAST += ["-s", "FRONTIER_POLL_INTERVAL=0.2"]


def _worker_files(out: Path) -> tuple[list[Path], list[Path]]:
    crawl = [p for p in out.iterdir() if p.is_dir()]
    assert len(crawl) == 1, crawl
    return sorted((crawl[0] / "warc").glob("*.warc.gz")), sorted(
        (crawl[0] / "items").glob("*.jsonl.gz")
    )


def _articles(out: Path) -> list[str]:
    articles, _ = crawl_items(next(p for p in out.iterdir() if p.is_dir()))
    return [str(a["url"]) for a in articles]


def _finish(proc: subprocess.Popen[bytes], log: Path) -> Run:
    code = _wait(proc)
    return Run(code, log.read_text(errors="replace"), "")


def test_two_workers_share_one_crawl_every_page_fetched_once_one_owner_per_host(
    redis_url: str, tmp_path: Path
) -> None:
    first_out, second_out = tmp_path / "m1", tmp_path / "m2"
    # Two hosts, a worker owns one at a time: each host is fetched by one worker at a time,
    # never more than its per-host concurrency at once.
    polite = [*FAST, "-s", "FRONTIER_MAX_HOSTS=1"]
    with Site(delay=0.3, hosts=("127.0.0.1", "127.0.0.2")) as site:
        first = _start(
            "crawl",
            site.url(0),
            site.url(1),
            "--out",
            str(first_out),
            "--frontier",
            redis_url,
            *polite,
            "-s",
            "USER_AGENT=first-worker",
            log=tmp_path / "m1.log",
        )
        client = redis.Redis.from_url(redis_url)
        try:
            key = _crawl_key(client)
        finally:
            client.close()
        second = _start(
            "worker",
            "--frontier",
            f"{redis_url}/{key}",
            "--out",
            str(second_out),
            "--worker-id",
            "second",
            *polite,
            "-s",
            "USER_AGENT=second-worker",
            log=tmp_path / "m2.log",
        )
        one, two = _finish(first, tmp_path / "m1.log"), _finish(second, tmp_path / "m2.log")
    assert one.returncode == 0, one.stdout[-3000:]
    assert two.returncode == 0, two.stdout[-3000:]
    # Every page fetched, and once: no lease expired (the leases outlive this short crawl).
    fetched = site.fetched()
    assert set(fetched) == site.pages
    assert all(n == 1 for n in fetched.values()), {p: n for p, n in fetched.items() if n > 1}
    # Two workers, and no host ever served both at once: one owner per host.
    assert set(site.most_agents_at_once.values()) == {1}, site.most_agents_at_once
    # Both did work, each into its own files named with its worker id, under the crawl's id.
    (warcs1, items1), (warcs2, items2) = _worker_files(first_out), _worker_files(second_out)
    assert [p.parent.parent.name for p in warcs1 + warcs2] == [key] * len(warcs1 + warcs2)
    assert warcs2 and all(p.name.startswith("newsarc-second-") for p in warcs2)
    assert items2 and all("-second-" in p.name for p in items2)
    names1 = {p.name for p in warcs1 + items1}
    assert not names1 & {p.name for p in warcs2 + items2}
    # The union of the items is the whole site, without a duplicate.
    urls = _articles(first_out) + _articles(second_out)
    assert sorted(urls) == sorted(set(urls))
    assert {_page(u) for u in urls} == {p for p in site.pages if "/story/" in p}
    assert _articles(second_out) and _articles(first_out), "both workers fetched articles"
    probe = RedisFrontier.open(f"{redis_url}/{key}", tmp_path, None)
    try:
        counts = probe.counts()
    finally:
        probe.close()
    assert counts["queued"] == counts["leased"] == 0
    assert counts["done"] == len(site.pages)


def test_a_killed_workers_leases_expire_and_another_worker_fetches_its_pages(
    site: Site, redis_url: str, tmp_path: Path
) -> None:
    lease = 4.0
    uri = f"{redis_url}?lease={lease}"
    first_out, second_out = tmp_path / "m1", tmp_path / "m2"
    # The first worker takes many leases at once, and is killed while it holds them.
    first = _start(
        "crawl",
        site.url(),
        "--out",
        str(first_out),
        "--frontier",
        uri,
        *FAST,
        "-s",
        "FRONTIER_LEASE_BATCH=6",
        log=tmp_path / "m1.log",
    )
    client = redis.Redis.from_url(redis_url)
    try:
        key = _crawl_key(client)
        leases_key = f"newsarc:frontier:{{{key}}}:leases"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and client.zcard(leases_key) < 4:
            time.sleep(0.05)
        held = {m.decode() for m in client.zrange(leases_key, 0, -1)}
        assert len(held) >= 4, "the first worker never held several leases"
        first.send_signal(signal.SIGKILL)
        _wait(first)
        killed_at = time.monotonic()
    finally:
        client.close()
    second = _start(
        "worker",
        "--frontier",
        f"{redis_url}/{key}?lease={lease}",
        "--out",
        str(second_out),
        "--worker-id",
        "second",
        *FAST,
        log=tmp_path / "m2.log",
    )
    two = _finish(second, tmp_path / "m2.log")
    assert two.returncode == 0, two.stdout[-3000:]
    assert time.monotonic() - killed_at >= lease - 1  # it waited for the leases to expire
    # Nothing missing: every page of the site is in the frontier as done, and every article is
    # in the items of one worker or the other.
    probe = RedisFrontier.open(f"{redis_url}/{key}", tmp_path, None)
    try:
        counts = probe.counts()
        states = {url: probe.state(url) for url in probe.urls()}
        records = {url: probe.record(url) for url in held}
    finally:
        probe.close()
    assert counts["queued"] == counts["leased"] == counts["failed"] == 0, counts
    assert {_page(url) for url in states} == site.pages
    assert all(state == ("done", None) for state in states.values()), states
    # The killed worker's leases that it had not checkpointed expired and went to the second
    # worker (the reason is in each record); those it had finished stayed done, fetched once.
    refetched = {u for u, rec in records.items() if rec and rec["deliveries"] >= 2}
    for url in refetched:
        assert any("expired" in r for r in records[url].get("reasons", [])), records[url]
    assert refetched, "no lease of the killed worker expired"
    second_urls = {u.rsplit("/", 1)[-1] for u in _articles(second_out)}
    assert {u.rsplit("/", 1)[-1] for u in refetched if "/story/" in u} <= second_urls
    for path, n in site.hits.items():
        if n > 1 and not path.endswith("/robots.txt"):  # twice only after a lease expired
            assert path in {_page(u) for u in refetched}, (path, n)


def test_sigterm_gives_the_workers_leases_back(redis_url: str, tmp_path: Path) -> None:
    # One page at a time, eight leased at once: most leases are held for pages not started
    # (a graceful stop lets the page in flight finish; the others are given back).
    slow = Site(delay=0.5)
    out = tmp_path / "m1"
    with slow:
        proc = _start(
            "crawl",
            slow.url(),
            "--out",
            str(out),
            "--frontier",
            redis_url,
            *FAST,
            "-s",
            "FRONTIER_LEASE_BATCH=8",
            "-s",
            "CONCURRENT_REQUESTS=1",
            log=tmp_path / "m1.log",
        )
        client = redis.Redis.from_url(redis_url)
        try:
            key = _crawl_key(client)
            leases_key = f"newsarc:frontier:{{{key}}}:leases"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and client.zcard(leases_key) < 4:
                time.sleep(0.05)
            assert client.zcard(leases_key) >= 4, "the worker never held several leases"
            proc.send_signal(signal.SIGTERM)
            code = _wait(proc)
        finally:
            client.close()
    assert code != 0  # stopped before the frontier was drained: not a finished crawl
    probe = RedisFrontier.open(f"{redis_url}/{key}", tmp_path, None)
    try:
        counts = probe.counts()
        queued = list(probe.pending())
        records = [probe.record(entry.url) for entry in queued]
    finally:
        probe.close()
    assert counts["leased"] == 0, counts  # every lease given back, none left to expire
    assert queued, "the pages it had not finished are queued again"
    released = [
        r for r in records if r and any("worker stopping" in x for x in r.get("reasons", []))
    ]
    assert released, records
    # Given back unworked: those deliveries do not count towards the dead-letter limit.
    assert all(r["deliveries"] == 0 for r in released), released


# Three workers, three hosts, two requests at once per host: without one owner per host each
# host would see up to six requests at once. No throttle and a delay far below the site's
# latency, so each worker runs its host at its full per-host concurrency and an overlap of two
# workers on one host would show. (Not DOWNLOAD_DELAY=0: Scrapy 2.19's downloader on the asyncio
# reactor then starts every queued request of a slot at once, past CONCURRENT_REQUESTS_PER_DOMAIN:
# its transfers are counted only when their tasks first run.)
PER_HOST = 2
THREE = [*FAST, "-s", "FRONTIER_MAX_HOSTS=1", "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_HOST}"]
THREE += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.05"]


def test_three_workers_fetch_every_page_once_never_over_one_hosts_concurrency(
    redis_url: str, tmp_path: Path
) -> None:
    outs = [tmp_path / f"m{i}" for i in range(3)]
    hosts = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    with Site(delay=0.3, hosts=hosts) as site:
        urls = [site.url(i) for i in range(len(hosts))]
        first = _start(
            "crawl",
            *urls,
            "--out",
            str(outs[0]),
            "--frontier",
            redis_url,
            *THREE,
            "-s",
            "USER_AGENT=worker-0",
            log=tmp_path / "m0.log",
        )
        client = redis.Redis.from_url(redis_url)
        try:
            key = _crawl_key(client)
        finally:
            client.close()
        procs = [first]
        for i in (1, 2):
            procs.append(
                _start(
                    "worker",
                    "--frontier",
                    f"{redis_url}/{key}",
                    "--out",
                    str(outs[i]),
                    "--worker-id",
                    f"w{i}",
                    *THREE,
                    "-s",
                    f"USER_AGENT=worker-{i}",
                    log=tmp_path / f"m{i}.log",
                )
            )
        runs = [_finish(proc, tmp_path / f"m{i}.log") for i, proc in enumerate(procs)]
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:]
    # Every page of the three hosts fetched, and once (the leases outlive this crawl).
    fetched = site.fetched()
    assert set(fetched) == site.pages
    assert all(n == 1 for n in fetched.values()), {p: n for p, n in fetched.items() if n > 1}
    # robots.txt once per host for the whole crawl, not once per worker: the first worker to
    # need it fetched it and left it in the frontier for the others.
    robots = {host: site.hits[f"{host}/robots.txt"] for host in hosts}
    assert robots == dict.fromkeys(hosts, 1), robots
    # The server's own count: no host ever served more than one worker's per-host concurrency,
    # nor two workers at once.
    assert max(site.most_at_once.values()) <= PER_HOST, site.most_at_once
    assert set(site.most_agents_at_once.values()) == {1}, site.most_agents_at_once
    probe = RedisFrontier.open(f"{redis_url}/{key}", tmp_path, None)
    try:
        counts = probe.counts()
        records = [probe.record(url) for url in probe.urls()]
    finally:
        probe.close()
    assert counts["queued"] == counts["leased"] == counts["failed"] == 0, counts
    assert counts["done"] == len(site.pages)
    assert all(r is not None and r["deliveries"] == 1 for r in records), records
    # The items of the three workers together: every article, none twice.
    articles = [u for out in outs for u in _articles(out)]
    assert sorted(articles) == sorted(set(articles))
    assert {_page(u) for u in articles} == {p for p in site.pages if "/story/" in p}
    working = [out.name for out in outs if _articles(out)]
    assert len(working) >= 2, working  # the work was shared (the third may start late)


def _done(client: redis.Redis, key: str) -> int:
    return int(client.hget(f"newsarc:frontier:{{{key}}}:counts", "done") or 0)


def _wait_done(client: redis.Redis, key: str, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _done(client, key) < at_least:
        time.sleep(0.05)
    assert _done(client, key) >= at_least, "the crawl never got going"


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_redis_restarting_mid_crawl_two_workers_reconnect_and_finish_every_page(
    tmp_path: Path,
) -> None:
    # Production's AOF set-up: appendfsync everysec. The server stops (SIGTERM: Redis syncs its
    # AOF as it exits) while two workers crawl, stays down two seconds, and comes back on the
    # same port and data directory; the workers' clients retry (30 s by default) meanwhile.
    server = RedisServer(tmp_path / "redis", appendonly=True, appendfsync="everysec")
    server.start()
    outs = [tmp_path / "m0", tmp_path / "m1"]
    try:
        with Site(delay=0.3, hosts=("127.0.0.1", "127.0.0.2")) as site:
            first = _start(
                "crawl",
                site.url(0),
                site.url(1),
                "--out",
                str(outs[0]),
                "--frontier",
                server.url,
                *FAST,
                "-s",
                "FRONTIER_MAX_HOSTS=1",
                log=tmp_path / "m0.log",
            )
            client = server.client()
            try:
                key = _crawl_key(client)
                second = _start(
                    "worker",
                    "--frontier",
                    f"{server.url}/{key}",
                    "--out",
                    str(outs[1]),
                    "--worker-id",
                    "second",
                    *FAST,
                    "-s",
                    "FRONTIER_MAX_HOSTS=1",
                    log=tmp_path / "m1.log",
                )
                _wait_done(client, key, 6)
                done_before = _done(client, key)
            finally:
                client.close()
            port = server.port
            server.stop()
            time.sleep(2.0)
            # Both still at work (their clients retrying), with pages left to do.
            assert first.poll() is None and second.poll() is None
            assert done_before < len(site.pages)
            server.start()
            assert server.port == port  # the workers' URI still names it
            runs = [_finish(first, tmp_path / "m0.log"), _finish(second, tmp_path / "m1.log")]
        for run in runs:
            assert run.returncode == 0, run.stdout[-3000:]
        assert set(site.fetched()) == site.pages  # every page, none lost across the restart
        probe = RedisFrontier.open(f"{server.url}/{key}", tmp_path, None)
        try:
            counts = probe.counts()
        finally:
            probe.close()
        assert counts["queued"] == counts["leased"] == counts["failed"] == 0, counts
        assert counts["done"] == len(site.pages)
        articles = [u for out in outs for u in _articles(out)]
        assert {_page(u) for u in articles} == {p for p in site.pages if "/story/" in p}
    finally:
        server.stop()


class Chain:
    """A site that is one chain of ``length`` slow pages, each found only on the one before it:
    the crawl keeps adding URLs to the frontier until its last page."""

    def __init__(self, length: int, delay: float) -> None:
        self.length = length
        self.hits: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

        def handle(target: str, headers: RequestHeaders) -> Route | None:
            with self._lock:
                self.hits[target] += 1
            if target == "/robots.txt":
                return ROBOTS
            time.sleep(delay)
            if target == "/":
                return Route.html('<!doctype html><html><body><a href="/c/0.html">go</a></body>')
            n = int(target.removeprefix("/c/").removesuffix(".html"))
            link = f'<a href="/c/{n + 1}.html">next</a>' if n + 1 < length else ""
            return Route.html(_article(n).replace("</body>", f"{link}</body>"))

        self.server = SiteServer(handle)


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_redis_out_of_memory_mid_crawl_stops_it_loudly_never_finished(tmp_path: Path) -> None:
    # maxmemory below what Redis already holds, noeviction: Redis refuses every script whose
    # first write would take memory (queueing a found URL does), while reads still answer. The
    # crawl must fail with a non-zero exit, not report a finished crawl with pages missing; the
    # found URLs it could not queue are kept by the worker, never marked done.
    server = RedisServer(tmp_path / "redis")
    server.start()
    out = tmp_path / "m0"
    chain = Chain(length=40, delay=0.2)
    try:
        with chain.server:
            proc = _start(
                "crawl",
                chain.server.url("/"),
                "--out",
                str(out),
                "--frontier",
                server.url,
                *FAST,
                log=tmp_path / "m0.log",
            )
            client = server.client()
            try:
                key = _crawl_key(client)
                _wait_done(client, key, 4)
                client.config_set("maxmemory-policy", "noeviction")
                client.config_set("maxmemory", "1")
                run = _finish(proc, tmp_path / "m0.log")
            finally:
                client.close()
        assert run.returncode == 6, run.stdout[-3000:]  # the crawl's state is unavailable
        assert "FAILED" in run.stdout and " finished (" not in run.stdout, run.stdout[-3000:]
        log = next(out.glob("*/logs/crawl*.log")).read_text(errors="replace")
        assert "maxmemory" in log
        fetched = {path for path in chain.hits if path.startswith("/c/")}
        assert len(fetched) < chain.length  # it stopped: the chain was not followed to its end
        probe = RedisFrontier.open(f"{server.url}/{key}", tmp_path, None)
        try:
            counts = probe.counts()
            known = set(probe.urls())
        finally:
            probe.close()
        # Nothing claims the crawl is complete: the frontier never saw the chain's end.
        assert counts["done"] < chain.length + 1, counts
        assert chain.server.url(f"/c/{chain.length - 1}.html") not in known, counts
    finally:
        server.stop()


def test_a_worker_obeys_the_robots_txt_another_worker_kept_without_fetching_it(
    redis_url: str, tmp_path: Path
) -> None:
    # Another worker of the crawl fetched this host's robots.txt (it disallows one story) and
    # kept it in the frontier; the site now serves one that allows everything. This worker
    # must parse the kept answer: never ask the site for robots.txt, never fetch that story.
    with Site(delay=0.0) as site:
        netloc = site.url().split("//", 1)[1].rstrip("/")
        uri = f"{redis_url}/shared-robots"
        keeper = RedisFrontier.open(uri, tmp_path, None)
        try:
            keeper.keep_robots_txt(netloc, 200, b"User-agent: *\nDisallow: /story/3.html\n")
        finally:
            keeper.close()
        proc = _start(
            "crawl",
            site.url(),
            "--out",
            str(tmp_path / "m0"),
            "--frontier",
            uri,
            *FAST,
            log=tmp_path / "m0.log",
        )
        run = _finish(proc, tmp_path / "m0.log")
    assert run.returncode == 0, run.stdout[-3000:]
    host = site.servers[0].host
    assert site.hits[f"{host}/robots.txt"] == 0, site.hits
    fetched = site.fetched()
    assert f"{host}/story/3.html" not in fetched
    assert set(fetched) == site.pages - {f"{host}/story/3.html"}


def test_redis_killed_with_its_fsync_window_lost_loses_no_url(tmp_path: Path) -> None:
    """F16: the Redis server is SIGKILLed mid-crawl (AOF, ``everysec``) and the writes of its
    last fsync window are lost (the AOF cut back to its size some pages earlier, as a power
    cut would leave it); it comes back on the same port. No URL may be lost or silently
    marked done: the crawl either finishes every page, or stops with a non-zero exit naming
    the frontier, and a resume then finishes every page."""
    server = RedisServer(tmp_path / "redis", appendonly=True, appendfsync="everysec")
    server.start()
    out = tmp_path / "m0"
    try:
        with Site(delay=0.3) as site:
            first = _start(
                "crawl", site.url(0), "--out", str(out), "--frontier", server.url, *FAST,
                log=tmp_path / "m0.log",
            )  # fmt: skip
            client = server.client()
            try:
                key = _crawl_key(client)
                _wait_done(client, key, 3)
                synced = server.aof_tail().stat().st_size  # what a power cut would keep
                _wait_done(client, key, 7)
                done_before = _done(client, key)
            finally:
                client.close()
            server.crash()
            assert server.aof_tail().stat().st_size > synced  # writes after it are lost
            with server.aof_tail().open("r+b") as aof:
                aof.truncate(synced)
            time.sleep(1.0)
            server.start()
            client = server.client()
            try:  # the server came back with fewer pages done than the crawl had done
                lost = done_before - _done(client, key)
            finally:
                client.close()
            assert lost > 0, "the fsync window lost nothing: the test proves nothing"
            print(f"pages whose done mark was lost: {lost}")
            run = _finish(first, tmp_path / "m0.log")
            print(f"crawl exit {run.returncode}: {run.stdout.splitlines()[-1:]}")
            if run.returncode != 0:
                assert "finished" not in run.stdout.splitlines()[-1], run.stdout[-3000:]
                assert "frontier" in run.stdout.lower(), run.stdout[-3000:]
                crawl_dir = next(p for p in out.iterdir() if p.is_dir())
                resume = _finish(
                    _start("crawl", "--resume", str(crawl_dir), *FAST, log=tmp_path / "r.log"),
                    tmp_path / "r.log",
                )
                assert resume.returncode == 0, resume.stdout[-3000:]
            assert set(site.fetched()) == site.pages  # every page, none lost
        probe = RedisFrontier.open(f"{server.url}/{key}", tmp_path, None)
        try:
            counts = probe.counts()
        finally:
            probe.close()
        assert counts["queued"] == counts["leased"] == counts["failed"] == 0, counts
        assert counts["done"] == len(site.pages), (counts, len(site.pages))
        assert {_page(u) for u in _articles(out)} >= {p for p in site.pages if "/story/" in p}
    finally:
        server.stop()
