"""An S3-compatible store that keeps no SHA-256 checksums (RELIABILITY.md §3, F15).

Such a store is stood in for by a local proxy in front of moto's server that removes every
``x-amz-checksum-*`` header from the answers, so ``HeadObject`` shows no ``ChecksumSHA256``
(as on stores that ignore the checksum headers). ``put`` then reads the object back and
compares its SHA-256: a faithful store is accepted, single part and multipart, and a store
that returns other bytes is caught (the object deleted, the local file kept).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from crawler.exceptions import StoreError
from crawler.store.s3 import S3Store, make_s3_client
from tests.store.s3_server import CREDENTIALS, MotoS3, ProxyServer, ask_upstream, relay

PART = 5 * 1024 * 1024


class _StrippingProxy:
    """Forwards to ``upstream`` (host, port); drops ``x-amz-checksum-*`` from the answers and,
    when ``corrupt_reads`` is set, flips a byte of every object body a GET returns."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.stripped = 0
        self.corrupt_reads = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                answer = ask_upstream(self, proxy.upstream, body)
                headers = []
                for name, value in answer.headers:
                    if name.lower().startswith("x-amz-checksum"):
                        proxy.stripped += 1
                    else:
                        headers.append((name, value))
                data = answer.data
                if proxy.corrupt_reads and self.command == "GET" and "?" not in self.path and data:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                relay(self, answer._replace(headers=headers, data=data))

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ProxyServer(Handler)
        self.endpoint = self.server.endpoint

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def store(moto_s3: MotoS3) -> Iterator[tuple[S3Store, _StrippingProxy]]:
    proxy = _StrippingProxy(("127.0.0.1", moto_s3.port))
    client = make_s3_client({"AWS_ENDPOINT_URL": proxy.endpoint, **CREDENTIALS})
    bucket = f"nochecksum-{secrets.token_hex(4)}"
    moto_s3.client().create_bucket(Bucket=bucket)
    try:
        yield S3Store(client, bucket, "runs", part_size=PART), proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("size", [1000, 2 * PART + 123], ids=["single-part", "multipart"])
def test_a_store_without_checksums_is_verified_by_reading_back(
    tmp_path: Path, moto_s3: MotoS3, store: tuple[S3Store, _StrippingProxy], size: int
) -> None:
    s3, proxy = store
    local = tmp_path / "x.warc.gz"
    local.write_bytes(os.urandom(size))
    s3.put(local, "crawl/warc/x.warc.gz")
    assert proxy.stripped, "the proxy removed the store's checksums"
    stored = moto_s3.client().get_object(Bucket=s3.bucket, Key="runs/crawl/warc/x.warc.gz")
    assert stored["Body"].read() == local.read_bytes()


def test_a_store_without_checksums_returning_other_bytes_is_caught(
    tmp_path: Path, moto_s3: MotoS3, store: tuple[S3Store, _StrippingProxy]
) -> None:
    s3, proxy = store
    proxy.corrupt_reads = True
    local = tmp_path / "x.warc.gz"
    local.write_bytes(os.urandom(1000))
    with pytest.raises(StoreError, match="do not have the local file's SHA-256"):
        s3.put(local, "crawl/warc/x.warc.gz")
    assert local.exists()
    assert moto_s3.keys(s3.bucket) == [], "the unverified object is deleted"
