"""WARC writing: newsarc's archiving step against bare warcio writing the same responses.

Both write the same synthetic news-page exchanges (HTML bodies of ~80 KB, mostly text, as a
server would send them uncompressed) as gzip-per-record response + request records, one after
the other in the same run, timed with CPU time of this process (steadier on a shared machine)
and wall time. newsarc's step includes what bare warcio does not: header consistency fix-ups,
payload-digest lookups for revisits, fsync, the verification pass on close, and the CDXJ index
(reported with and without it). Reported: MB/s (response bodies), pages/s, and newsarc's share
of the bare rate. The target is at least 80 %.

    uv run python bench/warc_write.py [--pages 2000] [--size 80000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.warc.writer import HttpExchange, WarcFileWriter

WORDS = [
    "the",
    "minister",
    "said",
    "on",
    "tuesday",
    "that",
    "talks",
    "would",
    "resume",
    "after",
    "the",
    "summit",
    "while",
    "markets",
    "fell",
    "sharply",
    "and",
    "analysts",
    "expected",
    "further",
    "cuts",
    "to",
    "interest",
    "rates",
    "later",
    "this",
    "year",
]


def _pages(n: int, size: int, seed: int = 7) -> list[HttpExchange]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    pages = []
    for i in range(n):
        words: list[str] = []
        length = 0
        while length < size:
            word = rng.choice(WORDS)
            words.append(word)
            length += len(word) + 1
        body = f"<html><body><article><p>{' '.join(words)}</p></article></body></html>".encode()
        pages.append(
            HttpExchange(
                url=f"https://news.example/{i}.html",
                fetched_at=now,
                method="GET",
                request_target=f"/{i}.html",
                request_headers=[("Host", "news.example"), ("User-Agent", "bench")],
                request_body=b"",
                status=200,
                response_headers=[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Server", "bench"),
                ],
                response_body=body,
            )
        )
    return pages


def bare_warcio(pages: list[HttpExchange], directory: Path) -> None:
    with (directory / "bare.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for ex in pages:
            http = StatusAndHeaders("200 OK", list(ex.response_headers), protocol="HTTP/1.1")
            response = writer.create_warc_record(
                ex.url,
                "response",
                payload=BytesIO(ex.response_body),
                length=len(ex.response_body),
                http_headers=http,
            )
            writer.write_record(response)
            req_http = StatusAndHeaders(
                f"{ex.request_target} HTTP/1.1", list(ex.request_headers), protocol="GET"
            )
            request = writer.create_warc_record(
                ex.url, "request", payload=BytesIO(b""), length=0, http_headers=req_http
            )
            writer.write_record(request)


def newsarc(pages: list[HttpExchange], directory: Path, *, cdxj: bool) -> None:
    writer = WarcFileWriter(
        directory,
        "bench",
        1024 * 1024 * 1024,
        {"software": "bench"},
        cdxj_enabled=cdxj,
        revisits=True,
    )
    for ex in pages:
        writer.write_exchange(ex)
    writer.close()


def _time(step: Callable[[Path], None]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        step(Path(tmp))
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--size", type=int, default=80_000, help="body bytes per page")
    args = parser.parse_args()
    pages = _pages(args.pages, args.size)
    megabytes = sum(len(p.response_body) for p in pages) / 1e6
    results = {
        "bare warcio": _time(lambda d: bare_warcio(pages, d)),
        "newsarc (no CDXJ)": _time(lambda d: newsarc(pages, d, cdxj=False)),
        "newsarc (+ CDXJ)": _time(lambda d: newsarc(pages, d, cdxj=True)),
    }
    print(f"{args.pages} pages, {megabytes:.1f} MB of bodies")
    print(f"{'writer':20} {'wall s':>7} {'cpu s':>7} {'MB/s':>7} {'pages/s':>8} {'share':>6}")
    bare_cpu = results["bare warcio"][1]
    for name, (wall, cpu) in results.items():
        print(
            f"{name:20} {wall:7.2f} {cpu:7.2f} {megabytes / cpu:7.1f} {args.pages / cpu:8.0f} "
            f"{bare_cpu / cpu:6.0%}"
        )


if __name__ == "__main__":
    main()
