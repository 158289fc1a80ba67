"""Pages/s of one crawl shared by 1, 2 and 4 workers over one Redis, beside scrapy-redis; what a
SIGKILL loses; Redis memory per million queued URLs.

**The site**: bench/soak.py's generated news site (``--pages`` pages, each linking the next ten),
spread over ``--hosts`` host names ``h<k>.soak.test`` that a stub DNS server (tests/dns_server.py)
resolves to 127.0.0.1–127.0.0.8, served from its own process with ``--delay`` seconds per page
(a latency-bound crawl, as a remote news site is). The server counts every page it serves and
the most requests it had in flight at once for one host.

**The runs**, side by side in one invocation, against one real ``redis-server`` (emptied before
each run): ``newsarc crawl --frontier redis://…`` plus N-1 ``newsarc worker`` processes
(``FRONTIER_MAX_HOSTS`` = hosts/N, so that every worker gets hosts; settings otherwise the
defaults, AutoThrottle included), and N processes of a bare scrapy-redis spider
(bench/scrapy_redis_spider.py, in its own environment: ``make scrapy-redis-tool``) that only
follows links: no extraction, no archive, no robots.txt, no per-host politeness across
processes. For N in 1, 2, 4. Pages/s is counted from the first start to the last page the
server served (scrapy-redis processes then wait ``MAX_IDLE_TIME_BEFORE_CLOSE`` before they
exit; newsarc workers wait for the frontier to be drained and write their manifest); the wall
time to the last exit is printed too.

**SIGKILL**: 2 processes of each; once a third of the pages are served, one process is killed
with SIGKILL; the other runs to the end (newsarc with a 5 s lease). Lost = pages of the site the
server never served.

**Memory**: INFO ``used_memory`` of an empty Redis before and after ``--memory-urls`` URLs
(200,000 by default) are queued through :class:`~crawler.frontier.redis.RedisFrontier`'s own
add and checkpoint path, bare and with the stored request a worker hands off (the record of a
page of the newsarc run, its URL changed), extrapolated linearly to 1,000,000.

    uv run python bench/workers.py [--pages 400] [--hosts 8] [--delay 0.1] [--memory-urls 200000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.soak import ADDRESSES, page_html  # noqa: E402
from crawler.frontier import Entry  # noqa: E402
from crawler.frontier.redis import RedisFrontier  # noqa: E402
from tests.dns_server import StubDNS  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

NEWSARC = str(Path(sys.executable).with_name("newsarc"))
SCRAPY_REDIS = ROOT / ".tools" / "scrapy-redis" / "bin" / "scrapy"
FAST = ["-s", "FRONTIER_CHECKPOINT_INTERVAL=0.5", "-s", "FRONTIER_POLL_INTERVAL=0.2"]


def serve(pages: int, hosts: int, delay: float, shared: dict[str, Any]) -> None:
    """The site, in its own process: one listener per address (all on one port)."""
    in_flight: Counter[str] = Counter()
    lock = threading.Lock()
    counts, peak, last = shared["counts"], shared["peak"], shared["last"]
    port_holder: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            with lock:
                in_flight[host] += 1
                peak.value = max(peak.value, in_flight[host])
            try:
                self._answer()
            finally:
                with lock:
                    in_flight[host] -= 1

        def _answer(self) -> None:
            path = self.path.split("?", 1)[0]
            status, ctype, body = 404, "text/plain", b"not found"
            page = None
            if path == "/robots.txt":
                status, body = 200, b"User-agent: *\nAllow: /\n"
            elif path == "/":
                page = 0
            elif path.startswith("/news/") and path.endswith(".html") and path[6:-5].isdigit():
                page = int(path[6:-5]) if int(path[6:-5]) < pages else None
            if page is not None:
                time.sleep(delay)
                status, ctype = 200, "text/html; charset=utf-8"
                body = page_html(page, pages, hosts, port_holder[0])
                with lock:
                    counts[page] += 1
                    last.value = time.time()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a killed crawler's connections reset: expected here

    first = Server((ADDRESSES[0], 0), Handler)
    port = first.server_address[1]
    port_holder.append(port)
    for address in ADDRESSES[1:]:
        threading.Thread(target=Server((address, port), Handler).serve_forever, daemon=True).start()
    shared["port"].value = port
    shared["ready"].set()
    first.serve_forever()


class Site:
    """The site's process and the stub DNS server naming its hosts."""

    def __init__(self, pages: int, hosts: int, delay: float) -> None:
        self.pages = pages
        self.shared = {
            "counts": multiprocessing.Array("i", pages, lock=False),
            "peak": multiprocessing.Value("i", 0, lock=False),
            "last": multiprocessing.Value("d", 0.0, lock=False),
            "port": multiprocessing.Value("i", 0),
            "ready": multiprocessing.Event(),
        }
        self.process = multiprocessing.Process(
            target=serve, args=(pages, hosts, delay, self.shared), daemon=True
        )
        self.process.start()
        if not self.shared["ready"].wait(30):
            raise RuntimeError("the site did not start")
        self.port = self.shared["port"].value
        names = {"soak.test": ADDRESSES[0]}
        names.update({f"h{k}.soak.test": ADDRESSES[k % len(ADDRESSES)] for k in range(hosts)})
        self.names = names
        self.dns = StubDNS(names).__enter__()
        self.start_url = f"http://soak.test:{self.port}/"

    def reset(self) -> None:
        for i in range(self.pages):
            self.shared["counts"][i] = 0
        self.shared["peak"].value = 0
        self.shared["last"].value = 0.0

    @property
    def served(self) -> int:
        return sum(1 for n in self.shared["counts"] if n)

    @property
    def twice(self) -> int:
        """Articles served more than once (not page 0: every host's home link is "/")."""
        return sum(1 for n in self.shared["counts"][1:] if n > 1)

    def close(self) -> None:
        self.dns.__exit__(None, None, None)
        self.process.terminate()
        self.process.join(5)


def _crawl_key(client: redis.Redis) -> str:
    for _ in range(1200):
        keys = client.keys("newsarc:frontier:{*}:meta")
        if keys:
            return str(keys[0].decode().split("{", 1)[1].split("}", 1)[0])
        time.sleep(0.05)
    raise RuntimeError("no crawl appeared in Redis")


def _newsarc(
    site: Site, server: RedisServer, n: int, *, hosts: int, tmp: Path, lease: str = ""
) -> list[Any]:
    allowed = ",".join(f"{name}:{site.port}" for name in site.names)
    common = [*FAST, "-s", f"NEWSARC_DNS_SERVERS={site.dns.server}"]
    common += ["-s", f"NEWSARC_ALLOWED_HOSTS={allowed}", "-s", "NEWSARC_MAX_PAGES_PER_HOST=0"]
    common += ["-s", f"FRONTIER_MAX_HOSTS={max(1, hosts // n)}"]
    first = [NEWSARC, "crawl", site.start_url, "--out", str(tmp / "w0")]
    first += ["--frontier", server.url + lease, *common]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    procs = [subprocess.Popen(first, **quiet)]  # type: ignore[call-overload]
    if n > 1:
        client = server.client()
        key = _crawl_key(client)
        client.close()
        for i in range(1, n):
            worker = [NEWSARC, "worker", "--frontier", f"{server.url}/{key}{lease}"]
            worker += ["--out", str(tmp / f"w{i}"), "--worker-id", f"w{i}", *common]
            procs.append(subprocess.Popen(worker, **quiet))  # type: ignore[call-overload]
    return procs


def _scrapy_redis(site: Site, server: RedisServer, n: int, tmp: Path) -> list[Any]:
    client = server.client()
    client.lpush("bench:start_urls", site.start_url)
    client.close()
    command = [str(SCRAPY_REDIS), "runspider", str(ROOT / "bench" / "scrapy_redis_spider.py")]
    command += ["-s", f"REDIS_URL={server.url}", "-s", f"STUB_DNS={site.dns.server}"]
    command += ["-s", "TWISTED_DNS_RESOLVER=scrapy_redis_spider.StubDnsResolver"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    env = {k: v for k, v in env.items() if not k.startswith(("SCRAPY_", "VIRTUAL_ENV"))}
    tmp.mkdir(parents=True, exist_ok=True)  # not the checkout: its scrapy.cfg is newsarc's
    logs = [(tmp / f"scrapy-redis-{i}.log").open("wb") for i in range(n)]
    procs = [
        subprocess.Popen(command, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        for log in logs
    ]
    for log in logs:
        log.close()
    return procs


def one_run(
    tool: str, n: int, site: Site, server: RedisServer, *, hosts: int, tmp: Path, kill: bool = False
) -> dict[str, Any]:
    client = server.client()
    client.flushall()
    client.close()
    site.reset()
    started = time.time()
    if tool == "newsarc":
        procs = _newsarc(site, server, n, hosts=hosts, tmp=tmp, lease="?lease=5" if kill else "")
    else:
        procs = _scrapy_redis(site, server, n, tmp)
    if kill:
        while site.served < site.pages // 3 and procs[0].poll() is None:
            time.sleep(0.02)
        procs[0].send_signal(signal.SIGKILL)
    codes = [p.wait(timeout=900) for p in procs]
    ended = time.time()
    served = site.served
    seconds = max(site.shared["last"].value - started, 1e-9)
    return {
        "codes": codes,
        "served": served,
        "lost": site.pages - served,
        "twice": site.twice,
        "rate": served / seconds,
        "wall": ended - started,
        "peak": site.shared["peak"].value,
    }


def memory(server: RedisServer, urls: int, request: str | None, tmp: Path) -> float:
    """Bytes of Redis memory per queued URL (``request``: stored with each, as a worker hands
    a found link off)."""
    client = server.client()
    client.flushall()
    before = int(client.info("memory")["used_memory"])
    frontier = RedisFrontier.open(server.url + "/memory", tmp)
    chunk = 10_000
    sections = ("politics", "business", "sport", "culture", "science", "world", "local")
    for start in range(0, urls, chunk):
        for i in range(start, min(urls, start + chunk)):
            url = (
                f"https://www.news{i % 500}.example/2026/{1 + i % 12:02d}/{1 + i % 28:02d}/"
                f"{sections[i % len(sections)]}/a-headline-of-some-words-{i}.html"
            )
            frontier.add(Entry(url))
            if request is not None:
                frontier.attach_request(url, request.replace("__URL__", url))
        frontier.checkpoint()
    frontier.close()
    after = int(client.info("memory")["used_memory"])
    client.close()
    return (after - before) / urls


def _stored_request(server: RedisServer) -> str | None:
    """The request a worker stored with a page of the last newsarc run, its URL a template."""
    client = server.client()
    try:
        for key in client.keys("newsarc:frontier:{*}:url"):
            for url, raw in client.hscan_iter(key, count=100):
                request = json.loads(raw).get("request")
                if request and b"/news/" in url:
                    return str(request).replace(url.decode(), "__URL__")
    finally:
        client.close()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per page")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--memory-urls", type=int, default=200_000)
    args = parser.parse_args()
    if not SCRAPY_REDIS.exists():
        raise SystemExit("scrapy-redis is not installed: make scrapy-redis-tool")
    counts = [int(n) for n in args.workers.split(",")]
    site = Site(args.pages, args.hosts, args.delay)
    request = None
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        server = RedisServer(Path(tmp) / "redis")
        server.start()
        try:
            print(
                f"{args.pages} pages on {args.hosts} hosts, {args.delay:.2f} s per page, "
                f"one Redis; pages/s to the last page served (wall s to the last exit)"
            )
            for n in counts:
                for tool in ("newsarc", "scrapy-redis"):
                    r = one_run(
                        tool, n, site, server, hosts=args.hosts, tmp=Path(tmp) / f"{tool}-{n}"
                    )
                    if tool == "newsarc":
                        request = _stored_request(server) or request
                    print(
                        f"{tool:12} x{n}  {r['rate']:6.1f} pages/s  (wall {r['wall']:5.1f} s)  "
                        f"served {r['served']}/{args.pages}, twice {r['twice']}, most in "
                        f"flight per host {r['peak']}, exit codes {r['codes']}",
                        flush=True,
                    )
            print("SIGKILL of one of 2 processes once a third of the pages were served:")
            for tool in ("newsarc", "scrapy-redis"):
                tmp_k = Path(tmp) / f"{tool}-k"
                r = one_run(tool, 2, site, server, hosts=args.hosts, tmp=tmp_k, kill=True)
                print(
                    f"{tool:12} lost {r['lost']} of {args.pages} pages, fetched twice "
                    f"{r['twice']}, survivor's exit code {r['codes'][1]}",
                    flush=True,
                )
            bare = memory(server, args.memory_urls, None, Path(tmp))
            print(f"Redis memory, {args.memory_urls} URLs queued (bare): {bare:.0f} B/URL, "
                  f"{bare * 1e6 / 2**20:.0f} MiB per million (extrapolated)")  # fmt: skip
            if request is not None:
                full = memory(server, args.memory_urls, request, Path(tmp))
                print(f"Redis memory, {args.memory_urls} URLs queued with their stored request "
                      f"({len(request)} B of JSON): {full:.0f} B/URL, "
                      f"{full * 1e6 / 2**20:.0f} MiB per million (extrapolated)")  # fmt: skip
        finally:
            server.stop()
            site.close()


if __name__ == "__main__":
    main()
