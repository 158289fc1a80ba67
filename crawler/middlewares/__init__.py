"""Downloader middlewares and the resolver that keep a crawl safe and polite."""

from crawler.middlewares.robots import StrictRobotsTxtMiddleware
from crawler.middlewares.ssrf import GuardedResolver, SsrfGuardMiddleware

__all__ = ["GuardedResolver", "SsrfGuardMiddleware", "StrictRobotsTxtMiddleware"]
