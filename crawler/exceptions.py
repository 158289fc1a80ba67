"""The error hierarchy of newsarc.

::

    NewsarcError
    ├── ConfigError              bad option, profile or setting (exit code 2)
    │   └── ProfileError         a site profile that does not validate (names file, line, key)
    │       └── JobsError        a jobs file (newsarc run) that does not validate (same form)
    ├── StoreError               the output store cannot be written or read
    ├── CorruptFileError         a closed local file fails verification (quarantined, not sent)
    ├── RenderError              a page could not be rendered in the browser
    │   ├── RenderTimeout        over its time budget (RENDER_PAGE_TIMEOUT), cut off
    │   └── BrowserCrashed       the browser died with the page in flight (retryable)
    ├── CrawlFailed              a run that ran but failed or archived nothing (exit code 1)
    │   └── StorageUnavailable   …because the store refused or was out of reach: files kept
    │                            in the spool (exit code 4)
    ├── StateUnavailable         the frontier ledger is locked by another process or cannot
    │                            be opened or written (exit code 6); nothing fetched is lost
    ├── OutOfSpace               the disk has less free space than NEWSARC_DISK_RESERVE_BYTES:
    │                            before start nothing is written; mid-run the crawl stopped
    │                            with its files closed (exit code 7)
    ├── NothingToResume          --resume of a crawl with no URL left queued (exit code 0)
    └── AlreadyRunning           newsarc run of a job whose lock another run holds

Items rejected by the pipelines raise subclasses of Scrapy's ``DropItem`` defined in
``pipelines/`` so that Scrapy counts them per reason.
"""

from __future__ import annotations

__all__ = [
    "AlreadyRunning",
    "BrowserCrashed",
    "ConfigError",
    "CorruptFileError",
    "CrawlFailed",
    "JobsError",
    "NewsarcError",
    "NothingToResume",
    "OutOfSpace",
    "ProfileError",
    "RenderError",
    "RenderTimeout",
    "StateUnavailable",
    "StorageUnavailable",
    "StoreError",
]


class NewsarcError(Exception):
    """Base class of every error newsarc raises on purpose."""


class ConfigError(NewsarcError):
    """A command-line option, setting or profile is wrong; nothing was fetched."""


class ProfileError(ConfigError):
    """A site profile failed validation.

    The message names the file, the line (where known) and the key.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        where = path or "<profile>"
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.key = key


class JobsError(ProfileError):
    """A jobs file (``newsarc run JOBS.yaml``) failed validation: file, line and key named."""


class StoreError(NewsarcError):
    """The output store could not be written to or read from."""


class CorruptFileError(NewsarcError):
    """A closed local file is cut short, corrupt or not what its name says.

    Not a :class:`StoreError`: the store is fine, the file is not, and retrying cannot help.
    """


class CrawlFailed(NewsarcError):
    """The crawl ran but failed: nothing fetched, nothing archived, or files not stored."""


class StateUnavailable(NewsarcError):
    """The crawl's state store (its frontier ledger) is locked by another process, or cannot be
    opened or written: at start nothing is fetched; mid-run the crawl stops with what it
    fetched closed and kept."""


class StorageUnavailable(CrawlFailed):
    """The crawl ran, but the remote store refused or could not be reached: files wait in the
    spool (uploads pending, or the spool reached its cap and the crawl stopped)."""


class OutOfSpace(NewsarcError):
    """The disk a crawl writes to has less free space than ``NEWSARC_DISK_RESERVE_BYTES``."""


class RenderError(NewsarcError):
    """A page could not be rendered."""


class RenderTimeout(RenderError):
    """A rendered page went over its time budget (``RENDER_PAGE_TIMEOUT``) and was cut off."""


class BrowserCrashed(RenderError):
    """The browser (or the page's renderer) died while the page was in flight; retryable."""


class NothingToResume(NewsarcError):
    """``--resume`` named a crawl whose frontier holds no queued URL: it is already complete."""


class AlreadyRunning(NewsarcError):
    """``newsarc run``: another run of the same job holds its lock."""
