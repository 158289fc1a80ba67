"""``newsarc datasets verify`` checks every revisit record's original (``WARC-Refers-To``)
across the crawl's WARC files (one per worker of a shared crawl) and the store's other crawls."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.datasets.verify import verify_directory
from crawler.manifest import build_manifest, write_manifest
from tests.conftest import run_newsarc

BODY = b"<html><body>the same page twice</body></html>"


def _response(writer: WARCWriter, url: str) -> tuple[str, str, str]:
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(BODY), http_headers=http)
    writer.write_record(record)
    headers = record.rec_headers
    return (
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Payload-Digest"),
        headers.get_header("WARC-Date"),
    )


def _revisit(writer: WARCWriter, url: str, original: tuple[str, str, str], of: str) -> None:
    record_id, digest, date = original
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_revisit_record(
        url, digest, of, date, http_headers=http, warc_headers_dict={"WARC-Refers-To": record_id}
    )
    writer.write_record(record)


def _crawl(root: Path, crawl_id: str, refers_to: str | None) -> Path:
    """A crawl of two workers: worker a's WARC holds a page; worker b's revisits it (or, with
    ``refers_to``, a record id that no WARC holds)."""
    crawl = root / crawl_id
    (crawl / "warc").mkdir(parents=True)
    with (crawl / "warc" / "newsarc-a-20260101000000-00000-aaaaaa.warc.gz").open("wb") as fh:
        original = _response(WARCWriter(fh, gzip=True), "http://s/page")
    if refers_to is not None:
        original = (refers_to, *original[1:])
    with (crawl / "warc" / "newsarc-b-20260101000001-00000-bbbbbb.warc.gz").open("wb") as fh:
        _revisit(WARCWriter(fh, gzip=True), "http://s/copy", original, "http://s/page")
    stats = {"warc/records_written": 2, "finish_reason": "finished"}
    write_manifest(crawl, build_manifest(crawl, crawl_id=crawl_id, stats=stats, config={}))
    return crawl


def test_a_revisit_of_another_workers_record_verifies(tmp_path: Path) -> None:
    _crawl(tmp_path, "c1", None)
    checked, problems = verify_directory(tmp_path)
    assert checked == 2
    assert problems == []


def test_verify_names_a_revisit_whose_original_is_in_no_warc_file(tmp_path: Path) -> None:
    missing = "<urn:uuid:00000000-0000-4000-8000-000000000000>"
    _crawl(tmp_path, "c1", missing)
    _, problems = verify_directory(tmp_path)
    assert len(problems) == 1, problems
    assert "c1/warc/newsarc-b-" in problems[0] and missing in problems[0]
    assert "http://s/copy" in problems[0]
    run = run_newsarc("datasets", "verify", str(tmp_path))
    assert run.returncode == 1, run.stdout + run.stderr
    assert missing in run.stderr


def test_a_single_crawl_directory_finds_an_original_in_another_crawl_of_its_store(
    tmp_path: Path,
) -> None:
    earlier = _crawl(tmp_path, "c1", None)
    original = (earlier / "warc").glob("newsarc-a-*.warc.gz")
    record_id = _ids(next(original))[0]
    later = tmp_path / "c2"
    (later / "warc").mkdir(parents=True)
    with (later / "warc" / "newsarc-20260102000000-00000-cccccc.warc.gz").open("wb") as fh:
        _revisit(WARCWriter(fh, gzip=True), "http://s/page", (record_id, "sha1:X", "2026"), "u")
    stats = {"warc/records_written": 1, "finish_reason": "finished"}
    write_manifest(later, build_manifest(later, crawl_id="c2", stats=stats, config={}))
    assert verify_directory(later)[1] == []


def _ids(path: Path) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as fh:
        return [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)]
