"""Rotating, gzip-per-record WARC files built with warcio.

:class:`WarcFileWriter` composes warcio's ``WARCWriter`` (each record its own gzip member) and
decides three things once, here:

- **File life cycle.** A file is created with ``O_EXCL`` as
  ``<prefix>-<YYYYMMDDHHMMSS>-<serial:05d>-<6 hex>.warc.gz.open`` and starts with a ``warcinfo``
  record. Each exchange (response + request record) is built in memory and appended with one
  write, so a failed write is truncated back to the previous record boundary. The file rotates
  once it reaches ``max_size``. Closing flushes, fsyncs, verifies the file (every gzip member
  decompresses and holds exactly one record, the member count equals the records written,
  warcio parses every record and its digests match), renames it to ``….warc.gz``, fsyncs the
  directory, writes the ``.cdxj`` index and only then reports the file to ``on_close``. With
  an ``index_executor`` (a worker process) the file is verified and indexed range by range
  while it is written (:func:`check_range`: every ``check_chunk`` bytes of whole records, read
  and decompressed once for both), so that closing verifies only the tail written since the
  last range, here, while the worker indexes it; the ranges tile the file, so every byte is
  still verified, once.
- **Self-consistent HTTP records.** Scrapy hands over de-chunked bodies with normalised headers
  and no reason phrase, so ``Transfer-Encoding`` is dropped (noted in
  ``WARC-Newsarc-Original-Transfer-Encoding``), a missing or wrong ``Content-Length`` is set to
  the body's real length (the original value, or ``absent``, goes into
  ``WARC-Newsarc-Original-Content-Length``) and the reason phrase is reconstructed. The
  ``warcinfo`` record says so (:data:`CAPTURE_STATEMENT`).
- **Rendered pages.** A page rendered by a browser is not an HTTP response: its body is the
  serialised DOM. :meth:`WarcFileWriter.write_rendered` stores it as a ``conversion`` record
  (``text/html``, with ``WARC-Newsarc-Capture: rendered-dom``), never as a ``response``, so no
  replay tool mistakes it for the bytes the server sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO, StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.exceptions import NewsarcError
from crawler.items import WarcRef
from crawler.store.base import CHUNK_SIZE

# The CDXJ index's name travels with the WARC file through the store: defined there.
from crawler.store.local import cdxj_path_for, fsync_dir
from crawler.warc.dedup import DigestIndex, Original, WrittenDigests, payload_digest
from crawler.warc.members import (
    CorruptMember,
    Member,
    TruncatedMember,
    iter_inflated,
)

if TYPE_CHECKING:
    from cdxj_indexer.main import CDXJIndexer

__all__ = [
    "CAPTURE_STATEMENT",
    "FileStats",
    "HttpExchange",
    "WarcFileWriter",
    "WarcWriteError",
    "cdxj_indexer",
    "cdxj_path_for",
    "check_range",
    "index_range",
    "reason_phrase",
    "verify_warc",
    "write_cdxj",
]

logger = logging.getLogger(__name__)

CAPTURE_STATEMENT = (
    "HTTP responses captured at Scrapy's response_downloaded signal: bodies are "
    "content-encoded as received, transfer-decoding already removed, header case/order "
    "normalised by Scrapy (folded lines unfolded, equal repeated Content-Length merged), "
    "header value bytes as received; reason phrase reconstructed. Transfer-Encoding is dropped and "
    "Content-Length set to the stored body length where it was missing or different (originals "
    "in WARC-Newsarc-Original-* headers). Request records omit credentials (Cookie, "
    "Authorization, ...). Browser-rendered pages are stored as 'conversion' records holding "
    "the serialised DOM, not as responses."
)

_WARC_VERSION = "1.1"
#: gzip level of every record's member (warcio's own writer uses 9; see WarcFileWriter).
_GZIP_LEVEL = 6
#: Bytes of records handed to the index worker at a time to verify and index while the file is
#: still being written (a few hundred pages): what is left to verify when it closes.
_CHECK_CHUNK = 512 * 1024
_OPEN_SUFFIX = ".open"
_NO_BODY_STATUSES = frozenset({204, 304})


class _RawHeaders(StatusAndHeaders):  # type: ignore[misc]  # warcio is untyped
    """HTTP headers written as their bytes were received.

    Scrapy hands header values over as bytes, which :mod:`crawler.warc.exchange` decodes as
    Latin-1, one character per byte; warcio would percent-encode every non-ASCII value as UTF-8
    (``café`` sent as UTF-8 became ``caf%C3%83%C2%A9``). Encoding them back as Latin-1 stores
    the bytes the server sent. A value with a character beyond Latin-1 (the browser reports
    headers as text) keeps warcio's percent-encoding. Readers (warcio, pywb) decode a header
    line as UTF-8, else as Latin-1.
    """

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        try:
            self.headers_buff = self.to_bytes(header_filter, encoding="latin-1")
        except UnicodeEncodeError:
            super().compute_headers_buffer(header_filter)


class WarcWriteError(NewsarcError):
    """A WARC file could not be written, verified, renamed or indexed."""


@dataclass
class FileStats:
    """Counts for one WARC file."""

    records: int = 0
    bytes: int = 0
    cdxj_path: Path | None = None
    originals: list[tuple[str, Original]] = field(default_factory=list)
    """``(payload digest, record)`` of the 200 responses written in full into this file: what
    the digest index learns once the file is stored (no need to read the file back). Read from
    the writer's :class:`~crawler.warc.dedup.WrittenDigests` when the file closes, not held in
    memory while it is written (a file of small pages holds tens of thousands)."""


@dataclass
class _Checks:
    """The ranges of the file being written that the worker verifies and indexes."""

    end: int = 0
    """The file offset where the last range handed over ends (the next one starts)."""
    records: int = 0
    """Records before ``end``."""
    futures: list[Future[tuple[list[str], str]]] = field(default_factory=list)
    broken: bool = False
    """The worker could not take a range: the whole file is checked at its close, here."""


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request/response pair as plain values (no Scrapy, no warcio)."""

    url: str
    fetched_at: datetime
    method: str
    request_target: str
    """Path and query, as on the request line."""
    request_headers: Sequence[tuple[str, str]]
    """Headers in order, repeated names kept, credentials already removed; ``Host`` first."""
    request_body: bytes
    status: int
    response_headers: Sequence[tuple[str, str]]
    """Headers in order, repeated names kept."""
    response_body: bytes
    """The body as received: de-chunked, still content-encoded."""
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    extra_warc_headers: Mapping[str, str] = field(default_factory=dict)


def reason_phrase(status: int) -> str:
    """The standard reason phrase of ``status``, or ``""`` for unknown codes."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _warc_date(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("fetch times must be timezone-aware")
    return str(datetime_to_iso_date(value.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def _consistent_response_headers(
    exchange: HttpExchange,
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Headers fixed up to describe the stored body; WARC headers noting what changed."""
    notes: dict[str, str] = {}
    headers: list[tuple[str, str]] = []
    lengths: list[str] = []
    encodings: list[str] = []
    length_at: int | None = None
    for name, value in exchange.response_headers:
        lower = name.lower()
        if lower == "transfer-encoding":
            encodings.append(value)
        elif lower == "content-length":
            lengths.append(value)
            if length_at is None:
                length_at = len(headers)
        else:
            headers.append((name, value))
    if encodings:
        notes["WARC-Newsarc-Original-Transfer-Encoding"] = ", ".join(encodings)
    real = str(len(exchange.response_body))
    bodiless = exchange.status in _NO_BODY_STATUSES or exchange.method.upper() == "HEAD"
    if bodiless and not exchange.response_body:
        # A HEAD/204/304 legitimately announces a length it does not send.
        new_lengths = [("Content-Length", value) for value in lengths]
    else:
        if [v.strip() for v in lengths] != [real]:
            notes["WARC-Newsarc-Original-Content-Length"] = ", ".join(lengths) or "absent"
        new_lengths = [("Content-Length", real)]
    # Keep Content-Length where the server sent it; append it when it was absent.
    at = len(headers) if length_at is None else length_at
    headers[at:at] = new_lengths
    return headers, notes


class WarcFileWriter:
    """Writes request/response pairs into rotating ``.warc.gz`` files in ``directory``."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        max_size: int,
        warcinfo: Mapping[str, str],
        on_close: Callable[[Path, FileStats], None] | None = None,
        *,
        cdxj_enabled: bool = True,
        digest_index: DigestIndex | None = None,
        revisits: bool = False,
        index_executor: Executor | None = None,
        check_chunk: int = _CHECK_CHUNK,
    ) -> None:
        if max_size <= 0:
            raise ValueError(f"max_size must be positive, got {max_size!r}")
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = dict(warcinfo)
        self.on_close = on_close
        self.cdxj_enabled = cdxj_enabled
        # Where a file is verified and indexed while it is written (a worker process), range
        # by range (check_chunk bytes or more each), so that at its close this thread only
        # verifies the tail; None: the whole file at its close, in this thread.
        self.index_executor = index_executor
        self.check_chunk = check_chunk
        self._checks = _Checks()
        self.digest_index = digest_index
        self.revisits = revisits
        # Digests of the 200 responses this writer wrote itself (see crawler.warc.dedup).
        self._written = WrittenDigests()
        self.revisits_written = 0
        self._serial = 0
        self._fd: int | None = None
        self._open_path: Path | None = None
        self._final_name = ""
        self._stats = FileStats()
        self._buf = BytesIO()
        # warcio serialises, we compress: warcio's own gzip is fixed at level 9, which costs
        # about twice the CPU of level 6 for 1-3 % smaller files. Each record is still its own
        # gzip member.
        self._warc = WARCWriter(self._buf, gzip=False, warc_version=_WARC_VERSION)
        self.closed_files: list[Path] = []
        self.total_records = 0
        self.total_bytes = 0

    # -- public API ---------------------------------------------------------------------------

    @property
    def current_path(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._open_path

    def write_exchange(self, exchange: HttpExchange) -> WarcRef:
        """Append a response and a request record; return where the response record is."""
        response_headers, notes = _consistent_response_headers(exchange)
        protocol = exchange.protocol or "HTTP/1.1"
        http_response = _RawHeaders(
            f"{exchange.status} {reason_phrase(exchange.status)}",
            response_headers,
            protocol=protocol,
        )
        warc_headers = {"WARC-Date": _warc_date(exchange.fetched_at)}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        warc_headers.update(notes)
        warc_headers.update(exchange.extra_warc_headers)
        response = self._warc.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.response_body),
            length=len(exchange.response_body),
            warc_headers_dict=warc_headers,
            http_headers=http_response,
        )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        revisit, new_digest = self._revisit_for(exchange, response, http_response, warc_headers)
        if revisit is not None:
            response = revisit
            response_id = response.rec_headers.get_header("WARC-Record-ID")

        request_headers = list(exchange.request_headers)
        if exchange.request_body and not any(
            name.lower() == "content-length" for name, _ in request_headers
        ):
            request_headers.append(("Content-Length", str(len(exchange.request_body))))
        http_request = _RawHeaders(
            f"{exchange.request_target} HTTP/1.1",
            request_headers,
            protocol=exchange.method.upper(),
        )
        request_warc_headers = {
            "WARC-Date": warc_headers["WARC-Date"],
            "WARC-Concurrent-To": response_id,
        }
        if exchange.ip_address:
            request_warc_headers["WARC-IP-Address"] = exchange.ip_address
        request = self._warc.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            warc_headers_dict=request_warc_headers,
            http_headers=http_request,
        )
        # Only records actually written may be referred to: _append remembers the original.
        ref = self._append([response, request], ref_index=0, original=new_digest)
        if revisit is not None:
            self.revisits_written += 1
        return ref

    def _revisit_for(
        self,
        exchange: HttpExchange,
        response: object,
        http_response: StatusAndHeaders,
        warc_headers: dict[str, str],
    ) -> tuple[Any, tuple[str, Original] | None]:
        """A ``revisit`` record when this 200 payload was archived before, else what to remember
        once the response record is written."""
        if not self.revisits or exchange.status != 200 or not exchange.response_body:
            return None, None
        # warcio computed the payload digest when it built the record: do not hash the body again.
        digest = response.rec_headers.get_header(  # type: ignore[attr-defined]
            "WARC-Payload-Digest"
        ) or payload_digest(exchange.response_body)
        original = self._written.get(digest)
        if original is None and self.digest_index is not None:
            original = self.digest_index.lookup(digest)
        if original is None:
            headers = response.rec_headers  # type: ignore[attr-defined]
            new = Original(
                uri=exchange.url,
                date=headers.get_header("WARC-Date"),
                record_id=headers.get_header("WARC-Record-ID"),
            )
            return None, (digest, new)
        revisit_headers = {**warc_headers, "WARC-Refers-To": original.record_id}
        record = self._warc.create_revisit_record(
            exchange.url,
            digest,
            original.uri,
            original.date,
            http_headers=http_response,
            warc_headers_dict=revisit_headers,
        )
        return record, None

    def write_rendered(
        self,
        url: str,
        fetched_at: datetime,
        dom: bytes,
        *,
        renderer: str = "playwright",
        status: int | None = None,
        extra_warc_headers: Mapping[str, str] | None = None,
    ) -> WarcRef:
        """Store a browser-rendered DOM as a ``conversion`` record; return where it is."""
        warc_headers = {
            "WARC-Date": _warc_date(fetched_at),
            "Content-Type": "text/html; charset=utf-8",
            "WARC-Newsarc-Capture": f"rendered-dom; renderer={renderer}",
        }
        if status is not None:
            warc_headers["WARC-Newsarc-Navigation-Status"] = str(status)
        warc_headers.update(extra_warc_headers or {})
        record = self._warc.create_warc_record(
            url,
            "conversion",
            payload=BytesIO(dom),
            length=len(dom),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict=warc_headers,
        )
        return self._append([record], ref_index=0)

    def sync(self) -> None:
        """fsync the file being written, so every record written so far survives a crash."""
        if self._fd is None:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise WarcWriteError(f"cannot fsync {self._open_path}: {exc}") from exc

    def close(self) -> None:
        """Finish the current file (verify, rename, index, report). Idempotent."""
        if self._fd is not None:
            self._finish()

    # -- internals ----------------------------------------------------------------------------

    def _serialise(self, record: object) -> bytes:
        """One record as one complete gzip member."""
        self._buf.seek(0)
        self._buf.truncate()
        self._warc.write_record(record)
        compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return compressor.compress(self._buf.getvalue()) + compressor.flush()

    def _append(
        self,
        records: list[object],
        *,
        ref_index: int,
        original: tuple[str, Original] | None = None,
    ) -> WarcRef:
        members = [self._serialise(record) for record in records]
        if self._fd is None:
            self._open_new_file()
        assert self._fd is not None
        start = self._stats.bytes
        self._write_all(b"".join(members), start)
        self._stats.records += len(records)
        self.total_records += len(records)
        if original is not None:
            digest, record_info = original
            self._written.add(digest, dataclasses.replace(record_info, filename=self._final_name))
        if (
            self.index_executor is not None
            and self._stats.bytes - self._checks.end >= self.check_chunk
        ):
            self._check_range()
        offset = start + sum(len(m) for m in members[:ref_index])
        record = records[ref_index]
        ref = WarcRef(
            filename=self._final_name,
            offset=offset,
            length=len(members[ref_index]),
            record_id=record.rec_headers.get_header("WARC-Record-ID"),  # type: ignore[attr-defined]
        )
        if self._stats.bytes >= self.max_size:
            self._finish()
        return ref

    def _check_range(self) -> None:
        """Hand the records written since the last range to the worker (:func:`check_range`)."""
        checks = self._checks
        if checks.broken or self.index_executor is None or self._open_path is None:
            return
        start, end = checks.end, self._stats.bytes
        records = self._stats.records - checks.records
        name = self._final_name if self.cdxj_enabled else None
        try:
            future = self.index_executor.submit(
                check_range, self._open_path, start, end, records, name
            )
        except RuntimeError:  # shut down or broken: the whole file is checked at its close
            checks.broken = True
            return
        checks.futures.append(future)
        checks.end, checks.records = end, self._stats.records

    def _write_all(self, data: bytes, start: int) -> None:
        assert self._fd is not None
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            # Cut back to the last complete record so the file stays valid (wpull's pattern).
            try:
                os.ftruncate(self._fd, start)
                os.lseek(self._fd, start, os.SEEK_SET)
            except OSError as trunc_exc:
                logger.error(
                    "Could not truncate %s back to %d after a failed write: %s",
                    self._open_path,
                    start,
                    trunc_exc,
                )
            raise WarcWriteError(f"cannot write to {self._open_path}: {exc}") from exc
        self._stats.bytes += len(data)
        self.total_bytes += len(data)

    def _open_new_file(self) -> None:
        now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcWriteError(f"cannot create WARC directory {self.directory}: {exc}") from exc
        for _ in range(5):
            name = f"{self.prefix}-{now}-{self._serial:05d}-{secrets.token_hex(3)}.warc.gz"
            path = self.directory / f"{name}{_OPEN_SUFFIX}"
            if (self.directory / name).exists():
                continue
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcWriteError(f"cannot create WARC file {path}: {exc}") from exc
            break
        else:
            raise WarcWriteError(f"could not find a free WARC file name in {self.directory}")
        self._serial += 1
        self._fd = fd
        self._open_path = path
        self._final_name = name
        self._stats = FileStats()
        self._checks = _Checks()
        info = {
            "software": self.warcinfo.get("software", "newsarc"),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "description": CAPTURE_STATEMENT,
            **self.warcinfo,
        }
        record = self._warc.create_warcinfo_record(name, info)
        self._write_all(self._serialise(record), 0)
        self._stats.records += 1
        self.total_records += 1

    def _finish(self) -> None:
        assert self._fd is not None and self._open_path is not None
        fd, open_path, stats = self._fd, self._open_path, self._stats
        self._fd = None
        self._open_path = None
        final = open_path.with_name(self._final_name)
        try:
            os.fsync(fd)
        except OSError as exc:
            raise WarcWriteError(f"cannot fsync {open_path}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
        # The worker's index lines; None: index the file here once it has its name.
        lines: list[str] | None = None
        if self.index_executor is not None and not self._checks.broken:
            problems, lines = self._check_tail(open_path, final.name, stats)
        else:
            problems = verify_warc(open_path, expected_records=stats.records)
        if problems:
            raise WarcWriteError(
                f"{open_path} failed verification, left as .open: " + "; ".join(problems)
            )
        index_tmp = _cdxj_tmp_for(final)
        index_error: OSError | None = None
        if self.cdxj_enabled and lines is not None:
            try:
                _write_synced(index_tmp, "".join(lines))
            except OSError as exc:
                index_error = exc
        try:
            if final.exists():
                raise WarcWriteError(f"refusing to overwrite existing {final}")
            open_path.rename(final)
            fsync_dir(final.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                index_tmp.unlink()
            raise WarcWriteError(f"cannot rename {open_path} to {final.name}: {exc}") from exc
        if self.cdxj_enabled:
            if lines is None:
                stats.cdxj_path = self._write_cdxj(final)  # no worker, or it died: index here
            else:
                stats.cdxj_path = _publish_cdxj(index_error, final)
        self.closed_files.append(final)
        stats.originals = self._written.in_file(final.name)
        logger.info("Closed WARC file %s (%d records, %d bytes)", final, stats.records, stats.bytes)
        if self.on_close is not None:
            self.on_close(final, stats)

    def _check_tail(
        self, open_path: Path, name: str, stats: FileStats
    ) -> tuple[list[str], list[str] | None]:
        """Verify the bytes after the worker's last range here while the worker indexes them;
        then collect every range's problems and index lines, in file order. If the worker
        could not finish them (it died, or failed), the whole file is verified here instead,
        and the index is left to be built here (None)."""
        checks, executor = self._checks, self.index_executor
        assert executor is not None
        pending: Future[str] | None = None
        if self.cdxj_enabled and stats.bytes > checks.end:
            try:
                pending = executor.submit(index_range, open_path, checks.end, stats.bytes, name)
            except RuntimeError:  # shut down or broken
                checks.broken = True
        tail: list[str] = []
        if not checks.broken:
            tail = verify_warc(
                open_path, expected_records=stats.records - checks.records, start=checks.end
            )
            if checks.end:  # name the range, as the worker's problems do
                tail = [f"bytes {checks.end}-{stats.bytes}: {problem}" for problem in tail]
        problems: list[str] = []
        lines: list[str] = []
        for future in checks.futures:
            try:
                range_problems, range_lines = future.result()
            except Exception as exc:  # noqa: BLE001 - the range is checked again below
                logger.warning("The WARC index worker failed on %s: %s", open_path, exc)
                checks.broken = True
                continue
            problems.extend(range_problems)
            lines.append(range_lines)
        if pending is not None:
            try:
                lines.append(pending.result())
            except Exception as exc:  # noqa: BLE001 - the tail is indexed again below
                logger.warning("The WARC index worker failed on %s: %s", open_path, exc)
                checks.broken = True
        if checks.broken:
            return verify_warc(open_path, expected_records=stats.records), None
        return problems + tail, lines

    def _write_cdxj(self, warc_path: Path) -> Path:
        return write_cdxj(warc_path)


def write_cdxj(warc_path: Path) -> Path:
    """Write the ``.cdxj`` index of a closed WARC file (temp, fsync, rename); return its path."""
    error: BaseException | None = None
    try:
        build_cdxj(warc_path, _cdxj_tmp_for(warc_path), warc_path.name)
    except (OSError, ArchiveLoadFailed) as exc:
        error = exc
    return _publish_cdxj(error, warc_path)


def cdxj_indexer() -> type[CDXJIndexer]:
    """cdxj-indexer's indexer class, imported at the first call.

    Not at start-up: with the index worker (``WARC_INDEX_WORKER``) the crawl process never
    indexes, and cdxj-indexer brings surt, tldextract and requests (~80 ms of CPU).
    """
    with warnings.catch_warnings():
        # cdxj-indexer imports surt, whose regexes contain invalid escape sequences ("\+",
        # "\d"). Python reports them when it compiles surt's source, i.e. whenever no cached
        # bytecode is used (PYTHONDONTWRITEBYTECODE, a read-only or freshly installed
        # environment): DeprecationWarning on 3.11, SyntaxWarning from 3.12, printed on the
        # user's terminal by every `newsarc crawl`. They are surt's, and harmless (the escapes
        # mean what surt wants). This is the one place the project imports cdxj_indexer (and
        # so surt); only those warnings are silenced, and only for this import.
        warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)
        warnings.filterwarnings("ignore", "invalid escape sequence", SyntaxWarning)
        from cdxj_indexer.main import CDXJIndexer  # noqa: PLC0415

    indexer: type[CDXJIndexer] = CDXJIndexer
    return indexer


def build_cdxj(warc_path: Path, output: Path, name: str) -> None:
    """cdxj-indexer's index of ``warc_path`` into ``output`` (fsynced), naming the file
    ``name``. A pure file-to-file function, so it can run in a worker process."""
    indexer = cdxj_indexer()(output=str(output), inputs=[str(warc_path)], filename=name)
    indexer.process_all()
    with output.open("rb") as fh:
        os.fsync(fh.fileno())


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _cdxj_tmp_for(warc_path: Path) -> Path:
    target = cdxj_path_for(warc_path)
    return target.with_name(f"{target.name}.tmp")


def _publish_cdxj(error: BaseException | None, final: Path) -> Path:
    """Give an index built (here or in a worker) its final name beside ``final``, or raise
    :class:`WarcWriteError` for the ``error`` that stopped it (its temp file removed)."""
    tmp, target = _cdxj_tmp_for(final), cdxj_path_for(final)
    try:
        if error is not None:
            raise error
        tmp.replace(target)
        fsync_dir(target.parent)
    except (OSError, ArchiveLoadFailed) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise WarcWriteError(f"cannot write CDXJ index for {final}: {exc}") from exc
    return target


class _Inflated:
    """A ``.warc.gz`` file decompressed member by member (:func:`iter_inflated`), read as one
    uncompressed WARC stream: warcio parses its records from the bytes the member scan has
    already decompressed, instead of decompressing the file a second time.

    It notes what the scan finds (members, problems) and where in the stream each member
    starts, so that a record not starting a member shows."""

    def __init__(self, path: Path, start: int = 0, end: int | None = None) -> None:
        self._pieces = iter_inflated(path, start, end)
        self._buffer = b""
        self._position = 0  # in _buffer
        self._offset = 0  # bytes read from the stream
        self._inflated = 0  # bytes decompressed so far
        self._member_start = start  # file offset of the member being decompressed
        # Where in the stream each member starts: the number of the member (0, 1, …).
        self.member_starts = {0: 0}
        self.members = 0
        self.member_ranges: list[tuple[int, int]] = []
        """Each complete member's byte range in the file, in order."""
        self.problems: list[str] = []

    def tell(self) -> int:
        return self._offset

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) - self._position < size) and self._pull():
            pass
        end = len(self._buffer) if size < 0 else self._position + size
        data = self._buffer[self._position : end]
        self._position += len(data)
        self._offset += len(data)
        return data

    def drain(self) -> None:
        """Scan the rest of the file (after warcio stopped): every member is checked."""
        self._buffer, self._position = b"", 0
        while self._pull():
            self._buffer, self._position = b"", 0

    def _pull(self) -> bool:
        try:
            piece = next(self._pieces)
        except StopIteration:
            return False
        except TruncatedMember as exc:
            self.problems.append(str(exc))
            return False
        except CorruptMember as exc:
            self.problems.append(f"gzip member at {exc.start} is corrupt: {exc}")
            return False
        except OSError as exc:
            self.problems.append(f"gzip member at {self._member_start} is corrupt: {exc}")
            return False
        if isinstance(piece, Member):
            if not piece.holds_warc:
                self.problems.append(f"gzip member at {piece.start} is not a WARC record")
            self.members += 1
            self.member_ranges.append((piece.start, piece.end))
            self._member_start = piece.end
            self.member_starts[self._inflated] = self.members
        else:
            self._buffer = self._buffer[self._position :] + piece
            self._position = 0
            self._inflated += len(piece)
        return True


def verify_warc(
    path: Path, *, expected_records: int | None = None, start: int = 0, end: int | None = None
) -> list[str]:
    """Check a ``.warc.gz`` file; return the problems found (empty when it is sound).

    Every gzip member must decompress completely and start a WARC record, their number must
    equal ``expected_records`` (when given), and warcio must parse each record with matching
    block and payload digests, one record per member. ``warcio check`` alone misses a
    truncated last member (warcio#138), hence the member scan. The file is read and
    decompressed once: warcio reads the records from the scan's output (:class:`_Inflated`).

    ``start`` and ``end`` (member boundaries; ``None``: the end of the file) check only the
    members between them, ``expected_records`` being theirs: the writer checks a file in
    consecutive ranges while it is written (:func:`check_range`).
    """
    return _verify(path, expected_records, start, end, None)[0]


def _verify(
    path: Path, expected_records: int | None, start: int, end: int | None, name: str | None
) -> tuple[list[str], str | None]:
    """:func:`verify_warc`, and with ``name`` the range's CDXJ lines from the same pass
    (:class:`_RangeIndex`); the lines are None when not asked for, when there are problems or
    when a record needs more than the pass read (then :func:`index_range` reads the range)."""
    stream = _Inflated(path, start, end)
    index = None if name is None else _RangeIndex(name)
    records = 0
    unread: str | None = None
    try:
        iterator = ArchiveIterator(stream, check_digests="raise")
        for record in iterator:
            # Reading the raw block to its end makes warcio check both digests.
            while record.raw_stream.read(CHUNK_SIZE):
                pass
            offset = iterator.get_record_offset()
            if offset not in stream.member_starts:
                unread = f"record {records + 1} does not start a gzip member"
                break
            if index is not None:
                index.add(stream.member_starts[offset], record)
            records += 1
    except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
        unread = f"warcio could not read record {records + 1}: {exc}"
    stream.drain()
    if stream.problems:
        return stream.problems, None
    problems: list[str] = []
    members = stream.members
    if expected_records is not None and members != expected_records:
        problems.append(f"{members} gzip members but {expected_records} records written")
    if unread is not None:
        problems.append(unread)
        return problems, None
    if records != members:
        problems.append(f"warcio read {records} records from {members} gzip members")
    if problems or index is None:
        return problems, None
    return problems, index.lines(stream.member_ranges)


class _RangeIndex:
    """cdxj-indexer's lines for the records :func:`_verify` reads, without reading the file a
    second time: the indexer's own code (:meth:`CDXJIndexer.filter_record`,
    :meth:`~CDXJIndexer.process_index_entry`) turns each record into its line, and only the
    record's offset and length, which cdxj-indexer takes from its reader of the compressed
    file, come from the member scan (each record is one member). So the lines are those
    :func:`index_range` writes for the same bytes.

    A record indexed without a payload digest would have cdxj-indexer hash its payload, which
    the pass has already read: then :meth:`lines` gives None and the range is indexed anew."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._indexer = cdxj_indexer()(output=None, inputs=[], filename=name)
        # What CDXJIndexer.process_one sets before it indexes a file.
        self._indexer.curr_filename = name
        self._entries: list[tuple[int, Any]] = []  # (member number, record)
        self._complete = True

    def add(self, member: int, record: Any) -> None:
        indexer = self._indexer
        if indexer.include_records and not indexer.filter_record(record):
            return
        # A payload to hash, or fields read from a request record cdxj-indexer keeps aside.
        if indexer.collect_records or not record.rec_headers.get_header("WARC-Payload-Digest"):
            self._complete = False
        self._entries.append((member, record))

    def lines(self, member_ranges: Sequence[tuple[int, int]]) -> str | None:
        if not self._complete:
            return None
        out = StringIO()
        for member, record in self._entries:
            start, end = member_ranges[member]
            self._indexer.process_index_entry(_MemberPosition(start, end), record, self.name, out)
        return out.getvalue()


@dataclass(frozen=True)
class _MemberPosition:
    """What cdxj-indexer asks its record iterator for a record's line: where it is."""

    start: int
    end: int

    def get_record_offset(self) -> int:
        return self.start

    def get_record_length(self) -> int:
        return self.end - self.start


def check_range(
    path: Path, start: int, end: int, records: int, name: str | None
) -> tuple[list[str], str]:
    """Verify bytes ``start``-``end`` of a WARC file being written (whole members, ``records``
    of them: :func:`verify_warc`) and, when they are sound and ``name`` is given, index them,
    from the same pass over the bytes (the lines :func:`index_range` writes). Returns the
    problems (each naming the range) and the CDXJ lines.

    Runs in the index worker while the writer appends after ``end``: the bytes checked are
    never written again, so only the file's tail is left to check when it closes."""
    problems, lines = _verify(path, records, start, end, name)
    if problems:
        return [f"bytes {start}-{end}: {problem}" for problem in problems], ""
    if name is None:
        return [], ""
    return [], index_range(path, start, end, name) if lines is None else lines


def index_range(path: Path, start: int, end: int, name: str) -> str:
    """cdxj-indexer's lines for the records in bytes ``start``-``end`` of ``path`` (member
    boundaries), under the file name ``name``: the lines :func:`build_cdxj` writes for those
    records, so the lines of consecutive ranges joined are the file's index."""
    out = StringIO()
    with path.open("rb") as fh:
        fh.seek(start)
        indexer = cdxj_indexer()(output=out, inputs=[_Slice(fh, end)], filename=name)
        indexer.process_all()
    return out.getvalue()


class _Slice:
    """An open file read up to ``end`` (cdxj-indexer takes a record's offset from ``tell()``,
    so offsets stay the file's)."""

    def __init__(self, fh: BinaryIO, end: int) -> None:
        self._fh = fh
        self._end = end

    def read(self, size: int = -1) -> bytes:
        left = max(self._end - self._fh.tell(), 0)
        return self._fh.read(left if size < 0 else min(size, left))

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        """Left to the caller, which opened the file."""
