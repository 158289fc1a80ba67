"""Two crawls of an unchanged site into one store: the second writes revisit records.

Items from a revisited page carry provenance that resolves to the revisit record, whose
``WARC-Refers-To`` resolves to the first crawl's response record with the same payload. The
same holds through S3 (the files checked are those downloaded from the bucket), and a revisit
never points at a file the store does not have: a file left in the spool by a failed upload
is not in the digest index.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from contextlib import closing
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.crawlinfo import spool_dir
from crawler.demo.server import serve_demo
from crawler.warc.dedup import DIGEST_INDEX_NAME, payload_digest
from crawler.warc.writer import verify_warc
from tests.archive.conftest import finish, start_newsarc_s3
from tests.conftest import crawl_items, run_newsarc
from tests.store.s3_server import MotoS3

#: WARC 1.1's profile of a revisit record whose payload is the referred-to record's.
IDENTICAL_PAYLOAD_DIGEST = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def _records(crawl_dir: Path) -> dict[str, Any]:
    by_id: dict[str, Any] = {}
    for path in sorted(crawl_dir.glob("warc/*.warc.gz")):
        assert verify_warc(path) == []
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                # The entity as stored (still content-encoded): what the payload digest covers.
                body = record.raw_stream.read() if record.rec_type == "response" else b""
                by_id[record.rec_headers.get_header("WARC-Record-ID")] = (record, body)
    return by_id


def _record_at(crawl_dir: Path, ref: dict[str, Any]) -> Any:
    with (crawl_dir / "warc" / ref["filename"]).open("rb") as fh:
        fh.seek(ref["offset"])
        return next(iter(ArchiveIterator(BytesIO(fh.read(ref["length"])))))


def _check_revisits(earlier: list[Path], second: Path) -> None:
    """The second crawl's revisits resolve to earlier crawls' responses, and so do its items."""
    originals = {k: v for crawl in earlier for k, v in _records(crawl).items()}
    revisits = _records(second)
    revisit_records = [r for r, _ in revisits.values() if r.rec_type == "revisit"]
    assert revisit_records, f"an unchanged page was archived in full twice: {earlier} {second}"
    for record in revisit_records:
        headers = record.rec_headers
        assert headers.protocol == "WARC/1.1"
        assert headers.get_header("WARC-Profile") == IDENTICAL_PAYLOAD_DIGEST
        original, body = originals[headers.get_header("WARC-Refers-To")]
        assert original.rec_type == "response"
        assert original.rec_headers.get_header("WARC-Target-URI") == headers.get_header(
            "WARC-Refers-To-Target-URI"
        )
        assert original.rec_headers.get_header("WARC-Date") == headers.get_header(
            "WARC-Refers-To-Date"
        )
        digest = headers.get_header("WARC-Payload-Digest")
        assert original.rec_headers.get_header("WARC-Payload-Digest") == digest
        assert payload_digest(body) == digest  # the payload is found via the original
    articles, headlines = crawl_items(second)
    from_revisits = 0
    for item in articles + headlines:
        record = _record_at(second, item["warc"])
        assert record.rec_headers.get_header("WARC-Record-ID") == item["warc"]["record_id"]
        if record.rec_type == "revisit":
            assert record.rec_headers.get_header("WARC-Refers-To") in originals
            from_revisits += 1
    assert from_revisits  # the unchanged front page's headlines at least


def _check_reextraction(earlier: list[Path], second: Path) -> None:
    """``newsarc extract`` gives the second crawl's items, revisited pages included."""
    articles, headlines = crawl_items(second)
    warcs = [p for crawl in [*earlier, second] for p in sorted(crawl.glob("warc/*.warc.gz"))]
    run = run_newsarc("extract", *map(str, warcs))
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    from_second = [i for i in items if i["crawl_id"] == second.name]
    key = lambda item: json.dumps(item, sort_keys=True)  # noqa: E731
    assert sorted(map(key, from_second)) == sorted(map(key, articles + headlines))

    # Without the earlier crawl's WARC the revisits cannot be resolved: said, and exit 1.
    alone = run_newsarc("extract", *map(str, sorted(second.glob("warc/*.warc.gz"))))
    assert alone.returncode == 1
    assert "revisit record" in alone.stderr


@pytest.mark.slow
def test_second_crawl_of_unchanged_site_writes_revisits(tmp_path: Path) -> None:
    out = tmp_path / "store"
    with serve_demo() as server:
        for _ in range(2):
            run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out), "--max-pages", "6")
            assert run.returncode == 0, run.stdout + run.stderr
    first, second = sorted(p for p in out.iterdir() if p.is_dir())
    _check_revisits([first], second)


@pytest.mark.slow
def test_reextraction_resolves_revisits_through_the_earlier_crawl(tmp_path: Path) -> None:
    out = tmp_path / "store"
    with serve_demo() as server:
        for _ in range(2):
            run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out), "--max-pages", "4")
            assert run.returncode == 0, run.stdout + run.stderr
    first, second = sorted(p for p in out.iterdir() if p.is_dir())
    _check_reextraction([first], second)


# -- through S3 -------------------------------------------------------------------------------


def _download(server: MotoS3, bucket: str, prefix: str, dest: Path) -> list[Path]:
    """Copy every object under ``prefix`` to ``dest`` (same layout); the crawl directories."""
    client = server.client()
    for key in server.keys(bucket, prefix):
        target = dest / key.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return sorted(p for p in dest.iterdir() if p.is_dir())


@pytest.mark.slow
def test_revisits_across_crawls_to_s3_resolve_in_the_bucket(
    tmp_path: Path, s3_server: MotoS3
) -> None:
    """Two cron runs on one machine (one spool): crawl 2's revisits point into crawl 1's objects."""
    bucket = s3_server.new_bucket()
    store = f"s3://{bucket}/runs"
    with serve_demo() as site:
        for _ in range(2):
            url = f"{site.base_url}/"
            proc = start_newsarc_s3(
                s3_server, store, tmp_path / "spool", "crawl", url, "--max-pages", "6"
            )
            code, output = finish(proc)
            assert code == 0, output
    # Only what is in the bucket counts: the spool kept no WARC file.
    assert not list((tmp_path / "spool").rglob("*.warc.gz"))
    first, second = _download(s3_server, bucket, "runs/", tmp_path / "downloaded")
    _check_revisits([first], second)
    _check_reextraction([first], second)


def _responses(paths: list[Path]) -> dict[str, str]:
    """Record id → payload digest of the 200 responses in ``paths``."""
    out: dict[str, str] = {}
    for path in paths:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response" and record.http_headers.get_statuscode() == "200":
                    headers = record.rec_headers
                    out[headers.get_header("WARC-Record-ID")] = headers.get_header(
                        "WARC-Payload-Digest"
                    )
    return out


@pytest.mark.slow
def test_no_revisit_points_at_a_file_the_store_does_not_have(
    tmp_path: Path, s3_server: MotoS3
) -> None:
    """The store goes down during crawl 1 and stays down through crawl 2.

    Crawl 2 may refer only to what crawl 1 got into the bucket; a page whose first capture is
    still in the spool is archived in full again. The run after the outage uploads both.
    """
    bucket = s3_server.new_bucket()
    store = f"s3://{bucket}/runs"
    spool = tmp_path / "spool"
    with serve_demo() as site:

        def crawl(*args: str) -> subprocess.Popen[str]:
            return start_newsarc_s3(s3_server, store, spool, "crawl", f"{site.base_url}/", *args)

        # Small WARC files, so that some are stored before the store goes down.
        proc = crawl("--max-pages", "30", "-s", "WARC_MAX_FILE_SIZE=30000")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if any(k.endswith(".warc.gz") for k in s3_server.keys(bucket)):
                break
            time.sleep(0.05)
        s3_server.stop()
        code, output = finish(proc)
        assert code == 4 and "pending upload" in output, output
        s3_server.start()
        stored = {k.rsplit("/", 1)[1] for k in s3_server.keys(bucket) if k.endswith(".warc.gz")}
        s3_server.stop()
        assert stored, "no WARC file was stored before the store went down"
        assert list(spool.rglob("*.warc.gz")), "every WARC file was stored before the outage"
        # The digest index knows the records of stored files only.
        with closing(sqlite3.connect(spool_dir(spool, store) / DIGEST_INDEX_NAME)) as db:
            indexed = {name for (name,) in db.execute("SELECT DISTINCT filename FROM digests")}
        assert indexed <= stored

        code, output = finish(crawl("--max-pages", "30"))  # the store is still down
        assert code == 4 and "pending upload" in output, output

        s3_server.start()  # the outage is over: the next run uploads what waited, then its own
        code, output = finish(crawl("--max-pages", "3"))
        assert code == 0, output
    assert not list(spool.rglob("*.warc.gz"))
    first, second, third = _download(s3_server, bucket, "runs/", tmp_path / "downloaded")

    first_warcs = sorted(first.glob("warc/*.warc.gz"))
    in_bucket = _responses([p for p in first_warcs if p.name in stored])
    in_spool = _responses([p for p in first_warcs if p.name not in stored])
    in_spool_only = set(in_spool.values()) - set(in_bucket.values())
    second_records = _records(second)
    full_again = 0
    for record, _ in second_records.values():
        headers = record.rec_headers
        if record.rec_type == "revisit":
            refers_to = headers.get_header("WARC-Refers-To")
            # A record that was in the bucket during crawl 2, or one of crawl 2's own.
            own = second_records.get(refers_to)
            assert refers_to in in_bucket or (own and own[0].rec_type == "response"), (
                f"{headers.get_header('WARC-Target-URI')}: revisit of {refers_to}, which was "
                "not in the bucket"
            )
        elif record.rec_type == "response" and (
            headers.get_header("WARC-Payload-Digest") in in_spool_only
        ):
            full_again += 1
    assert full_again, "no page first captured in a file left in the spool was crawled again"

    # Once everything is stored, revisits resolve to records in the bucket again.
    _check_revisits([first, second], third)
