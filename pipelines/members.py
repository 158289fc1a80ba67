"""Page units (:class:`~crawler.items.PageItems`) through the item pipelines, one member at a time.

With ``NEWSARC_PAGE_ITEMS`` the spider yields a page's article and headline items as one unit, so
Scrapy's work per item (the spider-middleware chain, a scheduled task, the pipeline chain) is
paid once per page. :class:`PageItemsPipelineManager`, Scrapy's ``ITEM_PROCESSOR`` here, keeps
Scrapy's item contract all the same: it runs every pipeline of ``ITEM_PIPELINES`` (built by
Scrapy, with ``build_from_crawler``, as for any crawl) on each member as on a single item, and
reports each member the way Scrapy's scraper reports an item: ``item_scraped``,
``item_dropped`` or ``item_error`` with the member, logged through the crawler's log formatter.
So a pipeline written from Scrapy's docs, a feed export (``-o items.jsonl``, ``FEEDS``) and
``item_scraped_count`` / ``item_dropped_count`` see ordinary items; nobody sees the unit.

One member's outcome is left to Scrapy itself: the manager returns that member (or raises its
drop or error), and Scrapy's scraper reports it with the page's response. That is the page's own
outcome, the one the frontier counts (see :mod:`crawler.frontier`): an error on any member
(the carrier is then an errored member) keeps the page's URL queued for a resume; otherwise the
URL is done once every member left the pipelines. The other members are reported with
``response=None``, which Scrapy allows for items, so the frontier counts the page once. When
every member of a page is dropped (or fails), Scrapy reports the last one with the page unit as
the item, since it reports the object it was given.

A member that makes a pipeline fail costs only itself: the page's other members go on.

Settings read: ``NEWSARC_PAGE_ITEMS`` (by the spider), ``ITEM_PIPELINES``,
``DEFAULT_DROPITEM_LOG_LEVEL`` (through the log formatter).

Stats written: ``items/member_errors`` (members a pipeline failed on); Scrapy's core stats count
every member (``item_scraped_count``, ``item_dropped_count``,
``item_dropped_reasons_count/<Class>``).
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any, NamedTuple

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.deprecate import argument_is_required
from scrapy.utils.log import logformatter_adapter
from twisted.python.failure import Failure

from crawler.items import PageItems

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["EmptyPageItems", "MemberOutcome", "PageItemsPipelineManager", "process_members"]

logger = logging.getLogger(__name__)


def _taken(source: logging.Logger, level: int) -> bool:
    """Whether a record of ``level`` from ``source`` would reach a handler whose level takes it
    (as ``Logger.callHandlers`` walks them), so that a record per member ("Scraped from …" at
    DEBUG) is not built when no log shows it."""
    if not source.isEnabledFor(level):
        return False
    found = False
    current: logging.Logger | None = source
    while current is not None:
        for handler in current.handlers:
            found = True
            if level >= handler.level:
                return True
        current = current.parent if current.propagate else None
    last = logging.lastResort
    return not found and last is not None and level >= last.level


class MemberOutcome(NamedTuple):
    """What the pipelines made of one member of a page unit."""

    item: Any
    """The member as it entered the pipelines."""
    output: Any
    """What the last pipeline returned (None when dropped or failed)."""
    error: BaseException | None
    """The ``DropItem`` that dropped it, or the exception a pipeline raised."""


class EmptyPageItems(DropItem):
    """A page unit without members (the spider yields none: nothing to report)."""


async def process_members(
    page: PageItems, process: Callable[[Any], Any], stats: StatsCollector
) -> PageItems:
    """Run ``process`` on each member of ``page``; keep what it returns.

    ``page.items`` becomes the members kept, ``page.outcomes`` what became of each member, in
    order. A member that makes ``process`` fail is noted in ``page.errors`` and counted; the
    others go on. ``process`` may return an awaitable (an async pipeline on the way).
    """
    kept: list[Any] = []
    outcomes: list[MemberOutcome] = []
    for item in page.items:
        try:
            output = process(item)
            if inspect.isawaitable(output):
                output = await output
        except DropItem as exc:
            outcomes.append(MemberOutcome(item, None, exc))
        except Exception as exc:  # noqa: BLE001 - logged and signalled as an item error
            stats.inc_value("items/member_errors")
            page.errors.append(f"{type(exc).__name__}: {exc}")
            outcomes.append(MemberOutcome(item, None, exc))
        else:
            kept.append(output)
            outcomes.append(MemberOutcome(item, output, None))
    page.items = kept
    page.outcomes = outcomes
    return page


def _carrier(outcomes: list[MemberOutcome]) -> MemberOutcome:
    """The member whose outcome Scrapy reports as the page's: an error first (the page's URL
    must stay queued), else the last member kept (so feed order stays member order), else the
    last one dropped."""
    failed = [o for o in outcomes if o.error is not None and not isinstance(o.error, DropItem)]
    kept = [o for o in outcomes if o.error is None]
    return (failed or kept or outcomes)[-1]


class PageItemsPipelineManager(ItemPipelineManager):
    """Scrapy's item pipeline manager, running a page unit's members through it one by one.

    Anything else than a :class:`~crawler.items.PageItems` goes through Scrapy's own chain.
    """

    def __init__(self, *middlewares: Any, crawler: Crawler | None = None) -> None:
        super().__init__(*middlewares, crawler=crawler)
        # (method, whether it still takes the deprecated spider argument), checked once.
        self._steps = [
            (method, argument_is_required(method, "spider"))
            for method in self.methods["process_item"]
            if method is not None
        ]

    async def process_item_async(self, item: Any) -> Any:
        if not isinstance(item, PageItems):
            return await super().process_item_async(item)
        assert self.crawler is not None and self.crawler.stats is not None
        if not item.items:
            raise EmptyPageItems("a page unit without items")
        page = await process_members(item, self._chain, self.crawler.stats)
        carrier = _carrier(page.outcomes)
        for outcome in page.outcomes:
            if outcome is not carrier:
                await self._report(outcome)
        if carrier.error is not None:
            raise carrier.error  # Scrapy's scraper logs and signals it with the response
        return carrier.output

    def _chain(self, item: Any) -> Any:
        """``item`` through every ``process_item``; plain calls while they return plain items."""
        for index, (method, takes_spider) in enumerate(self._steps):
            item = method(item, self._spider) if takes_spider else method(item)
            if inspect.isawaitable(item):
                return self._finish_chain(item, index + 1)
        return item

    async def _finish_chain(self, pending: Any, start: int) -> Any:
        item = await ensure_awaitable(pending)
        for method, takes_spider in self._steps[start:]:
            result = method(item, self._spider) if takes_spider else method(item)
            item = await ensure_awaitable(result)
        return item

    async def _report(self, outcome: MemberOutcome) -> None:
        """Log and signal one member as Scrapy's scraper does for an item (no response)."""
        assert self.crawler is not None
        spider = self.crawler.spider
        formatter = self.crawler.logformatter
        error = outcome.error
        kwargs: dict[str, Any]
        if error is None:
            signal, item, kwargs = signals.item_scraped, outcome.output, {}
            logkws = formatter.scraped(item, None, spider)  # type: ignore[arg-type]
        elif isinstance(error, DropItem):
            signal, item, kwargs = signals.item_dropped, outcome.item, {"exception": error}
            logkws = formatter.dropped(item, error, None, spider)  # type: ignore[arg-type]
        else:
            signal, item = signals.item_error, outcome.item
            kwargs = {"failure": Failure(error)}  # type: ignore[no-untyped-call]
            logkws = formatter.item_error(item, error, None, spider)  # type: ignore[arg-type]
        if logkws is not None and _taken(logger, logformatter_adapter(logkws)[0]):
            logger.log(
                *logformatter_adapter(logkws),
                extra={"spider": spider, "item": item},
                exc_info=error if signal is signals.item_error else None,
            )
        # Synchronous dispatch (no asyncio task per receiver, as send_catch_log_async makes); a
        # handler that returns an awaitable (an ``async def`` receiver) is still awaited.
        for receiver, result in self.crawler.signals.send_catch_log(
            signal, item=item, response=None, spider=spider, **kwargs
        ):
            if inspect.isawaitable(result):
                try:
                    await ensure_awaitable(result)
                except Exception:
                    logger.exception(
                        "Error caught on signal handler: %s", receiver, extra={"spider": spider}
                    )
