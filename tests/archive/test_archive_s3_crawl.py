"""``newsarc demo --out s3://…``: spool, background upload, verification, pending files.

The crawl runs as the real console script; the S3 side is moto's server (in this process, so
the test can stop and restart it on the same port while the crawl runs).
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.crawlinfo import spool_dir
from crawler.demo.server import DemoServer
from crawler.manifest import build_manifest, count_warc_records, write_manifest
from crawler.warc.writer import WarcFileWriter
from tests.archive.conftest import finish, sample_exchange, start_newsarc_s3
from tests.conftest import ROOT
from tests.store.s3_server import MotoS3


def _newsarc(server: MotoS3, bucket: str, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return start_newsarc_s3(server, f"s3://{bucket}/runs", tmp_path / "spool", "demo", *args)


def _verify_stored_crawl(
    client: Any, bucket: str, manifest_key: str, tmp_path: Path
) -> dict[str, Any]:
    """Every file the manifest lists is in the bucket with its size, SHA-256 and counts."""
    manifest = json.loads(client.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    prefix = manifest_key.rsplit("/", 1)[0]
    kinds = {entry["kind"] for entry in manifest["files"]}
    assert {"warc", "cdxj", "items"} <= kinds
    for entry in manifest["files"]:
        data = client.get_object(Bucket=bucket, Key=f"{prefix}/{entry['path']}")["Body"].read()
        if entry["kind"] == "log":
            data = data[: entry["size"]]  # the log may grow after the manifest is written
        assert len(data) == entry["size"], entry["path"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        if entry["kind"] == "warc":
            local = tmp_path / "check.warc.gz"
            local.write_bytes(data)
            assert count_warc_records(local) == entry["records"]
    return manifest


def test_crawl_to_s3_uploads_verifies_and_empties_the_spool(
    tmp_path: Path, s3_server: MotoS3
) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    code, output = finish(_newsarc(s3_server, bucket, tmp_path, "--max-pages", "8"))
    assert code == 0, output
    manifests = [k for k in s3_server.keys(bucket) if k.endswith("/manifest.json")]
    assert len(manifests) == 1 and manifests[0].startswith("runs/")
    _verify_stored_crawl(client, bucket, manifests[0], tmp_path)
    crawl_key = manifests[0].removesuffix("manifest.json")
    assert f"s3://{bucket}/{crawl_key}" in output, "the summary names where the files went"
    assert "each verified by SHA-256" in output
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # Only the kept log and bookkeeping remain in the spool.
    left = [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]
    assert all(p.name.startswith(".") or p.parent.name == "logs" for p in left), left


@pytest.mark.slow
def test_store_down_mid_crawl_files_wait_and_next_run_uploads_them(
    tmp_path: Path, s3_server: MotoS3
) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    # Small files so that several close (and start uploading) while the crawl runs.
    small = ("-s", "WARC_MAX_FILE_SIZE=30000", "-s", "JSONL_MAX_ITEMS_PER_FILE=4")
    proc = _newsarc(s3_server, bucket, tmp_path, "--max-pages", "30", *small)
    deadline = time.monotonic() + 60
    while not s3_server.keys(bucket) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert s3_server.keys(bucket), "no file was uploaded while the crawl ran"
    s3_server.stop()
    code, output = finish(proc)
    assert code == 4, output  # storage unavailable: files wait in the spool
    assert "pending upload" in output
    spool = tmp_path / "spool"
    waiting = [
        p
        for p in spool.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.parent.name != "logs"
    ]
    assert any(p.name.endswith(".warc.gz") for p in waiting), waiting

    s3_server.start()  # same port, same bucket contents
    code, output = finish(_newsarc(s3_server, bucket, tmp_path, "--max-pages", "3"))
    assert code == 0, output
    manifests = sorted(k for k in s3_server.keys(bucket) if k.endswith("/manifest.json"))
    assert len(manifests) == 2
    first = _verify_stored_crawl(client, bucket, manifests[0], tmp_path)
    _verify_stored_crawl(client, bucket, manifests[1], tmp_path)
    assert first["counts"]["pages_fetched"] == 30
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.slow
def test_crawl_to_s3_stopped_by_max_pages_is_resumed_from_its_spool(
    tmp_path: Path, s3_server: MotoS3, demo_server: DemoServer
) -> None:
    """The ledger stays in the spool (never uploaded, never deleted); the resume finds it."""
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    spool = tmp_path / "spool"
    store = f"s3://{bucket}/runs"
    common = ["--out", store, "-s", f"NEWSARC_SPOOL_DIR={spool}", "-s", "STORE_UPLOAD_INTERVAL=0.3"]
    script = str(Path(sys.executable).with_name("newsarc"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=s3_server.env(),
            check=False,
        )

    fast = ("-s", "AUTOTHROTTLE_ENABLED=False")
    first = run("crawl", f"{demo_server.base_url}/", "--max-pages", "30", *common, *fast)
    assert first.returncode == 0, first.stdout + first.stderr
    line = next(x for x in first.stderr.splitlines() if "to fetch them: " in x)
    command = shlex.split(line.split("to fetch them: ", 1)[1])
    assert (
        command[:3] == ["newsarc", "crawl", "--resume"] and f"NEWSARC_SPOOL_DIR={spool}" in command
    )
    resumed = run(*command[1:])
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "still pending" not in resumed.stderr
    keys = s3_server.keys(bucket)
    assert not [k for k in keys if ".frontier" in k]
    manifests = sorted(k for k in keys if k.endswith("/manifest.json"))
    assert len(manifests) == 2
    second = _verify_stored_crawl(client, bucket, manifests[1], tmp_path)
    assert second["resumed_from"] == command[3]
    assert list(spool.glob(f"*/{command[3]}/.frontier.sqlite"))


def _leftover_with_a_cut_warc(crawl_dir: Path) -> tuple[Path, bytes]:
    """A finished crawl's spool directory whose closed WARC was later cut short."""
    writer = WarcFileWriter(crawl_dir / "warc", "old", 10**9, {}, cdxj_enabled=False)
    for i in range(4):
        writer.write_exchange(sample_exchange(i, f"<p>page {i}</p>".encode() * 200))
    writer.close()
    (warc,) = writer.closed_files
    write_manifest(
        crawl_dir, build_manifest(crawl_dir, crawl_id=crawl_dir.name, stats={}, config={})
    )
    cut = warc.read_bytes()[: warc.stat().st_size * 2 // 3]  # a truncated gzip member
    warc.write_bytes(cut)
    return warc, cut


def test_a_corrupt_leftover_is_quarantined_and_blocks_nothing(
    tmp_path: Path, s3_server: MotoS3
) -> None:
    bucket = s3_server.new_bucket()
    store_uri = f"s3://{bucket}/runs"
    old = spool_dir(tmp_path / "spool", store_uri) / "20260101T000000Z-old"
    warc, cut = _leftover_with_a_cut_warc(old)
    moved = old / ".quarantine" / "warc" / warc.name

    code, output = finish(_newsarc(s3_server, bucket, tmp_path, "--max-pages", "3"))
    assert code == 1, output
    (message,) = [line for line in output.splitlines() if line.startswith("newsarc: crawl failed")]
    assert str(moved) in message and "quarantine" in message, message
    assert moved.read_bytes() == cut and not warc.exists()
    keys = s3_server.keys(bucket)
    assert not any(key.endswith(warc.name) for key in keys), "a broken WARC never leaves"
    manifests = sorted(k for k in keys if k.endswith("/manifest.json"))
    assert manifests[0] == f"runs/{old.name}/manifest.json"
    old_manifest = json.loads(
        s3_server.client().get_object(Bucket=bucket, Key=manifests[0])["Body"].read()
    )
    assert [q["path"] for q in old_manifest["quarantined"]] == [f"warc/{warc.name}"]
    assert "incomplete" in old_manifest["quarantined"][0]["reason"]
    assert not old_manifest["files"]
    # The run's own crawl was stored completely, as if nothing had happened.
    assert len(manifests) == 2
    _verify_stored_crawl(s3_server.client(), bucket, manifests[1], tmp_path)

    # The next run is not blocked, and leaves the quarantined file alone: the failed run
    # already said where it is (exit 1), so repeating it every run would only be noise.
    before = moved.stat()
    code, output = finish(_newsarc(s3_server, bucket, tmp_path, "--max-pages", "3"))
    assert code == 0, output
    assert "quarantin" not in output.lower()
    after = moved.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (
        before.st_mtime_ns,
        before.st_size,
        before.st_ino,
    )
    assert len([k for k in s3_server.keys(bucket) if k.endswith("/manifest.json")]) == 3
