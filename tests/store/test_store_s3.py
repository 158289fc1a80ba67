"""S3-specific behaviour of :class:`~crawler.store.s3.S3Store`, against moto's real server.

Multipart uploads and their SHA-256 verification, and a server that goes away in the middle of
a multipart upload: nothing appears under the key, and a later put completes and cleans up.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from crawler.exceptions import StoreError
from crawler.store.s3 import S3Store, composite_sha256
from tests.store.s3_server import MotoS3

PART = 5 * 1024 * 1024


def _bucket(client: Any) -> str:
    name = f"s3test-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=name)
    return name


def _big_file(tmp_path: Path, size: int = 2 * PART + 12345) -> Path:
    path = tmp_path / "big.warc.gz"
    path.write_bytes(os.urandom(size))
    return path


def test_multipart_upload_is_verified_and_readable(tmp_path: Path, moto_s3: MotoS3) -> None:
    client = moto_s3.client()
    bucket = _bucket(client)
    store = S3Store(client, bucket, "p", part_size=PART)
    path = _big_file(tmp_path)
    store.put(path, "c1/warc/big.warc.gz")
    head = client.head_object(Bucket=bucket, Key="p/c1/warc/big.warc.gz", ChecksumMode="ENABLED")
    composite, parts = composite_sha256(path, PART)
    assert parts == 3
    assert head["ChecksumSHA256"].partition("-")[0] == composite
    assert head["Metadata"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with store.open("c1/warc/big.warc.gz") as fh:
        assert fh.read() == path.read_bytes()
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_single_part_checksum_is_the_file_sha256(tmp_path: Path, moto_s3: MotoS3) -> None:
    client = moto_s3.client()
    bucket = _bucket(client)
    path = tmp_path / "small"
    path.write_bytes(b"small file")
    S3Store(client, bucket).put(path, "k")
    head = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert (
        head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"small file").digest()).decode()
    )


def test_server_stopped_mid_multipart(tmp_path: Path) -> None:
    server = MotoS3().start()
    try:
        client = server.client()
        bucket = _bucket(client)
        store = S3Store(client, bucket, part_size=PART)
        path = _big_file(tmp_path)
        stopped: list[bool] = []

        def stop_after_first_part(**_kwargs: Any) -> None:
            if not stopped:
                stopped.append(True)
                server.stop()

        client.meta.events.register("after-call.s3.UploadPart", stop_after_first_part)
        with pytest.raises(StoreError, match="cannot upload"):
            store.put(path, "c1/warc/big.warc.gz")
        assert stopped
        client.meta.events.unregister("after-call.s3.UploadPart", stop_after_first_part)

        server.start()  # same port, same buckets
        assert not store.exists("c1/warc/big.warc.gz")  # nothing under the final key
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads")  # the torn upload
        store.put(path, "c1/warc/big.warc.gz")
        with store.open("c1/warc/big.warc.gz") as fh:
            assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(path.read_bytes()).digest()
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    finally:
        server.stop()


def test_store_down_is_a_store_error(tmp_path: Path) -> None:
    server = MotoS3().start()
    client = server.client()
    bucket = _bucket(client)
    server.stop()
    path = tmp_path / "f"
    path.write_bytes(b"x")
    store = S3Store(client, bucket)
    with pytest.raises(StoreError):
        store.put(path, "k")
    with pytest.raises(StoreError):
        store.list()
