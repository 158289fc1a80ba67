"""The spool of a remote store: where a crawl writes, and what the uploader sends, in order."""

from __future__ import annotations

import errno
import gzip
import json
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler import spool as spool_module
from crawler.crawlinfo import CrawlInfo, spool_dir
from crawler.manifest import (
    MANIFEST_NAME,
    STORED_LEDGER,
    build_manifest,
    mark_shared,
    worker_manifest,
    write_manifest,
)
from crawler.spool import COMPLETE_MARKER, Spool
from crawler.store.s3 import S3Store
from tests.store.s3_server import MotoS3


def _new_bucket(moto_s3: MotoS3) -> tuple[Any, str]:
    """A client of the S3 server and a bucket of its own for one test."""
    client = moto_s3.client()
    bucket = f"spool-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def test_remote_store_crawls_into_its_spool(tmp_path: Path) -> None:
    settings = {
        "NEWSARC_CRAWL_ID": "c1",
        "NEWSARC_STORE_URI": "s3://bucket/runs",
        "NEWSARC_SPOOL_DIR": str(tmp_path),
    }
    info = CrawlInfo.from_crawler(get_crawler(settings_dict=settings))
    assert info.remote
    assert info.local_root == spool_dir(tmp_path, "s3://bucket/runs")
    assert info.work_dir == info.local_root / "c1"
    assert spool_dir(tmp_path, "s3://bucket/other") != info.local_root


def test_leftovers_first_manifest_last_then_complete(tmp_path: Path, moto_s3: MotoS3) -> None:
    client, bucket = _new_bucket(moto_s3)
    root = tmp_path / "spool"
    old = root / "old-crawl"
    (old / "warc").mkdir(parents=True)
    (old / "warc" / "a.warc.gz").write_bytes(gzip.compress(b"WARC/1.1\r\n\r\n"))
    (old / "items").mkdir()
    (old / "items" / "articles-00000.jsonl.gz.tmp").write_bytes(b"in progress")
    write_manifest(old, build_manifest(old, crawl_id="old-crawl", stats={}, config={}))
    spool = Spool(root, S3Store(client, bucket, "p"), own_crawl="new-crawl")
    (root / "new-crawl" / "items").mkdir(parents=True)
    (root / "new-crawl" / "items" / "headlines-00000.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))

    result = spool.upload_ready()
    assert result.failed == []
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == [
        "p/new-crawl/items/headlines-00000.jsonl.gz",
        "p/old-crawl/manifest.json",
        "p/old-crawl/warc/a.warc.gz",
    ]
    assert (old / COMPLETE_MARKER).exists() and not (old / "warc" / "a.warc.gz").exists()
    ledger = [json.loads(line) for line in (old / STORED_LEDGER).read_text().splitlines()]
    assert [entry["path"] for entry in ledger] == ["warc/a.warc.gz"]
    # The current crawl's manifest waits for the final pass.
    write_manifest(root / "new-crawl", {"crawl_id": "new-crawl"})
    assert spool.upload_ready().uploaded == 0
    assert spool.upload_ready(final=True).pending == 0
    assert client.head_object(Bucket=bucket, Key="p/new-crawl/manifest.json")


def _old_crawl_with(root: Path, files: dict[str, bytes]) -> Path:
    """A finished crawl's spool directory (manifest written) holding ``files``."""
    old = root / "old-crawl"
    for rel, data in files.items():
        (old / rel).parent.mkdir(parents=True, exist_ok=True)
        (old / rel).write_bytes(data)
    write_manifest(old, build_manifest(old, crawl_id="old-crawl", stats={}, config={}))
    return old


def test_a_file_failing_verification_is_quarantined_and_the_rest_uploaded(
    tmp_path: Path, moto_s3: MotoS3
) -> None:
    client, bucket = _new_bucket(moto_s3)
    root = tmp_path / "spool"
    lines = gzip.compress(b'{"a": 1}\n' * 50)
    old = _old_crawl_with(
        root,
        {
            "items/articles-00000.jsonl.gz": lines,
            "items/headlines-00000.jsonl.gz": gzip.compress(b"{}\n"),
            "warc/a.warc.gz": gzip.compress(b"WARC/1.1\r\n\r\n"),
        },
    )
    # Damaged after the manifest was written: cut short (a copy that did not finish).
    (old / "items" / "articles-00000.jsonl.gz").write_bytes(lines[: len(lines) // 2])
    spool = Spool(root, S3Store(client, bucket, "p"), own_crawl="new-crawl")

    result = spool.upload_ready()
    assert result.failed == [] and not result.store_down
    moved = old / ".quarantine" / "items" / "articles-00000.jsonl.gz"
    assert [(p, "gzip" in why) for p, why in result.quarantined] == [(moved, True)]
    assert moved.read_bytes() == lines[: len(lines) // 2]
    note = json.loads(moved.with_name(moved.name + ".reason.json").read_text())
    assert note["path"] == "items/articles-00000.jsonl.gz"
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [
        "p/old-crawl/items/headlines-00000.jsonl.gz",
        "p/old-crawl/manifest.json",
        "p/old-crawl/warc/a.warc.gz",
    ]
    manifest = json.loads(client.get_object(Bucket=bucket, Key=keys[1])["Body"].read())
    assert [f["path"] for f in manifest["files"]] == [
        "items/headlines-00000.jsonl.gz",
        "warc/a.warc.gz",
    ]
    assert [q["path"] for q in manifest["quarantined"]] == ["items/articles-00000.jsonl.gz"]
    assert (old / COMPLETE_MARKER).exists()
    # Nothing is left to do, and the quarantined file is not looked at again.
    again = spool.upload_ready(final=True)
    assert (again.uploaded, again.quarantined, again.pending) == (0, [], 0)
    assert moved.exists()


def test_a_store_error_never_quarantines_a_file(tmp_path: Path, moto_s3: MotoS3) -> None:
    root = tmp_path / "spool"
    warc = gzip.compress(b"WARC/1.1\r\n\r\n")
    old = _old_crawl_with(root, {"warc/a.warc.gz": warc, "warc/b.warc.gz": warc})
    missing_bucket = f"spool-missing-{secrets.token_hex(4)}"  # every put fails: NoSuchBucket
    spool = Spool(root, S3Store(moto_s3.client(), missing_bucket, "p"), own_crawl="new-crawl")
    result = spool.upload_ready(final=True)
    assert result.store_down and result.quarantined == []
    assert len(result.failed) == 1, "the pass stops at the first store error"
    assert (old / "warc" / "a.warc.gz").read_bytes() == warc
    assert (old / "warc" / "b.warc.gz").read_bytes() == warc
    assert not (old / ".quarantine").exists()
    assert result.pending == 3  # two WARCs and the manifest


def test_the_index_of_a_warc_that_could_not_be_read_is_not_stored_without_it(
    tmp_path: Path, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An I/O error reading a WARC (the disk, not the file) keeps it in the spool for the next
    # run; its .cdxj must wait with it, or the store would hold an index of a missing file.
    client, bucket = _new_bucket(moto_s3)
    root = tmp_path / "spool"
    warc = gzip.compress(b"WARC/1.1\r\n\r\n")
    old = _old_crawl_with(
        root,
        {"warc/a.warc.gz": warc, "warc/a.cdxj": b"x 1 {}\n", "warc/b.warc.gz": warc},
    )
    real = spool_module.describe_file

    def flaky_disk(path: Path, rel: str, **kwargs: object) -> dict[str, object]:
        if path.name == "a.warc.gz":
            raise OSError(errno.EIO, "Input/output error")
        return real(path, rel, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(spool_module, "describe_file", flaky_disk)
    spool = Spool(root, S3Store(client, bucket, "p"), own_crawl="new-crawl")
    result = spool.upload_ready(final=True)
    assert [key for key, _ in result.failed] == ["old-crawl/warc/a.warc.gz"]
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["p/old-crawl/warc/b.warc.gz"]  # no index, no manifest: the crawl waits
    assert (old / "warc" / "a.warc.gz").exists() and (old / "warc" / "a.cdxj").exists()
    monkeypatch.setattr(spool_module, "describe_file", real)
    again = spool.upload_ready(final=True)
    assert again.failed == [] and again.pending == 0
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert "p/old-crawl/warc/a.cdxj" in keys and "p/old-crawl/manifest.json" in keys


def test_a_shared_crawls_worker_manifests_go_after_their_files_and_it_is_never_marked_complete(
    tmp_path: Path, moto_s3: MotoS3
) -> None:
    client, bucket = _new_bucket(moto_s3)
    root = tmp_path / "spool"
    crawl = root / "shared"
    (crawl / "items").mkdir(parents=True)
    mark_shared(crawl)
    (crawl / "items" / "articles-a-00000.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    # Another worker of the crawl, on this machine, still writes its file.
    (crawl / "items" / "articles-b-00000.jsonl.gz.tmp").write_bytes(b"in progress")
    manifest = build_manifest(crawl, crawl_id="shared", stats={}, config={}, worker="a")
    write_manifest(crawl, manifest, worker_manifest("a"))
    assert [e["path"] for e in manifest["files"]] == ["items/articles-a-00000.jsonl.gz"]
    order: list[str] = []
    spool = Spool(
        root,
        S3Store(client, bucket, "p"),
        own_crawl="shared",
        on_stored=lambda key, **_: order.append(key),
    )
    assert spool.upload_ready().uploaded == 1  # not the worker's manifest before the last pass
    assert spool.upload_ready(final=True).failed == []
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"p/shared/items/articles-a-00000.jsonl.gz", "p/shared/manifests/a.json"}
    assert order == ["shared/items/articles-a-00000.jsonl.gz", "shared/manifests/a.json"]
    assert not (crawl / MANIFEST_NAME).exists()
    assert not (crawl / COMPLETE_MARKER).exists()  # worker b still writes here
    # Once no worker of it runs (another run finds it unlocked) and all is sent: complete.
    (crawl / "items" / "articles-b-00000.jsonl.gz.tmp").rename(
        crawl / "items" / "articles-b-00000.jsonl.gz"
    )
    (crawl / "items" / "articles-b-00000.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    later = Spool(root, S3Store(client, bucket, "p"), own_crawl="next-crawl")
    assert later.upload_ready().failed == []
    assert (crawl / COMPLETE_MARKER).exists()


@pytest.mark.parametrize("planted", ["writable", "foreign", "symlink"])
def test_a_leftover_another_user_could_have_written_is_quarantined_not_uploaded(
    tmp_path: Path, moto_s3: MotoS3, planted: str
) -> None:
    """B12, the files inside a crawl directory: a spool's leftover crawl is uploaded as this
    crawler's own, so a file in it that another user owns, may write, or a symlink (newsarc
    makes none) is quarantined instead, named; the others go up. With
    ``NEWSARC_ALLOW_SHARED_DIRS`` (``allow_shared``) it is uploaded."""
    client, bucket = _new_bucket(moto_s3)
    root = tmp_path / "spool"
    old = root / "old-crawl"
    (old / "warc").mkdir(parents=True)
    good = old / "warc" / "a.warc.gz"
    good.write_bytes(gzip.compress(b"WARC/1.1\r\n\r\n"))
    bad = old / "warc" / "b.warc.gz"
    outside = tmp_path / "outside.warc.gz"
    outside.write_bytes(gzip.compress(b"WARC/1.1\r\n\r\n"))
    if planted == "symlink":
        bad.symlink_to(outside)
        why = "is a symlink"
    else:
        bad.write_bytes(gzip.compress(b"WARC/1.1\r\n\r\n"))
        if planted == "writable":
            bad.chmod(0o666)
            why = "is writable by its group and others (mode 0666)"
        else:
            os.chown(bad, 54321, -1)
            why = "belongs to another user (uid 54321)"
    spool = Spool(root, S3Store(client, bucket, "p"), own_crawl="new-crawl")
    result = spool.upload_ready()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "p/old-crawl/warc/a.warc.gz" in keys and "p/old-crawl/warc/b.warc.gz" not in keys
    ((target, reason),) = result.quarantined
    assert why in reason and "another user could have written it" in reason, reason
    assert not bad.is_symlink() and not bad.exists() and Path(target).name.startswith("b.warc.gz")
    assert outside.exists()
    # Accepted with the opt-out: the same file goes up.
    Path(target).rename(bad)
    shared = Spool(root, S3Store(client, bucket, "q"), own_crawl="new-crawl", allow_shared=True)
    shared.upload_ready()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "q/old-crawl/warc/b.warc.gz" in keys
