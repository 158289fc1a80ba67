"""The limits of rendered pages, read once from the ``RENDER_*`` settings and checked.

Settings read: ``RENDER_CONCURRENT_PAGES``, ``RENDER_PAGE_TIMEOUT``, ``RENDER_SETTLE_TIMEOUT``,
``RENDER_CONTEXT_MAX_PAGES``, ``RENDER_CAPTURE_RESOURCE_TYPES``, ``RENDER_CAPTURE_MAX_BYTES``,
``RENDER_MAXSIZE``, ``PLAYWRIGHT_MAX_CONTEXTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Self

    from scrapy.settings import BaseSettings

__all__ = ["RenderLimits"]


@dataclass(frozen=True)
class RenderLimits:
    """The ``RENDER_*`` settings, checked once."""

    concurrent_pages: int
    page_timeout: float
    """Seconds for one page, from waiting for a browser page to the serialised DOM."""
    settle_timeout: float
    """Seconds to wait after ``load`` for network quiet (XHR/fetch that fill the page)."""
    context_max_pages: int
    capture_types: frozenset[str]
    capture_max_bytes: int
    max_document_bytes: int = 2 * 1024 * 1024
    """Bytes of the main document the browser may receive (``RENDER_MAXSIZE``; 0: no limit);
    a larger page is fetched without the browser."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        limits = cls(
            concurrent_pages=settings.getint("RENDER_CONCURRENT_PAGES", 4),
            page_timeout=settings.getfloat("RENDER_PAGE_TIMEOUT", 30.0),
            settle_timeout=settings.getfloat("RENDER_SETTLE_TIMEOUT", 3.0),
            context_max_pages=settings.getint("RENDER_CONTEXT_MAX_PAGES", 100),
            capture_types=frozenset(settings.getlist("RENDER_CAPTURE_RESOURCE_TYPES")),
            capture_max_bytes=settings.getint("RENDER_CAPTURE_MAX_BYTES", 10 * 1024 * 1024),
            max_document_bytes=settings.getint("RENDER_MAXSIZE", 2 * 1024 * 1024),
        )
        if limits.max_document_bytes < 0:
            raise ValueError(f"RENDER_MAXSIZE must be 0 or more, got {limits.max_document_bytes}")
        for name, value in (
            ("RENDER_CONCURRENT_PAGES", limits.concurrent_pages),
            ("RENDER_PAGE_TIMEOUT", limits.page_timeout),
            ("RENDER_CONTEXT_MAX_PAGES", limits.context_max_pages),
            ("RENDER_CAPTURE_MAX_BYTES", limits.capture_max_bytes),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if not 0 <= limits.settle_timeout < limits.page_timeout:
            raise ValueError("RENDER_SETTLE_TIMEOUT must be between 0 and RENDER_PAGE_TIMEOUT")
        # Pages in flight can span this many contexts (retired ones close when their last page
        # is done); fewer allowed contexts would make new pages wait on old ones.
        needed = -(-limits.concurrent_pages // limits.context_max_pages) + 1
        max_contexts = settings.getint("PLAYWRIGHT_MAX_CONTEXTS")
        if max_contexts and max_contexts < needed:
            raise ValueError(
                f"PLAYWRIGHT_MAX_CONTEXTS={max_contexts} is too small for "
                f"RENDER_CONCURRENT_PAGES={limits.concurrent_pages} with "
                f"RENDER_CONTEXT_MAX_PAGES={limits.context_max_pages}: use at least {needed}"
            )
        return limits
