"""The roster of a shared crawl's workers and its one manifest (crawler/frontier/workers.py,
the roster scripts of crawler/frontier/redis.py), against a real redis-server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.frontier.base import Entry
from crawler.frontier.redis import RedisFrontier, WorkerNotLost
from crawler.frontier.workers import merge_manifests
from crawler.manifest import worker_owns

CLAIM = 600.0


@pytest.fixture
def frontier(redis_url: str, tmp_path: Path) -> Iterator[RedisFrontier]:
    f = RedisFrontier.open(f"{redis_url}/crawl-1", tmp_path, "crawl-1")
    f.seed({"start_urls": ["http://s/"]}, start_urls=["http://s/"])
    try:
        yield f
    finally:
        f.close()


def _state(state: str) -> dict[str, object]:
    return {"v": 1, "state": state}


def test_only_the_last_worker_to_finish_claims_the_merge_and_only_once(
    frontier: RedisFrontier,
) -> None:
    assert frontier.join_workers("a", _state("running")) is None
    assert frontier.join_workers("b", _state("running")) is None
    _drain(frontier)
    first = frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="ta")
    assert not first.claimed and first.waiting == ["b (running)"]
    last = frontier.finish_worker("b", _state("finished"), claim_seconds=CLAIM, token="tb")
    assert last.claimed and last.waiting == [] and last.queued == last.leased == 0
    again = frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="ta2")
    assert not again.claimed  # the claim is held
    # While the claim is held and once the manifest is stored, no worker joins.
    assert frontier.join_workers("c", _state("running")) is not None
    assert frontier.end_merge("tb", "s3://b/crawl-1/manifest.json")
    assert frontier.crawl_manifest() == "s3://b/crawl-1/manifest.json"
    assert "is stored" in str(frontier.join_workers("c", _state("running")))
    assert not frontier.finish_worker(
        "a", _state("finished"), claim_seconds=CLAIM, token="x"
    ).claimed


def test_a_failed_merge_gives_the_claim_back_for_the_next_worker(frontier: RedisFrontier) -> None:
    frontier.join_workers("a", _state("running"))
    _drain(frontier)
    assert frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="t1").claimed
    assert frontier.end_merge("t1", None)  # given back, not done
    assert frontier.crawl_manifest() is None
    assert frontier.join_workers("a", _state("running")) is None  # the same worker again
    assert frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="t2").claimed


def test_no_merge_while_a_worker_failed_or_urls_are_queued(frontier: RedisFrontier) -> None:
    frontier.join_workers("a", _state("running"))
    frontier.join_workers("b", _state("running"))
    queued = frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="t")
    assert not queued.claimed and queued.queued == 1
    # Drained with URLs queued: the crawl may be taken up again (drain --cancel, a worker).
    frontier.set_draining(True)
    frontier.join_workers("b", _state("running"))
    drained = frontier.finish_worker("b", _state("finished"), claim_seconds=CLAIM, token="t")
    assert not drained.claimed and drained.waiting == [] and drained.queued == 1
    frontier.set_draining(False)
    _drain(frontier)
    failed = frontier.finish_worker("b", _state("failed"), claim_seconds=CLAIM, token="t")
    assert not failed.claimed and failed.waiting == ["b (failed)"]


def test_a_spent_page_budget_ends_the_crawl_with_urls_still_queued(
    frontier: RedisFrontier,
) -> None:
    frontier.add(Entry("http://s/a", "page", 0))
    frontier.add(Entry("http://s/b", "page", 0))
    frontier.checkpoint()
    frontier.max_pages = 2
    frontier.join_workers("a", _state("running"))
    taken = frontier.take(10)
    assert len(taken) == 2 and frontier.budget_spent  # two of the three pages: the budget
    for lease in taken:
        frontier.finish(lease.entry.url, "done")
    frontier.checkpoint()
    other = RedisFrontier.open(f"{_url(frontier)}/crawl-1", Path("."), "crawl-1")
    try:
        other.max_pages = 2
        assert other.take(10) == [] and other.budget_spent  # another worker: the same budget
    finally:
        other.close()
    end = frontier.finish_worker("a", _state("finished"), claim_seconds=CLAIM, token="t")
    assert end.claimed and end.queued == 1


def test_pages_given_back_unworked_go_back_to_the_budget(frontier: RedisFrontier) -> None:
    frontier.max_pages = 1
    (lease,) = frontier.take(5)
    assert frontier.pages_taken() == 1
    frontier.release([lease.entry.url])
    assert frontier.pages_taken() == 0
    assert len(frontier.take(5)) == 1


def _drain(f: RedisFrontier) -> None:
    for lease in f.take(100):
        f.finish(lease.entry.url, "done")
    f.checkpoint()


def _url(f: RedisFrontier) -> str:
    kwargs = f._r.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"


def test_merge_lists_every_workers_files_and_their_manifests() -> None:
    def part(worker: str, pages: int) -> bytes:
        files = [
            {"path": f"warc/newsarc-{worker}-20260101000000-00000-aaaaaa.warc.gz", "kind": "warc",
             "size": 10, "sha256": "0" * 64, "records": 3},
            {"path": f"logs/crawl-{worker}.log", "kind": "log", "size": 5, "sha256": "1" * 64},
        ]  # fmt: skip
        return json.dumps({
            "schema": 3, "crawl_id": "c", "worker": worker, "files": files,
            "started_at": f"2026-01-01T00:0{pages}:00", "finished_at": f"2026-01-01T01:0{pages}:00",
            "finish_reason": "finished", "unhashed_logs": [f"logs/closing-{worker}.log"],
            "counts": {"pages_fetched": pages, "items_dropped": {"dup": 1}, "urls_pending": 9},
        }).encode()  # fmt: skip

    parts = {"a": part("a", 2), "b": part("b", 3)}
    merged = merge_manifests("c", parts, urls_pending=0)
    paths = [e["path"] for e in merged["files"]]
    assert paths == sorted(paths)
    assert {"manifests/a.json", "manifests/b.json", "logs/crawl-a.log", "logs/crawl-b.log"} <= set(
        paths
    )
    entry = next(e for e in merged["files"] if e["path"] == "manifests/b.json")
    assert entry["sha256"] == hashlib.sha256(parts["b"]).hexdigest()
    assert entry["size"] == len(parts["b"])
    assert merged["counts"]["pages_fetched"] == 5
    assert merged["counts"]["items_dropped"] == {"dup": 2}
    assert merged["counts"]["urls_pending"] == 0  # the frontier's, not a sum
    assert merged["started_at"] == "2026-01-01T00:02:00"
    assert merged["finished_at"] == "2026-01-01T01:03:00"
    assert merged["unhashed_logs"] == ["logs/closing-a.log", "logs/closing-b.log"]
    assert sorted(merged["workers"]) == ["a", "b"] and merged["schema"] == 4
    with pytest.raises(ValueError, match="two workers"):
        merge_manifests("c", {"a": parts["a"], "x": parts["a"]})


def test_a_worker_owns_only_the_files_named_with_its_id() -> None:
    assert worker_owns("warc/newsarc-w-20260101000000-00000-abcdef.warc.gz", "w")
    assert worker_owns("warc/newsarc-w-20260101000000-00000-abcdef.cdxj", "w")
    assert worker_owns("items/articles-w-00000.jsonl.gz", "w")
    assert worker_owns("logs/crawl-w.log", "w") and worker_owns("manifests/w.json", "w")
    # Another worker whose id starts with this one's is not this one.
    assert not worker_owns("warc/newsarc-w-2-20260101000000-00000-abcdef.warc.gz", "w")
    assert not worker_owns("items/articles-w-2-00000.jsonl.gz", "w")
    assert not worker_owns("logs/crawl-w-2.log", "w")
    assert not worker_owns("logs/crawl.log", "w")


def test_a_lost_worker_no_longer_holds_the_merge_back(frontier: RedisFrontier) -> None:
    for worker in ("a", "b", "c"):
        frontier.join_workers(worker, _state("running"))
    with pytest.raises(WorkerNotLost, match="not on the roster"):
        frontier.lose_worker("x", "t", claim_seconds=CLAIM, token="tx")
    # Lost while another still runs: no claim; the last to finish merges.
    found = frontier.lose_worker("a", "t", claim_seconds=CLAIM, token="ta")
    assert not found.claimed and sorted(found.waiting) == ["b (running)", "c (running)"]
    assert frontier.workers()["a"]["state"] == "lost"
    assert frontier.workers()["a"]["lost_from"] == "running"
    _drain(frontier)
    assert not frontier.finish_worker("b", _state("finished"), claim_seconds=CLAIM, token="tb")[0]
    with pytest.raises(WorkerNotLost, match="finished already"):
        frontier.lose_worker("b", "t", claim_seconds=CLAIM, token="tb2")
    last = frontier.finish_worker("c", _state("finished"), claim_seconds=CLAIM, token="tc")
    assert last.claimed and last.waiting == []
    with pytest.raises(WorkerNotLost, match="merging"):
        frontier.lose_worker("a", "t", claim_seconds=CLAIM, token="ta2")
    assert frontier.end_merge("tc", None)  # the merge failed: a lost worker again retries it
    assert frontier.lose_worker("a", "t", claim_seconds=CLAIM, token="ta3").claimed
    assert frontier.end_merge("ta3", "/s/crawl-1/manifest.json")
    with pytest.raises(WorkerNotLost, match="is stored"):
        frontier.lose_worker("a", "t", claim_seconds=CLAIM, token="ta4")


def test_a_lost_worker_is_named_and_only_its_stored_files_are_merged() -> None:
    def part(worker: str, *paths: str) -> bytes:
        files = [{"path": p, "kind": "warc", "size": 1, "sha256": "0" * 64} for p in paths]
        return json.dumps({"schema": 3, "files": files, "finish_reason": "finished"}).encode()

    kept, gone = "warc/newsarc-l-1-00000-aaaaaa.warc.gz", "warc/newsarc-l-2-00000-bbbbbb.warc.gz"
    parts = {"a": part("a", "warc/newsarc-a-1-00000-cccccc.warc.gz"), "l": part("l", kept, gone)}
    merged = merge_manifests("c", parts, lost=["l", "m"], stored={kept, "manifests/l.json"})
    paths = {e["path"] for e in merged["files"]}
    assert kept in paths and gone not in paths
    assert merged["workers_lost"] == {
        "l": {"manifest": "manifests/l.json", "missing": [gone]},
        "m": {"manifest": None},
    }
    assert "workers_lost" not in merge_manifests("c", {"a": parts["a"]})
