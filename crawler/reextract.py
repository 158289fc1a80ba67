"""Re-extraction: ``newsarc extract PATH…`` turns saved HTML files and WARC files into items.

Sources:

* an HTML file (``.html``, ``.htm``, optionally ``.gz``-compressed): decoded like Scrapy would
  (BOM, ``<meta charset>``, detection); its URL is ``--url`` (else its ``file://`` URL), its
  capture time ``--fetched-at`` (else the file's modification time);
* a directory: every HTML and WARC file below it, in name order;
* a WARC file (``.warc``, ``.warc.gz``): every ``response`` record with a 2xx status that the
  spider took for a page (:mod:`crawler.contenttypes`: an HTML or XHTML, or absent,
  Content-Type, or generic XML whose root element is ``<html>``), every rendered-DOM
  ``conversion`` record, and every ``revisit``
  record whose original (``WARC-Refers-To``) is in the files given, earlier in the list (the
  page is extracted from the original's payload; the items point at the revisit record, as in
  the crawl). Bodies are stored
  content-encoded, so they are decompressed per ``Content-Encoding`` and decoded with the
  record's ``Content-Type``; the capture time is the record's ``WARC-Date``, the items carry the
  record's ``warc`` provenance (file name, offset, length, record id — as the crawl writes it)
  and the ``crawl_id`` named by the file's ``warcinfo`` record (``isPartOf``).

The feeds and sitemaps archived in the WARC files given (``response`` records read as the
spider reads them: :func:`crawler.discovery.read_feed`, :func:`~crawler.discovery.read_sitemap`)
say what the crawl's requests carried: a page they list gets the title and date the page lacks,
and a page with an article's text but no headline becomes an article only with a listed title
(:func:`crawler.discovery.fill_from_discovered`, as in the crawl). They are read first, from every
file (in parallel with ``-j``), before any page; where several list a page the first listing wins
(file order, then record order), and a listed URL's redirects lead its hint to the page.

Every page is classified first (:mod:`crawler.health`), as in the crawl: a bot wall or soft 404
gives no items, and every item carries its page's ``page_class``. Items go through the same
clean-up, validation and de-duplication as in a crawl (:mod:`pipelines.clean`,
:mod:`pipelines.validate`, :mod:`pipelines.dedupe`), so re-extracting a crawl's WARC gives the
items the crawl wrote. A source that cannot be read is reported on one
line and skipped; the run goes on.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import logging
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urljoin

from scrapy.exceptions import DropItem
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.contenttypes import SNIFF_BYTES, is_feed, is_html, needs_sniffing
from crawler.discovery import fill_from_discovered, read_feed, read_sitemap
from crawler.extract import (
    FLAG_UNDECODABLE,
    PageInput,
    decode_html_counted,
    extract_page,
)
from crawler.frontier import ledger_url
from crawler.health import NOT_EXTRACTED, classify_page
from crawler.items import WarcRef
from crawler.schema import fast_validator, validator
from crawler.warc.members import CorruptMember, TruncatedMember, iter_members
from pipelines.clean import CleanPipeline
from pipelines.dedupe import DedupePipeline
from pipelines.validate import ValidatePipeline

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from scrapy.statscollectors import StatsCollector

    from crawler.discovery import Discovered
    from crawler.profile import SiteProfile

__all__ = [
    "ExtractSummary",
    "Extractor",
    "Page",
    "SourceError",
    "StoreWriter",
    "find_page",
    "pages_from_path",
    "profile_report",
]

logger = logging.getLogger(__name__)

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
_WARC_SUFFIXES = (".warc", ".warc.gz")
#: How far a gzipped sitemap is decompressed: the crawl's ``DOWNLOAD_MAXSIZE`` default
#: (settings/base.py), which bounded it when it was fetched.
SOURCE_MAX_BYTES = 10 * 1024 * 1024
#: Redirects followed from a listed URL to the page it led to (Scrapy's REDIRECT_MAX_TIMES).
_MAX_REDIRECTS = 20


class SourceError(Exception):
    """A file that cannot be read as HTML or WARC (the message names it)."""


@dataclass
class Page:
    """One page to extract, with the envelope its items get."""

    url: str
    html: str
    fetched_at: datetime
    crawl_id: str | None = None
    warc: WarcRef | None = None
    status: int = 200
    """HTTP status of the response (200 for an HTML file or a rendered DOM): page health."""
    replacements: int = 0
    """U+FFFD the decoding put in for undecodable bytes: its items are flagged, as a crawl's."""


@dataclass
class ExtractSummary:
    """What a run did: counts by outcome, and the sources that failed."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class _Stats:
    """The two methods of Scrapy's stats collector the pipelines call, backed by a Counter."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.counts[key] += count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.counts.get(key, default)


def is_html_file(path: Path) -> bool:
    return path.name.lower().endswith(_HTML_SUFFIXES)


def is_warc_file(path: Path) -> bool:
    return path.name.lower().endswith(_WARC_SUFFIXES)


def _parse_warc_date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _html_pages(path: Path, url: str | None, fetched_at: datetime | None) -> Iterator[Page]:
    try:
        body = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            body = gzip.decompress(body)
        mtime = path.stat().st_mtime
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from exc
    html, replaced = decode_html_counted(body, None)
    yield Page(
        url=url or path.resolve().as_uri(),
        html=html,
        replacements=replaced,
        fetched_at=fetched_at or datetime.fromtimestamp(mtime, UTC),
    )


def _status(record: Any) -> int:
    """The HTTP status a record (or a revisit's) holds; 200 where it has none (conversion)."""
    headers = getattr(record, "http_headers", None)
    code = headers.get_statuscode() if headers is not None else None
    return int(code) if code and code.isdigit() else 200


def _is_page_record(record: Any, body: bytes | None = None) -> tuple[bool, str | None, bytes]:
    """Whether a WARC record is a page the spider would have extracted; its Content-Type and
    payload (read here when the record is a page, or its generic XML type needs a look).

    ``body``: the payload when the caller has it already (a revisit's original).
    """
    if record.rec_type == "conversion":
        content_type = record.rec_headers.get_header("Content-Type") or "text/html; charset=utf-8"
        return True, content_type, record.content_stream().read() if body is None else body
    if record.rec_type != "response" or record.http_headers is None:
        return False, None, b""
    status = record.http_headers.get_statuscode() or ""
    if not status.startswith("2"):
        return False, None, b""
    content_type = record.http_headers.get_header("Content-Type")
    if body is None and needs_sniffing(content_type):
        body = record.content_stream().read()  # as the spider does: the body decides
    head = None if body is None else body[:SNIFF_BYTES]
    if is_feed(content_type, head) or not is_html(content_type, head):
        return False, content_type, b""
    return True, content_type, record.content_stream().read() if body is None else body


#: Record id -> (file, offset) of every response record read so far in a run, so that a
#: ``revisit`` record can be resolved to the payload of the record it refers to.
Originals = dict[str, tuple[Path, int]]


def _read_original(location: tuple[Path, int]) -> Any:
    path, offset = location
    with path.open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        return record, record.content_stream().read()


#: Revisit records whose original was not met yet: (file, offset, refers-to id, crawl id).
Deferred = list[tuple[Path, int, str, str | None]]


def _cut_problem(path: Path) -> str | None:
    """Where a ``.warc.gz`` file stops being whole (warcio stops there without a word)."""
    try:
        with path.open("rb") as handle:
            if handle.read(2) != b"\x1f\x8b":
                return None  # an uncompressed WARC: warcio reports its own framing errors
        for _member in iter_members(path):
            pass
    except TruncatedMember as exc:
        return (
            f"{path}: cut short inside the record starting at offset {exc.start}: "
            "the pages after it are missing"
        )
    except CorruptMember as exc:
        return f"{path}: corrupt gzip member at offset {exc.start} ({exc}): pages after it lost"
    except OSError as exc:
        return f"{path}: cannot read: {exc}"
    return None


def _warc_pages(
    path: Path,
    originals: Originals | None = None,
    problems: list[str] | None = None,
    deferred: Deferred | None = None,
) -> Iterator[Page]:
    originals = {} if originals is None else originals
    cut = _cut_problem(path)
    crawl_id: str | None = None
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                if record.rec_type == "warcinfo":
                    crawl_id = _warcinfo_crawl_id(record.content_stream().read()) or crawl_id
                    continue
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                body = b""
                if record.rec_type == "revisit":
                    # The crawl extracted this page from the payload the revisit points at.
                    refers_to = record.rec_headers.get_header("WARC-Refers-To")
                    if refers_to in originals:
                        original, payload = _read_original(originals[refers_to])
                        wanted, content_type, body = _is_page_record(original, payload)
                    elif deferred is not None:
                        # Its original may be in a file another worker reads: resolved after.
                        records.read_to_end(record)
                        deferred.append((path, records.get_record_offset(), refers_to, crawl_id))
                        continue
                    else:
                        wanted = False
                        if problems is not None:
                            problems.append(
                                f"{path}: revisit record {record_id} refers to {refers_to}, which "
                                "is not in the files given (add the WARC that holds it)"
                            )
                else:
                    wanted, content_type, body = _is_page_record(record)
                # Offsets are known once the record is read to its end (asking earlier reads it).
                records.read_to_end(record)
                offset = records.get_record_offset()
                if record.rec_type == "response":
                    originals[record_id] = (path, offset)
                if not wanted:
                    continue
                ref = WarcRef(
                    filename=path.name,
                    offset=offset,
                    length=records.get_record_length(),
                    record_id=record_id,
                )
                html, replaced = decode_html_counted(body, content_type)
                yield Page(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    html=html,
                    replacements=replaced,
                    fetched_at=_parse_warc_date(record.rec_headers.get_header("WARC-Date")),
                    crawl_id=crawl_id,
                    warc=ref,
                    status=_status(record),
                )
    except (OSError, EOFError, ArchiveLoadFailed, ValueError, StopIteration) as exc:
        if cut is not None:
            raise SourceError(cut) from exc
        raise SourceError(f"{path}: not a readable WARC file: {exc}") from exc
    if cut is not None:
        # warcio ends a cut file quietly: the pages before the cut are kept, the cut reported.
        if problems is None:
            raise SourceError(cut)
        problems.append(cut)


def _revisit_page(
    entry: tuple[Path, int, str, str | None], originals: Originals
) -> tuple[Page | None, str | None]:
    """The page of a deferred revisit record (or the problem that it has none)."""
    path, offset, refers_to, crawl_id = entry
    with path.open("rb") as handle:
        handle.seek(offset)
        records = ArchiveIterator(handle)
        record = next(iter(records))
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        url = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date")
        status = _status(record)
        records.read_to_end(record)
        length = records.get_record_length()
    if refers_to not in originals:
        return None, (
            f"{path}: revisit record {record_id} refers to {refers_to}, which is not in the "
            "files given (add the WARC that holds it)"
        )
    original, payload = _read_original(originals[refers_to])
    wanted, content_type, body = _is_page_record(original, payload)
    if not wanted:
        return None, None
    ref = WarcRef(filename=path.name, offset=offset, length=length, record_id=record_id)
    html, replaced = decode_html_counted(body, content_type)
    page = Page(
        url=url,
        html=html,
        replacements=replaced,
        fetched_at=_parse_warc_date(date),
        crawl_id=crawl_id,
        warc=ref,
        status=status,
    )
    return page, None


def _warcinfo_crawl_id(payload: bytes) -> str | None:
    for line in payload.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "isPartOf" and value.strip():
            return value.strip()
    return None


def pages_from_path(
    path: Path,
    *,
    url: str | None = None,
    fetched_at: datetime | None = None,
    originals: Originals | None = None,
    problems: list[str] | None = None,
    deferred: Deferred | None = None,
) -> Iterator[Page]:
    """Pages of one source file (HTML or WARC). Raises :class:`SourceError` naming the file.

    ``originals`` carries response-record locations from file to file (revisits of an earlier
    file's records); problems with single records (and a file cut short) are appended to
    ``problems``. With ``deferred``, a revisit whose original was not met yet is appended there
    instead of being reported (see :func:`_revisit_page`).
    """
    if is_warc_file(path):
        yield from _warc_pages(path, originals, problems, deferred)
    elif is_html_file(path):
        yield from _html_pages(path, url, fetched_at)
    elif not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    else:
        # Unknown suffix: sniff. WARC files start with "WARC/"; anything else is taken as HTML.
        try:
            with path.open("rb") as handle:
                head = handle.read(8)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc
        if head.startswith(b"WARC/") or head.startswith(b"\x1f\x8b"):
            yield from _warc_pages(path, originals, problems, deferred)
        else:
            yield from _html_pages(path, url, fetched_at)


@dataclass
class _FileSources:
    """What the feeds and sitemaps of one WARC file list, and the redirects it holds."""

    listed: list[tuple[str, Discovered]] = field(default_factory=list)
    """(URL as requested, hint) in record order, then entry order."""
    redirects: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)


def _is_warc_source(path: Path) -> bool:
    if is_warc_file(path):
        return True
    if is_html_file(path):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return False  # reported when its pages are read
    return head.startswith((b"WARC/", b"\x1f\x8b"))


def _may_be_source(content_type: str | None, url: str) -> bool:
    """A 2xx response the spider may have read as a feed or sitemap: XML, or gzip."""
    media = (content_type or "").lower()
    return (
        "xml" in media
        or "gzip" in media
        or "octet-stream" in media
        or url.lower().split("?", 1)[0].endswith(".gz")
    )


def _file_sources(path: Path, max_size: int = SOURCE_MAX_BYTES) -> _FileSources:
    """The feed and sitemap entries (and redirects) of one WARC file; never raises (a file
    that cannot be read is reported when its pages are)."""
    found = _FileSources()
    try:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode() or ""
                if status.startswith("3"):
                    location = record.http_headers.get_header("Location")
                    if location:
                        found.redirects[url] = ledger_url(urljoin(url, location))
                    continue
                content_type = record.http_headers.get_header("Content-Type")
                if not status.startswith("2") or not _may_be_source(content_type, url):
                    continue
                body = record.content_stream().read()
                head = body[:SNIFF_BYTES].lower()
                if body[:2] == b"\x1f\x8b" or b"<urlset" in head or b"<sitemapindex" in head:
                    sitemap = read_sitemap(body, max_size)
                    for reason, _text in sitemap.problems:
                        found.counts[f"sources/sitemap_errors/{reason}"] += 1
                    if sitemap.usable:
                        found.counts["sources/sitemaps"] += 1
                        found.listed.extend(sitemap.hints().items())
                elif is_feed(content_type, body[:SNIFF_BYTES]):
                    feed = read_feed(body, url)
                    found.counts["sources/feeds"] += 1
                    found.listed.extend(feed.hints.items())
    except (OSError, EOFError, ArchiveLoadFailed, ValueError, StopIteration) as exc:
        logger.info("reading the feeds and sitemaps of %s stopped: %s", path, exc)
    return found


def _merge_sources(results: Iterable[_FileSources], counts: Counter[str]) -> dict[str, Discovered]:
    """One hint per URL, the first listing winning; a listed URL's redirect target gets its
    hint too (unless listed itself)."""
    hints: dict[str, Discovered] = {}
    redirects: dict[str, str] = {}
    for result in results:
        counts.update(result.counts)
        for url, hint in result.listed:
            hints.setdefault(ledger_url(url), hint)
        for source, target in result.redirects.items():
            redirects.setdefault(source, target)
    for listed, hint in list(hints.items()):
        target, hops = listed, 0
        while target in redirects and hops < _MAX_REDIRECTS:
            target, hops = redirects[target], hops + 1
        if hops:
            hints.setdefault(target, hint)
    return hints


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and the HTML and WARC files below directories named, in name order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and (is_html_file(child) or is_warc_file(child)):
                    yield child
        else:
            yield path


class Extractor:
    """Extract items from pages and pass them through the crawl's item pipelines."""

    def __init__(
        self,
        profile: SiteProfile | None,
        write: Callable[[dict[str, Any]], None],
        summary: ExtractSummary | None = None,
        hints: Mapping[str, Discovered] | None = None,
    ) -> None:
        self.profile = profile
        self.write = write
        self.summary = summary or ExtractSummary()
        self.stats = cast("StatsCollector", _Stats(self.summary.counts))
        self.pipelines: list[Any] = [
            CleanPipeline(self.stats),
            ValidatePipeline(validator(), self.stats, fast_validator()),
        ]
        # A crawl de-duplicates its own items only; so does re-extraction, crawl by crawl.
        self.dedupe: dict[str | None, DedupePipeline] = {}
        #: What the feeds and sitemaps of the files given say about the URLs they list.
        self.hints: Mapping[str, Discovered] = hints or {}

    def extract(self, page: Page) -> None:
        """Extract one page, and de-duplicate and write its items."""
        self.emit(self.items_of(page))

    def items_of(self, page: Page) -> list[Any]:
        """The cleaned and validated items of one page (no de-duplication: see :meth:`emit`)."""
        counts = self.summary.counts
        counts["pages"] += 1
        health = classify_page(page.status, page.html)  # as the crawl does, before extraction
        counts[f"health/{health}"] += 1
        if health in NOT_EXTRACTED:
            return []
        result = extract_page(
            PageInput(
                url=page.url, html=page.html, fetched_at=page.fetched_at, profile=self.profile
            )
        )
        result, filled = fill_from_discovered(result, self.hints.get(page.url))
        for name in filled:
            counts[f"discovery/filled/{name}"] += 1
        counts[f"page_type/{result.page_type}"] += 1
        envelope: dict[str, Any] = {
            "crawl_id": page.crawl_id,
            "warc": page.warc.as_dict() if page.warc is not None else None,
            "page_class": health,
        }
        items: list[Any] = []
        if result.article is not None:
            items.append(dataclasses.replace(result.article, **envelope))
        elif result.reason:
            counts[f"no_article/{result.reason}"] += 1
        items.extend(dataclasses.replace(h, **envelope) for h in result.headlines)
        if page.replacements:
            counts["decoding/pages_with_replacements"] += 1
            items = [dataclasses.replace(i, flags=[*i.flags, FLAG_UNDECODABLE]) for i in items]
        kept = []
        for extracted in items:
            item = extracted
            try:
                for pipeline in self.pipelines:
                    item = pipeline.process_item(item)
            except DropItem as exc:
                counts[f"dropped/{type(exc).__name__}"] += 1
                logger.info("dropped: %s", exc)
                continue
            kept.append(item)
        return kept

    def emit(self, items: Iterable[Any]) -> None:
        """De-duplicate (crawl by crawl, in the order given) and write items."""
        counts = self.summary.counts
        for item in items:
            dedupe = self.dedupe.get(item.crawl_id)
            if dedupe is None:
                dedupe = self.dedupe[item.crawl_id] = DedupePipeline(self.stats)
            try:
                kept = dedupe.process_item(item)
            except DropItem as exc:
                counts[f"dropped/{type(exc).__name__}"] += 1
                logger.info("dropped: %s", exc)
                continue
            self.write(dataclasses.asdict(kept))
            counts[f"written/{kept.type}"] += 1

    def run(
        self,
        paths: Iterable[Path],
        *,
        url: str | None = None,
        fetched_at: datetime | None = None,
        on_error: Callable[[str], None] | None = None,
        jobs: int = 1,
    ) -> ExtractSummary:
        """Extract every page of every source; a bad source is reported and skipped.

        With ``jobs`` > 1 and several files, files are read by that many worker processes
        (:func:`_extract_file`); items are still de-duplicated and written here, in file order.
        """
        files = list(expand_paths(paths))
        if jobs > 1 and len(files) > 1:
            return self._run_parallel(files, url, fetched_at, on_error, jobs)
        sources = (_file_sources(path) for path in files if _is_warc_source(path))
        self.hints = _merge_sources(sources, self.summary.counts)
        originals: Originals = {}
        for path in files:
            problems: list[str] = []
            try:
                for page in pages_from_path(
                    path, url=url, fetched_at=fetched_at, originals=originals, problems=problems
                ):
                    self.extract(page)
            except SourceError as exc:
                problems.append(str(exc))
            self._report(problems, on_error)
        return self.summary

    def _report(self, problems: list[str], on_error: Callable[[str], None] | None) -> None:
        for problem in problems:
            self.summary.errors.append(problem)
            if on_error is not None:
                on_error(problem)

    def _run_parallel(
        self,
        files: list[Path],
        url: str | None,
        fetched_at: datetime | None,
        on_error: Callable[[str], None] | None,
        jobs: int,
    ) -> ExtractSummary:
        originals: Originals = {}
        deferred: Deferred = []
        # fork: this process runs no reactor and no threads, and workers start at once.
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        warcs = [path for path in files if _is_warc_source(path)]
        if warcs:
            # Every file's feeds and sitemaps first: a page's hint may be in any file.
            with ProcessPoolExecutor(max_workers=min(jobs, len(warcs)), mp_context=context) as pool:
                self.hints = _merge_sources(pool.map(_file_sources, warcs), self.summary.counts)
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(files)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.profile, self.hints),
        ) as pool:
            results = pool.map(
                _extract_file, files, itertools.repeat(url), itertools.repeat(fetched_at)
            )
            for result in results:
                self.summary.counts.update(result.counts)
                originals.update(result.originals)
                deferred.extend(result.deferred)
                for items in result.pages:
                    self.emit(items)
                self._report(result.problems, on_error)
        for entry in deferred:
            try:
                page, problem = _revisit_page(entry, originals)
            except (OSError, EOFError, ArchiveLoadFailed, ValueError, StopIteration) as exc:
                page, problem = None, f"{entry[0]}: revisit at offset {entry[1]}: {exc}"
            if page is not None:
                self.extract(page)
            self._report([problem] if problem else [], on_error)
        return self.summary


@dataclass
class _FileResult:
    """What a worker found in one file: items page by page, counts, problems, originals."""

    pages: list[list[Any]]
    counts: Counter[str]
    problems: list[str]
    originals: Originals
    deferred: Deferred


#: The extractor of a worker process, built once by _start_worker: its pipelines compile the
#: item schema, which costs more than extracting a small file.
_worker_extractor: list[Extractor] = []


def _start_worker(profile: SiteProfile | None, hints: Mapping[str, Discovered]) -> None:
    _worker_extractor[:] = [Extractor(profile, write=lambda item: None, hints=hints)]


def _extract_file(path: Path, url: str | None, fetched_at: datetime | None) -> _FileResult:
    """Worker: the cleaned, validated items of one file (de-duplication is the parent's)."""
    extractor = _worker_extractor[0]
    before = Counter(extractor.summary.counts)
    originals: Originals = {}
    deferred: Deferred = []
    problems: list[str] = []
    pages: list[list[Any]] = []
    try:
        for page in pages_from_path(
            path,
            url=url,
            fetched_at=fetched_at,
            originals=originals,
            problems=problems,
            deferred=deferred,
        ):
            pages.append(extractor.items_of(page))
    except SourceError as exc:
        problems.append(str(exc))
    counts = extractor.summary.counts - before  # this file's (the counts only grow)
    return _FileResult(pages, counts, problems, originals, deferred)


def jsonl_writer(stream: IO[str]) -> Callable[[dict[str, Any]], None]:
    """A ``write`` callback printing one JSON object per line (UTF-8, as the crawl writes)."""

    def write(item: dict[str, Any]) -> None:
        stream.write(json.dumps(item, ensure_ascii=False))
        stream.write("\n")

    return write


def open_output(path: str) -> IO[str]:
    """A text stream for ``-o FILE`` (gzip-compressed when the name ends in ``.gz``)."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        os.makedirs(target.parent, exist_ok=True)
    if target.name.endswith(".gz"):
        return gzip.open(target, "wt", encoding="utf-8")
    return target.open("w", encoding="utf-8")


class StoreWriter:
    """Items to ``articles.jsonl.gz`` and ``headlines.jsonl.gz``, then into a store.

    The files are written in a temporary directory and put under ``<prefix>/items/`` when
    :meth:`finish` is called (``prefix`` defaults to ``extract-<UTC time>``), followed by a
    ``<prefix>/manifest.json`` describing them: the new dataset is a crawl-like entry of the
    store that ``newsarc datasets list``, ``download`` and ``verify`` work with.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._streams: dict[str, IO[str]] = {}
        self._counts: Counter[str] = Counter()
        self._started = datetime.now(UTC)

    def write(self, item: dict[str, Any]) -> None:
        kind = "articles" if item.get("type") == "article" else "headlines"
        self._counts[f"items/written/{item.get('type')}"] += 1
        stream = self._streams.get(kind)
        if stream is None:
            (self.directory / "items").mkdir(exist_ok=True)
            path = self.directory / "items" / f"{kind}.jsonl.gz"
            stream = gzip.open(path, "wt", encoding="utf-8")  # noqa: SIM115 - closed in finish()
            self._streams[kind] = stream
        jsonl_writer(stream)(item)

    def finish(self, store: Any, prefix: str, config: dict[str, Any] | None = None) -> list[str]:
        """Close the files and put them and their manifest into ``store``; return the keys.

        ``config`` goes into the manifest (what was extracted, with which profile)."""
        from crawler.manifest import MANIFEST_NAME, build_manifest, write_manifest  # noqa: PLC0415

        keys = []
        for kind, stream in sorted(self._streams.items()):
            stream.close()
            key = f"{prefix}/items/{kind}.jsonl.gz"
            store.put(self.directory / "items" / f"{kind}.jsonl.gz", key)
            keys.append(key)
        self._streams.clear()
        stats = {
            **self._counts,
            "start_time": self._started,
            "finish_time": datetime.now(UTC),
            "finish_reason": "finished",
        }
        manifest = build_manifest(
            self.directory, crawl_id=prefix, stats=stats, config=dict(config or {})
        )
        store.put(write_manifest(self.directory, manifest), f"{prefix}/{MANIFEST_NAME}")
        keys.append(f"{prefix}/{MANIFEST_NAME}")
        return keys


# --- newsarc profile check --------------------------------------------------------------------


def _short(value: Any, width: int = 90) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def find_page(path: Path, url: str | None, fetched_at: datetime | None) -> Page:
    """The page of an HTML file, or the record of ``url`` (else the first page) of a WARC."""
    for page in pages_from_path(path, url=url, fetched_at=fetched_at):
        if not is_warc_file(path) or url is None or page.url == url:
            return page
    wanted = f" for {url}" if url else ""
    raise SourceError(f"{path}: no HTML page record{wanted}")


def profile_report(page: Page, profile: SiteProfile) -> list[str]:
    """Lines showing what each selector of ``profile`` finds on ``page`` and what is extracted."""
    from crawler.extract.page import _parse  # noqa: PLC0415  # the parser the extractor uses
    from crawler.extract.selectors import select, select_texts  # noqa: PLC0415

    lines = [f"page     {page.url}", f"profile  {profile.name} ({profile.source or 'built-in'})"]
    root = _parse(page.html)
    if root is None:
        return [*lines, "the page is empty or not HTML"]

    def show(key: str, selector: str | None, scope: Any = root) -> None:
        if not selector:
            return
        found = select(scope, selector)
        texts = select_texts(scope, selector)
        first = f"  {_short(texts[0], 60)!r}" if texts else ""
        lines.append(f"  {key:<30} {_short(selector, 30):<30} {len(found):>3} match(es){first}")

    lines.append("selectors")
    show("article_selector", profile.article_selector)
    if profile.article is not None:
        for name in ("title", "lead", "body", "authors", "published", "modified", "section"):
            show(f"article.{name}", getattr(profile.article, name))
        show("article.tags", profile.article.tags)
        show("article.images", profile.article.images)
    for index, block in enumerate(profile.headline_blocks):
        containers = [c for c in select(root, block.container) if not isinstance(c, str)]
        key = f"headline_blocks[{index}]"
        show(f"{key}.container", block.container)
        if containers:
            for name in ("item", "title", "link", "views", "time", "image"):
                show(f"{key}.{name}", getattr(block, name), containers[0])
    result = extract_page(
        PageInput(url=page.url, html=page.html, fetched_at=page.fetched_at, profile=profile)
    )
    lines.append(
        f"result   page_type={result.page_type}" + (f" ({result.reason})" * bool(result.reason))
    )
    if result.article is not None:
        article = dataclasses.asdict(result.article)
        lines.append(f"  method           {article['extraction']['method']}")
        for name in ("title", "lead", "authors", "published_at", "modified_at", "section", "tags"):
            lines.append(f"  {name:<16} {_short(article[name])}")
        paragraphs = article["text"].split("\n\n")
        lines.append(
            f"  {'text':<16} {len(paragraphs)} paragraph(s), {article['word_count']} words: "
            f"{_short(article['text'], 70)}"
        )
        lines.append(f"  {'images':<16} {len(article['images'])}: {_short(article['images'])}")
    lines.append(f"headlines {len(result.headlines)}")
    for item in result.headlines:
        extras = ", ".join(
            f"{name}={value}"
            for name, value in (
                ("views", item.views),
                ("time", item.published_at),
                ("image", item.image),
            )
            if value is not None
        )
        lines.append(
            f"  [{item.block or '-'}] {item.position}. {_short(item.title, 60)} <{item.url}>"
            + (f" {extras}" if extras else "")
        )
    return lines
