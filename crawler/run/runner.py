"""``newsarc run JOBS.yaml``: crawl every site of a job, each in its own process, and judge it.

Order of a run:

1. the job's lock (:mod:`crawler.run.lock`): a second run of the job exits ``3`` at once;
2. the jobs file is validated (an error exits ``2``; nothing was fetched or written);
3. for an ``s3://`` store, each site's incremental state is fetched from the store when there
   is no local copy (``_state/<job>/<site>.sqlite``), so a new machine carries on;
4. sites run as child processes (:mod:`crawler.run.site`), at most ``parallel`` at once, each in
   its own session; their logs are ``<state>/logs/<job>/<site>.log``;
5. each site is judged (:mod:`crawler.run.report`) and its run added to its history; the run
   report goes to the store as ``_runs/<job>/<run_id>.json``, and for an ``s3://`` store the
   state files are uploaded beside the data; a report the store refuses is kept in
   ``<state>/runs/<job>/`` and stored by the next run, before its own;
6. a summary goes to stderr unless the run succeeded without warnings (``-v``: always).

Signals: the first SIGTERM or SIGINT starts no new site and passes SIGTERM on to the running
ones, which close their crawls (files closed and verified, uploaded or spooled, ledger and state
checkpointed); after the job's ``grace`` seconds, or at a second signal, they get a second
SIGTERM (Scrapy stops at once), and 5 s later SIGKILL. Whatever a stopped site left half-written
is then repaired (:func:`~crawler.recovery.recover_crawl_dir`), so every file is valid when
the run exits ``5`` (interrupted).

Killed: a runner killed outright (SIGKILL, the OOM killer) takes nothing with it. Its sites'
crawls get SIGTERM (``PR_SET_PDEATHSIG``) and close gracefully, and they hold the job's lock
until they end (the runner hands it on, see :mod:`crawler.run.lock`), so the next run cannot
overlap them. That next run finds the killed run's ``running.json`` in ``<state>/run/<job>/``,
says so on stderr and in its report (``previous_run_unfinished``), and fetches what the killed
run's crawls had not committed.

Exit codes: see :data:`EXIT_CODES`.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scrapy.settings import Settings

from crawler.crawlinfo import is_remote_store, local_store_root, spool_dir
from crawler.exceptions import StoreError
from crawler.incremental import open_state_db
from crawler.progress import progress_line, read_progress
from crawler.recovery import is_locked, needs_recovery, recover_crawl_dir
from crawler.run.report import REPORT_SCHEMA, SiteReport, judge_site, record_history, site_report

if TYPE_CHECKING:
    from types import FrameType

    from crawler.run.jobs import Job, Site
    from crawler.store.base import Store

__all__ = [
    "EXIT_ALREADY_RUNNING",
    "EXIT_CODES",
    "EXIT_CONFIG",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SITES_FAILED",
    "EXIT_STORAGE",
    "RunOutcome",
    "Runner",
]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_SITES_FAILED = 1
EXIT_CONFIG = 2
EXIT_ALREADY_RUNNING = 3
EXIT_STORAGE = 4
EXIT_INTERRUPTED = 5
EXIT_CODES = {
    EXIT_OK: "every site crawled and met its expectations",
    EXIT_SITES_FAILED: "some sites failed, were blocked or fell short of their expectations",
    EXIT_CONFIG: "configuration error (jobs file, profile, setting); nothing was run",
    EXIT_ALREADY_RUNNING: "another run of the same job holds its lock; nothing was done",
    EXIT_STORAGE: "storage unavailable, or files still pending upload in the spool",
    EXIT_INTERRUPTED: "stopped by SIGTERM/SIGINT; files closed and valid, state saved",
}
_KILL_AFTER = 5.0  # seconds between the forced stop and SIGKILL


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _Child:
    site: Site
    proc: subprocess.Popen[bytes]
    result_path: Path
    started: float
    log: TextIO | None
    interrupted: bool = False


@dataclass
class RunOutcome:
    """What a run did, for the summary and the exit code."""

    run_id: str
    sites: list[SiteReport] = field(default_factory=list)
    interrupted: bool = False
    report_uri: str | None = None
    storage_problems: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK
    previous_run_unfinished: str | None = None
    """The id of the job's previous run when it ended without finishing (killed)."""


class Runner:
    """Runs one job: children, signals, judging, the report. See the module docstring."""

    def __init__(
        self,
        job: Job,
        store: Store,
        *,
        verbose: bool = False,
        progress: bool = False,
        only: list[str] | None = None,
        lock_fd: int = -1,
    ) -> None:
        self.job = job
        self.store = store
        self.verbose = verbose
        self.progress = progress
        self.sites = [s for s in job.sites if not only or s.name in only]
        self.run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{job.name}"
        self.started_at = _now()
        self.work = job.state / "run" / job.name
        self.logs = job.state / "logs" / job.name
        self.lock_fd = lock_fd
        self._signals = 0
        self._grace_deadline: float | None = None
        self._kill_deadline: float | None = None
        self._shown = 0.0

    # -- paths --------------------------------------------------------------------------------

    def state_db(self, site: Site) -> Path:
        return self.job.state / self.job.name / f"{site.name}.sqlite"

    def _progress_path(self, site: Site) -> Path:
        return self.work / f"{site.name}.progress.json"

    def _state_key(self, site: Site) -> str:
        return f"_state/{self.job.name}/{site.name}.sqlite"

    def _local_root(self) -> Path:
        """Where the sites' crawl directories are on this machine (store or spool)."""
        if not is_remote_store(self.job.store):
            return local_store_root(self.job.store)
        settings = Settings()
        settings.setmodule(self.job.settings_module, priority="project")
        spool = {s.settings.get("NEWSARC_SPOOL_DIR") for s in self.sites} - {None}
        root = next(iter(spool), None) or settings.get("NEWSARC_SPOOL_DIR")
        return spool_dir(os.path.expanduser(str(root)), self.job.store)

    # -- the run ------------------------------------------------------------------------------

    def _marker(self) -> Path:
        return self.work / "running.json"

    def _begin(self, outcome: RunOutcome) -> None:
        """Note this run as running; a note left by the previous run means it was killed."""
        marker = self._marker()
        try:
            left = json.loads(marker.read_text(encoding="utf-8"))
        except FileNotFoundError:
            left = None
        except (OSError, ValueError):
            left = {}
        if left is not None:
            run_id = left.get("run_id") if isinstance(left, dict) else None
            outcome.previous_run_unfinished = str(run_id or "?")
            logger.warning("The previous run %s ended without finishing", run_id)
        tmp = marker.with_name(marker.name + ".tmp")
        tmp.write_text(
            json.dumps({"run_id": self.run_id, "started_at": self.started_at, "pid": os.getpid()}),
            encoding="utf-8",
        )
        tmp.replace(marker)

    def run(self) -> RunOutcome:
        outcome = RunOutcome(self.run_id)
        self.work.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        self._begin(outcome)
        if is_remote_store(self.job.store):
            self._fetch_state(outcome)
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self._run_children(outcome)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.progress:
                sys.stderr.write("\r\033[K")
        if outcome.interrupted:
            self._repair()
        if is_remote_store(self.job.store):
            self._upload_state(outcome)
        self._send_kept_reports(outcome)
        self._write_report(outcome)
        outcome.exit_code = self._exit_code(outcome)
        with contextlib.suppress(OSError):
            self._marker().unlink()
        return outcome

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        now = time.monotonic()
        if self._signals == 1:
            self._grace_deadline = now + self.job.grace
        else:
            self._grace_deadline = now  # stop at once

    def _run_children(self, outcome: RunOutcome) -> None:
        pending = list(self.sites)
        running: list[_Child] = []
        forced = False
        while pending or running:
            if self._signals and not outcome.interrupted:
                outcome.interrupted = True
                for child in running:
                    child.interrupted = True
                    _signal(child.proc, signal.SIGTERM)
            if not outcome.interrupted:
                while pending and len(running) < self.job.parallel:
                    running.append(self._start(pending.pop(0)))
            elif pending:
                for site in pending:
                    outcome.sites.append(
                        SiteReport(site.name, "interrupted", ["not started: the run was stopped"])
                    )
                pending.clear()
            now = time.monotonic()
            grace_over = self._grace_deadline is not None and now >= self._grace_deadline
            if outcome.interrupted and grace_over and not forced:
                forced = True
                self._kill_deadline = now + _KILL_AFTER
                for child in running:
                    _signal(child.proc, signal.SIGTERM)  # Scrapy's second: stop at once
            if forced and self._kill_deadline is not None and now >= self._kill_deadline:
                for child in running:
                    _signal(child.proc, signal.SIGKILL)
                self._kill_deadline = None
            for child in list(running):
                if child.proc.poll() is not None:
                    running.remove(child)
                    outcome.sites.append(self._finish(child))
            if self.progress:
                self._show_progress(outcome, running)
            time.sleep(0.05)

    def _start(self, site: Site) -> _Child:
        spec = self._spec(site)
        spec_path = self.work / f"{site.name}.spec.json"
        result_path = self.work / f"{site.name}.result.json"
        with contextlib.suppress(FileNotFoundError):
            result_path.unlink()
        spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
        log = None if self.verbose else (self.logs / f"{site.name}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.run.site", str(spec_path), str(result_path)],
            stdin=subprocess.DEVNULL,
            stdout=log if log is not None else sys.stderr,
            stderr=log if log is not None else sys.stderr,
            start_new_session=True,  # a terminal's Ctrl-C reaches the runner only
            pass_fds=(self.lock_fd,) if self.lock_fd >= 0 else (),  # the job's lock, see lock.py
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - the runner starts no threads
        )
        return _Child(site, proc, result_path, time.monotonic(), log)

    def _spec(self, site: Site) -> dict[str, Any]:
        overrides = dict(site.settings)
        overrides["INCREMENTAL_STATE"] = str(self.state_db(site))
        if site.feeds:
            overrides["NEWSARC_FEEDS"] = json.dumps(list(site.feeds))
        if site.sitemaps:
            overrides["NEWSARC_SITEMAPS"] = json.dumps(list(site.sitemaps))
        if site.limits.time:
            overrides["CLOSESPIDER_TIMEOUT"] = str(site.limits.time)
        if site.limits.depth is not None:  # 0 is Scrapy's "no limit"
            overrides["DEPTH_LIMIT"] = str(site.limits.depth)
        overrides["PROGRESS_TTY"] = "False"
        if self.progress:
            overrides["PROGRESS_FILE"] = str(self._progress_path(site))
        return {
            "name": site.name,
            "start_urls": list(site.start_urls),
            "store": self.job.store,
            "max_pages": site.limits.pages,
            "profile": site.profile,
            "render": site.render,
            "settings_module": self.job.settings_module,
            "overrides": overrides,
            "verbose": self.verbose,
        }

    def _finish(self, child: _Child) -> SiteReport:
        if child.log is not None:
            child.log.close()
        seconds = time.monotonic() - child.started
        try:
            result = json.loads(child.result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            code = child.proc.returncode
            result = {
                "status": "failed",
                "error": f"the site's crawl process ended without a result (exit status {code}; "
                f"see {self.logs / (child.site.name + '.log')})",
            }
        report = site_report(child.site.name, result, seconds)
        stopped = report.finish_reason == "shutdown" or result.get("stats") is None
        if child.interrupted and (stopped or report.status != "ok"):
            report.status = "interrupted"
            report.problems = ["stopped by a signal before it finished"]
        judge_site(report, child.site.expectations, result, self.state_db(child.site))
        with contextlib.suppress(OSError, sqlite3.Error):
            record_history(self.state_db(child.site), self.started_at, report)
        stats = result.get("stats") or {}
        pending = stats.get("store/pending")
        if isinstance(pending, int) and pending and not report.problems_mention("pending upload"):
            report.problems.append(f"{pending} file(s) pending upload in the spool")
        return report

    def _show_progress(self, outcome: RunOutcome, running: list[_Child]) -> None:
        now = time.monotonic()
        if now - self._shown < 0.5:
            return
        self._shown = now
        parts = [
            f"{c.site.name}: {progress_line(read_progress(self._progress_path(c.site)))}"
            for c in running
        ]
        line = (
            f"newsarc run {self.job.name}: {len(outcome.sites)}/{len(self.sites)} sites done"
            + (" — stopping" if outcome.interrupted else "")
            + "".join(f"; {p}" for p in parts)
        )
        width = shutil.get_terminal_size((120, 20)).columns - 1
        sys.stderr.write("\r\033[K" + line[:width])
        sys.stderr.flush()

    # -- after the children -------------------------------------------------------------------

    def _repair(self) -> None:
        """Close and verify what stopped crawls left half-written (after a forced stop)."""
        try:
            root = self._local_root()
            dirs = [d for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))]
        except (OSError, StoreError):
            return
        for crawl_dir in dirs:
            try:
                if needs_recovery(crawl_dir) and not is_locked(crawl_dir):
                    recovered = recover_crawl_dir(crawl_dir)
                    logger.info("Recovered %s: %s", crawl_dir, recovered)
            except (OSError, StoreError) as exc:
                logger.error("Could not recover %s: %s", crawl_dir, exc)

    def _fetch_state(self, outcome: RunOutcome) -> None:
        for site in self.sites:
            local = self.state_db(site)
            if local.exists():
                continue
            key = self._state_key(site)
            try:
                if not self.store.exists(key):
                    continue
                local.parent.mkdir(parents=True, exist_ok=True)
                tmp = local.with_name(local.name + ".download")
                with self.store.open(key) as src, tmp.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                tmp.replace(local)
            except (OSError, StoreError) as exc:
                outcome.storage_problems.append(f"could not fetch the state of {site.name}: {exc}")

    def _upload_state(self, outcome: RunOutcome) -> None:
        for site in self.sites:
            local = self.state_db(site)
            if not local.exists():
                continue
            with tempfile.TemporaryDirectory(prefix="newsarc-state-") as tmp:
                snapshot = Path(tmp) / local.name
                try:
                    src = open_state_db(local)
                    dst = sqlite3.connect(snapshot)
                    try:
                        src.backup(dst)  # one consistent file, WAL included
                    finally:
                        dst.close()
                        src.close()
                    self.store.put(snapshot, self._state_key(site))
                except (OSError, sqlite3.Error, StoreError) as exc:
                    outcome.storage_problems.append(
                        f"could not upload the state of {site.name}: {exc}"
                    )

    def _kept_reports_dir(self) -> Path:
        """Where a run report the store refused waits for the next run."""
        return self.job.state / "runs" / self.job.name

    def _send_kept_reports(self, outcome: RunOutcome) -> None:
        """Store the reports earlier runs could not (oldest first), then delete them here."""
        try:
            kept = sorted(self._kept_reports_dir().glob("*.json"))
        except OSError:
            return
        for path in kept:
            key = f"_runs/{self.job.name}/{path.name}"
            try:
                self.store.put(path, key)
            except (OSError, StoreError) as exc:
                outcome.storage_problems.append(
                    f"{len(kept) - kept.index(path)} earlier run report(s) still kept in "
                    f"{path.parent}: {exc}"
                )
                return  # the store is probably down: the rest wait too
            logger.info("Stored the run report %s kept by an earlier run", key)
            with contextlib.suppress(OSError):
                path.unlink()

    def _write_report(self, outcome: RunOutcome) -> None:
        order = {s.name: i for i, s in enumerate(self.sites)}
        outcome.sites.sort(key=lambda r: order.get(r.name, 0))
        document = {
            "schema": REPORT_SCHEMA,
            "job": self.job.name,
            "run_id": self.run_id,
            "jobs_file": str(self.job.path),
            "store": self.job.store,
            "started_at": self.started_at,
            "finished_at": _now(),
            "interrupted": outcome.interrupted,
            "exit_code": self._exit_code(outcome),
            "storage_problems": outcome.storage_problems,
            "previous_run_unfinished": outcome.previous_run_unfinished,
            "sites": [s.as_dict() for s in outcome.sites],
        }
        key = f"_runs/{self.job.name}/{self.run_id}.json"
        with tempfile.TemporaryDirectory(prefix="newsarc-report-") as tmp:
            path = Path(tmp) / "report.json"
            path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            try:
                self.store.put(path, key)
                outcome.report_uri = f"{self.store.uri.rstrip('/')}/{key}"
            except (OSError, StoreError) as exc:
                outcome.storage_problems.append(f"could not store the run report: {exc}")
                local = self._kept_reports_dir() / f"{self.run_id}.json"
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
                outcome.report_uri = str(local)

    def _exit_code(self, outcome: RunOutcome) -> int:
        if outcome.interrupted:
            return EXIT_INTERRUPTED
        statuses = {s.status for s in outcome.sites}
        if "config_error" in statuses:
            return EXIT_CONFIG
        pending = any(s.problems_mention("pending upload") for s in outcome.sites)
        if outcome.storage_problems or "storage" in statuses or pending:
            return EXIT_STORAGE
        if statuses - {"ok"}:
            return EXIT_SITES_FAILED
        return EXIT_OK


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the runner dies (even by SIGKILL), so that no
    site crawl outlives its run (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)


def _size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} GB"


def summary_lines(outcome: RunOutcome, job_name: str) -> list[str]:
    """The human summary (stderr)."""
    word = {
        EXIT_OK: "finished",
        EXIT_SITES_FAILED: "finished with problems",
        EXIT_CONFIG: "configuration error",
        EXIT_STORAGE: "storage problems",
        EXIT_INTERRUPTED: "INTERRUPTED",
    }.get(outcome.exit_code, "finished")
    if outcome.exit_code == EXIT_OK and any(s.warnings for s in outcome.sites):
        word = "finished with warnings"
    lines = [f"newsarc run {job_name}: {word} (exit {outcome.exit_code}), run {outcome.run_id}"]
    width = max((len(s.name) for s in outcome.sites), default=4)
    for s in outcome.sites:
        errors = sum(s.errors.values())
        lines.append(
            f"  {s.name:<{width}}  {s.status:<11} {s.pages} pages, {s.articles} articles "
            f"({s.new} new, {s.changed} changed, {s.unchanged + s.not_modified} unchanged, "
            f"{s.skipped_known} skipped as known), {s.headlines} headlines, "
            f"{s.feeds + s.sitemaps} feeds and sitemaps ({s.sources_not_modified} unchanged), "
            f"{errors} errors, "
            f"{_size(s.bytes)}, {s.seconds:.1f} s"
        )
        lines.extend(f"  {'':<{width}}  ! {problem}" for problem in s.problems)
        lines.extend(f"  {'':<{width}}  warning: {warning}" for warning in s.warnings)
    lines.extend(f"  ! {problem}" for problem in outcome.storage_problems)
    if outcome.previous_run_unfinished:
        lines.append(
            f"  ! the previous run {outcome.previous_run_unfinished} ended without finishing "
            "(killed?) and wrote no report; what its crawls captured is kept, and what they had "
            "not is fetched by this run"
        )
    if outcome.report_uri:
        lines.append(f"  report {outcome.report_uri}")
    return lines
