"""The ``newsarc`` command: what operators, analysts and researchers type.

Subcommands build one object and call one method each; Scrapy runs underneath. Exit status:
0 success, 1 the run failed or archived nothing, 2 usage or configuration error. Errors are one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from crawler.exceptions import (
    ConfigError,
    CrawlFailed,
    NothingToResume,
    OutOfSpace,
    StateUnavailable,
    StorageUnavailable,
    StoreError,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from crawler.crawl import CrawlOptions, CrawlReport
    from crawler.profile import SiteProfile
    from crawler.reextract import ExtractSummary

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_STORAGE = 4  # as newsarc run's: files could not reach the remote store, kept in the spool
EXIT_STATE = 6  # the frontier ledger is locked by another process or unavailable
EXIT_NO_SPACE = 7  # less free disk space than NEWSARC_DISK_RESERVE_BYTES (crawler/diskspace.py)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _VersionAction(argparse.Action):
    """``--version``, with the version looked up only when asked for (see crawler/__init__)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.pop("nargs", None)
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        import crawler

        print(f"newsarc {crawler.__version__}")
        parser.exit()


def _add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        "-o",
        metavar="STORE",
        help="where the crawl's files go: a directory or s3://bucket/prefix (default ./data; "
        "with --resume DIR, the directory DIR is in)",
    )
    parser.add_argument(
        "--max-pages",
        type=int,
        default=0,
        metavar="N",
        help="fetch at most N pages (default: no limit)",
    )
    parser.add_argument(
        "--profile", metavar="NAME|FILE", help="site profile: a bundled name or a YAML file"
    )
    parser.add_argument(
        "--render",
        nargs="?",
        const="always",
        choices=("never", "always", "auto"),
        help="render pages in a browser: never, always (the default when given without a "
        "value) or auto (only sites whose plain pages need scripts)",
    )
    parser.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy/newsarc setting",
    )
    parser.add_argument(
        "--settings",
        default=None,
        metavar="MODULE",
        help="settings module (default settings.local; or settings.production; with --resume "
        "the resumed crawl's own)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show the crawl log on stderr"
    )
    parser.add_argument(
        "--wacz",
        action="store_true",
        help="also package the crawl as a WACZ file (needs `make wacz-tool`)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsarc",
        description="Crawl news sites: articles and sidebar headlines as JSON Lines, "
        "raw traffic as WARC.",
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    crawl = commands.add_parser("crawl", help="crawl one or more sites from start URLs")
    crawl.add_argument(
        "urls", nargs="*", metavar="URL", help="start URL(s), http or https (not with --resume)"
    )
    _add_crawl_options(crawl)
    crawl.add_argument(
        "--resume",
        metavar="CRAWL_ID|DIR",
        help="continue a stopped or killed crawl as a new crawl: fetch the URLs still queued in "
        "its frontier ledger, with its start URLs, profile and render mode",
    )
    crawl.add_argument(
        "--frontier",
        metavar="URI",
        help="where the crawl's frontier lives: redis://host:port/db[/crawl-key] for a shared "
        "Redis (default: the crawl's own SQLite ledger); -s FRONTIER_URI=URI",
    )
    crawl.set_defaults(func=_crawl)

    worker = commands.add_parser(
        "worker",
        help="join a running crawl whose frontier is shared (redis://…) and work until it is "
        "drained",
        description="Join the crawl whose shared frontier URI names (as 'newsarc crawl "
        "--frontier' printed it): same crawl id, start URLs, profile and settings; this "
        "worker's id in its WARC and JSON Lines file names. Exits when the frontier is drained "
        "(0), or non-zero when the run failed. SIGTERM gives its leases back.",
    )
    worker.add_argument(
        "--frontier", required=True, metavar="URI", help="redis://host:port/db/<crawl-id>"
    )
    worker.add_argument(
        "--out",
        "-o",
        metavar="STORE",
        default="./data",
        help="where this worker's files go: a directory or s3://bucket/prefix (default ./data)",
    )
    worker.add_argument(
        "--worker-id", metavar="ID", help="this worker's name (default: host name and 4 hex)"
    )
    worker.add_argument(
        "-s",
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy/newsarc setting (on top of the crawl's own)",
    )
    worker.add_argument(
        "-v", "--verbose", action="store_true", help="also show the crawl log on stderr"
    )
    worker.set_defaults(func=_worker)
    _add_frontier_parser(commands)

    demo = commands.add_parser("demo", help="serve the bundled demo news site and crawl it")
    _add_crawl_options(demo)
    demo.set_defaults(func=_demo)

    _add_extract_parser(commands)
    _add_profile_parser(commands)
    from crawler.run.cli import add_parsers as add_run_parsers  # run, schedule, headlines

    add_run_parsers(commands)

    from crawler.datasets.command import add_datasets_parser

    add_datasets_parser(commands)
    return parser


# --- newsarc extract and newsarc profile (saved HTML and WARC files) --------------------------


def _add_extract_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    extract = commands.add_parser(
        "extract",
        help="extract items from saved HTML files, directories of them, or WARC files",
        description="Extract article and headline items from HTML files, directories of them, "
        "or WARC files, as JSON Lines on stdout (or to a file). Items from a WARC carry its "
        "provenance and crawl id.",
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="HTML file, directory or WARC")
    extract.add_argument(
        "--url", metavar="URL", help="URL of a bare HTML file (default: its file:// URL)"
    )
    extract.add_argument(
        "--fetched-at",
        metavar="TIME",
        help="capture time of bare HTML, ISO 8601 with offset (default: the file's mtime)",
    )
    extract.add_argument(
        "--profile", metavar="NAME|FILE", help="site profile: a bundled name or a YAML file"
    )
    extract.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        metavar="N",
        help="files read in parallel by N processes (default: one per core)",
    )
    where = extract.add_mutually_exclusive_group()
    where.add_argument(
        "-o", "--output", metavar="FILE", help="write JSON Lines to FILE (.gz: compressed)"
    )
    where.add_argument(
        "--out",
        metavar="STORE",
        help="put articles.jsonl.gz and headlines.jsonl.gz into a store (a directory or "
        "s3://bucket/prefix) under extract-<UTC time>/items/",
    )
    extract.set_defaults(func=_extract)


def _extract(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.datasets.compare import ItemDigests, crawl_dirs_among, crawl_profile
    from crawler.profile import load_profile
    from crawler.reextract import Extractor, jsonl_writer, open_output

    fetched_at = _parse_fetched_at(args.fetched_at)
    # Over crawl directories, the crawls' own profile unless another is given.
    args.profile = args.profile or crawl_profile(crawl_dirs_among(Path(p) for p in args.paths))
    profile = load_profile(args.profile) if args.profile else None
    if args.out:
        return _extract_to_store(args, profile, fetched_at)
    try:
        stream = open_output(args.output) if args.output else sys.stdout
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output}: {exc.strerror}") from None
    digests = ItemDigests()
    try:
        summary = Extractor(profile, digests.wrap(jsonl_writer(stream))).run(
            [Path(p) for p in args.paths],
            url=args.url,
            fetched_at=fetched_at,
            on_error=_print_error,
            jobs=_jobs(args),
        )
    finally:
        if stream is not sys.stdout:
            stream.close()
    return _extract_summary(summary, args, digests)


def _jobs(args: argparse.Namespace) -> int:
    import os

    return args.jobs if args.jobs > 0 else (os.cpu_count() or 1)


def _print_error(message: str) -> None:
    print(f"newsarc: error: {message}", file=sys.stderr)


def _extract_to_store(
    args: argparse.Namespace, profile: SiteProfile | None, fetched_at: datetime | None
) -> int:
    import tempfile
    from datetime import UTC, datetime
    from pathlib import Path

    from crawler.datasets.compare import ItemDigests
    from crawler.reextract import Extractor, StoreWriter
    from crawler.store import open_store

    store = open_store(args.out)
    prefix = f"extract-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    with tempfile.TemporaryDirectory(prefix="newsarc-extract-") as tmp:
        writer = StoreWriter(Path(tmp))
        digests = ItemDigests()
        summary = Extractor(profile, digests.wrap(writer.write)).run(
            [Path(p) for p in args.paths],
            url=args.url,
            fetched_at=fetched_at,
            on_error=_print_error,
            jobs=_jobs(args),
        )
        config = {"extract_sources": list(args.paths), "profile": args.profile}
        for key in writer.finish(store, prefix, config):
            print(f"newsarc extract: wrote {store.uri.rstrip('/')}/{key}", file=sys.stderr)
    return _extract_summary(summary, args, digests)


def _extract_summary(summary: ExtractSummary, args: argparse.Namespace, digests: Any) -> int:
    from pathlib import Path

    from crawler.datasets.compare import compare, crawl_dirs_among

    c = summary.counts
    print(
        f"newsarc extract: {c['pages']} pages, {c['written/article']} articles, "
        f"{c['written/headline']} headlines, {len(summary.errors)} unreadable source(s)",
        file=sys.stderr,
    )
    crawls = crawl_dirs_among(Path(p) for p in args.paths)
    if crawls:
        comparison = compare(crawls, digests)
        print("newsarc extract: against the crawl's own items:", file=sys.stderr)
        for line in comparison.lines():
            print(line, file=sys.stderr)
        for problem in comparison.problems:
            _print_error(problem)
    return EXIT_FAILED if summary.errors else EXIT_OK


def _add_profile_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    profile = commands.add_parser("profile", help="work with site profiles")
    actions = profile.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    check = actions.add_parser(
        "check",
        help="show what a profile's selectors extract from a saved page",
        description="Validate a profile and show what each of its selectors and the whole "
        "extractor find on one saved page: an HTML file, or a WARC file (with --url to pick "
        "the record; default: its first HTML page). Nothing is fetched: capture a live page "
        "with 'newsarc crawl URL --max-pages 1' and check its WARC.",
    )
    check.add_argument("path", metavar="FILE", help="HTML file or WARC file")
    check.add_argument("--profile", required=True, metavar="NAME|FILE", help="the profile")
    check.add_argument("--url", metavar="URL", help="page URL (HTML) or record to pick (WARC)")
    check.add_argument("--fetched-at", metavar="TIME", help="capture time of bare HTML")
    check.set_defaults(func=_profile_check)


def _parse_fetched_at(value: str | None) -> datetime | None:
    from datetime import datetime

    if not value:
        return None
    try:
        fetched_at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--fetched-at: not an ISO 8601 time: {value!r}") from None
    if fetched_at.tzinfo is None:
        raise ConfigError(f"--fetched-at: give a UTC offset: {value!r}")
    return fetched_at


def _profile_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.profile import load_profile
    from crawler.reextract import SourceError, find_page, profile_report

    profile = load_profile(args.profile)
    try:
        page = find_page(Path(args.path), args.url, _parse_fetched_at(args.fetched_at))
    except SourceError as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in profile_report(page, profile):
        print(line)
    return EXIT_OK


# --- end of newsarc extract and newsarc profile ---------------------------------------------


def _options(args: argparse.Namespace, urls: list[str]) -> CrawlOptions:
    from crawler.crawl import CrawlOptions, parse_overrides

    resume = getattr(args, "resume", None)
    return CrawlOptions(
        start_urls=urls,
        store_uri=args.out or ("" if resume else "./data"),
        resume=resume,
        max_pages=args.max_pages,
        profile=args.profile,
        settings_module=args.settings or "settings.local",
        settings_given=args.settings is not None,
        overrides=_frontier(_wacz(parse_overrides(args.overrides), args.wacz), args),
        render=args.render,
        verbose=args.verbose,
    )


def _wacz(overrides: dict[str, str], wacz: bool) -> dict[str, str]:
    """``--wacz`` is ``-s WACZ_ENABLED=True``."""
    return {**overrides, "WACZ_ENABLED": "True"} if wacz else overrides


def _frontier(overrides: dict[str, str], args: argparse.Namespace) -> dict[str, str]:
    """``--frontier URI`` is ``-s FRONTIER_URI=URI``."""
    uri = getattr(args, "frontier", None)
    return {**overrides, "FRONTIER_URI": uri} if uri else overrides


def _crawl(args: argparse.Namespace) -> int:
    from crawler.crawl import run_crawl

    if not args.urls and not args.resume:
        raise ConfigError("give at least one start URL (or --resume CRAWL_ID)")
    return _finish(run_crawl(_options(args, list(args.urls))))


def _demo(args: argparse.Namespace) -> int:
    from crawler.crawl import run_crawl
    from crawler.demo.server import serve_demo

    with serve_demo() as server:
        print(f"newsarc demo: serving the demo news site at {server.base_url}/")
        options = _options(args, [f"{server.base_url}/"])
        options.profile = options.profile or "demo"
        options.name = "demo"
        options.resumable = False  # the demo server (and its port) ends with this command
        report = run_crawl(options)
    return _finish(report)


def _worker(args: argparse.Namespace) -> int:
    from crawler.crawl import CrawlOptions, parse_overrides, run_worker

    overrides = {**parse_overrides(args.overrides), "FRONTIER_URI": args.frontier}
    if args.worker_id:
        overrides["NEWSARC_WORKER_ID"] = args.worker_id
    options = CrawlOptions(
        start_urls=[], store_uri=args.out, overrides=overrides, verbose=args.verbose
    )
    return _finish(run_worker(options))


def _add_frontier_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    frontier = commands.add_parser(
        "frontier",
        help="inspect and operate a crawl's shared frontier (redis://…)",
        description="Operate the shared frontier of a crawl: redis://host:port/db/<crawl-id>. "
        "A worker killed for good (kill -9, a lost machine) stays running on the crawl's roster "
        "and holds back its manifest.json: 'newsarc frontier lost WORKER --frontier URI --out "
        "STORE' gives up on it (and merges the manifest when nothing else is left).",
    )
    actions = frontier.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("uri", metavar="URI", help="redis://host:port/db/<crawl-id>")
        return parser

    action("status", "queued, leased, done, failed, skipped and dead-letter counts per host")
    drain = action(
        "drain", "workers take no new work and stop once theirs is checkpointed (queued URLs stay)"
    )
    drain.add_argument("--cancel", action="store_true", help="let workers take work again")
    requeue = action("requeue", "queue dead-lettered entries again")
    requeue.add_argument(
        "urls", nargs="*", metavar="URL", help="the entries to requeue (default: every one)"
    )
    action("dead", "list the dead-lettered entries and why each delivery ended")
    lost = actions.add_parser(
        "lost",
        help="give up on a dead worker (kill -9, a lost machine): the crawl's manifest no "
        "longer waits for it",
        description="Mark WORKER lost on the crawl's roster (refused if it is not on it, is "
        "finished, or a merge of the crawl's manifest is under way). Its leases expire as "
        "usual and their URLs go back to the queue. If every other worker is finished and "
        "nothing is queued or leased, this command merges and stores the crawl's manifest.json "
        "in STORE (the lost worker named in workers_lost, with its files only if its own "
        "manifest is stored); otherwise the last worker to finish does.",
    )
    lost.add_argument("worker", metavar="WORKER", help="the worker's --worker-id")
    lost.add_argument(
        "--frontier", dest="uri", required=True, metavar="URI",
        help="redis://host:port/db/<crawl-id>",
    )  # fmt: skip
    lost.add_argument(
        "--crawl", metavar="ID", help="the crawl id (default: the frontier's last crawl)"
    )
    lost.add_argument(
        "--out", required=True, metavar="STORE", help="the crawl's store, as its workers had it"
    )
    frontier.set_defaults(func=_frontier_command)


def _frontier_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from crawler.frontier.base import BACKEND_ERRORS, open_backend, redacted
    from crawler.frontier.redis import RedisFrontier

    try:
        frontier = open_backend(args.uri, Path.cwd())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    except BACKEND_ERRORS as exc:
        raise StoreError(f"cannot reach the frontier {redacted(args.uri)}: {exc}") from exc
    try:
        if not isinstance(frontier, RedisFrontier) or not frontier.shared_key:
            raise ConfigError(
                f"{redacted(args.uri)!r}: name a shared frontier with its crawl: "
                "redis://host:port/db/<crawl-id>"
            )
        if not frontier.meta():
            raise ConfigError(f"{redacted(args.uri)!r}: no crawl in this frontier")
        return _FRONTIER_ACTIONS[args.action](frontier, args)
    except BACKEND_ERRORS as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        frontier.close()


def _frontier_status(frontier: Any, args: argparse.Namespace) -> int:
    from crawler.frontier.redis import LEASED

    columns = ("queued", LEASED, "done", "failed", "skipped", "dead")
    dead: dict[str, int] = {}
    for letter in frontier.dead_letters():
        host = _host(letter.url)
        dead[host] = dead.get(host, 0) + 1
    rows = frontier.host_counts()
    total = dict.fromkeys(columns, 0)
    width = max([len("host"), len("total"), *(len(h) for h in rows)])
    print(f"{'host':<{width}}  " + "  ".join(f"{c:>8}" for c in columns))
    for host in sorted(rows):
        counts = {**rows[host], "dead": dead.get(host, 0)}
        for c in columns:
            total[c] += counts.get(c, 0)
        print(f"{host:<{width}}  " + "  ".join(f"{counts.get(c, 0):>8}" for c in columns))
    print(f"{'total':<{width}}  " + "  ".join(f"{total[c]:>8}" for c in columns))
    if frontier.draining:
        print("draining: workers take no new work (newsarc frontier drain --cancel)")
    crawl_id = frontier.meta().get("crawl_id")
    if isinstance(crawl_id, str):
        frontier.crawl_id = crawl_id  # the roster is the crawl's (a resume in place: the last)
    workers = frontier.workers()
    if workers:
        states = ", ".join(f"{w} {r.get('state')}" for w, r in sorted(workers.items()))
        print(f"workers: {states}")
        print(f"manifest: {frontier.crawl_manifest() or 'not stored yet'}")
    return EXIT_OK


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def _frontier_drain(frontier: Any, args: argparse.Namespace) -> int:
    frontier.set_draining(not args.cancel)
    counts = frontier.counts()
    if args.cancel:
        print(f"newsarc frontier: workers take work again ({counts['queued']} queued)")
    else:
        print(
            f"newsarc frontier: draining; {counts['leased']} leased entries are being finished, "
            f"{counts['queued']} queued stay queued (drain --cancel, then newsarc worker, "
            "takes them)"
        )
    return EXIT_OK


def _frontier_requeue(frontier: Any, args: argparse.Namespace) -> int:
    urls = list(args.urls) or [letter.url for letter in frontier.dead_letters()]
    requeued = 0
    status = EXIT_OK
    for url in urls:
        if frontier.requeue_dead(url):
            requeued += 1
        else:
            print(f"newsarc: error: not a dead-lettered entry: {url}", file=sys.stderr)
            status = EXIT_FAILED
    print(f"newsarc frontier: requeued {requeued} dead-lettered entries")
    return status


def _frontier_dead(frontier: Any, args: argparse.Namespace) -> int:
    for letter in sorted(frontier.dead_letters()):
        print(f"{letter.url}\t{letter.deliveries} deliveries\t{'; '.join(letter.reasons)}")
    return EXIT_OK


def _frontier_lost(frontier: Any, args: argparse.Namespace) -> int:
    from crawler.frontier.redis import WorkerNotLost
    from crawler.frontier.workers import lose_worker

    crawl_id = args.crawl or frontier.meta().get("crawl_id")
    if not isinstance(crawl_id, str) or not crawl_id:
        raise ConfigError(f"{args.uri!r}: no crawl id in this frontier: name one with --crawl")
    frontier.crawl_id = crawl_id
    frontier.max_pages = int(frontier.meta().get("max_pages") or 0)
    try:
        found, where = lose_worker(frontier, args.worker, args.out)
    except WorkerNotLost as exc:
        raise ConfigError(f"cannot mark {args.worker} lost: {exc}") from None
    if where is not None:
        print(f"newsarc frontier: {args.worker} is lost; stored the crawl's manifest: {where}")
    else:
        waiting = ", ".join(found.waiting) or (
            f"{found.queued} queued, {found.leased} leased URLs (leases of {args.worker} "
            "expire and go back to the queue)"
        )
        print(
            f"newsarc frontier: {args.worker} is lost; the crawl's manifest will be merged by "
            f"the last worker to finish (waiting for {waiting})"
        )
    return EXIT_OK


_FRONTIER_ACTIONS = {
    "status": _frontier_status,
    "drain": _frontier_drain,
    "requeue": _frontier_requeue,
    "dead": _frontier_dead,
    "lost": _frontier_lost,
}


def _finish(report: CrawlReport) -> int:
    _print_summary(report)
    _print_pending(report)
    if report.join_command:
        print(f"newsarc: more workers join with: {report.join_command}", file=sys.stderr)
    if report.failure:
        if report.state_failed:
            raise StateUnavailable(report.failure)
        if report.storage_failed:
            raise StorageUnavailable(report.failure)
        if report.failure_kind == "space":
            raise OutOfSpace(report.failure)
        if report.failure_kind == "config":
            raise ConfigError(report.failure)
        raise CrawlFailed(report.failure)
    return EXIT_OK


def _print_pending(report: CrawlReport) -> None:
    """URLs left queued in the frontier ledger, and how to fetch them (stderr: cron mails it)."""
    if not report.pending:
        return
    print(
        f"newsarc: {report.pending} URLs of crawl {report.crawl_id} are still pending",
        file=sys.stderr,
    )
    if report.resume_command:
        print(f"newsarc: to fetch them: {report.resume_command}", file=sys.stderr)


def _size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} GB"


def _print_summary(report: CrawlReport) -> None:
    s = report.stat
    pages = s("newsarc/pages_fetched")
    kinds = ", ".join(
        f"{s(f'newsarc/page_type/{k}')} {label}"
        for k, label in (("article", "articles"), ("listing", "listings"), ("other", "other"))
    )
    drops = {
        k.rsplit("/", 1)[-1]: v
        for k, v in report.stats.items()
        if k.startswith("item_dropped_reasons_count/")
    }
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(drops.items())) or "none"
    files = report.files
    warcs = [f for f in files if f.name.endswith(".warc.gz")]
    items = [f for f in files if ".jsonl" in f.name]
    out = sys.stdout
    print(
        f"newsarc: crawl {report.crawl_id} "
        f"{'FAILED' if report.failure else 'finished'} "
        f"({report.stats.get('finish_reason', '?')})",
        file=out,
    )
    print(f"  pages fetched  {pages} ({kinds})", file=out)
    if report.resumed_from:
        print(f"  resumed from   {report.resumed_from}", file=out)
    print(
        f"  items written  {s('items/written/article')} articles, "
        f"{s('items/written/headline')} headlines; dropped: {dropped}",
        file=out,
    )
    print(
        f"  failed fetches {s('newsarc/fetch_failed')}; "
        f"skipped (robots.txt) {s('newsarc/skipped/robots')}",
        file=out,
    )
    if s("newsarc/bombs"):
        hosts = sorted(
            (int(v), k.removeprefix("newsarc/bombs/"))
            for k, v in report.stats.items()
            if k.startswith("newsarc/bombs/")
        )
        print(
            f"  bombs          {s('newsarc/bombs')} decompression bomb(s) stopped at "
            "DOWNLOAD_MAXSIZE, by host: "
            + ", ".join(f"{host} {n}" + (" (several)" if n > 1 else "") for n, host in hosts[::-1]),
            file=out,
        )
    if s("tls/unverified"):
        problems = ", ".join(
            f"{k.rsplit('/', 1)[-1]} {v}"
            for k, v in sorted(report.stats.items())
            if k.startswith("tls/unverified/")
        )
        print(
            f"  TLS            {s('tls/unverified')} response(s) behind certificates that do not "
            f"verify ({problems}); archived anyway",
            file=out,
        )
    if "frontier/pending" in report.stats:
        print(f"  frontier       {report.pending} URLs still queued", file=out)
    if report.remote:
        _print_remote_outcome(report)
        return
    print(
        f"  WARC           {len(warcs)} file(s), {s('warc/records_written')} records, "
        f"{_size(sum(f.stat().st_size for f in warcs))}",
        file=out,
    )
    print(f"  output         {report.work_dir.resolve()}/", file=out)
    for path in items + warcs:
        print(f"                   {path.relative_to(report.work_dir)}", file=out)
    from crawler.manifest import MANIFEST_NAME, crawl_log, worker_manifest

    manifest = report.work_dir / MANIFEST_NAME
    if manifest.exists():
        print(f"  manifest       {manifest.resolve()}", file=out)
    worker = report.worker_id if report.shared else ""
    if worker and (report.work_dir / worker_manifest(worker)).exists():
        own = (report.work_dir / worker_manifest(worker)).resolve()
        print(f"  worker's part  {own}", file=out)
    print(f"  log            {(report.work_dir / crawl_log(worker)).resolve()}", file=out)


def _print_remote_outcome(report: CrawlReport) -> None:
    """Where the files of a crawl to a remote store went, and what is still in the spool."""
    s = report.stat
    out = sys.stdout
    print(
        f"  WARC           {s('warc/files_closed')} file(s), {s('warc/records_written')} records, "
        f"{_size(s('warc/bytes_written'))}",
        file=out,
    )
    print(f"  output         {report.store_uri.rstrip('/')}/{report.crawl_id}/", file=out)
    print(
        f"  uploaded       {s('store/uploaded')} file(s), {_size(s('store/bytes_uploaded'))}, "
        "each verified by SHA-256",
        file=out,
    )
    pending = s("store/pending")
    if pending:
        print(f"  pending        {pending} file(s) kept in {report.work_dir.resolve()}/", file=out)
    for path in report.stats.get("store/quarantined_files") or []:
        print(f"  quarantined    {path}", file=out)


#: How each way a command can end early is printed (after "newsarc: ") and its exit status; the
#: first class that matches wins, so a subclass comes before its base (StorageUnavailable).
_ENDING_OF: dict[type[Exception], tuple[str, int]] = {
    ConfigError: ("error: ", EXIT_USAGE),
    StoreError: ("error: ", EXIT_USAGE),
    StateUnavailable: ("error: ", EXIT_STATE),
    OutOfSpace: ("error: ", EXIT_NO_SPACE),
    StorageUnavailable: ("crawl failed: ", EXIT_STORAGE),
    CrawlFailed: ("crawl failed: ", EXIT_FAILED),
    # Not an error: the state a resume works towards (every URL done) already holds, so a
    # "resume until it exits 0" loop ends here.
    NothingToResume: ("", EXIT_OK),
}
_ENDINGS = tuple(_ENDING_OF)


def _keep_group_and_others_from_writing() -> None:
    """Add write for group and others to the process's umask (inherited by every process it
    starts). Under a umask of 002 (user-private groups, Ubuntu's default for logins and cron)
    newsarc's own directories and files would be group-writable, and the next crawl, a resume
    or the spool uploader would refuse them as state another user could change
    (crawler/trust.py)."""
    current = os.umask(0o022)
    os.umask(current | 0o022)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsarc`` console script; returns the exit status."""
    _keep_group_and_others_from_writing()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        result: int = args.func(args)
    except _ENDINGS as exc:
        prefix, code = next(v for k, v in _ENDING_OF.items() if isinstance(exc, k))
        print(f"newsarc: {prefix}{exc}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("newsarc: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
