"""The ``newsarc`` command: what operators, analysts and researchers type.

Subcommands build one object and call one method each; Scrapy runs underneath. Exit status:
0 success, 1 the run failed or archived nothing, 2 usage or configuration error. Errors are one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from crawler import __version__
from crawler.exceptions import ConfigError, CrawlFailed, StoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from crawler.crawl import CrawlOptions, CrawlReport

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        "-o",
        default="./data",
        metavar="STORE",
        help="where the crawl's files go: a directory (default ./data)",
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
        default="settings.local",
        metavar="MODULE",
        help="settings module (default settings.local; or settings.production)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show the crawl log on stderr"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsarc",
        description="Crawl news sites: articles and sidebar headlines as JSON Lines, "
        "raw traffic as WARC.",
    )
    parser.add_argument("--version", action="version", version=f"newsarc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    crawl = commands.add_parser("crawl", help="crawl one or more sites from start URLs")
    crawl.add_argument("urls", nargs="+", metavar="URL", help="start URL(s), http or https")
    _add_crawl_options(crawl)
    crawl.set_defaults(func=_crawl)

    demo = commands.add_parser("demo", help="serve the bundled demo news site and crawl it")
    _add_crawl_options(demo)
    demo.set_defaults(func=_demo)
    return parser


def _options(args: argparse.Namespace, urls: list[str]) -> CrawlOptions:
    from crawler.crawl import CrawlOptions, parse_overrides

    return CrawlOptions(
        start_urls=urls,
        store_uri=args.out,
        max_pages=args.max_pages,
        profile=args.profile,
        settings_module=args.settings,
        overrides=parse_overrides(args.overrides),
        verbose=args.verbose,
    )


def _crawl(args: argparse.Namespace) -> int:
    from crawler.crawl import run_crawl

    return _finish(run_crawl(_options(args, list(args.urls))))


def _demo(args: argparse.Namespace) -> int:
    from crawler.crawl import run_crawl
    from crawler.demo.server import serve_demo

    with serve_demo() as server:
        print(f"newsarc demo: serving the demo news site at {server.base_url}/")
        options = _options(args, [f"{server.base_url}/"])
        options.profile = options.profile or "demo"
        options.name = "demo"
        report = run_crawl(options)
    return _finish(report)


def _finish(report: CrawlReport) -> int:
    _print_summary(report)
    if report.failure:
        raise CrawlFailed(report.failure)
    return EXIT_OK


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
    print(
        f"  WARC           {len(warcs)} file(s), {s('warc/records_written')} records, "
        f"{_size(sum(f.stat().st_size for f in warcs))}",
        file=out,
    )
    print(f"  output         {report.work_dir.resolve()}/", file=out)
    for path in items + warcs:
        print(f"                   {path.relative_to(report.work_dir)}", file=out)
    manifest = report.work_dir / "manifest.json"
    if manifest.exists():
        print(f"  manifest       {manifest.resolve()}", file=out)
    print(f"  log            {(report.work_dir / 'logs' / 'crawl.log').resolve()}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newsarc`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"newsarc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CrawlFailed as exc:
        print(f"newsarc: crawl failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("newsarc: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
