"""Crawl throughput: a bare Scrapy spider against ``newsarc crawl`` on the same local site.

Both crawl the demo site generated with a few thousand articles, written out as static files
and served by nginx on 127.0.0.1 as in the issue's own measurement (``--server python``: the
demo's Python server instead, which takes more of the same two cores). They run alternately in
the same run (``--rounds``; medians are reported, so that a burst of other load on a shared
machine does not decide the ratio). Reported per crawler: pages, wall seconds, pages/s, CPU ms
per page (user+sys of the crawler process and its children, the steadier figure on a shared
machine) and peak RSS; then newsarc's share of the bare rate. The target is at least half.

    uv run python bench/crawl_throughput.py [--articles 3000] [--max-pages 3000] [--rounds 3]
                                            [--server nginx|python]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
with DemoServer(DemoSite(n_articles=int(sys.argv[1]))) as server:
    print(server.base_url, flush=True)
    while True:
        time.sleep(3600)
"""


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html;
        text/plain txt;
        text/css css;
        application/javascript js;
        image/jpeg jpg;
        image/png png;
    }}
    default_type text/html;
    charset utf-8;
    charset_types text/html text/plain text/css application/javascript application/xml
        application/rss+xml;
    gzip on;
    gzip_types text/plain text/css application/javascript application/xml application/rss+xml;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        location = /sitemap.xml {{ types {{ }} default_type application/xml; }}
        location = /rss.xml {{ types {{ }} default_type application/rss+xml; }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _nginx_site(nginx: str, articles: int) -> Iterator[str]:
    """The demo site written out as static files and served by nginx, as the issue measured."""
    sys.path.insert(0, str(ROOT))
    from crawler.demo.site import DemoSite  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # nginx's worker may run as another user
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        site = DemoSite(n_articles=articles)
        root = Path(tmp) / "site"
        for path in site.paths():
            response = site.render(path, base_url)
            assert response is not None and response.status == 200, path
            target = root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
            target.parent.mkdir(parents=True, exist_ok=True)
            body = response.body if isinstance(response.body, bytes) else response.body.encode()
            target.write_bytes(body)
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root))
        proc = subprocess.Popen([nginx, "-p", tmp, "-c", str(conf)], stderr=subprocess.PIPE)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{base_url}/robots.txt", timeout=1).read()
                    break
                time.sleep(0.05)
            else:
                sys.exit(f"nginx did not start: {Path(tmp, 'error.log').read_text()}")
            yield base_url
        finally:
            proc.terminate()
            proc.wait()


@contextlib.contextmanager
def python_site(articles: int) -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(articles)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait()


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0


def _measure(name: str, command: list[str]) -> tuple[Result, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{out}\n{err}")
    return Result(name, 0, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), out


def _bare(url: str, max_pages: int) -> Result:
    result, out = _measure(
        "bare scrapy", [sys.executable, str(ROOT / "bench" / "bare_spider.py"), url, str(max_pages)]
    )
    result.pages = int(out.strip().rsplit("pages=", 1)[-1])
    return result


def _newsarc(url: str, max_pages: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        result, out = _measure(
            "newsarc crawl",
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "crawl",
                url,
                "--out",
                tmp,
                "--max-pages",
                str(max_pages),
                "-s",
                "AUTOTHROTTLE_ENABLED=False",
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            ],
        )
    line = next(line for line in out.splitlines() if "pages fetched" in line)
    result.pages = int(line.split()[2])
    return result


def _median(results: list[Result]) -> Result:
    ordered = sorted(results, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--max-pages", type=int, default=3000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="bare and newsarc run alternately this many times; medians are reported",
    )
    parser.add_argument(
        "--server",
        choices=["nginx", "python"],
        default="nginx",
        help="serve the site as static files with nginx (default, as the issue measured), or "
        "with the demo's Python server (more CPU per page on the same two cores)",
    )
    args = parser.parse_args()

    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if args.server == "nginx" and nginx is None:
        sys.exit("nginx is not installed (make bench installs it); or use --server python")
    bares: list[Result] = []
    newsarcs: list[Result] = []
    site = _nginx_site(nginx, args.articles) if nginx and args.server == "nginx" else None
    with site or python_site(args.articles) as base_url:
        url = f"{base_url}/"
        for _ in range(args.rounds):
            bares.append(_bare(url, args.max_pages))
            newsarcs.append(_newsarc(url, args.max_pages))

    print(
        f"site: demo site with {args.articles} articles served by {args.server} on {base_url},"
        f" max {args.max_pages} pages, {os.cpu_count()} CPUs, {args.rounds} round(s), medians"
    )
    print(
        f"{'crawler':<16}{'pages':>7}{'wall s':>9}{'pages/s':>9}{'CPU ms/page':>13}"
        f"{'peak RSS MB':>13}"
    )
    bare, newsarc = _median(bares), _median(newsarcs)
    for result in (bare, newsarc):
        print(
            f"{result.name:<16}{result.pages:>7}{result.seconds:>9.1f}{result.rate:>9.1f}"
            f"{result.cpu_ms_per_page:>13.2f}{result.peak_rss_mb:>13.0f}"
        )
    rounds = ", ".join(f"{n.rate / b.rate:.2f}" for b, n in zip(bares, newsarcs, strict=True))
    ratio = newsarc.rate / bare.rate if bare.rate else 0.0
    print(
        f"newsarc / bare: {ratio:.2f} of the bare rate (target >= 0.50; per round: {rounds}); "
        f"CPU per page {newsarc.cpu_ms_per_page / bare.cpu_ms_per_page:.2f}x"
    )


if __name__ == "__main__":
    main()
