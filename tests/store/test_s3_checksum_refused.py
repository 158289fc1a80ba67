"""An S3-compatible store that refuses boto3's checksum trailer (RELIABILITY.md §3, F15).

Over https, boto3 ≥ 1.36 sends the SHA-256 that ``ChecksumAlgorithm=SHA256`` asks for as the
trailer of an ``aws-chunked`` body (``x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER``,
``Transfer-Encoding: chunked``); many S3-compatible stores do not implement it and answer
``400 XAmzContentSHA256Mismatch`` (boto3#4435; others store the chunk framing as the object).
moto accepts it, so a local https proxy in front of moto (its certificate trusted through
``AWS_CA_BUNDLE``) answers every such request as those stores do, and forwards the rest.

Nothing may be lost: the crawl keeps every file in the spool and exits 4 with one line naming the
error and the setting that fixes it; the next run, with ``NEWSARC_S3_UPLOAD_CHECKSUM=False``,
sends plain bodies, verifies each object by reading it back, and stores exactly the spooled
bytes (no trailer inside).
"""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crawler.demo.server import RequestHeaders, Route, SiteServer
from crawler.manifest import count_warc_records
from tests.conftest import ROOT
from tests.store.s3_server import MotoS3, ProxyServer, ask_upstream, relay

PAGES = 12
_MISMATCH = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>XAmzContentSHA256Mismatch</Code>'
    b"<Message>The provided 'x-amz-content-sha256' header does not match what was computed."
    b"</Message><ClientComputedContentSHA256>STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    b"</ClientComputedContentSHA256><RequestId>tx00000a1b2c3d4e5f</RequestId></Error>"
)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it as its CA bundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "store.crt", tmp / "store.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body as sent (``Content-Length`` or HTTP chunks, undecoded aws-chunked)."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        body = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields of the HTTP chunking, if any
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class _TrailerRefusingStore:
    """An https front for moto at ``upstream`` that answers ``XAmzContentSHA256Mismatch`` to
    every streaming (aws-chunked) upload, as S3-compatible stores without trailer support do."""

    def __init__(self, upstream: tuple[str, int], cert: tuple[Path, Path]) -> None:
        self.upstream = upstream
        self.refused = 0
        self.forwarded_puts = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                body = _read_body(self)
                signed = self.headers.get("x-amz-content-sha256") or ""
                chunked = "aws-chunked" in (self.headers.get("Content-Encoding") or "")
                if signed.startswith("STREAMING-") or chunked:
                    proxy.refused += 1
                    self.send_response(400)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(_MISMATCH)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(_MISMATCH)
                    self.close_connection = True
                    return
                if self.command == "PUT":
                    proxy.forwarded_puts += 1
                relay(self, ask_upstream(self, proxy.upstream, body or None))

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

            def log_message(self, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*cert)
        self.server = ProxyServer(Handler, context)
        self.endpoint = self.server.endpoint

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def front(tmp_path: Path, moto_s3: MotoS3) -> Iterator[tuple[_TrailerRefusingStore, Path]]:
    cert = _certificate(tmp_path)
    proxy = _TrailerRefusingStore(("127.0.0.1", moto_s3.port), cert)
    try:
        yield proxy, cert[0]
    finally:
        proxy.close()


def _crawl(
    moto_s3: MotoS3, front: tuple[_TrailerRefusingStore, Path], bucket: str, site: SiteServer,
    spool: Path, *extra: str,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = moto_s3.env() | {"AWS_ENDPOINT_URL": front[0].endpoint, "AWS_CA_BUNDLE": str(front[1])}
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.run(
        [
            str(script), "crawl", site.url("/"), "--out", f"s3://{bucket}/runs",
            "-s", f"NEWSARC_SPOOL_DIR={spool}", "-s", "STORE_UPLOAD_INTERVAL=0.3",
            "-s", "WARC_MAX_FILE_SIZE=20000", *extra,
        ],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, check=False,
    )  # fmt: skip


def _spooled(spool: Path) -> dict[str, bytes]:
    """``<crawl id>/<kind>/<file name>`` → bytes of each file waiting in the spool."""
    files = (p for p in spool.rglob("*") if p.is_file() and p.suffix == ".gz")
    return {"/".join(p.parts[-3:]): p.read_bytes() for p in files}


def test_a_store_refusing_the_checksum_trailer_keeps_every_file_and_the_named_setting_fixes_it(
    tmp_path: Path, moto_s3: MotoS3, front: tuple[_TrailerRefusingStore, Path]
) -> None:
    proxy = front[0]
    bucket = moto_s3.new_bucket("trailer")
    spool = tmp_path / "spool"
    links = " ".join(f'<a href="/p{i}.html">story {i}</a>' for i in range(PAGES))

    def routes(path: str, headers: RequestHeaders) -> Route | None:
        if path == "/robots.txt":
            return Route.text("User-agent: *\n")
        if path == "/":
            return Route.html(f"<h1>News</h1><p>{links}</p>")
        if path.startswith("/p") and path.endswith(".html"):
            text = f"<p>Story {path} of the day. " + "Words of the story. " * 300 + "</p>"
            return Route.html(f"<article><h1>Story {path}</h1>{text}</article>")
        return None

    with SiteServer(routes) as site:
        first = _crawl(moto_s3, front, bucket, site, spool)
        assert first.returncode == 4, first.stdout + first.stderr
        assert proxy.refused > 0 and proxy.forwarded_puts == 0
        error = first.stderr.strip().splitlines()[-1]
        assert error.startswith("newsarc: crawl failed: "), first.stderr
        assert "XAmzContentSHA256Mismatch" in error, error
        assert "-s NEWSARC_S3_UPLOAD_CHECKSUM=False" in error, error
        assert "the files stay in the spool" in error and "Traceback" not in first.stderr
        assert moto_s3.keys(bucket) == [], "nothing reached the store"
        kept = _spooled(spool)
        warcs = [p for p in spool.rglob("*.warc.gz") if p.is_file()]
        records = sum(count_warc_records(p) for p in warcs)
        assert records >= 2 * (PAGES + 2), records  # request and response of every page
        refused = proxy.refused
        second = _crawl(
            moto_s3, front, bucket, site, spool, "-s", "NEWSARC_S3_UPLOAD_CHECKSUM=False"
        )
    assert second.returncode == 0, second.stdout + second.stderr
    assert proxy.refused == refused, "no aws-chunked upload was sent"
    assert _spooled(spool) == {}
    stored = {key.removeprefix("runs/"): key for key in moto_s3.keys(bucket)}
    assert set(kept) <= set(stored), set(kept) - set(stored)
    client = moto_s3.client()
    for name, local in kept.items():
        body = client.get_object(Bucket=bucket, Key=stored[name])["Body"].read()
        assert body == local, f"{name}: the stored bytes are the spooled file's"
        assert b"x-amz-checksum" not in body
