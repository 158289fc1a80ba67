"""Shared fixtures: run the real ``newsarc`` command and read what a crawl wrote."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import REDIS_SERVER, RedisServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BENCHMARK_DIR = SHARED / "benchmarks" / "article-extraction"


@dataclass
class Run:
    """A finished ``newsarc`` process."""

    returncode: int
    stdout: str
    stderr: str

    def crawl_dir(self, out: Path) -> Path:
        dirs = [p for p in out.iterdir() if p.is_dir()]
        assert len(dirs) == 1, f"expected one crawl directory in {out}, found {dirs}"
        return dirs[0]


def run_newsarc(*args: str, timeout: float = 180, cwd: Path | None = None) -> Run:
    """Run the installed console script (not an in-process call: Twisted's reactor runs once)."""
    script = Path(sys.executable).with_name("newsarc")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "crawler.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    proc = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=env,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def read_jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(paths):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            items.extend(json.loads(line) for line in handle if line.strip())
    return items


def crawl_items(crawl_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Articles and headlines a crawl wrote."""
    items_dir = crawl_dir / "items"
    return (
        read_jsonl(list(items_dir.glob("articles-*.jsonl.gz"))),
        read_jsonl(list(items_dir.glob("headlines-*.jsonl.gz"))),
    )


@pytest.fixture
def benchmark_dir() -> Path:
    if not (BENCHMARK_DIR / "ground-truth.json").exists():
        pytest.skip(f"benchmark pages not found at {BENCHMARK_DIR}")
    return BENCHMARK_DIR


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real ``redis-server`` for the session (127.0.0.1, a free port), always stopped."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (make install-redis)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test: ``redis://127.0.0.1:PORT/0``."""
    client = redis_server.client()
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url
