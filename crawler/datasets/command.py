"""``newsarc datasets list|show|download|verify|export``: the researchers' commands.

Each subcommand opens one store (a local path or ``s3://bucket/prefix``; ``--no-sign-request``
for anonymous access to a public bucket) or directory and calls one function of
:mod:`crawler.datasets`. Results go to stdout (``--json`` for scripts), problems to stderr, one
line each; the exit status is 1 when any file was refused, rejected or failed a check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from crawler.exceptions import ConfigError

__all__ = ["add_datasets_parser"]

EXIT_OK, EXIT_FAILED = 0, 1


def add_datasets_parser(commands: Any) -> None:
    """Add ``datasets`` and its actions to the ``newsarc`` subcommands."""
    datasets = commands.add_parser(
        "datasets",
        help="list, show, download, verify and export archived crawls (for researchers)",
        description="Work with the crawls in a store: a directory or s3://bucket/prefix.",
    )
    actions = datasets.add_subparsers(dest="action", metavar="ACTION", parser_class=type(datasets))
    actions.required = True

    def store_args(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--no-sign-request",
            action="store_true",
            help="anonymous access (public buckets): no credentials are looked up or sent",
        )

    listing = actions.add_parser("list", help="the crawls in a store, from their manifests")
    listing.add_argument("store", metavar="STORE", help="a directory or s3://bucket/prefix")
    listing.add_argument("--json", action="store_true", help="one JSON object per crawl")
    store_args(listing)
    listing.set_defaults(func=_list)

    show = actions.add_parser("show", help="one crawl's manifest in human form")
    show.add_argument("store", metavar="STORE")
    show.add_argument("crawl", metavar="CRAWL", help="crawl id (see 'datasets list')")
    show.add_argument("--json", action="store_true", help="the manifest itself")
    store_args(show)
    show.set_defaults(func=_show)

    down = actions.add_parser(
        "download",
        help="fetch crawls (or parts of them) into a directory, verified, resumable",
        description="Fetch the files of the chosen crawls into DIR, in parallel, each verified "
        "by SHA-256 against its manifest; run it again to fetch only what is missing or wrong. "
        "Writes a dataset card (README.md) and CITATION.cff into DIR.",
    )
    down.add_argument("store", metavar="STORE")
    down.add_argument("crawls", nargs="*", metavar="CRAWL", help="crawl ids (default: all)")
    down.add_argument("--to", required=True, metavar="DIR", help="target directory")
    down.add_argument(
        "--site", action="append", default=[], help="only crawls of this site (repeatable)"
    )
    down.add_argument("--since", metavar="TIME", help="only crawls that ran on or after TIME")
    down.add_argument("--until", metavar="TIME", help="only crawls that ran on or before TIME")
    down.add_argument(
        "--type",
        choices=("articles", "headlines", "warc", "all"),
        default="all",
        help="which files (default all; warc: WARC files and their CDXJ indexes)",
    )
    down.add_argument("--jobs", type=int, default=8, metavar="N", help="parallel transfers")
    store_args(down)
    down.set_defaults(func=_download)

    verify = actions.add_parser(
        "verify",
        help="check every file against its manifest: checksums, counts, complete WARCs",
    )
    verify.add_argument("target", metavar="DIR|STORE")
    verify.add_argument("--jobs", type=int, default=8, metavar="N", help="parallel reads (S3)")
    store_args(verify)
    verify.set_defaults(func=_verify)

    export = actions.add_parser(
        "export",
        help="articles and headlines as deduplicated Parquet or CSV tables",
        description="Read the items of every crawl in DIR and write articles/ and headlines/ "
        "tables (partitioned by site and date) under DIR/export (or --output).",
    )
    export.add_argument("dir", metavar="DIR")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("-o", "--output", metavar="OUT", help="default: DIR/export")
    export.set_defaults(func=_export)


def _open(uri: str, args: argparse.Namespace) -> Any:
    from crawler.store import open_store

    settings = {"AWS_NO_SIGN_REQUEST": True} if args.no_sign_request else None
    return open_store(uri, settings)


def _problems(problems: list[str]) -> None:
    for problem in problems:
        print(f"newsarc: {problem}", file=sys.stderr)


def _list(args: argparse.Namespace) -> int:
    from crawler.datasets.catalog import list_crawls, list_lines

    crawls, problems = list_crawls(_open(args.store, args))
    if args.json:
        for crawl in crawls:
            print(json.dumps(crawl.as_json()))
    else:
        for line in list_lines(crawls):
            print(line)
    _problems(problems)
    return EXIT_FAILED if problems else EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from crawler.datasets.catalog import (
        CrawlSummary,
        UnsafeName,
        list_crawls,
        read_manifest,
        show_lines,
    )

    store = _open(args.store, args)
    try:
        manifest = read_manifest(store, args.crawl)
    except UnsafeName as exc:
        raise ConfigError(f"bad crawl id: {exc}") from None
    except FileNotFoundError:
        # A crawl of several workers not complete yet: what its workers' manifests say.
        crawls, _ = list_crawls(store)
        unmerged = [c for c in crawls if c.crawl_id == args.crawl and not c.merged]
        if not unmerged:
            raise ConfigError(f"no crawl {args.crawl!r} in {store.uri}") from None
        summary = unmerged[0]
    else:
        summary = CrawlSummary.from_manifest(args.crawl, manifest)
    if args.json:
        print(json.dumps(summary.manifest, indent=2, ensure_ascii=False))
        return EXIT_OK
    for line in show_lines(summary):
        print(line)
    return EXIT_OK


def _download(args: argparse.Namespace) -> int:
    from crawler.datasets.catalog import human_size
    from crawler.datasets.download import Selection, download, parse_time

    selection = Selection(
        crawl_ids=tuple(args.crawls),
        sites=tuple(args.site),
        since=parse_time(args.since),
        until=parse_time(args.until, end=True),
        type=args.type,
    )
    store = _open(args.store, args)
    result = download(store, Path(args.to), selection, jobs=args.jobs)
    _problems(result.problems)
    rate = result.bytes / result.seconds if result.seconds else 0.0
    print(
        f"newsarc datasets download: {len(result.crawls)} crawl(s), {result.fetched} file(s) "
        f"fetched ({human_size(result.bytes)}, {human_size(rate)}/s), {result.skipped} already "
        f"there, {len(result.problems)} problem(s) -> {os.path.abspath(args.to)}"
    )
    return EXIT_FAILED if result.problems else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from crawler.crawlinfo import is_remote_store
    from crawler.datasets.catalog import list_crawls
    from crawler.datasets.verify import verify_directory, verify_notes, verify_store

    store = _open(args.target, args)
    if is_remote_store(args.target):
        checked, problems = verify_store(store, jobs=args.jobs)
    else:
        root = Path(args.target)
        if not root.is_dir():
            raise ConfigError(f"{root}: not a directory")
        checked, problems = verify_directory(root)
    _problems(problems)
    crawls, _ = list_crawls(store)
    for note in verify_notes([(c.crawl_id, c.manifest) for c in crawls if c.merged]):
        print(f"newsarc: {note}")
    print(
        f"newsarc datasets verify: {checked} file(s) checked, {len(problems)} problem(s)"
        + ("" if problems else ": every file matches its manifest")
    )
    return EXIT_FAILED if problems else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from crawler.datasets.export import export

    root = Path(args.dir)
    if not root.is_dir():
        raise ConfigError(f"{root}: not a directory")
    result = export(root, Path(args.output) if args.output else root / "export", args.format)
    _problems(result.problems)
    print(
        f"newsarc datasets export: {result.articles} article rows ({result.article_items} items, "
        f"{result.article_items - result.articles} duplicate captures merged), "
        f"{result.headlines} headline rows -> {result.output}"
    )
    return EXIT_FAILED if result.problems else EXIT_OK
