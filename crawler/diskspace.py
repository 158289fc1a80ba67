"""A free-space reserve on the disk a crawl writes to: checked before start, watched while it runs.

A crawl that runs the disk full can still close its files (the WARC writer cuts back to its last
record, the frontier keeps a reserve for its last checkpoint), but it leaves the disk full for
everything else on the machine. ``NEWSARC_DISK_RESERVE_BYTES`` is the free space a crawl leaves:

- before start, :func:`check_free_space` refuses a crawl when the disk holding its directory has
  less than that free: one line, exit 7, nothing written (no crawl directory, no ledger);
- while it runs, :class:`DiskReserveExtension` looks at the free space after every response
  arrives (one ``statvfs``) and stops the crawl gracefully (finish reason ``out_of_space``)
  once it falls below the reserve: the responses already on their way are still written, the
  files are closed and valid, and the URLs not fetched stay queued for ``--resume``.

0 turns both off. Settings: ``NEWSARC_DISK_RESERVE_BYTES``.
Stats: ``disk/free_at_stop``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.crawlinfo import CrawlInfo
from crawler.exceptions import OutOfSpace
from crawler.shutdown import close_spider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

__all__ = ["OUT_OF_SPACE", "DiskReserveExtension", "check_free_space", "free_bytes"]

logger = logging.getLogger(__name__)

#: The finish reason of a crawl stopped by the reserve.
OUT_OF_SPACE = "out_of_space"


def _existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (a crawl directory is made later)."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged process may still write on the file system holding ``path``."""
    stat = os.statvfs(_existing(path))
    return stat.f_bavail * stat.f_frsize


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def check_free_space(path: Path, reserve: int) -> None:
    """Raise :class:`OutOfSpace` when the disk holding ``path`` has less than ``reserve`` free."""
    if reserve <= 0:
        return
    free = free_bytes(path)
    if free < reserve:
        raise OutOfSpace(
            f"out of space: {_existing(path)} has {_mib(free)} free, less than the "
            f"{_mib(reserve)} NEWSARC_DISK_RESERVE_BYTES keeps free; nothing was written "
            "(free some space, or lower the reserve with -s NEWSARC_DISK_RESERVE_BYTES=N)"
        )


class DiskReserveExtension:
    """Stops the crawl (``out_of_space``) once free space on its disk falls below the reserve."""

    def __init__(self, crawler: Crawler, directory: Path, reserve: int) -> None:
        self.crawler = crawler
        self.directory = directory
        self.reserve = reserve
        self.stopped = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        reserve = crawler.settings.getint("NEWSARC_DISK_RESERVE_BYTES")
        if reserve <= 0:
            raise NotConfigured("NEWSARC_DISK_RESERVE_BYTES is 0")
        extension = cls(crawler, CrawlInfo.from_crawler(crawler).work_dir, reserve)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        return extension

    def response_downloaded(self, **_: object) -> None:
        if self.stopped:
            return
        try:
            free = free_bytes(self.directory)
        except OSError:
            return  # the writers will say what is wrong with the directory
        if free >= self.reserve:
            return
        self.stopped = True
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("disk/free_at_stop", free)
        logger.error(
            "Free space on %s is %s, below the %s NEWSARC_DISK_RESERVE_BYTES keeps free: "
            "stopping the crawl; the URLs not fetched stay queued for --resume",
            self.directory,
            _mib(free),
            _mib(self.reserve),
        )
        close_spider(self.crawler, OUT_OF_SPACE)
