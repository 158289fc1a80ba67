"""Pages/s of one crawl shared by 1 and 2 workers over a Redis frontier, beside the SQLite default.

The site is the two-host test site of ``tests/test_frontier_scheduler.py`` (127.0.0.1 and
127.0.0.2, ``--delay`` seconds per page: a latency-bound crawl, as a remote news site is), the
Redis a real ``redis-server`` on 127.0.0.1. Three runs side by side, ``--rounds`` times each,
alternating: ``newsarc crawl`` with the SQLite frontier (the baseline), ``newsarc crawl
--frontier redis://…`` alone, and that crawl plus one ``newsarc worker`` (both with
``FRONTIER_MAX_HOSTS=1``: one host each). Wall time from the first start to the last exit;
pages/s and the ratio to the baseline are printed. Workers start as processes (their start-up,
~2 s each on a busy machine, is in the figure: small sites understate the gain).

    uv run python bench/workers.py [--delay 0.2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from tests.redis_server import RedisServer  # noqa: E402
from tests.test_frontier_scheduler import Site  # noqa: E402

NEWSARC = str(Path(sys.executable).with_name("newsarc"))
FAST = ["-s", "FRONTIER_CHECKPOINT_INTERVAL=0.5", "-s", "FRONTIER_POLL_INTERVAL=0.2"]


def _crawl_key(url: str) -> str:
    client = redis.Redis.from_url(url)
    try:
        for _ in range(600):
            keys = client.keys("newsarc:frontier:{*}:meta")
            if keys:
                return keys[0].decode().split("{", 1)[1].split("}", 1)[0]
            time.sleep(0.05)
    finally:
        client.close()
    raise RuntimeError("no crawl appeared in Redis")


def one_run(mode: str, delay: float, server: RedisServer, tmp: Path) -> tuple[float, int]:
    """(seconds, pages fetched) of one crawl of the site in ``mode``."""
    client = server.client()
    client.flushall()
    client.close()
    with Site(delay=delay, hosts=("127.0.0.1", "127.0.0.2")) as site:
        started = time.monotonic()
        args = [NEWSARC, "crawl", site.url(0), site.url(1), "--out", str(tmp / mode / "a")]
        if mode != "sqlite":
            args += ["--frontier", server.url, *FAST]
        if mode == "redis-2":
            args += ["-s", "FRONTIER_MAX_HOSTS=1"]
        procs = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        if mode == "redis-2":
            key = _crawl_key(server.url)
            worker = [NEWSARC, "worker", "--frontier", f"{server.url}/{key}"]
            worker += ["--out", str(tmp / mode / "b"), *FAST, "-s", "FRONTIER_MAX_HOSTS=1"]
            procs.append(
                subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        codes = [p.wait(timeout=600) for p in procs]
        seconds = time.monotonic() - started
        if any(codes):
            raise RuntimeError(f"{mode}: exit codes {codes}")
        return seconds, len(site.fetched())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per page")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    modes = ("sqlite", "redis-1", "redis-2")
    results: dict[str, list[float]] = {m: [] for m in modes}
    pages = 0
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        server = RedisServer(Path(tmp) / "redis")
        server.start()
        try:
            for r in range(args.rounds):
                for mode in modes:
                    seconds, pages = one_run(mode, args.delay, server, Path(tmp) / f"r{r}")
                    results[mode].append(pages / seconds)
        finally:
            server.stop()
    base = statistics.median(results["sqlite"])
    print(f"{pages} pages on 2 hosts, {args.delay:.2f} s per page, {args.rounds} rounds (median)")
    for mode in modes:
        rate = statistics.median(results[mode])
        print(f"{mode:8}  {rate:6.2f} pages/s  x{rate / base:4.2f} of sqlite")


if __name__ == "__main__":
    main()
