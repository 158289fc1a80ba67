"""Revisit records: an unchanged payload points at its original (crawler/warc/dedup.py)."""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.warc.dedup import DigestIndex, Original, WrittenDigests, index_warc, payload_digest
from crawler.warc.writer import FileStats, HttpExchange, WarcFileWriter, verify_warc


def _exchange(path: str, body: bytes, status: int = 200) -> HttpExchange:
    return HttpExchange(
        url=f"http://example.test{path}",
        fetched_at=datetime.now(UTC),
        method="GET",
        request_target=path,
        request_headers=[("Host", "example.test")],
        request_body=b"",
        status=status,
        response_headers=[("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
        response_body=body,
    )


def _records(path: Path) -> list[tuple[str, dict[str, str]]]:
    with path.open("rb") as fh:
        return [(r.rec_type, dict(r.rec_headers.headers)) for r in ArchiveIterator(fh)]


def test_same_payload_in_one_crawl_is_a_revisit(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "t", 10**9, {}, cdxj_enabled=False, revisits=True)
    first = writer.write_exchange(_exchange("/a", b"<p>same</p>"))
    writer.write_exchange(_exchange("/b", b"<p>other</p>"))
    again = writer.write_exchange(_exchange("/c", b"<p>same</p>"))
    writer.write_exchange(_exchange("/d", b"<p>same</p>", status=404))  # only 200s dedupe
    writer.close()
    (path,) = writer.closed_files
    assert verify_warc(path) == []
    records = _records(path)
    revisits = [h for kind, h in records if kind == "revisit"]
    assert len(revisits) == 1 and writer.revisits_written == 1
    revisit = revisits[0]
    assert revisit["WARC-Record-ID"] == again.record_id
    assert revisit["WARC-Refers-To"] == first.record_id
    assert revisit["WARC-Refers-To-Target-URI"] == "http://example.test/a"
    assert revisit["WARC-Profile"].endswith("/warc/1.1/revisit/identical-payload-digest")
    assert revisit["WARC-Payload-Digest"] == payload_digest(b"<p>same</p>")
    original = next(h for k, h in records if h.get("WARC-Record-ID") == first.record_id)
    assert revisit["WARC-Refers-To-Date"] == original["WARC-Date"]
    assert original["WARC-Payload-Digest"] == revisit["WARC-Payload-Digest"]


def test_index_learns_stored_files_and_later_writers_use_it(tmp_path: Path) -> None:
    index = DigestIndex(tmp_path / ".digests.sqlite")
    one = WarcFileWriter(tmp_path / "c1", "t", 10**9, {}, cdxj_enabled=False, revisits=True)
    ref = one.write_exchange(_exchange("/a", b"body"))
    one.close()
    assert index.lookup(payload_digest(b"body")) is None  # not indexed until stored
    assert index_warc(index, one.closed_files[0], "c1") == 1
    two = WarcFileWriter(
        tmp_path / "c2", "t", 10**9, {}, cdxj_enabled=False, revisits=True, digest_index=index
    )
    two.write_exchange(_exchange("/a", b"body"))
    two.close()
    kinds = [k for k, _ in _records(two.closed_files[0])]
    assert kinds == ["warcinfo", "revisit", "request"]
    original = index.lookup(payload_digest(b"body"))
    assert original is not None and original.record_id == ref.record_id
    assert original.crawl_id == "c1"


def test_what_the_writer_remembers_of_a_file_equals_reading_it_back(tmp_path: Path) -> None:
    # The WARC extension feeds the digest index from FileStats.originals instead of reading
    # each closed file again with index_warc: both must give the same entries, across
    # rotations, revisits and non-200 responses.
    closed: dict[Path, FileStats] = {}
    writer = WarcFileWriter(
        tmp_path,
        "t",
        3000,  # small: rotates every few exchanges, sometimes right after an original
        {},
        on_close=closed.__setitem__,
        cdxj_enabled=False,
        revisits=True,
    )
    for n in range(40):
        body = f"<p>page {n % 13}</p>".encode() * (1 + n % 7)
        writer.write_exchange(_exchange(f"/p{n}", body, status=404 if n % 9 == 0 else 200))
    writer.close()
    assert len(closed) > 3
    remembered = DigestIndex(tmp_path / "remembered.sqlite")
    read_back = DigestIndex(tmp_path / "read-back.sqlite")
    total = 0
    for path, stats in closed.items():
        remembered.add([(d, dataclasses.replace(o, crawl_id="c")) for d, o in stats.originals])
        total += index_warc(read_back, path, "c")
    assert total == sum(len(s.originals) for s in closed.values()) > 0

    def rows(index: DigestIndex) -> list[tuple[str, ...]]:
        return index._db.execute("SELECT * FROM digests ORDER BY digest").fetchall()

    assert rows(remembered) == rows(read_back)


def test_the_writer_keeps_its_written_records_out_of_memory() -> None:
    """What a writer remembers for revisits costs a fingerprint per record, not the record
    (~400 bytes as a dict of them: the crawl's memory grew by that per page, L1)."""
    n = 5_000

    def original(i: int) -> Original:
        return Original(
            uri=f"http://example.test/news/2026/12/04/story-{i}.html",
            date="2026-12-04T19:10:00.123456Z",
            record_id=f"<urn:uuid:00000000-0000-4000-8000-{i:012d}>",
        )

    written = WrittenDigests()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            written.add(payload_digest(b"page %d" % i), original(i))
        gc.collect()
        per_record = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert per_record < 48
    assert len(written) == n
    assert written.get(payload_digest(b"page 17")) == original(17)
    assert written.get(payload_digest(b"page 5000")) is None
    written.add(payload_digest(b"page 17"), original(99))  # the first record is kept
    assert written.get(payload_digest(b"page 17")) == original(17)
