"""A real S3 API server for tests: moto's server in a thread on 127.0.0.1 (port 0).

It can be stopped and started again on the same port; moto keeps its buckets in the process,
so objects survive a restart, as a real store's would.
"""

from __future__ import annotations

import http.client
import os
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from moto.server import ThreadedMotoServer

from crawler.store.s3 import make_s3_client

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION_NAME": "us-east-1",
}


class MotoS3:
    """moto's S3 server, restartable on its first (OS-chosen) port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadedMotoServer | None = None
        self._client: Any = None  # for the helpers below; the port never changes

    def start(self) -> MotoS3:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = int(self._server.get_host_and_port()[1])
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, Any]:
        return {"AWS_ENDPOINT_URL": self.endpoint, **CREDENTIALS}

    def client(self) -> Any:
        return make_s3_client(self.settings())

    def new_bucket(self, prefix: str = "archive-test") -> str:
        """Create a bucket of its own (moto keeps buckets per process: one per test)."""
        bucket = f"{prefix}-{secrets.token_hex(4)}"
        self._helper_client().create_bucket(Bucket=bucket)
        return bucket

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key in ``bucket`` under ``prefix``, sorted."""
        pages = (
            self._helper_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=prefix)
        )
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def _helper_client(self) -> Any:
        if self._client is None:
            self._client = self.client()
        return self._client

    def env(self) -> dict[str, str]:
        """Environment for a ``newsarc`` subprocess: boto3's standard chain finds the server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SCRAPY_"))}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        return env


class Upstream(NamedTuple):
    """What the S3 server behind a test proxy answered."""

    status: int
    headers: list[tuple[str, str]]
    """Its headers but the length and the framing, which :func:`relay` writes itself."""
    declared_length: str
    data: bytes


def ask_upstream(
    handler: BaseHTTPRequestHandler, upstream: tuple[str, int], body: bytes | None
) -> Upstream:
    """Send a test proxy's request (its body already read) on to ``upstream``."""
    conn = http.client.HTTPConnection(*upstream, timeout=60)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        headers["Host"] = f"{upstream[0]}:{upstream[1]}"
        conn.request(handler.command, handler.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        kept = [
            (name, value)
            for name, value in answer.getheaders()
            if name.lower() not in {"content-length", "transfer-encoding"}
        ]
        return Upstream(answer.status, kept, answer.getheader("Content-Length") or "0", data)
    finally:
        conn.close()


def relay(handler: BaseHTTPRequestHandler, answer: Upstream) -> None:
    """Write ``answer`` back to a test proxy's client (a HEAD keeps its declared length)."""
    handler.send_response(answer.status)
    for name, value in answer.headers:
        handler.send_header(name, value)
    length = answer.declared_length if handler.command == "HEAD" else str(len(answer.data))
    handler.send_header("Content-Length", length)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(answer.data)


class ProxyServer:
    """A test proxy's server on 127.0.0.1 (port 0), serving ``handler`` in a thread; with
    ``context``, over TLS."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
    ) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if context is not None else "http"
        self.endpoint = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()
