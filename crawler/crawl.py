"""Run one crawl in this process and judge its outcome from the final stats.

``scrapy crawl`` exits 0 even when a run fetched nothing; operators need the truth. This module
builds a ``CrawlerProcess`` from the project settings plus the command line's options, runs the
news spider, and turns the final stats into a :class:`CrawlReport` whose ``failure`` is set when
the run failed (nothing fetched, archive or JSON Lines not written, synced or stored, abnormal
finish, URLs left queued in the frontier ledger without ``--max-pages``).

It also creates the crawl's frontier ledger before Scrapy starts (start URLs queued, the options
a resume needs); for ``--resume`` the crawl to continue is found, locked, repaired and read, and
the new crawl's frontier seeded from it, by :mod:`crawler.frontier.resume`.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shlex
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.crawlinfo import CrawlInfo, make_crawl_id, validate_crawl_id, worker_id
from crawler.diskspace import OUT_OF_SPACE, check_free_space
from crawler.exceptions import ConfigError, StoreError
from crawler.frontier.base import BACKEND_ERRORS, backend_class, open_backend, redacted
from crawler.frontier.resume import Resume, apply_resume, find_resume, frontier_meta, seed_frontier
from crawler.frontier.workers import finish_worker, join_roster, shared_worker
from crawler.manifest import crawl_log, mark_shared
from crawler.middlewares.ssrf import SSRF_GUARD_FAILED, check_guard_wiring, parse_servers
from crawler.profile import SiteProfile, load_profile
from crawler.redact import REDACTED, RedactingLogRecords, secret_values
from crawler.render.browser import check_browser
from crawler.render.limits import RenderLimits
from crawler.render.policy import RenderMode, effective_render_mode, parse_render_mode
from crawler.settingscheck import check_overrides
from crawler.spool import SPOOL_FULL
from crawler.store import is_remote_store, open_store
from crawler.trust import check_frontier_uri, check_parents, check_private_dir
from spiders.news import NewsSpider

__all__ = [
    "CrawlOptions",
    "CrawlReport",
    "check_start_url",
    "make_worker_id",
    "parse_overrides",
    "run_crawl",
    "run_worker",
]

logger = logging.getLogger(__name__)

#: A crawl stopped by its time limit (``CLOSESPIDER_TIMEOUT``, ``limits.time`` of a jobs file)
#: did what it was asked, as one stopped by ``--max-pages``: what is left stays queued.
_BUDGET_FINISH = "closespider_timeout"
_OK_FINISH = {"finished", "closespider_pagecount", "closespider_itemcount", _BUDGET_FINISH}


@dataclass
class CrawlOptions:
    """What the command line asked for."""

    start_urls: list[str]
    store_uri: str = "./data"
    max_pages: int = 0
    profile: str | None = None
    settings_module: str = "settings.local"
    settings_given: bool = False
    """Whether ``--settings`` was given (a resume refuses one other than the crawl's own)."""
    overrides: dict[str, str] = field(default_factory=dict)
    verbose: bool = False
    name: str | None = None
    render: str | None = None
    """``--render``: never | always | auto (None: the profile's or the settings' choice)."""
    resume: str | None = None
    """``--resume``: the crawl id (in ``store_uri``) or local directory of a crawl to continue."""
    resumable: bool = True
    """Whether the summary may suggest ``--resume`` (not for ``newsarc demo``: its server is
    gone with it)."""


@dataclass
class CrawlReport:
    """The outcome of a crawl, for the summary and the exit status."""

    crawl_id: str
    work_dir: Path
    stats: dict[str, Any]
    failures: list[tuple[str, str]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failure: str | None = None
    store_uri: str = ""
    """Where the files end up; for a remote store, ``work_dir`` is only the local spool."""
    max_pages: int = 0
    resumed_from: str | None = None
    resume_command: str | None = None
    """The command that continues this crawl, when URLs are left queued in its ledger."""
    worker_id: str = ""
    """This process's name among the crawl's workers (a shared frontier), else ""."""
    joined: bool = False
    """Whether this process joined a running crawl (``newsarc worker``)."""
    shared: bool = False
    """Whether this process is one of the workers of a crawl on a shared frontier."""
    join_command: str | None = None
    """The command another machine runs to work on this crawl (a shared frontier)."""
    failure_kind: str | None = None
    """Set by :func:`judge` with ``failure``: "storage" (files wait in the spool: the remote
    store refused or was unreachable, or the spool is full), "state" (the frontier ledger was
    locked or unavailable), "space" (free disk space fell below its reserve), "config" (the
    start-up SSRF canary was let through), None for any other failure."""

    @property
    def pending(self) -> int:
        """URLs still queued in the crawl's frontier ledger."""
        return self.stat("frontier/pending")

    @property
    def state_failed(self) -> bool:
        """Whether the run failed because its frontier ledger was locked or unavailable."""
        return bool(self.failure) and self.failure_kind == "state"

    @property
    def storage_failed(self) -> bool:
        """Whether the run failed because files could not reach the remote store (exit 4)."""
        return bool(self.failure) and self.failure_kind == "storage"

    @property
    def remote(self) -> bool:
        return bool(self.store_uri) and is_remote_store(self.store_uri)

    def stat(self, key: str, default: int = 0) -> int:
        value = self.stats.get(key, default)
        return int(value) if isinstance(value, int | float) else default

    @property
    def files(self) -> list[Path]:
        files = (p for p in self.work_dir.rglob("*") if p.is_file())
        # Hidden files (a spool directory's lock and ledger) are not crawl output.
        return sorted(p for p in files if not p.relative_to(self.work_dir).parts[0].startswith("."))


def check_start_url(url: str) -> str:
    """Return the URL if it can be crawled, else raise ConfigError saying why."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ConfigError(f"not a crawlable URL: {url!r} (expected http:// or https://)")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"not a crawlable URL: {url!r} (bad port)") from None
    if not parts.hostname or (port is not None and not 0 < port < 65536):
        raise ConfigError(f"not a crawlable URL: {url!r} (no host name)")
    return url


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"-s expects NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    return overrides


def _project_settings(settings_module: str) -> Settings:
    settings = Settings()
    try:
        settings.setmodule(settings_module, priority="project")
    except ImportError as exc:
        raise ConfigError(f"cannot load settings module {settings_module!r}: {exc}") from exc
    return settings


def check_options(options: CrawlOptions) -> None:
    """Refuse unknown ``-s`` names and values that do not fit (crawler.settingscheck)."""
    check_overrides(options.overrides, _project_settings(options.settings_module))


def _allows_shared_dirs(options: CrawlOptions) -> bool:
    """``NEWSARC_ALLOW_SHARED_DIRS`` as the settings module and ``-s`` give it."""
    settings = _project_settings(options.settings_module)
    settings.setdict(options.overrides, priority="cmdline")
    return settings.getbool("NEWSARC_ALLOW_SHARED_DIRS")


def build_settings(options: CrawlOptions, crawl_id: str) -> Settings:
    """The project settings with the command line's options on top."""
    settings = _project_settings(options.settings_module)
    check_overrides(options.overrides, settings)
    settings.set("NEWSARC_CRAWL_ID", crawl_id, priority="cmdline")
    settings.set("NEWSARC_STORE_URI", options.store_uri, priority="cmdline")
    if options.profile:
        settings.set("NEWSARC_PROFILE", options.profile, priority="cmdline")
    if options.render:
        settings.set("RENDER_MODE", options.render, priority="cmdline")
    if options.verbose:  # the log goes to stderr: no status line in between
        settings.set("PROGRESS_TTY", False, priority="cmdline")
    for name, value in options.overrides.items():
        settings.set(name, value, priority="cmdline")
    try:  # render settings may come from -s; a typo must stop the crawl before it starts
        parse_render_mode(settings.get("RENDER_MODE", "never"))
    except ValueError as exc:
        raise ConfigError(f"RENDER_MODE: {exc}") from None
    try:
        RenderLimits.from_settings(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    try:  # checked here: the frontier is built once the spider opens, too late to refuse
        if settings.getfloat("FRONTIER_CHECKPOINT_INTERVAL") <= 0:
            raise ValueError("FRONTIER_CHECKPOINT_INTERVAL must be a positive number of seconds")
        if settings.getint("FRONTIER_RESERVE_BYTES") < 0:
            raise ValueError("FRONTIER_RESERVE_BYTES must be 0 or more")
        check_frontier_uri(
            settings.get("FRONTIER_URI") or "",
            allow=settings.getbool("FRONTIER_ALLOW_NO_PASSWORD"),
        )
        backend = backend_class(settings.get("FRONTIER_URI") or "")
        scheduler = getattr(backend, "scheduler", None)
        if scheduler and settings.getbool("FRONTIER_ENABLED"):
            # A shared frontier: the queue is there, leased by every worker (one of them this).
            settings.set("SCHEDULER", scheduler, priority="cmdline")
            if not settings.get("NEWSARC_WORKER_ID"):
                settings.set("NEWSARC_WORKER_ID", make_worker_id(), priority="cmdline")
        parse_servers(settings.getlist("NEWSARC_DNS_SERVERS"))
        check_guard_wiring(settings)  # a guard that is on must be in place
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    worker_id(settings)  # a bad NEWSARC_WORKER_ID stops the crawl before it starts
    return settings


def make_worker_id() -> str:
    """A worker's name: this machine's short host name and 4 random hex digits."""
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname().split(".")[0]).strip("-")
    return f"{host[:40] or 'worker'}-{secrets.token_hex(2)}"


_PLAIN_HANDLERS = {
    "http": "crawler.connections.PooledHTTP11DownloadHandler",
    "https": "crawler.connections.PooledHTTP11DownloadHandler",
}


def _private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (it holds configuration), if it is new."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _set_log_file(settings: Settings, work_dir: Path) -> None:
    log = work_dir / crawl_log(shared_worker(settings))  # a shared crawl's worker: its own
    log.parent.mkdir(parents=True, exist_ok=True)
    _private_file(log)  # Scrapy logs the overridden settings into it
    settings.set("LOG_FILE", str(log), priority="cmdline")
    settings.set("LOG_FILE_APPEND", False, priority="cmdline")


def resume_command(report: CrawlReport, options: CrawlOptions) -> str:
    """The command line that continues ``report``'s crawl (and finds it: the settings module
    and a spool directory given on this command line)."""
    parts = ["newsarc", "crawl", "--resume", report.crawl_id, "--out", report.store_uri]
    if options.settings_module != "settings.local":
        parts += ["--settings", options.settings_module]
    if report.remote and "NEWSARC_SPOOL_DIR" in options.overrides:
        parts += ["-s", f"NEWSARC_SPOOL_DIR={options.overrides['NEWSARC_SPOOL_DIR']}"]
    if options.overrides.get("FRONTIER_URI"):  # the resume must find the frontier there
        # A password is never printed: the operator types it in again.
        parts += ["--frontier", redacted(options.overrides["FRONTIER_URI"])]
    return shlex.join(parts)


def join_command(uri: str, crawl_id: str, work_dir: Path) -> str:
    """``newsarc worker --frontier URI`` with the crawl's key in the URI (password redacted)."""
    parts = urlsplit(redacted(uri))
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:  # the key is the crawl's directory name: name it for the worker
        segments = [segments[0] if segments else "0", work_dir.name]
    shared = parts._replace(path="/" + "/".join(segments)).geturl()
    return shlex.join(["newsarc", "worker", "--frontier", shared])


def run_crawl(options: CrawlOptions) -> CrawlReport:
    """Crawl, then judge the outcome. Raises ConfigError/StoreError before anything is fetched.

    With ``options.resume`` the crawl continues an earlier one as a new crawl (see
    :mod:`crawler.frontier.resume`); raises :class:`NothingToResume` when it has nothing queued.
    """
    check_options(options)  # before a crawl to resume is touched or anything is written
    resume = None
    if options.resume:
        resume = find_resume(
            options, _local_root(options), allow_shared=_allows_shared_dirs(options)
        )
    try:
        if resume is not None:
            apply_resume(options, resume)
        return _run_crawl(options, resume)
    finally:
        if resume is not None:
            resume.release()


def _local_root(options: CrawlOptions) -> Callable[[str], Path]:
    """Where the crawls of ``options.store_uri`` are on this machine (a remote store's spool)."""

    def local_root(crawl_id: str) -> Path:
        return CrawlInfo.from_settings(build_settings(options, crawl_id)).local_root

    return local_root


def run_worker(options: CrawlOptions) -> CrawlReport:
    """Join the running crawl whose shared frontier ``FRONTIER_URI`` names (``newsarc
    worker``): same crawl id, start URLs, profile, render mode and settings as the crawl that
    created it, this process's own ``NEWSARC_WORKER_ID`` in its file names. It works until the
    frontier is drained. Raises ConfigError when there is no such crawl."""
    uri = options.overrides.get("FRONTIER_URI") or ""
    check_options(options)
    given = _project_settings(options.settings_module)
    given.setdict(options.overrides, priority="cmdline")
    check_frontier_uri(uri, allow=given.getbool("FRONTIER_ALLOW_NO_PASSWORD"))
    backend = backend_class(uri)
    if getattr(backend, "scheduler", None) is None:
        raise ConfigError(f"--frontier {redacted(uri)!r}: not a shared frontier (redis://…)")
    try:
        frontier = open_backend(uri, Path.cwd())
        try:
            meta = frontier.meta()
        finally:
            frontier.close()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    except BACKEND_ERRORS as exc:
        raise StoreError(f"cannot read the frontier {redacted(uri)}: {exc}") from exc
    crawl_id = meta.get("crawl_id")
    if not meta.get("start_urls") or not isinstance(crawl_id, str):
        raise ConfigError(
            f"--frontier {redacted(uri)!r}: no crawl there (name the crawl's key: "
            "redis://host:port/db/<crawl-id>, as newsarc crawl printed it)"
        )
    validate_crawl_id(crawl_id)
    recorded = {str(k): str(v) for k, v in (meta.get("overrides") or {}).items()}
    missing = [n for n, v in recorded.items() if v == REDACTED and n not in options.overrides]
    if missing:
        raise ConfigError(
            f"crawl {crawl_id!r} was given -s {missing[0]}, a secret its frontier does not "
            f"keep: give -s {missing[0]}=… again"
        )
    options.start_urls = [str(url) for url in meta["start_urls"]]
    options.profile = meta.get("profile")
    options.render = meta.get("render")
    options.settings_module = str(meta.get("settings_module") or options.settings_module)
    options.overrides = {**recorded, **options.overrides}
    options.name = meta.get("name")
    options.max_pages = int(meta.get("max_pages") or 0)  # the crawl's budget, not per worker
    return _run_crawl(options, None, joining=crawl_id)


def _run_crawl(
    options: CrawlOptions, resume: Resume | None, *, joining: str | None = None
) -> CrawlReport:
    urls = [check_start_url(url) for url in options.start_urls]
    if not urls:
        raise ConfigError("give at least one start URL")
    if options.max_pages < 0:
        raise ConfigError("--max-pages must be 0 (no limit) or more")
    profile: SiteProfile | None = load_profile(options.profile) if options.profile else None
    name = options.name or (profile.name if profile else urlsplit(urls[0]).hostname or "crawl")
    crawl_id = joining or make_crawl_id(name, datetime.now(UTC))
    settings = build_settings(options, crawl_id)
    store = open_store(options.store_uri, settings)
    if effective_render_mode(settings, profile) is not RenderMode.NEVER:
        check_browser(settings)  # once, here: not a browser start (and failure) per page
    else:
        # No page will be rendered: plain Scrapy handlers, so the browser machinery is neither
        # imported (~0.8 s at start-up) nor on the path of every request (~0.3 ms each).
        settings.set("DOWNLOAD_HANDLERS", dict(_PLAIN_HANDLERS), priority="cmdline")
    # Local store: <store>/<crawl_id>; remote store: its spool directory (crawler.spool).
    planned = CrawlInfo.from_settings(settings).work_dir
    shared_ok = settings.getbool("NEWSARC_ALLOW_SHARED_DIRS")
    holder = "spool directory" if is_remote_store(options.store_uri) else "store directory (--out)"
    check_private_dir(planned.parent, what=f"the {holder}", allow=shared_ok)
    check_parents(planned.parent, what=f"the {holder}", allow=shared_ok)
    check_private_dir(planned, what="the crawl's directory", allow=shared_ok)
    check_free_space(planned, settings.getint("NEWSARC_DISK_RESERVE_BYTES"))
    # Workers of one crawl may share a directory (one local --out): each its own files.
    shared = bool(shared_worker(settings))
    work_dir = _prepare_work_dir(planned, shared=shared)
    if resume is not None and not settings.getbool("FRONTIER_ENABLED"):
        raise ConfigError("--resume needs the frontier ledger: do not set FRONTIER_ENABLED=False")
    if settings.getbool("FRONTIER_ENABLED") and joining is None:
        seed_frontier(
            work_dir,
            crawl_id,
            {**frontier_meta(options, name), "crawl_id": crawl_id},
            resume,
            uri=settings.get("FRONTIER_URI") or "",
        )
    if resume is not None:
        # Seeded: the old crawl may go back to the recovery and the spool uploader of this run.
        resume.release()
    if shared:
        join_roster(settings, work_dir)  # refused when the crawl's manifest is stored
    _set_log_file(settings, work_dir)

    # Scrapy logs every -s value ("Overridden settings"); secrets must not reach any log.
    redacting = RedactingLogRecords(secret_values(settings.copy_to_dict()))
    redacting.install()
    try:
        crawler, process = _start_process(settings, options, urls)
        process.start()
    finally:
        redacting.uninstall()
    stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
    spider = crawler.spider
    failures: list[tuple[str, str]] = list(getattr(spider, "failures", []))
    skipped: list[tuple[str, str]] = list(getattr(spider, "skipped", []))
    report = CrawlReport(
        crawl_id=crawl_id,
        work_dir=work_dir,
        stats=stats,
        failures=failures,
        skipped=skipped,
        store_uri=options.store_uri,
        max_pages=options.max_pages,
        resumed_from=resume.crawl_id if resume is not None else None,
        worker_id=worker_id(settings),
        joined=joining is not None,
        shared=shared,
    )
    report.failure = judge(report)
    uri = settings.get("FRONTIER_URI") or ""
    if shared and stats.get("finish_reason") != "frontier_open_failed":
        # The whole process is done (the spool's last upload pass too): this worker's end
        # goes on the roster, and the last one merges the crawl's manifest.
        finish_worker(report, settings)
    if settings.get("SCHEDULER") == getattr(backend_class(uri), "scheduler", None):
        report.join_command = join_command(uri, crawl_id, work_dir)
    if report.pending and options.resumable and not report.joined:
        report.resume_command = resume_command(report, options)
    del store
    return report


def _prepare_work_dir(work_dir: Path, *, shared: bool = False) -> Path:
    """Create the crawl's local directory and prove it is writable, before any fetch.

    ``shared``: one of several workers of the crawl, which may write the same directory (one
    local store, or one spool): it may exist already, and is marked shared."""
    root = work_dir.parent
    try:
        work_dir.mkdir(parents=True, exist_ok=shared)
        probe = work_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        if shared:
            mark_shared(work_dir)
    except OSError as exc:
        raise StoreError(f"cannot write to {root}: {exc.strerror or exc}") from exc
    return work_dir


def _start_process(
    settings: Settings, options: CrawlOptions, urls: list[str]
) -> tuple[Crawler, CrawlerProcess]:
    process = CrawlerProcess(settings)
    if options.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(handler)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, start_urls=urls, profile=options.profile, max_pages=options.max_pages)
    return crawler, process


def judge(report: CrawlReport) -> str | None:
    """Why the run failed, or None when it succeeded; sets ``report.failure_kind`` too."""
    said = report.stats.get("store/last_error")
    pending = (
        f"{report.stat('store/pending')} file(s) are pending upload to the store; they are "
        f"kept in {report.stats.get('store/spool_dir')} and the next crawl with the same "
        "--out uploads them first" + (f" (the store said: {said})" if said else "")
    )
    if report.stats.get("finish_reason") == SPOOL_FULL:
        report.failure_kind = "storage"
        return (
            f"the spool {report.stats.get('store/spool_dir')} went over NEWSARC_SPOOL_MAX_BYTES "
            f"(it held {report.stat('store/spool_full')} bytes), so the crawl stopped; " + pending
        )
    if report.stats.get("finish_reason") == SSRF_GUARD_FAILED:
        report.failure_kind = "config"
        return (
            f"the SSRF guard is on but does not work: {report.stats.get('ssrf/canary')}; "
            "nothing was fetched (keep newsarc's guard in place, or turn it off with "
            "-s NEWSARC_SSRF_GUARD_ENABLED=False)"
        )
    if report.stats.get("finish_reason") == "frontier_open_failed":
        report.failure_kind = "state" if "frontier/unavailable" in report.stats else None
        return (
            "the frontier ledger could not be opened (locked by another process, or "
            f"unavailable: {report.stats.get('frontier/unavailable')}); nothing was fetched"
        )
    pages = report.stat("newsarc/pages_fetched")
    reason = report.stats.get("finish_reason")
    if report.joined and pages == 0 and reason in _OK_FINISH and not report.pending:
        return None  # a worker that found the crawl's frontier drained: nothing to do
    if pages == 0:
        if report.failures:
            url, detail = report.failures[0]
            more = (
                f" (and {len(report.failures) - 1} more failures)"
                if len(report.failures) > 1
                else ""
            )
            return f"no page could be fetched: {url}: {detail}{more}"
        if report.skipped:
            return f"no page could be fetched: {report.skipped[0][0]} is forbidden by robots.txt"
        return "no page could be fetched"
    own_log = crawl_log(report.worker_id if report.shared else "")  # a shared worker's own
    log = report.work_dir / own_log
    if report.stat("warc/write_failed") or report.stat("warc/store_failed"):
        return f"the WARC archive could not be written or stored completely (see {own_log})"
    if report.stat("items/write_failed"):
        # Before the pending count: the pages it leaves queued are its consequence, and with
        # --max-pages nothing else would fail the run.
        return (
            f"the JSON Lines item files could not be written ({report.stat('items/write_failed')}"
            " stream(s) given up, left as .tmp for recovery); pages whose items were not "
            f"written stay queued for --resume (see {log})"
        )
    if report.stat("frontier/sync_failed"):
        return (
            "the JSON Lines and WARC files could not be synced to disk at "
            f"{report.stat('frontier/sync_failed')} frontier checkpoint(s); pages finished "
            f"since are not marked done (see {log})"
        )
    if report.stat("wacz/failed"):
        return f"the WACZ package could not be built (see {own_log})"
    if report.stat("store/quarantined"):
        moved = [str(p) for p in report.stats.get("store/quarantined_files") or []]
        first = moved[0] if moved else str(report.stats.get("store/spool_dir"))
        more = f" (and {len(moved) - 1} more)" if len(moved) > 1 else ""
        return (
            f"{report.stat('store/quarantined')} file(s) failed verification and were not "
            f"stored; moved to quarantine (never deleted): {first}{more}, reason beside it in "
            ".reason.json; "
            + (pending if report.stat("store/pending") else "every other file was stored")
        )
    if report.stat("store/pending"):
        report.failure_kind = "storage"
        return pending
    if report.stat("warc/records_written") == 0 and not report.joined:
        return "nothing was archived"
    if report.stat("frontier/checkpoint_failed"):
        said = report.stats.get("frontier/unavailable")
        report.failure_kind = "state" if said else None
        return "the frontier ledger could not be written" + (
            f" ({said}); the crawl stopped, what it fetched is closed and kept, and a "
            "--resume fetches the rest"
            if said
            else f" (see {own_log})"
        )
    reason = report.stats.get("finish_reason")
    if reason == OUT_OF_SPACE:
        report.failure_kind = "space"
        return (
            f"out of space: free space on {report.work_dir} fell to "
            f"{report.stat('disk/free_at_stop')} bytes, below NEWSARC_DISK_RESERVE_BYTES, so the "
            f"crawl stopped; its files are closed and {report.pending} URLs stay queued for "
            "--resume"
        )
    if reason == "frontier_unavailable":  # the leasing scheduler lost the shared frontier
        report.failure_kind = "state"
        return (
            f"the shared frontier became unavailable ({report.stats.get('frontier/unavailable')});"
            " the crawl stopped, what it fetched is closed and kept, and its leases expire for "
            "other workers or a --resume"
        )
    if reason not in _OK_FINISH:
        return f"the crawl ended abnormally ({reason})"
    if report.pending and not report.max_pages and reason != _BUDGET_FINISH:
        # Nothing should be left: the frontier did not drain (pages not archived, …).
        return f"{report.pending} URLs are still pending in the frontier ledger"
    return None
