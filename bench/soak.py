"""Soak: one long ``newsarc crawl`` of a large local site, its memory sampled as it goes (L1, L3).

A generated news site (``--pages`` articles, 100,000 by default, each linking the next ten, so
every page is reachable within a few hops) is served from a separate process on 127.0.0.0/8.
``newsarc crawl`` (the real console script, default settings but the per-host page cap, which
would stop a one-host crawl at 10,000) crawls all of it in one run while this script samples
every ``--interval`` seconds the resident memory (RSS) of the crawl process, and of the crawl
process plus its children (extraction workers), against the pages the server has answered.

Reported: RSS when the crawl passed ``--mark`` pages (10,000 by default, or a tenth of a
shorter run) and at the end, their ratio (the issue's target: at most 1.1, and at most 400 MB
for the crawl process), pages/s, and the server's count of the most requests it saw in flight
at once for one host (per-host politeness: at most ``CONCURRENT_REQUESTS_PER_DOMAIN``).

``--hosts N`` spreads the pages over N host names (``h<k>.soak.test``) that a stub DNS server
(tests/dns_server.py) resolves to 127.0.0.1–127.0.0.8, where the site listens; the crawl starts
at ``soak.test`` and treats its subdomains as the same site. The server also counts, per host
name, the most connections open at once (a connection belongs to the host of its first request).
The crawl runs with ``REACTOR_LAG_ENABLED`` (crawler/reactorlag.py): the reactor's heartbeat
lag p50/p99/max is read from its log (L3: p99 < 1 s). ``--concurrency`` and ``--per-host`` set
``CONCURRENT_REQUESTS`` and ``CONCURRENT_REQUESTS_PER_DOMAIN``; ``-s NAME=VALUE`` passes any
other setting.

``--slow-hosts K`` (F5) adds K hosts (``slow<k>.soak.test``) whose pages send their 240 bytes
at one byte a second; the first ``K × --slow-urls`` articles each link one of them. Reported:
articles served per second from the first article to the last, to compare with the same run
without slow hosts (F5: at least 80 %). Once every article is served the crawl is killed (the
slow pages would keep it open through their timeouts and retries).

Not part of the test suite (it takes minutes to hours). Run from the checkout:

    uv run python bench/soak.py [--pages 100000] [--hosts 0] [--interval 3] [--mark 10000]
        [--concurrency N] [--per-host N] [--slow-hosts K [--slow-urls 16]] [-s NAME=VALUE]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FANOUT = 10
ADDRESSES = [f"127.0.0.{i}" for i in range(1, 9)]
_WORDS = (
    "council",
    "budget",
    "river",
    "school",
    "transport",
    "election",
    "market",
    "harbour",
    "festival",
    "museum",
    "report",
    "minister",
    "hospital",
    "weather",
    "football",
    "library",
    "station",
    "bridge",
    "court",
    "farmers",
)


def host_of(page: int, hosts: int) -> str:
    return f"h{page % hosts}.soak.test" if hosts else ""


def page_html(
    page: int, pages: int, hosts: int, port: int, slow: tuple[int, int] = (0, 0)
) -> bytes:
    pick = random.Random(page)  # every page its own text: the dedupe pipeline keeps them all
    words = " ".join(pick.choice(_WORDS) for _ in range(400))
    links = []
    for child in range(page * FANOUT + 1, min(page * FANOUT + FANOUT, pages - 1) + 1):
        host = host_of(child, hosts)
        prefix = f"http://{host}:{port}" if host else ""
        links.append(f'<li><a href="{prefix}/news/{child}.html">Story {child}</a></li>')
    slow_hosts, slow_urls = slow
    if slow_hosts and page < slow_hosts * slow_urls:  # the first pages each link a slow one
        host = f"slow{page % slow_hosts}.soak.test"
        links.append(f'<li><a href="http://{host}:{port}/slow/{page}.html">Slow {page}</a></li>')
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Story {page} | Soak News</title>"
        f'<meta property="article:published_time" content="2026-01-0{1 + page % 9}T10:00:00Z">'
        f"</head><body><header><nav><a href='/'>Home</a></nav></header><main><article>"
        f"<h1>Story {page}: the {_WORDS[page % len(_WORDS)]} question</h1>"
        f"<p>{words}.</p><p>{words[::-1]}.</p></article>"
        f"<aside><h2>Read next</h2><ul>{''.join(links)}</ul></aside></main></body></html>"
    ).encode()


def serve(
    pages: int,
    hosts: int,
    *,
    port_out: Any,
    served: Any,
    peak: Any,
    peak_connections: Any,
    window: Any,
    ready: Any,
    slow: tuple[int, int] = (0, 0),
    slow_now: Any = None,
    slow_started: Any = None,
) -> None:
    """The site, in its own process: one listener per address (all on one port).

    Counted at the server, per host name (the ``Host`` header): requests in flight at once
    (``peak``) and open connections (``peak_connections``: a connection counts for the host of
    its first request, from that request until it closes); ``window`` holds the monotonic
    times of the first and the last article page served (``served`` counts them)."""
    in_flight: Counter[str] = Counter()
    connections: Counter[str] = Counter()
    lock = threading.Lock()
    port_holder: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        _host = ""

        def handle(self) -> None:
            try:
                super().handle()
            finally:
                if self._host:
                    with lock:
                        connections[self._host] -= 1

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            with lock:
                if not self._host:
                    self._host = host
                    connections[host] += 1
                    peak_connections.value = max(peak_connections.value, connections[host])
                in_flight[host] += 1
                peak.value = max(peak.value, in_flight[host])
            try:
                self._answer()
            finally:
                with lock:
                    in_flight[host] -= 1

        def _trickle(self) -> None:
            """A slow body: 240 bytes promised, one a second (until the client gives up)."""
            with slow_now.get_lock():
                slow_now.value += 1
                slow_started.value += 1
            try:
                self._trickle_body()
            finally:
                with slow_now.get_lock():
                    slow_now.value -= 1

        def _trickle_body(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "240")
            self.end_headers()
            try:
                for _ in range(240):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                self.close_connection = True

        def _answer(self) -> None:
            path = self.path.split("?", 1)[0]
            status, ctype, body = 404, "text/plain", b"not found"
            if path.startswith("/slow/"):
                self._trickle()
                return
            if path == "/robots.txt":
                status, body = 200, b"User-agent: *\nAllow: /\n"
            elif path == "/":
                status, ctype = 200, "text/html; charset=utf-8"
                body = page_html(0, pages, hosts, port_holder[0], slow)
            elif path.startswith("/news/") and path.endswith(".html"):
                number = path[6:-5]
                if number.isdigit() and int(number) < pages:
                    status, ctype = 200, "text/html; charset=utf-8"
                    body = page_html(int(number), pages, hosts, port_holder[0], slow)
                    with served.get_lock():
                        served.value += 1
                        now = time.monotonic()
                        if not window[0]:
                            window[0] = now
                        window[1] = now
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

        def handle_error(self, request: Any, client_address: Any) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a client closing: normal
                super().handle_error(request, client_address)

    first = Server((ADDRESSES[0], 0), Handler)
    port = first.server_address[1]
    port_holder.append(port)
    servers = [first] + ([Server((a, port), Handler) for a in ADDRESSES[1:]] if hosts else [])
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    port_out.value = port
    ready.set()
    first.serve_forever()


@contextlib.contextmanager
def many_hosts(port: int, hosts: int, slow_hosts: int = 0) -> Iterator[tuple[str, list[str]]]:
    """The start URL and the ``-s`` settings for a crawl of the site on ``port``.

    With ``hosts``, a stub DNS server (tests/dns_server.py) runs while the context is open and
    resolves ``soak.test``, ``h<k>.soak.test`` and ``slow<k>.soak.test`` to the site's
    addresses; the settings point the crawl at it and allow those names past the SSRF guard."""
    if not hosts:
        yield f"http://{ADDRESSES[0]}:{port}/", []
        return
    from tests.dns_server import StubDNS  # noqa: PLC0415 (multi-host runs only)

    names = {"soak.test": ADDRESSES[0]}
    names.update({f"h{k}.soak.test": ADDRESSES[k % len(ADDRESSES)] for k in range(hosts)})
    names.update({f"slow{k}.soak.test": ADDRESSES[k % 8] for k in range(slow_hosts)})
    allowed = ",".join(f"{name}:{port}" for name in names)
    with StubDNS(names) as dns:
        yield (
            f"http://soak.test:{port}/",
            ["-s", f"NEWSARC_DNS_SERVERS={dns.server}", "-s", f"NEWSARC_ALLOWED_HOSTS={allowed}"],
        )


def rss(process: psutil.Process) -> tuple[int, int]:
    """RSS of ``process`` and of it plus its children, in bytes."""
    try:
        own = process.memory_info().rss
        total = own
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a worker that just ended
                total += child.memory_info().rss
    except psutil.Error:
        return 0, 0
    return own, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=0, help="host names (0: one host)")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between samples")
    parser.add_argument("--mark", type=int, default=0, help="pages at the first RSS figure")
    parser.add_argument("--concurrency", type=int, default=0, help="CONCURRENT_REQUESTS")
    parser.add_argument(
        "--per-host", type=int, default=0, help="CONCURRENT_REQUESTS_PER_DOMAIN (0: the default)"
    )
    parser.add_argument(
        "--slow-hosts",
        type=int,
        default=0,
        help="hosts (slow<k>.soak.test) whose pages trickle 1 byte/s; needs --hosts",
    )
    parser.add_argument("--slow-urls", type=int, default=16, help="URLs per slow host")
    parser.add_argument("-s", dest="settings", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    mark = args.mark or min(10_000, max(1, args.pages // 10))
    if args.slow_hosts and not args.hosts:
        parser.error("--slow-hosts needs --hosts")

    port, served = multiprocessing.Value("i", 0), multiprocessing.Value("l", 0)
    peak, peak_connections = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    window = multiprocessing.Array("d", 2)
    slow_now, slow_started = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    site = multiprocessing.Process(
        target=serve,
        args=(args.pages, args.hosts),
        kwargs={
            "port_out": port,
            "served": served,
            "peak": peak,
            "peak_connections": peak_connections,
            "window": window,
            "ready": ready,
            "slow": (args.slow_hosts, args.slow_urls),
            "slow_now": slow_now,
            "slow_started": slow_started,
        },
        daemon=True,
    )
    site.start()
    ready.wait(30)
    stack = contextlib.ExitStack()
    start, extra = stack.enter_context(many_hosts(port.value, args.hosts, args.slow_hosts))
    out = Path(tempfile.mkdtemp(prefix="newsarc-soak-"))
    script = Path(sys.executable).with_name("newsarc")
    command = [
        str(script), "crawl", start, "--out", str(out),
        "-s", "NEWSARC_MAX_PAGES_PER_HOST=0", "-s", "REACTOR_LAG_ENABLED=True", *extra,
    ]  # fmt: skip
    if args.concurrency:
        command += ["-s", f"CONCURRENT_REQUESTS={args.concurrency}"]
    if args.per_host:
        command += ["-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_host}"]
    for pair in args.settings:
        command += ["-s", pair]
    articles = args.pages - 1  # every article page is reachable from the home page
    started = time.monotonic()
    crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process = psutil.Process(crawl.pid)
    samples: list[tuple[float, int, int, int]] = []
    at_mark: tuple[float, int, int, int] | None = None
    try:
        while crawl.poll() is None:
            own, total = rss(process)
            if own:
                sample = (time.monotonic() - started, served.value, own, total)
                samples.append(sample)
                if at_mark is None and sample[1] >= mark:
                    at_mark = sample
                print(
                    f"{sample[0]:7.0f} s  {sample[1]:7d} pages  crawl RSS {own / 2**20:6.0f} MB"
                    f"  with workers {total / 2**20:6.0f} MB"
                    + (f"  slow bodies in flight {slow_now.value}" if args.slow_hosts else ""),
                    flush=True,
                )
            if args.slow_hosts and served.value >= articles:
                # Every article is in: the slow hosts' pages would only keep the crawl open
                # until their timeouts and retries end.
                print("every article served: stopping the crawl", flush=True)
                crawl.kill()
                break
            time.sleep(args.interval)
        stdout, stderr = crawl.communicate()
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
        site.terminate()
        site.join(5)
        stack.close()
    elapsed = time.monotonic() - started
    summary = stdout.decode(errors="replace").strip().splitlines()
    print("\n".join(summary[:3]))
    if crawl.returncode != 0 and not args.slow_hosts:
        print(stderr.decode(errors="replace")[-2000:], file=sys.stderr)
    lag = next(
        (
            line.split("INFO: ", 1)[-1]
            for log in out.rglob("*.log")  # logged at close: crawl.log or closing.log
            for line in log.read_text(errors="replace").splitlines()
            if "Reactor lag over" in line
        ),
        "reactor lag: not logged (crawl stopped before it closed)",
    )
    first, last = window[0], window[1]
    rate = served.value / (last - first) if last > first else 0.0
    # The end: the first sample at the final page count (later ones see the shutdown).
    end = next((s for s in samples if s[1] == samples[-1][1]), None) if samples else None
    print(f"\nexit {crawl.returncode}; {served.value} pages in {elapsed:.0f} s "
          f"({served.value / elapsed:.1f} pages/s); hosts {args.hosts or 1}; "
          f"most requests in flight for one host {peak.value}, most open connections "
          f"for one host {peak_connections.value}; slow hosts {args.slow_hosts}")  # fmt: skip
    print(f"articles served {served.value} of {articles} in {last - first:.1f} s from the first "
          f"to the last: {rate:.1f} articles/s")  # fmt: skip
    if args.slow_hosts:
        print(f"slow-body requests started {slow_started.value}")
    print(lag)
    for log in out.rglob("*.log"):  # the collector's pauses (crawler/collector.py), if logged
        for line in log.read_text(errors="replace").splitlines():
            if "Garbage collection:" in line:
                print(line.split("INFO: ", 1)[-1])
            elif "'slow_hosts/" in line:  # the slow-host cap's stats (crawler/pqueues.py)
                print(line.strip())
    if at_mark and end:
        print(
            f"RSS at {at_mark[1]} pages: crawl {at_mark[2] / 2**20:.0f} MB, with workers "
            f"{at_mark[3] / 2**20:.0f} MB\nRSS at the end ({end[1]} pages): crawl "
            f"{end[2] / 2**20:.0f} MB, with workers {end[3] / 2**20:.0f} MB\n"
            f"ratio end/mark: crawl {end[2] / at_mark[2]:.2f}, with workers "
            f"{end[3] / at_mark[3]:.2f}"
        )
    shutil.rmtree(out, ignore_errors=True)
    if args.slow_hosts:
        return 0 if served.value >= articles else 1
    return 0 if crawl.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
