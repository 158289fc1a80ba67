"""Store contract tests, run against every store implementation (local and S3 on moto)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.exceptions import ConfigError, StoreError
from crawler.store import LocalStore, S3Store, Store, open_store
from tests.store.s3_server import MotoS3

StoreFactory = Callable[[Path], Store]


@pytest.fixture(params=["local", "s3"])
def make_store(request: pytest.FixtureRequest) -> StoreFactory:
    if request.param == "local":
        return lambda root: LocalStore(root / "store")
    moto_s3: MotoS3 = request.getfixturevalue("moto_s3")
    client = moto_s3.client()

    def make(_root: Path) -> Store:
        bucket = f"contract-{secrets.token_hex(4)}"
        client.create_bucket(Bucket=bucket)
        return S3Store(client, bucket, "some/prefix")

    return make


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_put_open_list_exists(tmp_path: Path, make_store: StoreFactory) -> None:
    store = make_store(tmp_path)
    assert isinstance(store, Store)
    assert store.list() == []
    store.put(_file(tmp_path, "a", b"alpha"), "crawl-1/warc/a.warc.gz")
    store.put(_file(tmp_path, "b", b"beta"), "crawl-1/items/articles-00000.jsonl.gz")
    store.put(_file(tmp_path, "c", b"gamma"), "crawl-2/manifest.json")
    assert store.exists("crawl-1/warc/a.warc.gz")
    assert not store.exists("crawl-1/warc/missing.warc.gz")
    with store.open("crawl-1/warc/a.warc.gz") as fh:
        assert fh.read() == b"alpha"
    assert store.list("crawl-1/") == [
        "crawl-1/items/articles-00000.jsonl.gz",
        "crawl-1/warc/a.warc.gz",
    ]
    assert len(store.list()) == 3
    with pytest.raises(FileNotFoundError):
        store.open("crawl-1/nope")


def test_put_overwrites_atomically(tmp_path: Path, make_store: StoreFactory) -> None:
    store = make_store(tmp_path)
    store.put(_file(tmp_path, "a", b"one"), "k/x")
    store.put(_file(tmp_path, "a", b"two"), "k/x")
    with store.open("k/x") as fh:
        assert fh.read() == b"two"
    assert store.list() == ["k/x"]  # no temporary files left behind


@pytest.mark.parametrize(
    "key",
    ["../x", "/abs/x", "a/../../b", "a\\..\\b", "x\0y", "", "a//b", "./a", "a/.", "C:/x"],
)
def test_unsafe_keys_rejected(tmp_path: Path, make_store: StoreFactory, key: str) -> None:
    store = make_store(tmp_path)
    src = _file(tmp_path, "a", b"data")
    with pytest.raises(StoreError):
        store.put(src, key)
    with pytest.raises(StoreError):
        store.exists(key)
    assert not (tmp_path / "x").exists() and not (tmp_path / "b").exists()


def test_unwritable_root(tmp_path: Path) -> None:
    blocker = _file(tmp_path, "blocker", b"not a directory")
    store = LocalStore(blocker / "store")
    with pytest.raises(StoreError, match="blocker"):
        store.put(_file(tmp_path, "a", b"data"), "k/x")


def test_local_put_in_place_is_a_check(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    path = tmp_path / "crawl" / "warc" / "f.warc.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    store.put(path, "crawl/warc/f.warc.gz")
    assert store.list() == ["crawl/warc/f.warc.gz"]
    (tmp_path / "crawl" / "warc" / "g.warc.gz.open").write_bytes(b"y")
    assert store.list() == ["crawl/warc/f.warc.gz"]  # in-progress files are not keys
    assert not store.exists("crawl/warc/g.warc.gz.open")


def test_open_store_schemes(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    store = open_store(f"file://{tmp_path}")
    assert isinstance(store, LocalStore) and store.root == tmp_path
    s3 = open_store("s3://bucket/prefix")
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("bucket", "prefix/")
    with pytest.raises(ConfigError, match="bucket"):
        open_store("s3://b/prefix")
    with pytest.raises(ConfigError, match="unsupported scheme"):
        open_store("ftp://host/x")
