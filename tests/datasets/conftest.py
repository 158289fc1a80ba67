"""Fixtures for the dataset commands: a local store with four real crawls, made once.

- ``first``: the demo site with its profile, stopped by ``--max-pages`` (URLs pending);
- ``resumed``: ``newsarc crawl --resume`` of ``first`` (``resumed_from`` set);
- ``rerun``: ``first`` resumed a second time: it fetches the pages ``resumed`` fetched again (the
  at-least-once case a resumed crawl has: duplicate captures to merge);
- ``plain``: the demo site without a profile (site ``127.0.0.1``, not ``demo``).

The S3 side is moto's server (port 0); ``s3_store`` is a bucket holding copies of the same
crawls, put there through :class:`crawler.store.s3.S3Store` as the spool uploader does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.store.s3 import S3Store
from tests.archive.conftest import resume_command
from tests.conftest import run_newsarc
from tests.store.s3_server import MotoS3


@dataclass
class Crawls:
    """The store and its crawls' ids."""

    root: Path
    first: str
    resumed: str
    rerun: str
    plain: str

    @property
    def ids(self) -> list[str]:
        return [self.first, self.resumed, self.rerun, self.plain]


def _crawl(*args: str) -> tuple[str, Any]:
    fast = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARC_EXTRACT_WORKERS=0")
    run = run_newsarc("crawl", *args, *fast)
    assert run.returncode == 0, run.stderr
    crawl_id = run.stdout.split("newsarc: crawl ", 1)[1].split()[0]
    return crawl_id, run


@pytest.fixture(scope="session")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    root = tmp_path_factory.mktemp("datasets") / "store"
    with DemoServer(DemoSite()) as server:
        url = f"{server.base_url}/"
        first, run = _crawl(url, "--profile", "demo", "--max-pages", "4", "--out", str(root))
        resumed, _ = _crawl(*resume_command(run)[1:], "--max-pages", "4")
        rerun, _ = _crawl(*resume_command(run)[1:], "--max-pages", "4")
        plain, _ = _crawl(url, "--max-pages", "2", "--out", str(root))
    yield Crawls(root, first, resumed, rerun, plain)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(moto: MotoS3, monkeypatch: pytest.MonkeyPatch) -> MotoS3:
    """boto3's standard chain finds moto's server (as for a researcher with a profile)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in moto.env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    return moto


def put_crawls(moto: MotoS3, bucket: str, root: Path, ids: list[str], prefix: str = "runs") -> None:
    """Copy crawls of a local store into ``s3://bucket/prefix/`` (manifests last)."""
    store = S3Store(moto.client(), bucket, prefix)
    for crawl_id in ids:
        crawl_dir = root / crawl_id
        files = sorted(
            p
            for p in crawl_dir.rglob("*")
            if p.is_file() and not any(x.startswith(".") for x in p.relative_to(root).parts)
        )
        for path in sorted(files, key=lambda p: p.name == "manifest.json"):
            store.put(path, path.relative_to(root).as_posix())


@pytest.fixture
def s3_store(aws_env: MotoS3, crawls: Crawls) -> str:
    """A bucket of its own with copies of the four crawls; its ``s3://`` URI."""
    bucket = aws_env.new_bucket("datasets")
    put_crawls(aws_env, bucket, crawls.root, crawls.ids)
    return f"s3://{bucket}/runs"


def copy_store(crawls: Crawls, target: Path) -> Path:
    """A private copy of the local store (for tests that damage it)."""
    shutil.copytree(crawls.root, target, symlinks=True)
    return target
