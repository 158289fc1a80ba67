"""``newsarc crawl --resume``: continue a stopped or killed crawl as a new crawl.

Before Scrapy starts, :func:`find_resume` locates the crawl to continue (a crawl id in the
store, or a local directory), locks its directory, repairs it if it was killed (its open WARC
and JSON Lines files closed by :mod:`crawler.recovery`) and reads its frontier: whether
anything is still queued and the options it ran with. :func:`apply_resume` starts the new
crawl as the old one started (start URLs, profile, render mode, settings module, ``-s``
options; ``-s`` on this command line comes on top). :func:`seed_frontier` then creates the new
crawl's frontier in one step: its options, and either its start URLs queued or every URL of the
crawl it continues in its state (finished ones are not fetched again). The new crawl's spider
starts from the queued URLs (:meth:`~crawler.frontier.extension.Frontier.pending`) and treats
every URL of the frontier as seen.

The previous crawl's frontier is found through the backend registry
(:func:`~crawler.frontier.base.open_backend`) with the ``FRONTIER_URI`` given by ``-s`` (by
default the crawl's own SQLite ledger).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.crawlinfo import validate_crawl_id
from crawler.exceptions import (
    ConfigError,
    CrawlFailed,
    NothingToResume,
    StateUnavailable,
    StoreError,
)
from crawler.frontier.base import BACKEND_ERRORS, QUEUED, backend_class, open_backend, redacted
from crawler.frontier.sqlite import FRONTIER_NAME, LedgerOverwritten
from crawler.recovery import lock_crawl_dir, needs_recovery, recover_crawl_dir
from crawler.redact import REDACTED, holds_secret, redact_config
from crawler.trust import check_crawl_tree

if TYPE_CHECKING:
    from crawler.crawl import CrawlOptions

__all__ = ["Resume", "apply_resume", "find_resume", "frontier_meta", "seed_frontier"]


@dataclass
class Resume:
    """The crawl a run continues: its directory, recorded options, and its lock."""

    crawl_id: str
    crawl_dir: Path
    meta: dict[str, Any]
    lock_fd: int

    def release(self) -> None:
        if self.lock_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.lock_fd)
            self.lock_fd = -1


def frontier_meta(options: CrawlOptions, name: str) -> dict[str, Any]:
    """What a resume needs to start the same crawl again (kept in the frontier's meta)."""
    profile = options.profile
    if profile and os.path.isfile(profile):
        profile = os.path.abspath(profile)  # a resume may run from another directory
    return {
        "start_urls": list(options.start_urls),
        "profile": profile,
        "render": options.render,
        "settings_module": options.settings_module,
        # Secrets are not kept: a resume asks for them again (apply_resume).
        "overrides": {
            name: REDACTED if holds_secret(name, value) else redact_config(value)
            for name, value in options.overrides.items()
        },
        "name": name,
        # The crawl's page budget, shared by every worker that joins it (newsarc worker).
        "max_pages": options.max_pages,
    }


def _frontier_uri(options: CrawlOptions) -> str:
    return str(options.overrides.get("FRONTIER_URI") or "")


def find_resume(
    options: CrawlOptions, local_root: Callable[[str], Path], *, allow_shared: bool = False
) -> Resume:
    """Locate, check, lock and (if it was killed) recover the crawl to resume; read its
    frontier.

    ``local_root(crawl_id)`` is the local directory that holds the store's crawls (the store
    itself, or a remote store's spool). Sets ``options.store_uri`` when it was not given.
    Before anything in the crawl's directory is read, every entry of it must be this user's
    alone (:func:`crawler.trust.check_crawl_tree`; ``allow_shared``:
    ``NEWSARC_ALLOW_SHARED_DIRS``).
    """
    assert options.resume is not None
    value = options.resume
    as_path = Path(value).expanduser()
    if ("/" in value or os.sep in value) or (as_path.is_dir() and not options.store_uri):
        if not as_path.is_dir():
            raise ConfigError(f"--resume {value!r}: no such crawl directory")
        crawl_dir = as_path.resolve()
        options.store_uri = options.store_uri or str(crawl_dir.parent)
    else:
        options.store_uri = options.store_uri or "./data"
        try:
            validate_crawl_id(value)
        except ConfigError:
            raise ConfigError(f"--resume {value!r} is neither a crawl id nor a directory") from None
        crawl_dir = local_root(value) / value
        if not crawl_dir.is_dir():
            raise ConfigError(f"--resume: no crawl {value!r} in {options.store_uri}")
    check_crawl_tree(crawl_dir, allow=allow_shared)
    uri = _frontier_uri(options)
    try:
        backend = backend_class(uri)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    try:
        found = backend.exists(uri, crawl_dir)
    except ValueError as exc:  # a URI its backend cannot use
        raise ConfigError(str(exc)) from None
    except BACKEND_ERRORS as exc:
        raise StoreError(
            f"--resume: cannot read the frontier of {crawl_dir.name!r}: {exc}"
        ) from exc
    if not found:
        raise ConfigError(
            f"--resume: crawl {crawl_dir.name!r} has no frontier ledger "
            f"({redacted(uri) or FRONTIER_NAME}); it ran without one and cannot be resumed"
        )
    try:
        lock_fd = lock_crawl_dir(crawl_dir)
    except OSError:
        raise ConfigError(
            f"--resume: crawl {crawl_dir.name!r} is still running (its directory is locked "
            "by another process)"
        ) from None
    resume = Resume(crawl_dir.name, crawl_dir, {}, lock_fd)
    try:
        if needs_recovery(crawl_dir):  # killed: close its files before anything else
            recovered = recover_crawl_dir(crawl_dir)
            if recovered.failed:
                # Its frontier may count pages done whose items are only in a file left behind:
                # going on would build on output that is not whole.
                raise CrawlFailed(
                    f"--resume: {recovered.failed} file(s) of crawl {crawl_dir.name!r} could "
                    "not be recovered (disk full? see the errors logged above); free space or "
                    "fix them and run the same command again"
                )
        try:
            frontier = backend.open(uri, crawl_dir)
            try:
                counts = frontier.counts()
                resume.meta = frontier.meta()
            finally:
                frontier.close()
        except LedgerOverwritten as exc:  # not a lock to wait for: running again won't help
            raise StateUnavailable(f"--resume: {exc}") from exc
        except BACKEND_ERRORS as exc:
            raise StateUnavailable(
                f"--resume: cannot read the frontier ledger of crawl {crawl_dir.name!r} "
                f"({redacted(uri) or crawl_dir / FRONTIER_NAME}): {exc} (another process may "
                "hold it locked); nothing was changed, run the same command again later"
            ) from exc
    except BaseException:
        resume.release()
        raise
    if not counts[QUEUED]:
        resume.release()
        raise NothingToResume(
            f"nothing to resume: crawl {crawl_dir.name} finished with every URL done "
            f"({counts['done']} done, {counts['failed']} failed, {counts['skipped']} skipped)"
        )
    if not resume.meta.get("start_urls"):
        resume.release()
        raise ConfigError(f"--resume: the ledger of crawl {crawl_dir.name!r} has no start URLs")
    return resume


def apply_resume(options: CrawlOptions, resume: Resume) -> None:
    """The resumed crawl starts as the old one did; -s on this command line comes on top."""
    if options.start_urls:
        raise ConfigError("--resume takes no start URLs: the resumed crawl's own are used")
    if options.profile or options.render:
        raise ConfigError(
            "--resume keeps the crawl's own --profile and --render: do not give them again"
        )
    meta = resume.meta
    recorded = str(meta.get("settings_module") or options.settings_module)
    if options.settings_given and options.settings_module != recorded:
        # Silently replacing it would run the resume under settings the operator did not ask
        # for; switching modules mid-crawl (store, spool, limits) is not a resume either.
        raise ConfigError(
            f"--resume keeps the crawl's own settings module {recorded!r}: do not give "
            f"--settings {options.settings_module}; use -s NAME=VALUE to change a setting"
        )
    options.start_urls = [str(url) for url in meta["start_urls"]]
    options.profile = meta.get("profile")
    options.render = meta.get("render")
    options.settings_module = recorded
    recorded_overrides = {str(k): str(v) for k, v in (meta.get("overrides") or {}).items()}
    missing = [
        name
        for name, value in recorded_overrides.items()
        if value == REDACTED and name not in options.overrides
    ]
    if missing:
        raise ConfigError(
            f"--resume: crawl {resume.crawl_id!r} was given -s {missing[0]}, a secret its ledger "
            f"does not keep: give -s {missing[0]}=… again"
        )
    options.overrides = {
        **recorded_overrides,
        **options.overrides,
        "NEWSARC_RESUMED_FROM": resume.crawl_id,
    }
    options.name = options.name or meta.get("name")


def seed_frontier(
    work_dir: Path,
    crawl_id: str,
    meta: dict[str, Any],
    resume: Resume | None,
    *,
    uri: str = "",
) -> None:
    """Create the crawl's frontier before Scrapy starts: its options, and for a resume every
    URL of the crawl it continues (queued ones stay queued, finished ones are not fetched
    again). Raises StateUnavailable when it cannot be written."""
    try:
        frontier = open_backend(uri, work_dir, crawl_id)
        try:
            # One step: a kill leaves a frontier with its URLs and options, or an empty one.
            if resume is not None:
                frontier.seed(
                    {**meta, "resumed_from": resume.crawl_id},
                    previous_crawl_dir=resume.crawl_dir,
                )
            else:  # queued before anything is fetched: whatever happens next, a resume can start
                frontier.seed(meta, start_urls=meta["start_urls"])
        finally:
            frontier.close()
    except ValueError as exc:  # a URI its backend cannot use
        raise ConfigError(str(exc)) from None
    except BACKEND_ERRORS as exc:
        raise StateUnavailable(
            f"cannot create the frontier ledger in {work_dir}: {exc}"
            + (
                " (the ledger of the resumed crawl may be locked by another process)"
                if resume
                else ""
            )
        ) from exc
