"""TLS errors with named reasons (RELIABILITY.md §3, F6), against local TLS servers on 127.0.0.1.

The policy (crawler/middlewares/tls.py): a page behind a certificate that does not verify is
archived anyway and the fact is recorded (stats ``tls/unverified/<problem>``, the summary); a
handshake that fails fails the page with the ledger reason ``tls_handshake`` naming OpenSSL's
reason, and the crawl goes on.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sqlite3
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from warcio.archiveiterator import ArchiveIterator

from crawler.middlewares.tls import certificate_problems
from tests.conftest import run_newsarc

NOW = datetime.now(UTC)


def _certificate(
    tmp: Path, name: str, *, days: tuple[int, int] = (-1, 30), san: str = "127.0.0.1"
) -> tuple[Path, Path]:
    """A self-signed certificate valid from NOW+days[0] to NOW+days[1], for ``san``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, san)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(san))
    except ValueError:
        alt = x509.DNSName(san)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + timedelta(days=days[0]))
        .not_valid_after(NOW + timedelta(days=days[1]))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.server.pages.get(self.path)  # type: ignore[attr-defined]
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        ctype = "text/plain" if self.path == "/robots.txt" else "text/html"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _TlsServer:
    """An HTTPS server on 127.0.0.1 (a free port) with the given certificate."""

    def __init__(self, cert: tuple[Path, Path], pages: dict[str, bytes]) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*cert)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.pages = pages  # type: ignore[attr-defined]
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> _TlsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _BrokenHandshake:
    """Accepts TCP, reads the ClientHello and answers with bytes that are not TLS."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 20)

    def __enter__(self) -> _BrokenHandshake:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self._thread.join(timeout=5)


def _page(body: str) -> bytes:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>".encode()


def test_certificate_problems_are_named(tmp_path: Path) -> None:
    def load(pair: tuple[Path, Path]) -> x509.Certificate:
        return x509.load_pem_x509_certificate(pair[0].read_bytes())

    fine = load(_certificate(tmp_path, "fine"))
    assert certificate_problems(fine, "127.0.0.1", NOW) == ["self_signed"]
    assert certificate_problems(fine, "127.0.0.2", NOW) == ["self_signed", "hostname_mismatch"]
    expired = load(_certificate(tmp_path, "expired", days=(-30, -1)))
    assert certificate_problems(expired, "127.0.0.1", NOW) == ["expired", "self_signed"]
    future = load(_certificate(tmp_path, "future", days=(1, 30)))
    assert "not_yet_valid" in certificate_problems(future, "127.0.0.1", NOW)
    named = load(_certificate(tmp_path, "named", san="news.example"))
    assert certificate_problems(named, "news.example", NOW) == ["self_signed"]
    assert "hostname_mismatch" in certificate_problems(named, "other.example", NOW)


def test_bad_certificates_are_archived_and_recorded_a_failed_handshake_fails_by_name(
    tmp_path: Path,
) -> None:
    robots = b"User-agent: *\n"
    with (
        _TlsServer(_certificate(tmp_path, "expired", days=(-30, -1)), {}) as expired,
        _BrokenHandshake() as broken,
    ):
        expired.httpd.pages.update(  # type: ignore[attr-defined]
            {"/robots.txt": robots, "/old.html": _page("<p>expired but archived</p>")}
        )
        pages = {
            "/robots.txt": robots,
            "/": _page(
                f'<a href="{expired.url("/old.html")}">old</a> '
                f'<a href="https://127.0.0.1:{broken.port}/broken.html">broken</a>'
            ),
        }
        with _TlsServer(_certificate(tmp_path, "self"), pages) as site:
            allowed = f"127.0.0.1:{expired.port},127.0.0.1:{broken.port}"
            run = run_newsarc(
                "crawl", site.url("/"), "--out", str(tmp_path / "out"), "-s", "RETRY_TIMES=0",
                "-s", f"NEWSARC_ALLOWED_HOSTS={allowed}",
            )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert broken.connections >= 1
    crawl_dir = run.crawl_dir(tmp_path / "out")
    with sqlite3.connect(crawl_dir / ".frontier.sqlite") as db:
        ledger = {
            u.rsplit("/", 1)[-1]: (s, r)
            for u, s, r in db.execute("SELECT url, state, reason FROM urls")
        }
    assert ledger[""][0] == "done" and ledger["old.html"][0] == "done", ledger
    state, reason = ledger["broken.html"]
    assert state == "failed" and reason is not None, (state, reason)
    # robots.txt is the first thing fetched over TLS: the page is refused naming the cause.
    assert "tls_handshake: TLS handshake failed: wrong version number" in reason, reason
    # Archived anyway: a response record for the pages behind bad certificates.
    archived: dict[str, str | None] = {}
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    archived[record.rec_headers.get_header("WARC-Target-URI")] = (
                        record.rec_headers.get_header("WARC-Newsarc-TLS-Check")
                    )
    assert {site.url("/"), expired.url("/old.html")} <= set(archived)
    # Each record says what its certificate failed, judged when the response arrived.
    assert archived[site.url("/")] == "self_signed", archived
    assert archived[expired.url("/old.html")] == "expired self_signed", archived
    # Recorded: named in the summary (robots.txt and a page from each server: all four
    # self-signed, two of them expired).
    (line,) = [line for line in run.stdout.splitlines() if line.strip().startswith("TLS ")]
    assert "4 response(s)" in line and "expired 2" in line and "self_signed 4" in line, line
