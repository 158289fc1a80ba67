"""Tests of crawler/warc/writer.py: records, offsets, rotation, close-time verification."""

from __future__ import annotations

import gzip
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.members import iter_members
from crawler.warc.writer import (
    FileStats,
    HttpExchange,
    WarcFileWriter,
    WarcWriteError,
    build_cdxj,
    cdxj_path_for,
    check_range,
    index_range,
    verify_warc,
)

VENV_BIN = Path(sys.executable).parent
FETCHED = datetime(2025, 12, 3, 14, 36, 5, 123456, tzinfo=UTC)


def _exchange(i: int, body: bytes | None = None, **kw: object) -> HttpExchange:
    body = body if body is not None else gzip.compress(f"<html>page {i}</html>".encode() * 20)
    params: dict[str, object] = {
        "url": f"https://news.example/a/{i}?x=1",
        "fetched_at": FETCHED,
        "method": "GET",
        "request_target": f"/a/{i}?x=1",
        "request_headers": [("Host", "news.example"), ("Accept", "*/*")],
        "request_body": b"",
        "status": 200,
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        "response_body": body,
        "ip_address": "203.0.113.7",
    }
    params.update(kw)
    return HttpExchange(**params)  # type: ignore[arg-type]


def _records(path: Path) -> list:
    out = []
    with path.open("rb") as fh:
        for rec in ArchiveIterator(fh):
            out.append(
                (
                    rec.rec_type,
                    rec.rec_headers,
                    rec.http_headers,
                    rec.raw_stream.read(),
                )
            )
    return out


@pytest.fixture
def closed() -> list[tuple[Path, FileStats]]:
    return []


def _writer(tmp_path: Path, closed: list, max_size: int = 10_000_000) -> WarcFileWriter:
    return WarcFileWriter(
        tmp_path / "warc",
        "test",
        max_size,
        {"isPartOf": "crawl-1"},
        lambda path, stats: closed.append((path, stats)),
    )


def test_records_and_refs_read_back(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    refs = [writer.write_exchange(_exchange(i)) for i in range(3)]
    open_path = writer.current_path
    assert open_path is not None and open_path.name.endswith(".warc.gz.open")
    # Not visible under its final name before close.
    assert not (open_path.parent / refs[0].filename).exists()
    writer.close()

    ((path, stats),) = closed
    assert path.name == refs[0].filename
    assert not open_path.exists()
    assert stats.records == 7  # warcinfo + 3 × (response + request)
    assert stats.bytes == path.stat().st_size

    records = _records(path)
    assert [r[0] for r in records] == ["warcinfo"] + ["response", "request"] * 3
    info = records[0][3].decode()
    assert "isPartOf: crawl-1" in info and "response_downloaded" in info

    data = path.read_bytes()
    for i, ref in enumerate(refs):
        member = data[ref.offset : ref.offset + ref.length]
        (rec,) = list(ArchiveIterator(io.BytesIO(member)))
        assert rec.rec_type == "response"
        assert rec.rec_headers.get_header("WARC-Record-ID") == ref.record_id
        assert rec.rec_headers.get_header("WARC-Target-URI") == f"https://news.example/a/{i}?x=1"
        assert rec.rec_headers.get_header("WARC-Date") == "2025-12-03T14:36:05.123456Z"
        assert rec.rec_headers.get_header("WARC-IP-Address") == "203.0.113.7"

    # Request records point at their response.
    for (_, resp_h, _, _), (_, req_h, req_http, _) in zip(
        records[1::2], records[2::2], strict=True
    ):
        assert req_h.get_header("WARC-Concurrent-To") == resp_h.get_header("WARC-Record-ID")
        assert req_http.protocol == "GET"


def test_http_block_is_self_consistent(tmp_path: Path, closed: list) -> None:
    body = gzip.compress(b"x" * 5000)
    writer = _writer(tmp_path, closed)
    writer.write_exchange(
        _exchange(
            1,
            body=body,
            status=299,
            response_headers=[
                ("Content-Encoding", "gzip"),
                ("Content-Length", "72"),
                ("Transfer-Encoding", "chunked"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ],
        )
    )
    writer.close()
    ((path, _),) = closed
    _, warc_h, http_h, block_body = _records(path)[1]
    assert http_h.protocol == "HTTP/1.1"
    assert http_h.statusline.strip() == "299"  # unknown code: empty reason phrase
    assert http_h.get_header("Transfer-Encoding") is None
    assert http_h.get_header("Content-Length") == str(len(body))
    assert [v for k, v in http_h.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert warc_h.get_header("WARC-Newsarc-Original-Content-Length") == "72"
    assert warc_h.get_header("WARC-Newsarc-Original-Transfer-Encoding") == "chunked"
    assert block_body == body  # still content-encoded


def test_reason_phrase_and_head_response(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    writer.write_exchange(
        _exchange(1, body=b"", method="HEAD", response_headers=[("Content-Length", "1234")])
    )
    writer.write_exchange(_exchange(2, body=b"gone", status=404, response_headers=[]))
    writer.close()
    ((path, _),) = closed
    records = _records(path)
    head_http = records[1][2]
    assert head_http.statusline == "200 OK"
    assert head_http.get_header("Content-Length") == "1234"  # HEAD keeps its announced length
    missing = records[3]
    assert missing[2].statusline == "404 Not Found"
    assert missing[2].get_header("Content-Length") == "4"
    assert missing[1].get_header("WARC-Newsarc-Original-Content-Length") == "absent"


def test_rotation_by_size(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed, max_size=800)
    refs = [writer.write_exchange(_exchange(i, body=bytes(range(256)) * 4)) for i in range(4)]
    writer.close()
    names = [p.name for p, _ in closed]
    assert len(names) == 4 and len(set(names)) == 4
    assert [n.split("-")[2] for n in names] == ["00000", "00001", "00002", "00003"]
    assert {r.filename for r in refs} == set(names)
    for path, stats in closed:
        assert stats.records == 3
        with gzip.open(path) as fh:  # gzip -t
            fh.read()
        assert verify_warc(path, expected_records=3) == []
    assert sorted(p.name for p in (tmp_path / "warc").glob("*.open")) == []


def test_warcio_check_and_cdxj(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    refs = [writer.write_exchange(_exchange(i)) for i in range(3)]
    writer.close()
    ((path, stats),) = closed
    result = subprocess.run(
        [str(VENV_BIN / "warcio"), "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert stats.cdxj_path == cdxj_path_for(path)
    lines = stats.cdxj_path.read_text().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert [(int(e["offset"]), int(e["length"])) for e in entries] == [
        (r.offset, r.length) for r in refs
    ]
    assert {e["filename"] for e in entries} == {path.name}


def test_rendered_dom_is_not_a_response(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    ref = writer.write_rendered("https://news.example/js", FETCHED, b"<html>dom</html>", status=200)
    writer.close()
    ((path, _),) = closed
    data = path.read_bytes()
    for rec in ArchiveIterator(io.BytesIO(data[ref.offset : ref.offset + ref.length])):
        assert rec.rec_type == "conversion"
        assert rec.http_headers is None
        assert rec.rec_headers.get_header("WARC-Newsarc-Capture").startswith("rendered-dom")
        assert rec.raw_stream.read() == b"<html>dom</html>"
    # Replay indexes list responses, not the rendered DOM.
    assert writer.closed_files == [path]


def test_truncated_file_fails_verification(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    writer.write_exchange(_exchange(1))
    writer.close()
    ((path, stats),) = closed
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[:-40])
    problems = verify_warc(cut, expected_records=stats.records)
    assert problems and any("truncated" in p or "corrupt" in p for p in problems)
    assert verify_warc(path, expected_records=stats.records + 1) != []


def _members(path: Path) -> list[bytes]:
    """The decompressed gzip members of ``path``, one record each."""
    data, out = path.read_bytes(), []
    while data:
        decomp = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out.append(decomp.decompress(data))
        data = decomp.unused_data
    return out


def _rewrite(path: Path, members: list[bytes]) -> Path:
    target = path.with_name(f"rewritten-{len(members)}.warc.gz")
    target.write_bytes(b"".join(gzip.compress(m, mtime=0) for m in members))
    return target


def test_verification_checks_every_record_and_member(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    for i in range(3):
        writer.write_exchange(_exchange(i, body=f"<html>page {i}</html>".encode()))
    writer.close()
    ((path, stats),) = closed
    members = _members(path)
    assert len(members) == stats.records == 7  # warcinfo, then request and response thrice
    assert verify_warc(_rewrite(path, members), expected_records=7) == []
    # A body changed after the fact (same length): its digests no longer match.
    changed = [m.replace(b"page 1</html>", b"page X</html>") for m in members]
    assert changed != members
    (problem,) = verify_warc(_rewrite(path, changed), expected_records=7)
    assert problem.startswith("warcio could not read record 4: block digest failed")
    # Two records in one gzip member: the member count is off, and so is where a record starts.
    joined = [*members[:3], members[3] + members[4], *members[5:]]
    problems = verify_warc(_rewrite(path, joined), expected_records=7)
    assert problems[0] == "6 gzip members but 7 records written"
    assert problems[1:] == ["record 5 does not start a gzip member"]
    # A member that is not a WARC record, and a corrupt one: both named, by their offset.
    raw = _rewrite(path, [*members[:2], b"not a record", *members[2:]]).read_bytes()
    start = len(b"".join(gzip.compress(m, mtime=0) for m in members[:2]))
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(raw[:-8] + bytes(b ^ 0xFF for b in raw[-8:-4]) + raw[-4:])  # last CRC
    problems = verify_warc(bad)
    assert problems[0] == f"gzip member at {start} is not a WARC record"
    assert len(problems) == 2 and "is corrupt" in problems[1]


def test_close_without_records_creates_nothing(tmp_path: Path, closed: list) -> None:
    writer = _writer(tmp_path, closed)
    writer.close()
    writer.close()
    assert closed == []


def test_unwritable_directory_raises(tmp_path: Path, closed: list) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    writer = WarcFileWriter(blocker / "warc", "test", 1000, {}, None)
    with pytest.raises(WarcWriteError, match="cannot create WARC directory"):
        writer.write_exchange(_exchange(1))


@pytest.fixture(scope="module")
def index_worker() -> Iterator[ProcessPoolExecutor]:
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    yield executor
    executor.shutdown()


def test_index_built_in_a_worker_equals_the_inline_index(
    tmp_path: Path, closed: list, index_worker: ProcessPoolExecutor
) -> None:
    # Built from the .open file while the writer verifies it, under the final name.
    writer = _writer(tmp_path, closed, max_size=4000)
    writer.index_executor = index_worker
    for i in range(12):
        writer.write_exchange(_exchange(i))
    writer.close()
    assert len(closed) > 1
    for path, stats in closed:
        assert stats.cdxj_path == cdxj_path_for(path)
        inline = tmp_path / "inline.cdxj"
        build_cdxj(path, inline, path.name)
        assert stats.cdxj_path.read_bytes() == inline.read_bytes() != b""
    leftovers = [
        p.name for p in (tmp_path / "warc").iterdir() if p.name.endswith((".tmp", ".open"))
    ]
    assert leftovers == []


def test_a_file_failing_verification_gets_no_index(
    tmp_path: Path, closed: list, index_worker: ProcessPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = _writer(tmp_path, closed)
    writer.index_executor = index_worker
    writer.write_exchange(_exchange(1))
    monkeypatch.setattr("crawler.warc.writer.verify_warc", lambda *a, **k: ["simulated bad member"])
    with pytest.raises(WarcWriteError, match="simulated bad member"):
        writer.close()
    names = sorted(p.name for p in (tmp_path / "warc").iterdir())
    assert len(names) == 1 and names[0].endswith(".warc.gz.open"), names
    assert closed == []


def test_a_dead_index_worker_falls_back_to_indexing_here(tmp_path: Path, closed: list) -> None:
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    executor.submit(os.getpid).result()
    for pid in list(executor._processes):  # kill the worker: the pool is broken from now on
        os.kill(pid, signal.SIGKILL)
    writer = _writer(tmp_path, closed)
    writer.index_executor = executor
    writer.write_exchange(_exchange(1))
    writer.close()
    ((path, stats),) = closed
    inline = tmp_path / "inline.cdxj"
    build_cdxj(path, inline, path.name)
    assert stats.cdxj_path is not None and stats.cdxj_path.read_bytes() == inline.read_bytes()
    executor.shutdown()


def test_a_file_is_verified_and_indexed_in_ranges_while_it_is_written(
    tmp_path: Path, closed: list, index_worker: ProcessPoolExecutor
) -> None:
    # Ranges of ~600 bytes go to the worker as they are written; at close only the tail is
    # verified here. The index joined from the ranges is cdxj-indexer's index of the file.
    writer = _writer(tmp_path, closed, max_size=6000)
    writer.index_executor = index_worker
    writer.check_chunk = 600
    refs = [writer.write_exchange(_exchange(i)) for i in range(20)]
    writer.write_rendered("https://news.example/js", FETCHED, b"<html>dom</html>", status=200)
    writer.close()
    assert len(closed) > 1
    for path, stats in closed:
        assert verify_warc(path, expected_records=stats.records) == []
        inline = tmp_path / "inline.cdxj"
        build_cdxj(path, inline, path.name)
        assert stats.cdxj_path is not None
        assert stats.cdxj_path.read_bytes() == inline.read_bytes() != b""
    lines = [line for _, stats in closed for line in stats.cdxj_path.read_text().splitlines()]
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert [(int(e["offset"]), int(e["length"])) for e in entries] == [
        (r.offset, r.length) for r in refs
    ]


def _corrupt(path: Path, offset: int) -> None:
    """Flip a byte of a file that is still being written (as a failing disk would); at a
    member's CRC, so that it reads as corrupt whatever the record ids."""
    with path.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))


def test_damage_in_a_range_checked_by_the_worker_fails_the_file(
    tmp_path: Path, closed: list, index_worker: ProcessPoolExecutor
) -> None:
    writer = _writer(tmp_path, closed)
    writer.index_executor = index_worker
    writer.check_chunk = 10**9
    refs = [writer.write_exchange(_exchange(i)) for i in range(3)]
    open_path = writer.current_path
    assert open_path is not None
    _corrupt(open_path, refs[1].offset + refs[1].length - 8)  # before the worker reads it
    writer.check_chunk = 1  # the next write hands everything so far to the worker
    writer.write_exchange(_exchange(3))
    end = writer.total_bytes
    writer.check_chunk = 10**9
    writer.write_exchange(_exchange(4))  # the tail, verified here
    with pytest.raises(WarcWriteError, match=f"bytes 0-{end}: gzip member at {refs[1].offset}"):
        writer.close()
    assert sorted(p.name for p in (tmp_path / "warc").iterdir()) == [open_path.name]
    assert closed == []


def test_damage_in_the_tail_fails_the_file(
    tmp_path: Path, closed: list, index_worker: ProcessPoolExecutor
) -> None:
    writer = _writer(tmp_path, closed)
    writer.index_executor = index_worker
    writer.cdxj_enabled = False  # the worker verifies only (indexing the tail would fail too)
    writer.check_chunk = 1
    writer.write_exchange(_exchange(0))  # handed to the worker
    end = writer.total_bytes
    writer.check_chunk = 10**9
    ref = writer.write_exchange(_exchange(1))
    open_path = writer.current_path
    assert open_path is not None
    _corrupt(open_path, ref.offset + ref.length - 8)
    with pytest.raises(WarcWriteError, match=f"bytes {end}-.*gzip member at {ref.offset}"):
        writer.close()
    assert sorted(p.name for p in (tmp_path / "warc").iterdir()) == [open_path.name]
    assert closed == []


def test_a_range_is_indexed_from_its_verification_pass_as_cdxj_indexer_reads_it(
    tmp_path: Path,
) -> None:
    # check_range builds the range's CDXJ lines from the records it verifies: the lines must
    # be those cdxj-indexer writes reading the same bytes (responses, a revisit, a redirect
    # without a body, a 404, a rendered DOM, requests and warcinfo left out).
    writer = WarcFileWriter(tmp_path, "t", 10**9, {}, cdxj_enabled=False, revisits=True)
    writer.write_exchange(_exchange(1))
    writer.write_exchange(_exchange(2, body=gzip.compress(b"<html>page 1</html>" * 20)))
    writer.write_exchange(_exchange(3, status=404))
    writer.write_exchange(
        _exchange(4, body=b"", status=301, response_headers=[("Location", "/a/5")])
    )
    writer.write_exchange(_exchange(1))  # same payload as page 1: a revisit
    writer.write_rendered("https://news.example/js", FETCHED, b"<html>dom</html>", status=200)
    writer.close()
    (path,) = writer.closed_files
    members = list(iter_members(path))
    assert len(members) == 12  # warcinfo, five exchanges, the rendered DOM
    end = members[-1].end
    problems, lines = check_range(path, 0, end, len(members), path.name)
    assert problems == []
    assert lines == index_range(path, 0, end, path.name)
    assert len(lines.splitlines()) == 5  # four responses and the revisit
    # A range from a later member on: the same lines as the indexer's of those bytes.
    middle = members[3].start
    problems, tail = check_range(path, middle, end, len(members) - 3, path.name)
    assert problems == []
    assert tail == index_range(path, middle, end, path.name) == "".join(lines.splitlines(True)[1:])


def test_a_record_without_a_payload_digest_is_indexed_by_reading_the_range_again(
    tmp_path: Path,
) -> None:
    # cdxj-indexer hashes the payload of a record that names no digest; the verification pass
    # has read it already, so check_range leaves that range to the indexer.
    record = (
        b"WARC/1.1\r\nWARC-Type: resource\r\n"
        b"WARC-Record-ID: <urn:uuid:6f1ae8c4-1f1e-4bd6-9a4c-27d1f2b1c0d3>\r\n"
        b"WARC-Target-URI: https://news.example/r\r\nWARC-Date: 2025-12-03T14:36:05Z\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 4\r\n\r\ntext\r\n\r\n"
    )
    path = tmp_path / "resource.warc.gz"
    path.write_bytes(gzip.compress(record))
    size = path.stat().st_size
    problems, lines = check_range(path, 0, size, 1, path.name)
    assert problems == []
    assert lines == index_range(path, 0, size, path.name)
    assert '"digest": "sha1:' in lines  # hashed by cdxj-indexer
