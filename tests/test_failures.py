"""Named reasons for failed fetches (crawler/failures.py), from the exceptions Scrapy raises."""

from __future__ import annotations

from OpenSSL import SSL
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from crawler.exceptions import RenderTimeout
from crawler.failures import fetch_failure


def _wrapped(inner: BaseException) -> DownloadFailedError:
    """What Scrapy's handler raises: DownloadFailedError from Twisted's ResponseNeverReceived."""
    try:
        try:
            raise ResponseNeverReceived([Failure(inner)])
        except ResponseNeverReceived as exc:
            raise DownloadFailedError(str(exc)) from exc
    except DownloadFailedError as outer:
        return outer


def test_each_failure_gets_its_code() -> None:
    tls = SSL.Error([("SSL routines", "", "certificate verify failed")])
    assert fetch_failure(_wrapped(tls)) == (
        "tls_handshake",
        "TLS handshake failed: certificate verify failed",
    )
    assert fetch_failure(_wrapped(ConnectionLost()))[0] == "connection_lost"
    assert fetch_failure(ResponseDataLossError())[0] == "data_loss"
    assert fetch_failure(DownloadCancelledError())[0] == "too_large"
    assert fetch_failure(DownloadCancelledError(), closing=True)[0] == "cancelled"
    declared = "Cancelling download of x: expected response size (9) larger than download max size"
    assert fetch_failure(DownloadCancelledError(declared)) == ("too_large", declared)
    bomb = "Ignored response because its body exceeded DOWNLOAD_MAXSIZE (10 B)"
    assert fetch_failure(IgnoreRequest(bomb)) == ("too_large", bomb)
    assert fetch_failure(IgnoreRequest("offsite")) == ("ignored", "offsite")
    assert fetch_failure(ValueError("odd")) == ("ValueError", "odd")


def test_a_render_timeout_is_named_on_one_line() -> None:
    exc = RenderTimeout(
        "rendering http://x/a timed out: Page.goto: Timeout 8000ms exceeded.\n"
        'Call log:\n  - navigating to "http://x/a", waiting until "load"\n'
    )
    assert fetch_failure(exc) == (
        "render_timeout",
        "rendering http://x/a timed out: Page.goto: Timeout 8000ms exceeded.",
    )
