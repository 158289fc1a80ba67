"""Chromium's peak memory on hostile pages: ``newsarc crawl --render always`` of one page each.

Each case is one crawl of a one-page site served from this process on 127.0.0.1 (raw sockets,
so a server can ignore ``Accept-Encoding``), at the given ``DOWNLOAD_MAXSIZE``:

* ``plain``: a small article;
* ``text-N``: an honest page of N MiB of text (under the limit, the browser renders it);
* ``over-limit``: 4 × the limit (the egress proxy gives no answer);
* ``chunked``: an endless chunked body (cut at the limit);
* ``gzip-bomb``, ``br-bomb``: 1 GiB of zeros compressed, sent although the proxy asked for
  ``identity`` (refused by the proxy since h29).

Reported per case: the highest peak RSS (``VmHWM``, sampled every 20 ms) of each kind of
chromium process (browser, renderer, GPU, utility, zygote). The renderer holds the page.

    uv run python bench/render_rss.py [--limit-mib 16] [CASE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brotli
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_crawl_faults_wire import (  # noqa: E402
    _HTML,
    _deflated,
    _encoded,
    _endless_chunks,
    _honest,
    _WireServer,
)


def _kind(process: psutil.Process) -> str:
    args = process.cmdline()
    kinds = [a.removeprefix("--type=") for a in args if a.startswith("--type=")]
    return kinds[0] if kinds else "browser"


def peaks(page: object, limit: int) -> tuple[int, dict[str, int]]:
    """Crawl a one-page site whose page is ``page``: exit status, peak RSS per process kind."""
    routes = {
        "/robots.txt": _honest(b"User-agent: *\n", "text/plain"),
        "/": _honest(_HTML + b'<a href="/page.html">page</a>'),
        "/page.html": page,
    }
    found: dict[str, int] = {}
    kinds: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="render-rss-") as out, _WireServer(routes) as server:
        proc = psutil.Popen(
            [str(Path(sys.executable).with_name("newsarc")), "crawl", server.url("/"),
             "--out", out, "--render", "always", "-s", f"DOWNLOAD_MAXSIZE={limit}",
             "-s", "RETRY_TIMES=0", "-s", "RENDER_RETRY_TIMES=0",
             "-s", "NEWSARC_EXTRACT_WORKERS=0"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while proc.poll() is None:
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error, OSError):
                    if "chrom" not in child.name():
                        continue
                    kind = kinds.setdefault(child.pid, _kind(child))
                    status = Path(f"/proc/{child.pid}/status").read_text()
                    if "VmHWM:" in status:
                        peak = int(status.split("VmHWM:", 1)[1].split()[0]) * 1024
                        found[kind] = max(found.get(kind, 0), peak)
            time.sleep(0.02)
    return proc.returncode, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit-mib", type=int, default=16, help="DOWNLOAD_MAXSIZE in MiB")
    parser.add_argument("cases", nargs="*", help="cases to run (default: all)")
    args = parser.parse_args()
    limit = args.limit_mib * 1024 * 1024

    def text(mebibytes: float) -> object:
        words = b"Words of a long page. " * int(mebibytes * 1024 * 1024 / 22)
        return _honest(_HTML + b"<article><p>" + words + b"</p></article>")

    cases = {
        "plain": _honest(_HTML + b"<article><h1>Story</h1><p>" + b"Words. " * 300 + b"</p>"),
        "text-1": text(1),
        "text-4": text(4),
        "text-12": text(12),
        "over-limit": text(4 * args.limit_mib),
        "chunked": _endless_chunks,
        "gzip-bomb": _encoded("gzip", _deflated(31, 1024)),
        "br-bomb": _encoded("br", brotli.compress(b"\0" * (1024 * 1024 * 1024), quality=5)),
    }
    print(f"DOWNLOAD_MAXSIZE {args.limit_mib} MiB; peak RSS (MiB) per chromium process kind")
    for name in args.cases or cases:
        code, found = peaks(cases[name], limit)
        shown = ", ".join(f"{kind} {size >> 20}" for kind, size in sorted(found.items()))
        print(f"{name:>11}: exit {code}; {shown}", flush=True)


if __name__ == "__main__":
    main()
