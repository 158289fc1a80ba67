"""Session credentials that expire while a crawl runs (RELIABILITY.md §3, F15).

moto never checks a session token's expiry, so a small local proxy stands in front of moto's
server and, once told the token has expired, answers every request as S3 does then:
``400 Bad Request`` with an ``ExpiredToken`` error body (no body for ``HEAD``). The token
expires while the crawl fetches its pages. Nothing fetched may be lost: every file stays in the
spool, the crawl exits 4 with one line naming the error and the settings to renew, and a later
run, with a fresh token, stores everything the first one left.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import RequestHeaders, Route, SiteServer
from crawler.manifest import count_warc_records
from tests.conftest import ROOT
from tests.store.s3_server import MotoS3, ProxyServer, ask_upstream, relay

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
PAGES = 30
_EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code>'
    b"<Message>The provided token has expired.</Message>"
    b"<RequestId>4442587FB7D0A2F9</RequestId></Error>"
)


class _ExpiringProxy:
    """Forwards to moto at ``upstream``; once :attr:`valid_for` requests went through (the
    token's lifetime), or while :attr:`expired` is set, answers ``ExpiredToken``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.valid_for: int | None = None
        self.expired = False
        self.refused = 0
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.valid_for is not None and proxy.forwarded >= proxy.valid_for:
                    proxy.expired = True
                if proxy.expired:
                    proxy.refused += 1
                    self.send_response(400)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("x-amz-request-id", "4442587FB7D0A2F9")
                    self.send_header("Content-Length", str(len(_EXPIRED)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(_EXPIRED)
                    return
                proxy.forwarded += 1
                relay(self, ask_upstream(self, proxy.upstream, body))

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ProxyServer(Handler)
        self.endpoint = self.server.endpoint

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def proxy(moto_s3: MotoS3) -> Iterator[_ExpiringProxy]:
    front = _ExpiringProxy(("127.0.0.1", moto_s3.port))
    try:
        yield front
    finally:
        front.close()


def _crawl(
    moto_s3: MotoS3,
    proxy: _ExpiringProxy,
    bucket: str,
    site: SiteServer,
    spool: Path,
    *,
    token: str,
) -> subprocess.CompletedProcess[str]:
    env = moto_s3.env() | {"AWS_ENDPOINT_URL": proxy.endpoint, "AWS_SESSION_TOKEN": token}
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.run(
        [
            str(script), "crawl", site.url("/"), "--out", f"s3://{bucket}/runs",
            "-s", f"NEWSARC_SPOOL_DIR={spool}", "-s", "STORE_UPLOAD_INTERVAL=0.3",
            "-s", "WARC_MAX_FILE_SIZE=20000",  # several files, uploaded while the crawl runs
        ],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, check=False,
    )  # fmt: skip


def _stored_warcs(moto_s3: MotoS3, bucket: str, into: Path) -> list[Path]:
    """The WARC files in the bucket, downloaded straight from moto into ``into``."""
    into.mkdir(exist_ok=True)
    found = []
    for key in moto_s3.keys(bucket):
        if key.endswith(".warc.gz"):
            path = into / key.rsplit("/", 1)[-1]
            body = moto_s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
            path.write_bytes(body)
            found.append(path)
    return found


def _spooled(spool: Path) -> list[Path]:
    return sorted(p for p in spool.rglob("*") if p.is_file() and p.name.endswith(".gz"))


def test_a_token_expiring_mid_crawl_loses_nothing_exits_4_and_a_later_run_uploads(
    tmp_path: Path, moto_s3: MotoS3, proxy: _ExpiringProxy
) -> None:
    bucket = moto_s3.new_bucket("expiring")
    spool = tmp_path / "spool"
    links = " ".join(f'<a href="/p{i}.html">story {i}</a>' for i in range(PAGES))

    def routes(path: str, headers: RequestHeaders) -> Route | None:
        if path == "/robots.txt":
            return ROBOTS
        if path == "/":
            return Route.html(f"<h1>News</h1><p>{links}</p>")
        if path.startswith("/p") and path.endswith(".html"):
            text = f"<p>Story {path} of the day. " + "Words of the story. " * 300 + "</p>"
            return Route.html(f"<article><h1>Story {path}</h1>{text}</article>")
        return None

    # The token runs out after the first requests (the lifecycle check, the first file's put
    # and its check): mid-crawl.
    proxy.valid_for = 3
    with SiteServer(routes) as site:
        first = _crawl(moto_s3, proxy, bucket, site, spool, token="session-token-1")
        assert first.returncode == 4, first.stdout + first.stderr
        assert proxy.refused > 0 and proxy.forwarded > 0
        error = first.stderr.strip().splitlines()[-1]
        assert error.startswith("newsarc: crawl failed: "), first.stderr
        # S3 sends the error body to every request but HEAD, where botocore sees only "400":
        # the message names the token either way.
        assert ("ExpiredToken" in error and "renew AWS_SESSION_TOKEN" in error) or (
            "(400)" in error and "an expired AWS_SESSION_TOKEN" in error
        ), error
        assert "pending upload" in error and "the files stay in the spool" in error, error
        assert "Traceback" not in first.stderr
        # Every page is archived: in the spool, or stored before the token ran out.
        kept = _spooled(spool)
        before = _stored_warcs(moto_s3, bucket, tmp_path / "stored")
        records = sum(count_warc_records(p) for p in kept + before if p.name.endswith(".warc.gz"))
        assert records >= 2 * (PAGES + 2), records  # request and response of every page
        assert kept, "the files the store refused are kept"
        names = {p.name for p in kept}
        # A fresh token: the next run stores what the first one left, then its own files.
        proxy.valid_for, proxy.expired = None, False
        second = _crawl(moto_s3, proxy, bucket, site, spool, token="session-token-2")
    assert second.returncode == 0, second.stdout + second.stderr
    stored = {key.rsplit("/", 1)[-1] for key in moto_s3.keys(bucket)}
    assert names <= stored, names - stored
    assert _spooled(spool) == []
