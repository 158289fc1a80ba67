"""Subcommands of scheduled crawls: ``newsarc run``, ``newsarc schedule``, ``newsarc headlines``.

:func:`add_parsers` is all :mod:`crawler.cli` calls. ``run`` takes the job's lock before it
imports anything heavy, so that a second run of a job answers "already running" at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.exceptions import AlreadyRunning, ConfigError, StoreError

__all__ = ["add_parsers"]


def add_parsers(commands: Any) -> None:
    """Add ``run``, ``schedule`` and ``headlines`` to the ``newsarc`` subcommands."""
    run = commands.add_parser(
        "run",
        help="scheduled, incremental crawl of the sites of a jobs file (for cron)",
        description="Crawl every site of JOBS.yaml, incrementally, each in its own process. "
        "Quiet on success; a summary on stderr otherwise; a JSON run report in the store. "
        "Exit status: 0 success, 1 sites failed or fell short, 2 configuration error, "
        "3 already running, 4 storage unavailable or uploads pending, 5 interrupted.",
    )
    run.add_argument("jobs", metavar="JOBS.yaml", help="the jobs file")
    run.add_argument(
        "--site", action="append", default=[], metavar="NAME", help="only this site (repeatable)"
    )
    run.add_argument(
        "-v", "--verbose", action="store_true", help="crawl logs and the summary on stderr"
    )
    run.add_argument(
        "--check", action="store_true", help="validate the jobs file and exit (0 or 2)"
    )
    run.set_defaults(func=_run)

    schedule = commands.add_parser(
        "schedule",
        help="print a crontab line (or systemd units) that runs a jobs file regularly",
    )
    schedule.add_argument("jobs", metavar="JOBS.yaml", help="the jobs file")
    schedule.add_argument("--every", required=True, metavar="INTERVAL", help="e.g. 15m, 1h, 6h, 1d")
    schedule.add_argument(
        "--systemd", action="store_true", help="print a systemd service and timer instead"
    )
    schedule.set_defaults(func=_schedule)

    headlines = commands.add_parser(
        "headlines",
        help="one headline's views and rank over the captures in a store",
        description="Show how one headline's views and rank changed from capture to capture: "
        "read from the headline items of every crawl in STORE.",
    )
    headlines.add_argument("store", metavar="STORE", help="a directory or s3://bucket/prefix")
    headlines.add_argument("--site", metavar="S", help="only crawls of this site")
    which = headlines.add_mutually_exclusive_group(required=True)
    which.add_argument("--url", metavar="U", help="the headline's link")
    which.add_argument("--title", metavar="TEXT", help="text in the headline's title")
    headlines.add_argument(
        "--since", metavar="TIME", help="only captures at or after TIME (ISO 8601 or 1d, 12h)"
    )
    form = headlines.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="CSV on stdout")
    form.add_argument("--json", action="store_true", help="JSON Lines on stdout")
    headlines.set_defaults(func=_headlines)


def _run(args: argparse.Namespace) -> int:
    from crawler.run.lock import JobLock, lock_path_of  # light: yaml and fcntl only

    jobs_path = Path(args.jobs)
    if not jobs_path.is_file():
        print(f"newsarc: error: no such jobs file: {args.jobs}", file=sys.stderr)
        return 2
    lock = JobLock(lock_path_of(jobs_path))
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"newsarc: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        print(f"newsarc: error: cannot create the job's lock: {exc}", file=sys.stderr)
        return 2
    try:
        return _run_locked(args, jobs_path, lock.fileno())
    finally:
        lock.release()


def _run_locked(args: argparse.Namespace, jobs_path: Path, lock_fd: int) -> int:
    from crawler.run.jobs import load_jobs
    from crawler.run.runner import EXIT_CONFIG, EXIT_STORAGE, Runner, summary_lines
    from crawler.store import open_store
    from crawler.trust import check_parents, check_private_dir

    try:
        job = load_jobs(jobs_path)
        unknown = sorted(set(args.site) - {s.name for s in job.sites})
        if unknown:
            raise ConfigError(f"--site: no site named {', '.join(unknown)} in {jobs_path}")
    except ConfigError as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if args.check:
        return 0

    def every_site_sets(name: str) -> bool:
        allowed = [site.settings.get(name, "") for site in job.sites]
        return bool(allowed) and all(v.lower() in {"1", "true", "yes", "on"} for v in allowed)

    try:
        # Another user's or a group-writable state directory is refused unless every site's
        # crawl accepts shared directories (crawler/trust.py).
        shared_ok = every_site_sets("NEWSARC_ALLOW_SHARED_DIRS")
        check_private_dir(job.state, what="the job's state directory", allow=shared_ok)
        check_parents(job.state, what="the job's state directory", allow=shared_ok)
        # A plain http:// S3 endpoint is allowed here when every site's crawl may use it.
        allow = every_site_sets("NEWSARC_S3_ALLOW_HTTP")
        # The run's own files (reports, state) go to the same store as its sites' crawls: no
        # upload checksum when a site's crawl sends none (a store that refuses it).
        off = {"0", "false", "no", "off"}
        checksum = not any(
            site.settings.get("NEWSARC_S3_UPLOAD_CHECKSUM", "").lower() in off for site in job.sites
        )
        store = open_store(
            job.store, {"NEWSARC_S3_ALLOW_HTTP": allow, "NEWSARC_S3_UPLOAD_CHECKSUM": checksum}
        )
    except ConfigError as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"newsarc: error: storage unavailable: {exc}", file=sys.stderr)
        return EXIT_STORAGE
    runner = Runner(
        job,
        store,
        verbose=args.verbose,
        progress=sys.stderr.isatty() and not args.verbose,
        only=args.site,
        lock_fd=lock_fd,
    )
    outcome = runner.run()
    # Warnings (a measure far below its history, a previous run that was killed) are said even
    # on success: cron mails them.
    warned = any(s.warnings for s in outcome.sites) or outcome.previous_run_unfinished
    if outcome.exit_code or args.verbose or warned:
        for line in summary_lines(outcome, job.name):
            print(line, file=sys.stderr)
    return outcome.exit_code


def _schedule(args: argparse.Namespace) -> int:
    from crawler.run.jobs import load_jobs
    from crawler.run.schedule import crontab_line, systemd_units

    job = load_jobs(args.jobs)
    if args.systemd:
        for name, text in systemd_units(job, args.every):
            print(f"# --- {name}")
            print(text)
    else:
        print(crontab_line(job, args.every))
    return 0


def _headlines(args: argparse.Namespace) -> int:
    from crawler.run.headlines import headline_series, parse_since, print_series

    rows = headline_series(
        args.store,
        site=args.site,
        url=args.url,
        title=args.title,
        since=parse_since(args.since) if args.since else None,
    )
    fmt = "csv" if args.csv else "json" if args.json else "table"
    try:
        print_series(rows, fmt, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if not rows:
        print("newsarc headlines: no capture of that headline", file=sys.stderr)
        return 1
    return 0
