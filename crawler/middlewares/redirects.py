"""Redirect loops end at once, by name.

Scrapy's redirect middlewares follow A → B → A until ``REDIRECT_MAX_TIMES`` runs out (when the
request is not filtered as a duplicate) and then say only "max redirections reached"; a loop
whose way back is filtered as a duplicate ends without any word at all. These subclasses of
:class:`~scrapy.downloadermiddlewares.redirect.RedirectMiddleware` and
:class:`~scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware` refuse a redirect (HTTP 3xx
or ``<meta http-equiv=refresh>``) to a URL already in the request's own chain, with an
``IgnoreRequest`` whose message :func:`crawler.failures.fetch_failure` names ``redirect_loop``.
A chain that does not loop still ends at ``REDIRECT_MAX_TIMES`` (``too_many_redirects``).

Settings: those of Scrapy's redirect middlewares (``REDIRECT_ENABLED``, ``REDIRECT_MAX_TIMES``,
``METAREFRESH_ENABLED``, ``METAREFRESH_MAXDELAY``).
Stats: ``newsarc/redirect_loop``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from w3lib.url import canonicalize_url

from crawler.failures import REDIRECT_LOOP

if TYPE_CHECKING:
    from scrapy import Request

__all__ = ["LoopCheckingMetaRefreshMiddleware", "LoopCheckingRedirectMiddleware"]

logger = logging.getLogger(__name__)


def _chain(request: Request) -> list[str]:
    return [*request.meta.get("redirect_urls", []), request.url]


class _LoopCheck:
    crawler: Any

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = _chain(request)
        target = canonicalize_url(redirected.url)
        if any(canonicalize_url(url) == target for url in chain):
            shown = " → ".join([*chain, redirected.url])
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsarc/redirect_loop")
            logger.info("Refused a redirect loop (%s): %s", reason, shown)
            raise IgnoreRequest(f"{REDIRECT_LOOP} ({reason}): {shown}")
        followed: Request = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        return followed


class LoopCheckingRedirectMiddleware(_LoopCheck, RedirectMiddleware):
    """Scrapy's HTTP 3xx redirects, refusing a redirect back into the request's own chain."""


class LoopCheckingMetaRefreshMiddleware(_LoopCheck, MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, refusing a refresh back into the request's own chain."""
