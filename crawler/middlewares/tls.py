"""What is wrong with a server's TLS certificate, recorded for every HTTPS page fetched.

Policy (as the web archives' crawlers do, and Scrapy's default ``DOWNLOAD_VERIFY_CERTIFICATES =
False``): a page behind a certificate that would not verify is still fetched and archived (an
expired or self-signed certificate is common on small news sites, and the page is evidence all
the same), but the fact is recorded: counted in the stats, logged once per host, shown in the
crawl's summary, and kept on the request (``meta["newsarc_tls_problems"]``). A handshake that
fails outright fails the fetch, with the ledger reason ``tls_handshake`` (see
:mod:`crawler.failures`).

Only what the server's own certificate shows is judged: ``expired``, ``not_yet_valid``,
``self_signed`` and ``hostname_mismatch`` (service_identity, RFC 6125). Scrapy hands on the leaf
certificate alone, without its chain, so an issuer that is not trusted is not judged.

The WARC response record of every HTTPS response says the result too, in
``WARC-Newsarc-TLS-Check`` (:data:`WARC_TLS_HEADER`): ``passed`` (none of these problems; the
chain was not checked) or the problems found, e.g. ``expired self_signed``; the WARC extension
judges the certificate as the response arrives (:class:`CertificateJudge`).

Settings: ``NEWSARC_TLS_CHECK_ENABLED``.
Stats: ``tls/unverified`` (HTTPS responses with at least one problem),
``tls/unverified/<problem>``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from scrapy.exceptions import NotConfigured
from service_identity import CertificateError, VerificationError
from service_identity.cryptography import (
    verify_certificate_hostname,
    verify_certificate_ip_address,
)

if TYPE_CHECKING:
    from typing import Self

    from cryptography.x509 import Certificate
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "META_TLS_PROBLEMS",
    "WARC_TLS_HEADER",
    "CertificateJudge",
    "TlsCheckMiddleware",
    "certificate_problems",
]

logger = logging.getLogger(__name__)

#: Response meta key: the list of problems of the server's certificate (absent: none found).
META_TLS_PROBLEMS = "newsarc_tls_problems"
#: WARC header of an HTTPS response record: ``passed`` or the problems, space-separated.
WARC_TLS_HEADER = "WARC-Newsarc-TLS-Check"
_CACHE_SIZE = 4096  # (certificate, host) pairs judged; a crawl meets few certificates


def _self_signed(cert: Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _hostname_matches(cert: Certificate, host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        check: Any = verify_certificate_hostname
    else:
        check = verify_certificate_ip_address
    try:
        check(cert, host)
    except (VerificationError, CertificateError, ValueError):
        return False
    return True


def certificate_problems(cert: Certificate, host: str, now: datetime) -> list[str]:
    """What is wrong with ``cert`` for ``host`` at ``now`` (empty: nothing this can see)."""
    problems = []
    if cert.not_valid_after_utc < now:
        problems.append("expired")
    if cert.not_valid_before_utc > now:
        problems.append("not_yet_valid")
    if _self_signed(cert):
        problems.append("self_signed")
    if not _hostname_matches(cert, host):
        problems.append("hostname_mismatch")
    return problems


class CertificateJudge:
    """:func:`certificate_problems` of responses, memoised per (certificate, host)."""

    def __init__(self) -> None:
        self._judged: dict[tuple[bytes, str], list[str]] = {}

    def problems(self, response: Response, now: datetime) -> list[str] | None:
        """What is wrong with the certificate ``response`` came with (None: not HTTPS, or no
        certificate known; empty: nothing this can see)."""
        certificate = getattr(response, "certificate", None)
        parts = urlsplit(response.url)
        if certificate is None or parts.scheme != "https" or not parts.hostname:
            return None
        host = parts.hostname
        x509 = certificate.original
        key = (x509.digest("sha256"), host)
        problems = self._judged.get(key)
        if problems is None:
            problems = certificate_problems(x509.to_cryptography(), host, now)
            if len(self._judged) >= _CACHE_SIZE:
                self._judged.clear()
            self._judged[key] = problems
        return list(problems)


class TlsCheckMiddleware:
    """Downloader middleware: judge each HTTPS response's certificate, count what is wrong."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self._judge = CertificateJudge()
        self._hosts_logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSARC_TLS_CHECK_ENABLED"):
            raise NotConfigured("NEWSARC_TLS_CHECK_ENABLED is False")
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        problems = self._judge.problems(response, datetime.now(UTC))
        if not problems:
            return response
        host = urlsplit(response.url).hostname or ""
        request.meta[META_TLS_PROBLEMS] = list(problems)
        self.stats.inc_value("tls/unverified")
        for problem in problems:
            self.stats.inc_value(f"tls/unverified/{problem}")
        if host not in self._hosts_logged:
            self._hosts_logged.add(host)
            logger.warning(
                "The TLS certificate of %s does not verify (%s); its pages are archived anyway",
                host,
                ", ".join(problems),
            )
        return response
