"""Pipelines and :class:`~crawler.items.PageItems`: each member goes through the pipeline alone.

A member a pipeline drops is removed from the page and counted, logged and reported the way
Scrapy does it for a dropped item (``item_dropped_count``, ``item_dropped_reasons_count/<Class>``,
``Dropped: …`` at ``DEFAULT_DROPITEM_LOG_LEVEL``); a member that makes a pipeline fail is
removed and logged at ERROR with its traceback (``items/member_errors``), as Scrapy logs an
item error, and noted in ``page.errors`` (the frontier then keeps the page's URL queued, as for
an item error), so one bad member never costs the page its other items. Scrapy itself sees the page:
its ``item_scraped``/``item_dropped`` signals fire once per page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.statscollectors import StatsCollector

    from crawler.items import PageItems

__all__ = ["process_members"]

logger = logging.getLogger(__name__)


def process_members(
    page: PageItems,
    process: Callable[[Any], Any],
    stats: StatsCollector,
    *,
    drop_level: int = logging.WARNING,
) -> PageItems:
    """Run ``process`` on each member of ``page``; keep what it returns, count what it drops."""
    kept: list[Any] = []
    for item in page.items:
        try:
            kept.append(process(item))
        except DropItem as exc:
            stats.inc_value("item_dropped_count")
            stats.inc_value(f"item_dropped_reasons_count/{type(exc).__name__}")
            level = getattr(exc, "log_level", None) or drop_level
            logger.log(
                getattr(logging, level) if isinstance(level, str) else level,
                "Dropped: %s\n%s",
                exc,
                item,
            )
        except Exception as exc:
            stats.inc_value("items/member_errors")
            logger.exception("Error processing %s", item)
            page.errors.append(f"{type(exc).__name__}: {exc}")
    page.items = kept
    return page
