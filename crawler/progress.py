"""Live progress of a crawl: pages, items, queue, rate and errors, once a second.

For people at a terminal only: with ``PROGRESS_TTY = "auto"`` (the default) a crawl whose stderr
is a terminal shows one status line there (``newsarc crawl -v`` turns it off: the log goes there),
and ``newsarc run`` has each site's crawl write the same values to a file (``PROGRESS_FILE``,
JSON) that the runner shows on its own status line when its stderr is a terminal. Under cron or
in a pipe stderr is no terminal, and nothing is shown.

Settings read: ``PROGRESS_TTY``, ``PROGRESS_FILE``, ``PROGRESS_INTERVAL`` (seconds).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

__all__ = ["ProgressExtension", "progress_line", "read_progress"]


def progress_line(values: dict[str, Any]) -> str:
    """``412 pages (3.2/s), 2,031 items, 57 queued, 2 errors``."""
    return (
        f"{values.get('pages', 0)} pages ({values.get('rate', 0.0):.1f}/s), "
        f"{values.get('items', 0):,} items, {values.get('queued', 0)} queued, "
        f"{values.get('errors', 0)} errors"
    )


def read_progress(path: Path) -> dict[str, Any]:
    """What a crawl last wrote to its ``PROGRESS_FILE`` (empty if nothing yet)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class ProgressExtension:
    """Samples the crawl's stats every ``PROGRESS_INTERVAL`` seconds; see the module docstring."""

    def __init__(self, crawler: Crawler, *, tty: bool, path: Path | None, interval: float) -> None:
        self.crawler = crawler
        self.tty = tty
        self.path = path
        self.interval = interval
        self._loop: task.LoopingCall | None = None
        self._started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        mode = str(settings.get("PROGRESS_TTY", "auto")).lower()
        tty = sys.stderr.isatty() if mode == "auto" else settings.getbool("PROGRESS_TTY")
        path = settings.get("PROGRESS_FILE")
        if not tty and not path:
            raise NotConfigured("no terminal and no PROGRESS_FILE: no live progress")
        extension = cls(
            crawler,
            tty=tty,
            path=Path(path) if path else None,
            interval=settings.getfloat("PROGRESS_INTERVAL", 1.0),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self._started = time.monotonic()
        self._loop = task.LoopingCall(self.show)
        self._loop.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.show()
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def values(self) -> dict[str, Any]:
        stats = self.crawler.stats
        get = stats.get_value if stats is not None else (lambda key, default=0: default)
        pages = int(get("newsarc/pages_fetched", 0) or 0)
        engine = self.crawler.engine
        queued = 0
        scheduler = engine.scheduler if engine is not None else None
        if scheduler is not None:
            with contextlib.suppress(TypeError):  # a scheduler without a length
                queued = len(scheduler)  # type: ignore[arg-type]
        if engine is not None:
            queued += len(engine.downloader.active)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return {
            "pages": pages,
            "items": int(get("items/written/article", 0) or 0)
            + int(get("items/written/headline", 0) or 0),
            "queued": queued,
            "errors": int(get("newsarc/fetch_failed", 0) or 0)
            + int(get(f"extract/{getattr(self.crawler.spider, 'name', 'news')}/errors", 0) or 0),
            "rate": pages / elapsed,
        }

    def show(self) -> None:
        values = self.values()
        if self.tty:
            sys.stderr.write("\r\033[Knewsarc: " + progress_line(values))
            sys.stderr.flush()
        if self.path is not None:
            tmp = self.path.with_name(self.path.name + ".tmp")
            with contextlib.suppress(OSError):
                tmp.write_text(json.dumps(values), encoding="utf-8")
                tmp.replace(self.path)
