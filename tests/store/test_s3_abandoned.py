"""A multipart upload abandoned by a killed uploader (RELIABILITY.md §3, F14), against moto.

An uploader process starts a multipart upload, sends a part and is killed (``SIGKILL``, so
s3transfer's own abort never runs): the parts stay on the server, invisible to a listing. The
next upload pass that meets the dead crawl in the spool aborts the unfinished uploads of that
crawl's keys, and only those: the running crawl's and other crawls' (another machine's) are
left alone.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from crawler.demo.server import Route, SiteServer
from crawler.spool import Spool
from crawler.store.s3 import S3Store
from tests.conftest import ROOT
from tests.store.s3_server import MotoS3

_KILLED_UPLOADER = """
import os, signal, sys
from tests.store.s3_server import MotoS3
server = MotoS3()
server.port = int(sys.argv[1])
client = server.client()
bucket, key = sys.argv[2], sys.argv[3]
upload = client.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")
client.upload_part(
    Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1,
    Body=os.urandom(5 * 1024 * 1024), ChecksumAlgorithm="SHA256",
)
os.kill(os.getpid(), signal.SIGKILL)  # mid-upload: no abort, no complete
"""


def _killed_uploader(server: MotoS3, bucket: str, key: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_UPLOADER, str(server.port), bucket, key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def _unfinished(server: MotoS3, bucket: str) -> set[str]:
    listing = server.client().list_multipart_uploads(Bucket=bucket)
    return {upload["Key"] for upload in listing.get("Uploads", [])}


def test_uploads_left_by_a_killed_uploader_are_aborted_by_the_next_pass(
    tmp_path: Path, moto_s3: MotoS3
) -> None:
    bucket = moto_s3.new_bucket("abandoned")
    dead, running, elsewhere = (f"20260101T00000{i}Z-site-{secrets.token_hex(2)}" for i in range(3))
    spool_root = tmp_path / "spool"
    (spool_root / dead / "warc").mkdir(parents=True)  # its file went to quarantine, say
    (spool_root / running).mkdir()
    keys = {name: f"runs/{name}/warc/newsarc-1.warc.gz" for name in (dead, running, elsewhere)}
    for key in keys.values():
        _killed_uploader(moto_s3, bucket, key)
    assert _unfinished(moto_s3, bucket) == set(keys.values())

    store = S3Store(moto_s3.client(), bucket, "runs")
    spool = Spool(spool_root, store, own_crawl=running)
    result = spool.upload_ready()
    assert result.aborted == [f"{dead}/warc/newsarc-1.warc.gz"]
    assert _unfinished(moto_s3, bucket) == {keys[running], keys[elsewhere]}
    # Once per crawl: a later pass does not list the dead crawl's uploads again.
    _killed_uploader(moto_s3, bucket, keys[dead])
    assert spool.upload_ready().aborted == []


def test_a_killed_upload_of_a_file_still_spooled_is_redone_and_cleaned_up(
    tmp_path: Path, moto_s3: MotoS3
) -> None:
    bucket = moto_s3.new_bucket("abandoned")
    crawl = f"20260101T000000Z-site-{secrets.token_hex(2)}"
    log = tmp_path / "spool" / crawl / "logs" / "crawl.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(os.urandom(6 * 1024 * 1024))  # a log: uploaded as it is, kept locally
    _killed_uploader(moto_s3, bucket, f"runs/{crawl}/logs/crawl.log")

    store = S3Store(moto_s3.client(), bucket, "runs")
    result = Spool(tmp_path / "spool", store, own_crawl="this-run").upload_ready(final=True)
    assert result.failed == [] and result.uploaded == 1
    assert result.aborted == [f"{crawl}/logs/crawl.log"]
    assert _unfinished(moto_s3, bucket) == set()
    stored = moto_s3.client().get_object(Bucket=bucket, Key=f"runs/{crawl}/logs/crawl.log")
    assert stored["Body"].read() == log.read_bytes()


def _abort_rule(prefix: str, status: str = "Enabled") -> dict[str, object]:
    return {
        "ID": f"abort-{prefix or 'all'}",
        "Status": status,
        "Filter": {"Prefix": prefix},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    }


def test_a_bucket_without_an_abort_incomplete_uploads_rule_is_named(moto_s3: MotoS3) -> None:
    """RELIABILITY.md F14: the bucket lifecycle must have an ``AbortIncompleteMultipartUpload``
    rule covering the store's prefix (what a killed uploader leaves when its spool is gone)."""
    bucket = moto_s3.new_bucket("lifecycle")
    store = S3Store(moto_s3.client(), bucket, "runs")
    problem = store.lifecycle_problem()
    assert problem is not None and "AbortIncompleteMultipartUpload" in problem, problem
    assert f"s3://{bucket}/runs/" in problem
    client = moto_s3.client()
    expire_only = {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "runs/"}}
    for rules, ok in (
        ([_abort_rule("other/")], False),  # covers another prefix only
        ([_abort_rule("runs/", status="Disabled")], False),
        ([{**expire_only, "Expiration": {"Days": 30}}], False),  # no abort action
        ([_abort_rule("runs/")], True),
        ([_abort_rule("")], True),  # the whole bucket
    ):
        client.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": rules}
        )
        assert (store.lifecycle_problem() is None) is ok, rules


def test_a_crawl_to_a_bucket_without_the_rule_warns(tmp_path: Path, moto_s3: MotoS3) -> None:
    bucket = moto_s3.new_bucket("lifecycle-crawl")
    routes = {"/robots.txt": Route.text("User-agent: *\n"), "/": Route.html("<p>home</p>")}
    script = Path(sys.executable).with_name("newsarc")
    with SiteServer(routes) as site:
        run = subprocess.run(
            [
                str(script), "crawl", site.url("/"), "--out", f"s3://{bucket}/runs",
                "-s", f"NEWSARC_SPOOL_DIR={tmp_path / 'spool'}",
            ],
            capture_output=True, text=True, cwd=ROOT, env=moto_s3.env(), timeout=120,
            check=False,
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    logs = [k for k in moto_s3.keys(bucket) if k.endswith("logs/crawl.log")]
    assert logs, moto_s3.keys(bucket)
    log = moto_s3.client().get_object(Bucket=bucket, Key=logs[0])["Body"].read().decode()
    assert "no enabled AbortIncompleteMultipartUpload lifecycle rule" in log
    assert "'store/lifecycle_rule_missing': 1" in log
