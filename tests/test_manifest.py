"""Tests of crawler/manifest.py: file listing, hashes, counts, verification."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.manifest import (
    ManifestExtension,
    build_manifest,
    close_crawl_log,
    describe_file,
    verify_manifest,
    write_manifest,
)
from crawler.signals import warc_file_closed
from crawler.warc.writer import HttpExchange, WarcFileWriter

CRAWL = "20251203T143605Z-test-abcd"


def _crawl_dir(tmp_path: Path) -> Path:
    work = tmp_path / CRAWL
    writer = WarcFileWriter(work / "warc", "newsarc", 10_000_000, {"isPartOf": CRAWL})
    writer.write_exchange(
        HttpExchange(
            url="https://n.example/",
            fetched_at=datetime(2025, 12, 3, tzinfo=UTC),
            method="GET",
            request_target="/",
            request_headers=[("Host", "n.example")],
            request_body=b"",
            status=200,
            response_headers=[("Content-Type", "text/html")],
            response_body=b"<html></html>",
        )
    )
    writer.close()
    (work / "items").mkdir()
    with gzip.open(work / "items" / "articles-00000.jsonl.gz", "wt") as fh:
        fh.write('{"type": "article"}\n{"type": "article"}\n')
    (work / "logs").mkdir()
    (work / "logs" / "crawl.log").write_text("started\n")
    return work


def test_build_and_verify(tmp_path: Path) -> None:
    work = _crawl_dir(tmp_path)
    stats = {
        "start_time": datetime(2025, 12, 3, 14, 36, tzinfo=UTC),
        "finish_time": datetime(2025, 12, 3, 14, 40, tzinfo=UTC),
        "finish_reason": "finished",
        "response_received_count": 2,
        "newsarc/pages_fetched": 1,
        "items/written/article": 2,
        "item_dropped_reasons_count/DuplicateUrl": 3,
        "warc/records_written": 3,
    }
    manifest = build_manifest(
        work,
        crawl_id=CRAWL,
        stats=stats,
        config={"NEWSARC_STORE_URI": "s3://key:secret@bucket/p", "AWS_SECRET_ACCESS_KEY": "x"},
    )
    write_manifest(work, manifest)
    by_kind = {f["kind"]: f for f in manifest["files"]}
    assert set(by_kind) == {"warc", "cdxj", "items", "log"}
    for entry in manifest["files"]:
        data = (work / entry["path"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert by_kind["warc"]["records"] == 3
    assert by_kind["items"]["items"] == 2
    assert manifest["started_at"] == "2025-12-03T14:36:00+00:00"
    assert manifest["counts"]["items_dropped"] == {"DuplicateUrl": 3}
    assert manifest["counts"]["pages_fetched"] == 1
    assert manifest["counts"]["responses"] == 2
    assert manifest["config"] == {"NEWSARC_STORE_URI": "s3://bucket/p"}
    assert {"python", "scrapy", "warcio"} <= set(manifest["software"])
    assert "manifest.json" not in {f["path"] for f in manifest["files"]}
    assert verify_manifest(work) == []

    # Logs may grow after the manifest is written.
    with (work / "logs" / "crawl.log").open("a") as fh:
        fh.write("Spider closed\n")
    assert verify_manifest(work) == []

    # Tampering, deletion and stray files are caught.
    warc = work / by_kind["warc"]["path"]
    data = bytearray(warc.read_bytes())
    data[-5] ^= 0xFF
    warc.write_bytes(bytes(data))
    (work / by_kind["cdxj"]["path"]).unlink()
    (work / "items" / "extra.jsonl.gz").write_bytes(b"")
    problems = verify_manifest(work)
    assert any(p.startswith(by_kind["warc"]["path"]) and "sha256" in p for p in problems)
    assert any(p.startswith(by_kind["cdxj"]["path"]) and "missing" in p for p in problems)
    assert any("extra.jsonl.gz" in p and "not listed" in p for p in problems)


def test_extension_writes_manifest_last(tmp_path: Path) -> None:
    work = _crawl_dir(tmp_path)
    (work / "warc" / "left.warc.gz.open").write_bytes(b"x")
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "WARC_PREFIX": "newsarc",
            "JSONL_MAX_ITEMS_PER_FILE": 10,
        }
    )
    ext = build_from_crawler(ManifestExtension, crawler)
    crawler.stats.set_value("finish_reason", "finished")
    ext.engine_stopped()
    manifest = json.loads((work / "manifest.json").read_text())
    assert manifest["crawl_id"] == CRAWL
    assert manifest["finish_reason"] == "finished"
    assert manifest["incomplete"] == ["warc/left.warc.gz.open"]
    assert manifest["config"]["WARC_PREFIX"] == "newsarc"
    assert manifest["config"]["JSONL_MAX_ITEMS_PER_FILE"] == 10
    assert crawler.stats.get_value("manifest/written") == 1
    assert not (work / "manifest.json.tmp").exists()


def test_warc_record_counts_come_from_the_writer_through_the_signal(tmp_path: Path) -> None:
    # The WARC extension sends each closed file's verified record count; the manifest takes it
    # instead of decompressing the file again. A strict description (the spool uploader's,
    # before a file leaves the machine) counts the members all the same.
    work = _crawl_dir(tmp_path)
    (warc,) = (work / "warc").glob("*.warc.gz")
    rel = warc.relative_to(work).as_posix()
    crawler = get_crawler(
        settings_dict={"NEWSARC_CRAWL_ID": CRAWL, "NEWSARC_STORE_URI": str(tmp_path)}
    )
    ext = build_from_crawler(ManifestExtension, crawler)
    crawler.signals.send_catch_log(warc_file_closed, path=warc, records=5)
    crawler.signals.send_catch_log(warc_file_closed, path=tmp_path / "other.warc.gz", records=1)
    assert ext.warc_records == {rel: 5}  # the count as sent: the manifest does not count
    ext.engine_stopped()
    entries = {f["path"]: f for f in json.loads((work / "manifest.json").read_text())["files"]}
    assert entries[rel]["records"] == 5
    assert describe_file(warc, rel, strict=True, records=5)["records"] == 3
    assert describe_file(warc, rel)["records"] == 3


def test_lines_logged_after_the_crawl_log_is_closed_go_to_the_closing_log(tmp_path: Path) -> None:
    """Scrapy's LOG_FILE handler, as the crawl sets it (LOG_FILE_APPEND=False: mode "w"): the
    lines after close_crawl_log (the last upload pass, "pending upload") are in closing.log."""
    log = tmp_path / "logs" / "crawl.log"
    log.parent.mkdir()
    handler = logging.FileHandler(log, mode="w", encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        logging.getLogger("crawler.spool").info("Stored before the manifest")
        assert close_crawl_log(tmp_path) == ["logs/closing.log"]
        logging.getLogger("crawler.spool").info("Stored after the manifest")
        handler.flush()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    assert "Stored before the manifest" in log.read_text(encoding="utf-8")
    assert "after" not in log.read_text(encoding="utf-8")
    closing = tmp_path / "logs" / "closing.log"
    assert "Stored after the manifest" in closing.read_text(encoding="utf-8")
