"""The Redis frontier beyond the backend contract: leases (take, renew, expiry, release,
dead letters), many owners at once, its JSON records, its URI, and a server that goes away —
all against a real redis-server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from crawler.frontier import Entry, open_backend
from crawler.frontier.base import redacted
from crawler.frontier.redis import RedisFrontier
from tests.redis_server import REDIS_SERVER, RedisServer

Factory = Callable[..., RedisFrontier]


@pytest.fixture
def frontier(redis_url: str, tmp_path: Path) -> Iterator[Factory]:
    """``frontier(owner, lease=…, max_deliveries=…)``: one owner of the crawl ``c1``."""
    opened: list[RedisFrontier] = []

    def make(owner: str = "w1", lease: float = 30.0, max_deliveries: int = 3) -> RedisFrontier:
        f = RedisFrontier.open(
            f"{redis_url}/c1?lease={lease}&max_deliveries={max_deliveries}", tmp_path, "c1"
        )
        f.owner = owner
        opened.append(f)
        return f

    yield make
    for f in opened:
        f.close()


def _queue(f: RedisFrontier, *urls: str, priority: int = 0) -> None:
    for url in urls:
        f.add(Entry(url, priority=priority))
    f.checkpoint()


def _wait_past(expires: float) -> None:
    """Sleep until Redis's clock (which the lease uses) is past ``expires``."""
    time.sleep(max(0.0, expires - time.time()) + 0.05)


def test_take_leases_queued_entries_in_order_to_one_owner(frontier: Factory) -> None:
    a, b = frontier("a"), frontier("b")
    _queue(a, "http://s/1", "http://s/2", "http://s/3")
    _queue(a, "http://s/0", priority=5)
    taken = a.take(2)
    assert [lease.entry for lease in taken] == [
        Entry("http://s/0", priority=5),
        Entry("http://s/1"),
    ]
    assert all(lease.deliveries == 1 and lease.expires > time.time() + 20 for lease in taken)
    assert [lease.entry.url for lease in b.take(10)] == ["http://s/2", "http://s/3"]
    assert b.take(10) == []
    counts = a.counts()
    assert (counts["queued"], counts["leased"]) == (0, 4)
    assert a.state("http://s/1") == ("leased", None)
    assert list(a.pending()) == []  # leased entries are not pending
    assert a.leased == {"http://s/0", "http://s/1"}
    record = a.record("http://s/1")
    assert record is not None and record["owner"] == "a" and record["deliveries"] == 1


def test_owners_taking_at_once_never_get_the_same_entry(frontier: Factory) -> None:
    seeder = frontier("seed")
    urls = [f"http://s/{i}" for i in range(600)]
    _queue(seeder, *urls)
    owners = [frontier(f"w{i}") for i in range(4)]
    got: dict[str, list[str]] = {o.owner: [] for o in owners}

    def work(owner: RedisFrontier) -> None:
        while taken := owner.take(7):
            got[owner.owner].extend(lease.entry.url for lease in taken)

    threads = [threading.Thread(target=work, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    every = [url for urls_of in got.values() for url in urls_of]
    assert sorted(every) == sorted(urls)  # each entry once, none lost
    assert seeder.counts()["leased"] == 600


def test_a_leased_entry_is_done_only_at_the_checkpoint(frontier: Factory) -> None:
    f = frontier()
    _queue(f, "http://s/a")
    (lease,) = f.take(1)
    f.finish(lease.entry.url, "done")
    f.add(Entry("http://s/a/link"))
    assert f.state("http://s/a") == ("leased", None)  # the archive is not durable yet
    f.checkpoint()
    assert f.state("http://s/a") == ("done", None)
    assert f.leased == set()
    assert f.counts()["leased"] == 0
    assert f.renew(["http://s/a"])[1] == {"http://s/a"}  # no lease left to renew
    assert [lease.entry.url for lease in f.take(5)] == ["http://s/a/link"]


def test_an_expired_lease_returns_the_entry_to_the_queue(frontier: Factory) -> None:
    dying, other = frontier("dying", lease=0.2), frontier("other", lease=30)
    _queue(dying, "http://s/a", "http://s/b")
    taken = dying.take(1)
    assert other.take(0) == [] and dying.counts()["leased"] == 1
    _wait_past(taken[0].expires)
    again = other.take(5)  # the expired lease is requeued first, in its old place
    assert [lease.entry.url for lease in again] == ["http://s/a", "http://s/b"]
    assert again[0].deliveries == 2
    record = other.record("http://s/a")
    assert record is not None
    assert record["owner"] == "other"
    assert record["reasons"] == ["lease of dying expired (delivery 1)"]
    _, lost = dying.renew()
    assert lost == {"http://s/a"}  # the dying owner learns the work is no longer its


def test_renewing_keeps_a_lease_past_its_first_expiry(frontier: Factory) -> None:
    owner, other = frontier("owner", lease=0.4), frontier("other")
    _queue(owner, "http://s/a")
    (lease,) = owner.take(1)
    time.sleep(0.25)
    expires, lost = owner.renew()
    assert lost == set() and expires > lease.expires
    _wait_past(lease.expires)  # the first expiry has passed; the renewed one has not
    assert other.take(1) == []
    assert owner.requeue_expired() == (0, 0)
    assert owner.state("http://s/a") == ("leased", None)


def test_an_entry_delivered_too_often_goes_to_the_dead_letters(frontier: Factory) -> None:
    f = frontier("w", lease=0.15, max_deliveries=2)
    _queue(f, "http://s/poison", "http://s/ok")
    for delivery in (1, 2):
        taken = f.take(1)
        assert [(t.entry.url, t.deliveries) for t in taken] == [("http://s/poison", delivery)]
        _wait_past(taken[0].expires)
    assert f.requeue_expired() == (0, 1)
    state, reason = f.state("http://s/poison") or ("", "")
    assert state == "failed" and reason is not None and "dead letter" in reason
    (dead,) = f.dead_letters()
    assert dead.url == "http://s/poison" and dead.deliveries == 2
    assert dead.reasons == ["lease of w expired (delivery 1)", "lease of w expired (delivery 2)"]
    assert [t.entry.url for t in f.take(5)] == ["http://s/ok"]  # the poison is not queued
    counts = f.counts()
    assert (counts["failed"], counts["leased"], counts["queued"]) == (1, 1, 0)
    assert f.requeue_dead("http://s/poison")
    assert not f.requeue_dead("http://s/poison")
    assert list(f.dead_letters()) == []
    assert [(t.entry.url, t.deliveries) for t in f.take(5)] == [("http://s/poison", 1)]


def test_released_leases_go_back_in_their_place_without_counting(frontier: Factory) -> None:
    stopping, other = frontier("stopping"), frontier("other")
    _queue(stopping, "http://s/1", "http://s/2", "http://s/3")
    assert len(stopping.take(2)) == 2
    assert other.release(["http://s/1"]) == 0  # not its lease: nothing happens
    assert stopping.release(reason="SIGTERM") == 2
    assert stopping.leased == set()
    again = other.take(3)
    assert [(t.entry.url, t.deliveries) for t in again] == [
        ("http://s/1", 1),
        ("http://s/2", 1),
        ("http://s/3", 1),
    ]
    record = other.record("http://s/1")
    assert record is not None and record["reasons"] == ["released by stopping: SIGTERM"]


def test_the_first_final_outcome_wins_after_a_lease_expired(frontier: Factory) -> None:
    slow, other = frontier("slow", lease=0.15), frontier("other")
    _queue(slow, "http://s/a")
    (lease,) = slow.take(1)
    _wait_past(lease.expires)
    assert len(other.take(1)) == 1  # fetched a second time: only after the lease expired
    slow.finish("http://s/a", "done")  # the slow owner made its copy durable after all
    slow.checkpoint()
    assert other.state("http://s/a") == ("done", None)
    assert other.renew()[1] == {"http://s/a"}
    other.finish("http://s/a", "failed", "timeout")
    other.checkpoint()
    assert other.state("http://s/a") == ("done", None)
    counts = other.counts()
    assert (counts["done"], counts["failed"], counts["leased"]) == (1, 0, 0)


def test_records_are_versioned_json(frontier: Factory, redis_server: RedisServer) -> None:
    f = frontier()
    _queue(f, "http://s/a")
    client = redis_server.client()
    try:
        key = "newsarc:frontier:{c1}:url"
        record = json.loads(client.hget(key, "http://s/a") or b"")
        assert record["v"] == 1 and record["state"] == "queued" and record["kind"] == "page"
        client.hset(key, "http://s/a", json.dumps({**record, "v": 2}))
    finally:
        client.close()
    with pytest.raises(OSError, match="version 2"):
        f.state("http://s/a")
    with pytest.raises(OSError, match="version 2"):
        f.take(1)


def test_the_uri_names_the_server_database_crawl_and_lease(redis_url: str, tmp_path: Path) -> None:
    own = open_backend(redis_url, tmp_path / "crawl-a", "crawl-a")
    shared = [open_backend(f"{redis_url}/big-crawl", tmp_path / name) for name in ("x", "y")]
    other_db = open_backend(redis_url[:-1] + "1/big-crawl", tmp_path / "x")
    try:
        shared[0].add(Entry("http://s/a"))
        shared[0].checkpoint()
        assert list(shared[1].urls()) == ["http://s/a"]  # the same crawl key: the same frontier
        assert list(own.urls()) == [] and list(other_db.urls()) == []
        assert isinstance(own, RedisFrontier) and own.crawl_key == "crawl-a"
    finally:
        for f in (own, *shared, other_db):
            f.close()
    f = RedisFrontier.open(f"{redis_url}/k?lease=2.5&max_deliveries=7", tmp_path)
    assert (f.lease_seconds, f.max_deliveries) == (2.5, 7)
    f.close()
    for bad in ("redis:///0", f"{redis_url}/a/b", redis_url[:-1] + "x", f"{redis_url}/k?lease=x"):
        with pytest.raises(ValueError, match="FRONTIER_URI"):
            RedisFrontier.open(bad, tmp_path)


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_a_server_that_goes_away_keeps_the_batches_until_it_is_back(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    try:
        f = RedisFrontier.open(server.url + "/c1?reconnect=0", tmp_path)
        _queue(f, "http://s/a")
        f.finish("http://s/a", "done")
        f.add(Entry("http://s/b"))
        server.stop()
        with pytest.raises(OSError, match="cannot run checkpoint on Redis"):
            f.checkpoint()
        assert f.dirty
        server.start()  # the same port, its AOF replayed
        f.checkpoint()
        assert not f.dirty
        assert f.state("http://s/a") == ("done", None)
        assert [e.url for e in f.pending()] == ["http://s/b"]
        f.close()
    finally:
        server.stop()


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_a_server_out_of_memory_is_a_frontier_error_not_a_silent_loss(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        client = server.client()
        used = int(client.info("memory")["used_memory"])
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", str(used + 200_000))
        client.close()
        f = RedisFrontier.open(server.url + "/c1", tmp_path)
        with pytest.raises(OSError, match="maxmemory"):
            for i in range(100):
                for j in range(200):
                    f.add(Entry(f"http://s/{i}/{j}/" + "x" * 100))
                f.checkpoint()
        assert f.dirty  # the batch that did not fit is kept
        committed = len(list(f.urls()))
        assert committed % 200 == 0  # whole checkpoints only: the failed one wrote nothing
        assert f.counts()["queued"] == committed == len(list(f.pending()))
        f.close()
    finally:
        server.stop()


def test_an_unreachable_server_is_a_frontier_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="cannot connect to Redis"):
        RedisFrontier.open("redis://127.0.0.1:1/0?reconnect=0", tmp_path)
    with pytest.raises(OSError):
        RedisFrontier.exists("redis://127.0.0.1:1/0?reconnect=0", tmp_path)
    with pytest.raises(ValueError, match="reconnect"):
        RedisFrontier.open("redis://127.0.0.1:1/0?reconnect=-1", tmp_path)
    assert issubclass(redis.ConnectionError, redis.RedisError)


def test_messages_never_show_the_redis_password(tmp_path: Path) -> None:
    assert redacted("redis://u:s3cret@h:1/0/k") == "redis://u:***@h:1/0/k"
    assert redacted("redis://:s3cret@h:1/0") == "redis://:***@h:1/0"
    assert redacted("redis://h:1/0") == "redis://h:1/0"
    for uri in ("redis://:s3cret@127.0.0.1:1/0/a/b", "redis://:s3cret@127.0.0.1:1/0?lease=x"):
        with pytest.raises(ValueError, match=r"\*\*\*") as info:
            RedisFrontier.open(uri, tmp_path)
        assert "s3cret" not in str(info.value)
    with pytest.raises(OSError) as failed:
        RedisFrontier.exists("redis://:s3cret@127.0.0.1:1/0?reconnect=0", tmp_path)
    assert "s3cret" not in str(failed.value)


@pytest.mark.parametrize(
    ("frontier", "message", "code"),
    [
        ("redis://127.0.0.1:1/0/a/b", "the path is /db[/crawl-key]", 2),
        ("redis://127.0.0.1:1/0?reconnect=0", "cannot connect to Redis", 6),  # state unavailable
        ("nope://x", "no frontier backend for 'nope'", 2),
    ],
)
def test_a_frontier_the_crawl_cannot_use_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], frontier: str, message: str, code: int
) -> None:
    from crawler.cli import main

    # In this process: each stops before Scrapy (and its reactor) starts.
    args = ["crawl", "http://127.0.0.1:9/", "--out", str(tmp_path), "--frontier", frontier]
    assert main(args) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_a_redis_restart_between_checkpoints_is_waited_for(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    try:
        f = RedisFrontier.open(server.url + "/c1?reconnect=20", tmp_path)
        _queue(f, "http://s/a")
        (lease,) = f.take(1)
        f.finish("http://s/a", "done")
        f.add(Entry("http://s/b"))
        server.stop()
        back = threading.Timer(0.5, server.start)  # Redis restarts while the crawl goes on
        back.start()
        started = time.monotonic()
        f.checkpoint()  # waits for the server, then commits
        back.join()
        assert time.monotonic() - started >= 0.4
        assert f.state("http://s/a") == ("done", None)
        assert [e.url for e in f.pending()] == ["http://s/b"]
        assert lease.entry.url not in f.leased
        f.close()
    finally:
        server.stop()


def test_the_printed_resume_command_names_the_frontier_without_its_password(
    tmp_path: Path,
) -> None:
    from crawler.crawl import CrawlOptions, CrawlReport, resume_command

    report = CrawlReport("20261129T000000Z-x-0001", tmp_path, {}, [], store_uri=str(tmp_path))
    for uri, shown in (
        ("redis://frontier.example:6379/0/big", "redis://frontier.example:6379/0/big"),
        ("redis://:s3cret@frontier.example:6379/0", "'redis://:***@frontier.example:6379/0'"),
    ):
        options = CrawlOptions(["http://s/"], overrides={"FRONTIER_URI": uri})
        command = resume_command(report, options)
        assert command.endswith(f"--frontier {shown}") and "s3cret" not in command
    assert "--frontier" not in resume_command(report, CrawlOptions(["http://s/"]))


def test_a_resume_on_a_named_crawl_key_continues_in_place(redis_url: str, tmp_path: Path) -> None:
    uri = f"{redis_url}/nightly"
    old = open_backend(uri, tmp_path / "c1", "c1")
    old.seed({"start_urls": ["http://s/"]}, start_urls=["http://s/"])
    old.add(Entry("http://s/a"))
    old.finish("http://s/", "done")
    old.checkpoint()
    old.close()
    new = open_backend(uri, tmp_path / "c2", "c2")
    try:
        assert new.seed({"resumed_from": "c1"}, previous_crawl_dir=tmp_path / "c1") == 0
        assert new.state("http://s/") == ("done", None)
        assert [e.url for e in new.pending()] == ["http://s/a"]
        assert new.meta() == {"start_urls": ["http://s/"], "resumed_from": "c1"}
    finally:
        new.close()
    own = open_backend(redis_url, tmp_path / "c1", "c1")  # the crawl id's key: never written
    try:
        assert list(own.urls()) == []
    finally:
        own.close()


def test_work_given_back_as_failed_counts_its_delivery_up_to_the_dead_letter_list(
    frontier: Factory,
) -> None:
    f = frontier("a", max_deliveries=2)
    _queue(f, "http://s/1")
    for delivery in (1, 2):
        (lease,) = f.take(1)
        assert lease.deliveries == delivery
        assert f.release(["http://s/1"], "not archived", counted=True) == 1
    assert f.state("http://s/1") == ("failed", "dead letter: given back after 2 deliveries")
    (letter,) = f.dead_letters()
    assert letter.reasons == ["released by a: not archived"] * 2
    assert f.take(1) == []


def test_a_request_stored_with_its_url_comes_back_with_its_lease(frontier: Factory) -> None:
    f = frontier("a")
    f.add(Entry("http://s/1"))
    f.attach_request("http://s/1", '{"v":1}')
    f.attach_request("http://s/unknown", '{"v":1}')  # not being queued: ignored
    f.checkpoint()
    (lease,) = f.take(5)
    assert lease.request == '{"v":1}'
    _queue(f, "http://s/2")
    assert f.take(5)[0].request is None  # queued as a bare URL


def test_one_owner_per_host_until_its_last_lease_ends_or_lapses(frontier: Factory) -> None:
    a, b = frontier("a", lease=0.5), frontier("b", lease=0.5)
    for f in (a, b):
        f.host_ownership = True
    _queue(a, "http://s/1", "http://s/2", "http://t/1")
    assert [lease.entry.url for lease in a.take(1)] == ["http://s/1"]
    # Host s is a's while it holds a lease there: b gets only the other host.
    assert [lease.entry.url for lease in b.take(5)] == ["http://t/1"]
    assert b.take(5) == []
    a.finish("http://s/1", "done")
    a.checkpoint()  # a's last lease on s ended: s is free
    assert [lease.entry.url for lease in b.take(5)] == ["http://s/2"]
    # b stops renewing (as a dead worker would): its hosts lapse with its leases.
    _queue(a, "http://t/2")
    assert a.take(5) == []
    _wait_past(time.time() + 0.5)
    assert sorted(lease.entry.url for lease in a.take(5)) == [
        "http://s/2",
        "http://t/1",
        "http://t/2",
    ]


def test_a_worker_owns_at_most_max_hosts_hosts(frontier: Factory) -> None:
    a = frontier("a")
    a.host_ownership, a.max_hosts = True, 1
    _queue(a, "http://s/1", "http://t/1", "http://s/2")
    assert [lease.entry.url for lease in a.take(5)] == ["http://s/1", "http://s/2"]


def test_robots_txt_is_kept_once_per_host_for_every_worker(frontier: Factory) -> None:
    a, b = frontier("a"), frontier("b")
    assert a.robots_txt("h:80") is None
    assert a.keep_robots_txt("h:80", 200, b"User-agent: *\nDisallow: /x\n")
    assert not b.keep_robots_txt("h:80", 503, b"later")  # the first one kept stays
    assert b.robots_txt("h:80") == (200, b"User-agent: *\nDisallow: /x\n")
    assert b.robots_txt("h:81") is None  # per host and port, as Scrapy keys its parsers
    assert a.counts()["queued"] == 0  # not an entry of the frontier
