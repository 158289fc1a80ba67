"""``newsarc frontier status|drain|requeue|dead`` against a real redis-server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.frontier import Entry
from crawler.frontier.redis import RedisFrontier


@pytest.fixture
def crawl(redis_url: str, tmp_path: Path) -> tuple[str, RedisFrontier]:
    """A crawl ``c1`` on two hosts: a done page, a leased one, a queued one, a dead one."""
    uri = f"{redis_url}/c1"
    f = RedisFrontier.open(f"{uri}?lease=0.2&max_deliveries=1", tmp_path, "c1")
    f.seed({"start_urls": ["http://a.test/"], "crawl_id": "c1"}, start_urls=["http://a.test/"])
    for url in ("http://a.test/1", "http://a.test/2", "http://b.test/1", "http://b.test/2"):
        f.add(Entry(url))
    f.checkpoint()
    assert [lease.entry.url for lease in f.take(1)] == ["http://a.test/"]
    f.finish("http://a.test/", "done")
    f.checkpoint()
    f.take(1)  # http://a.test/1: its lease expires after its only delivery: dead
    time.sleep(0.3)
    f.requeue_expired()
    f.lease_seconds = 60
    f.take(1)  # http://a.test/2: leased
    return uri, f


def test_status_counts_states_per_host(
    crawl: tuple[str, RedisFrontier], capsys: pytest.CaptureFixture[str]
) -> None:
    uri, _ = crawl
    assert main(["frontier", "status", uri]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["host", "queued", "leased", "done", "failed", "skipped", "dead"]
    rows = {line.split()[0]: [int(n) for n in line.split()[1:]] for line in lines[1:]}
    assert rows["a.test"] == [0, 1, 1, 1, 0, 1]
    assert rows["b.test"] == [2, 0, 0, 0, 0, 0]
    assert rows["total"] == [2, 1, 1, 1, 0, 1]


def test_dead_lists_reasons_and_requeue_queues_them_again(
    crawl: tuple[str, RedisFrontier], capsys: pytest.CaptureFixture[str]
) -> None:
    uri, f = crawl
    assert main(["frontier", "dead", uri]) == 0
    out = capsys.readouterr().out
    assert out.startswith("http://a.test/1\t1 deliveries\tlease of ")
    assert "expired (delivery 1)" in out
    assert main(["frontier", "requeue", uri, "http://b.test/1"]) == 1  # not dead: named
    assert "not a dead-lettered entry: http://b.test/1" in capsys.readouterr().err
    assert main(["frontier", "requeue", uri]) == 0
    assert "requeued 1 dead-lettered entries" in capsys.readouterr().out
    assert f.state("http://a.test/1") == ("queued", None)
    assert list(f.dead_letters()) == []


def test_drain_stops_workers_taking_work_until_cancelled(
    crawl: tuple[str, RedisFrontier], capsys: pytest.CaptureFixture[str]
) -> None:
    uri, f = crawl
    assert main(["frontier", "drain", uri]) == 0
    assert "draining; 1 leased" in capsys.readouterr().out
    assert f.draining
    assert main(["frontier", "status", uri]) == 0
    assert "draining: workers take no new work" in capsys.readouterr().out
    assert main(["frontier", "drain", "--cancel", uri]) == 0
    assert not f.draining


def test_a_frontier_without_a_crawl_key_or_crawl_is_a_usage_error(
    redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["frontier", "status", redis_url]) == 2
    assert "name a shared frontier with its crawl" in capsys.readouterr().err
    assert main(["frontier", "status", f"{redis_url}/nothing-here"]) == 2
    assert "no crawl in this frontier" in capsys.readouterr().err
    assert main(["frontier", "status", "redis://127.0.0.1:1/0/c1?reconnect=0"]) == 2
    assert "cannot reach the frontier" in capsys.readouterr().err
