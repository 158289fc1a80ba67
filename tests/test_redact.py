"""No secret reaches a file a crawl writes, nor its output (crawler/redact.py)."""

from __future__ import annotations

import base64
import http.client
import logging
import stat
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.redact import (
    RedactingLogRecords,
    holds_secret,
    redact_config,
    redact_text,
    secret_values,
    strip_userinfo,
)
from tests.conftest import run_newsarc

CANARY_KEY = "canaryKEY7f3a9c"  # an AWS secret given with -s
CANARY_TOKEN = "canaryTOKEN41d8e2"  # a session token given with -s
CANARY_URL_PASSWORD = "canaryURLpw5b6c"  # user-info of a link on the site
CANARY_BEARER = "canaryBEARER9e1f0a"  # an Authorization header given with -s
CANARY_COOKIE = "canaryCOOKIE2c7d4b"  # a Cookie header given with -s


def _readable(path: Path) -> bytes:
    """A file's bytes, and what is inside when it is gzip (every member)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        out = b""
        rest = data
        while rest[:2] == b"\x1f\x8b":
            member = zlib.decompressobj(wbits=31)
            out += member.decompress(rest)
            rest = member.unused_data
        return data + out
    return data


def test_a_crawl_given_secrets_writes_none_of_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with SiteServer() as site:
        site.routes = {
            "/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
            "/": Route.html(
                "<html><head><title>Home</title></head><body><p>home</p>"
                f'<a href="http://reader:{CANARY_URL_PASSWORD}@{site.url("/a.html")[7:]}">a</a>'
                "</body></html>"
            ),
            "/a.html": Route.html("<html><body><p>a</p></body></html>"),
        }
        run = run_newsarc(
            "crawl",
            site.url("/"),
            "--out",
            str(out),
            "-v",  # the crawl log on stderr too, "Overridden settings" included
            "-s",
            f"AWS_SECRET_ACCESS_KEY={CANARY_KEY}",
            "-s",
            f"AWS_SESSION_TOKEN={CANARY_TOKEN}",
        )
    assert run.returncode == 0, run.stderr
    assert "Overridden settings" in run.stderr, "the -v log should be on stderr"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".warc.gz") for p in files)
    assert any(p.name == ".frontier.sqlite" for p in files)
    for canary in (CANARY_KEY, CANARY_TOKEN, CANARY_URL_PASSWORD):
        assert canary not in run.stdout and canary not in run.stderr, canary
        leaks = [str(p) for p in files if canary.encode() in _readable(p)]
        assert leaks == [], f"{canary} written to {leaks}"
    crawl_dir = run.crawl_dir(out)
    for private in (".frontier.sqlite", "logs/crawl.log", "manifest.json"):
        mode = stat.S_IMODE((crawl_dir / private).stat().st_mode)
        assert mode & 0o077 == 0, f"{private} is {oct(mode)}: it holds configuration"
    # The link was fetched, without its user-info.
    assert "/a.html" in site.requested_paths


def test_a_resume_asks_for_secrets_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/": Route.html('<html><body><a href="/b.html">b</a></body></html>'),
        "/b.html": Route.html("<html><body><p>b</p></body></html>"),
    }
    with SiteServer(routes) as site:
        first = run_newsarc(
            "crawl", site.url("/"), "--out", str(out), "--max-pages", "1",
            "-s", f"AWS_SECRET_ACCESS_KEY={CANARY_KEY}",
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        crawl_id = first.crawl_dir(out).name
        again = run_newsarc("crawl", "--resume", crawl_id, "--out", str(out))
        assert again.returncode == 2
        assert "AWS_SECRET_ACCESS_KEY" in again.stderr and CANARY_KEY not in again.stderr
        given = run_newsarc(
            "crawl", "--resume", crawl_id, "--out", str(out),
            "-s", f"AWS_SECRET_ACCESS_KEY={CANARY_KEY}",
        )  # fmt: skip
    assert given.returncode == 0, given.stderr


def test_request_headers_given_as_settings_are_sent_but_never_written(tmp_path: Path) -> None:
    """RELIABILITY.md S3: an ``Authorization`` and a ``Cookie`` header given through
    ``-s DEFAULT_REQUEST_HEADERS=<JSON>`` reach the site, but no file the crawl writes (WARC
    request records, ledger, log, manifest, items) nor its output holds them, and a resume asks
    for the setting again instead of replaying a masked value."""
    out = tmp_path / "out"
    headers = (
        f'{{"Authorization": "Bearer {CANARY_BEARER}", "Cookie": "sid={CANARY_COOKIE}", '
        '"Accept-Language": "en"}'
    )
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/": Route.html('<html><body><p>home</p><a href="/b.html">b</a></body></html>'),
        "/b.html": Route.html("<html><body><p>b</p></body></html>"),
    }
    with SiteServer(routes) as site:
        run = run_newsarc(
            "crawl", site.url("/"), "--out", str(out), "--max-pages", "1", "-v",
            "-s", f"DEFAULT_REQUEST_HEADERS={headers}",
        )  # fmt: skip
        sent = [dict(h.items()) for _, path, h in site.requests if path == "/"]
        assert run.returncode == 0, run.stderr
        assert sent and sent[0].get("Authorization") == f"Bearer {CANARY_BEARER}", sent
        assert CANARY_COOKIE in (sent[0].get("Cookie") or ""), sent
        files = [p for p in out.rglob("*") if p.is_file()]
        assert any(p.name.endswith(".warc.gz") for p in files)
        for canary in (CANARY_BEARER, CANARY_COOKIE):
            assert canary not in run.stdout and canary not in run.stderr, canary
            leaks = [str(p) for p in files if canary.encode() in _readable(p)]
            assert leaks == [], f"{canary} written to {leaks}"
        crawl_id = run.crawl_dir(out).name
        again = run_newsarc("crawl", "--resume", crawl_id, "--out", str(out))
    assert again.returncode == 2, again.stdout + again.stderr
    assert "DEFAULT_REQUEST_HEADERS" in again.stderr and CANARY_BEARER not in again.stderr


def test_redaction_helpers() -> None:
    config = {
        "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
        "NEWSARC_STORE_URI": "s3://key:pw@bucket/x",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"proxy": {"server": "http://p:3128", "password": "pw-x1"}},
        "RETRY_TIMES": 2,
        "AWS_SESSION_TOKEN": None,
    }
    assert redact_config(config) == {
        "AWS_SECRET_ACCESS_KEY": "***",
        "NEWSARC_STORE_URI": "s3://bucket/x",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"proxy": {"server": "http://p:3128", "password": "***"}},
        "RETRY_TIMES": 2,
        "AWS_SESSION_TOKEN": None,
    }
    assert secret_values(config) == {"s3cr3t-value", "pw-x1"}
    assert holds_secret("DEFAULT_REQUEST_HEADERS", '{"Authorization": "Bearer abcd"}')
    assert holds_secret("DEFAULT_REQUEST_HEADERS", {"Cookie": "sid=abcd"})
    assert holds_secret("DEFAULT_REQUEST_HEADERS", '{"Authorization": "not JSON')
    assert not holds_secret("DEFAULT_REQUEST_HEADERS", '{"Accept": "text/html"}')
    assert not holds_secret("COOKIES_ENABLED", "True")
    assert not holds_secret("USER_AGENT", "a token of thanks")
    assert strip_userinfo("http://u:p@Example.com:8/a?b#c") == "http://Example.com:8/a?b#c"
    assert strip_userinfo("http://example.com/a@b") == "http://example.com/a@b"
    assert (
        redact_text("x s3cr3t-value y http://u:p@h/", ["s3cr3t-value"]) == "x *** y http://***@h/"
    )
    assert redact_text("invalid hostname: u:pw1@127.0.0.1") == "invalid hostname: ***@127.0.0.1"
    assert redact_text("mail jane@example.com at 10:30") == "mail jane@example.com at 10:30"


def test_log_records_are_redacted_whatever_the_handler(tmp_path: Path) -> None:
    log_file = tmp_path / "log"
    handler = logging.FileHandler(log_file)
    logger = logging.getLogger("tests.redact")
    logger.addHandler(handler)
    redacting = RedactingLogRecords(["s3cr3t-value"])
    redacting.install()
    try:
        logger.warning("settings: %(s)s", {"s": {"KEY": "s3cr3t-value"}})
        logger.warning("fetching %s", "http://user:pw@host/")
    finally:
        redacting.uninstall()
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "s3cr3t-value" not in text and "user:pw" not in text
    assert "***" in text


def test_log_records_no_handler_emits_are_never_formatted(tmp_path: Path) -> None:
    """Redaction happens where a message is formatted: Scrapy's per-item debug lines, which
    no INFO handler emits, are not formatted only to be redacted."""
    formatted: list[str] = []

    class Item:
        def __str__(self) -> str:
            formatted.append("item")
            return "item with s3cr3t-value"

    log_file = tmp_path / "log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("tests.redact.lazy")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # pytest's own capture handlers format every record
    logger.addHandler(handler)
    redacting = RedactingLogRecords(["s3cr3t-value"])
    redacting.install()
    try:
        logger.debug("Scraped %s", Item())
        assert formatted == []
        logger.info("Scraped %s", Item())
    finally:
        redacting.uninstall()
        logger.removeHandler(handler)
        logger.propagate = True
        handler.close()
    assert formatted == ["item"]
    assert log_file.read_text() == "Scraped item with ***\n"


CANARY_PROXY_USER = "canaryPROXYuser3e8a"
CANARY_PROXY_PASSWORD = "canaryPROXYpw6d1c"


class _ForwardProxy(ThreadingHTTPServer):
    """A forward HTTP proxy on 127.0.0.1 (port 0) that wants Basic proxy credentials and relays
    GETs to the (local) server they name; it records the credentials each request came with."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> _ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def url(self, userinfo: str) -> str:
        return f"http://{userinfo}@127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ForwardProxy

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Proxy-Authorization")))
        target = urlsplit(self.path)
        if target.hostname != "127.0.0.1":  # never relays off the machine
            self.send_error(403)
            return
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            conn.request("GET", target.path or "/", headers={"Accept-Encoding": "identity"})
            answer = conn.getresponse()
            body = answer.read()
        finally:
            conn.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.mark.parametrize("through_proxy", [False, True], ids=["proxy-ignored", "proxy-used"])
def test_proxy_credentials_in_the_environment_are_never_written(
    tmp_path: Path, through_proxy: bool
) -> None:
    """RELIABILITY.md S3: ``HTTP(S)_PROXY=http://user:pass@…`` with canary credentials. By
    default the environment's proxy is not used at all (``HTTPPROXY_ENABLED`` False: a proxy
    resolves names past the SSRF check), so it receives nothing; turned on, every request goes
    through it with the credentials; either way neither they nor their Basic form appear in any
    file the crawl writes, nor on stdout/stderr with ``-v``."""
    out = tmp_path / "out"
    userinfo = f"{CANARY_PROXY_USER}:{CANARY_PROXY_PASSWORD}"
    basic = "Basic " + base64.b64encode(userinfo.encode()).decode()
    routes = {
        "/robots.txt": Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
        "/": Route.html('<html><body><p>home</p><a href="/a.html">a</a></body></html>'),
        "/a.html": Route.html("<html><body><p>a</p></body></html>"),
    }
    with SiteServer(routes) as site, _ForwardProxy() as proxy:
        env = {
            "http_proxy": proxy.url(userinfo),
            "HTTP_PROXY": proxy.url(userinfo),
            "https_proxy": proxy.url(userinfo),
            "HTTPS_PROXY": proxy.url(userinfo),
            "no_proxy": "",
            "NO_PROXY": "",
        }
        extra = ["-s", "HTTPPROXY_ENABLED=True"] if through_proxy else []
        run = run_newsarc("crawl", site.url("/"), "--out", str(out), "-v", *extra, env=env)
        seen = list(proxy.seen)
    assert run.returncode == 0, run.stdout + run.stderr
    if through_proxy:
        assert {urlsplit(path).path for path, _ in seen} >= {"/robots.txt", "/", "/a.html"}
        assert {auth for _, auth in seen} == {basic}, "the credentials were sent to the proxy"
    else:
        assert seen == [], "the environment's proxy is not used by default"
        assert "/a.html" in site.requested_paths
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".warc.gz") for p in files)
    for canary in (CANARY_PROXY_USER, CANARY_PROXY_PASSWORD, basic.split()[1]):
        assert canary not in run.stdout and canary not in run.stderr, canary
        leaks = [str(p) for p in files if canary.encode() in _readable(p)]
        assert leaks == [], f"{canary} written to {leaks}"
