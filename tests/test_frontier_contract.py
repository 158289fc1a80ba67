"""The frontier backend contract (:class:`crawler.frontier.base.FrontierBackend`): one suite,
run against the SQLite ledger and the Redis frontier (a real redis-server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.frontier import STATES, Entry, FrontierBackend, backend_class, open_backend

Opener = Callable[..., FrontierBackend]


@pytest.fixture(params=["sqlite", "redis"])
def uri(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return ""
    return str(request.getfixturevalue("redis_url"))


@pytest.fixture
def open_frontier(uri: str, tmp_path: Path) -> Iterator[Opener]:
    """``open_frontier(name="c1", crawl_id=None)``: the frontier of crawl directory ``name``."""
    opened: list[FrontierBackend] = []

    def opener(name: str = "c1", crawl_id: str | None = None) -> FrontierBackend:
        work_dir = tmp_path / name
        work_dir.mkdir(exist_ok=True)
        backend = open_backend(uri, work_dir, crawl_id or name)
        opened.append(backend)
        return backend

    yield opener
    for backend in opened:
        backend.close()


def _counts(**states: int) -> dict[str, int]:
    return {**dict.fromkeys(STATES, 0), **states}


def _main_counts(frontier: FrontierBackend) -> dict[str, int]:
    counts = frontier.counts()
    assert set(STATES) <= set(counts)
    return {state: counts[state] for state in STATES}


def test_batches_are_committed_only_by_a_checkpoint(open_frontier: Opener) -> None:
    f = open_frontier()
    assert not f.dirty
    f.add(Entry("http://s/a"))
    f.add(Entry("http://s/b", "feed", 5))
    assert f.dirty
    assert _main_counts(f) == _counts() and f.state("http://s/a") is None
    assert f.checkpoint() == 2
    assert not f.dirty
    assert _main_counts(f) == _counts(queued=2)
    f.finish("http://s/a", "done")
    f.finish("http://s/b", "failed", "http_404: HTTP 404")
    f.add(Entry("http://s/c"))
    assert f.state("http://s/a") == ("queued", None)
    assert f.checkpoint() == 3
    assert f.state("http://s/a") == ("done", None)
    assert f.state("http://s/b") == ("failed", "http_404: HTTP 404")
    assert f.state("http://s/c") == ("queued", None)
    assert f.state("http://s/nope") is None
    assert _main_counts(f) == _counts(queued=1, done=1, failed=1)
    assert f.checkpoint() == 0  # nothing left to write


def test_only_final_states_are_outcomes(open_frontier: Opener) -> None:
    f = open_frontier()
    for state in ("queued", "leased", "dead", ""):
        with pytest.raises(ValueError, match="final state"):
            f.finish("http://s/a", state)
    assert not f.dirty


def test_a_known_url_is_queued_once_under_its_request_url(open_frontier: Opener) -> None:
    f = open_frontier()
    f.add(Entry("http://s/a b?q=x y"))
    f.checkpoint()
    f.add(Entry("http://s/a%20b?q=x%20y", "feed", 9))  # the same URL, as Scrapy writes it
    f.add(Entry("HTTP://S/a%20b?q=x%20y"))
    f.checkpoint()
    assert list(f.pending()) == [Entry("http://s/a%20b?q=x%20y", "page", 0)]
    f.finish("http://s/a%20b?q=x%20y", "done")
    f.checkpoint()
    f.add(Entry("http://s/a b?q=x y"))  # a finished URL is not queued again
    f.checkpoint()
    assert list(f.pending()) == []
    assert list(f.urls()) == ["http://s/a%20b?q=x%20y"]


def test_pending_is_by_priority_then_found_order(open_frontier: Opener) -> None:
    f = open_frontier()
    for i, priority in enumerate([0, 10, 0, 5, -3, 10]):
        f.add(Entry(f"http://s/{i}", priority=priority))
    f.checkpoint()
    f.add(Entry("http://s/6", priority=10))  # found later: after the other 10s
    f.checkpoint()
    assert [e.url for e in f.pending()] == [f"http://s/{i}" for i in (1, 5, 6, 3, 0, 2, 4)]
    assert [e.priority for e in f.pending()] == [10, 10, 10, 5, 0, 0, -3]


def test_pending_lists_every_queued_url_and_no_other(open_frontier: Opener) -> None:
    f = open_frontier()
    urls = [f"http://s/{i}" for i in range(2500)]  # more than one read chunk
    for url in urls:
        f.add(Entry(url))
    f.checkpoint()
    for url in urls[::3]:
        f.finish(url, "skipped", "robots.txt")
    f.checkpoint()
    assert [e.url for e in f.pending()] == [u for i, u in enumerate(urls) if i % 3]
    assert sorted(f.urls()) == sorted(urls)
    assert _main_counts(f) == _counts(queued=1666, skipped=834)


def test_outcomes_can_wait_for_the_next_checkpoint(open_frontier: Opener) -> None:
    f = open_frontier()
    f.add(Entry("http://s/a"))
    f.checkpoint()
    f.finish("http://s/a", "done")
    f.add(Entry("http://s/b"))
    assert f.checkpoint(outcomes=False) == 1  # the archive could not be synced
    assert f.state("http://s/a") == ("queued", None)
    assert f.state("http://s/b") == ("queued", None)
    assert f.dirty
    assert f.checkpoint() == 1
    assert f.state("http://s/a") == ("done", None)


def test_an_outcome_for_an_unknown_url_adds_nothing(open_frontier: Opener) -> None:
    f = open_frontier()
    f.finish("http://s/never-queued", "done")
    f.checkpoint()
    assert f.state("http://s/never-queued") is None
    assert list(f.urls()) == []
    assert _main_counts(f) == _counts()


def test_a_done_urls_outlinks_are_committed_with_it(open_frontier: Opener) -> None:
    f = open_frontier()
    f.add(Entry("http://s/"))
    f.checkpoint()
    f.finish("http://s/", "done")
    f.add(Entry("http://s/a"))
    f.add(Entry("http://s/b"))
    f.close()  # the process dies: no checkpoint
    again = open_frontier()
    assert again.state("http://s/") == ("queued", None)  # fetched again, its links found again
    assert again.state("http://s/a") is None
    again.finish("http://s/", "done")
    again.add(Entry("http://s/a"))
    again.checkpoint()
    assert again.state("http://s/") == ("done", None)
    assert [e.url for e in again.pending()] == ["http://s/a"]


def test_reopened_frontier_keeps_states_order_and_meta(open_frontier: Opener) -> None:
    f = open_frontier()
    f.set_meta({"start_urls": ["http://s/"], "overrides": {"A": "1"}, "n": 3})
    f.add(Entry("http://s/", "page"))
    f.add(Entry("http://s/x"))
    f.add(Entry("http://s/sitemap.xml", "sitemap", 10))
    f.checkpoint()
    f.finish("http://s/", "done")
    f.checkpoint()
    f.close()
    again = open_frontier()
    assert again.meta() == {"start_urls": ["http://s/"], "overrides": {"A": "1"}, "n": 3}
    assert list(again.pending()) == [
        Entry("http://s/sitemap.xml", "sitemap", 10),
        Entry("http://s/x"),
    ]
    again.add(Entry("http://s/y", priority=10))  # found after the sitemap
    again.checkpoint()
    assert [e.url for e in again.pending()] == ["http://s/sitemap.xml", "http://s/y", "http://s/x"]
    again.set_meta({"n": 4})
    assert again.meta()["n"] == 4 and again.meta()["overrides"] == {"A": "1"}


def test_frontiers_of_two_crawls_are_apart(open_frontier: Opener) -> None:
    a, b = open_frontier("c1"), open_frontier("c2")
    a.add(Entry("http://s/a"))
    a.set_meta({"name": "a"})
    a.checkpoint()
    assert list(b.urls()) == [] and b.meta() == {}
    assert _main_counts(b) == _counts()


def test_seed_fills_a_new_frontier_in_one_step(
    uri: str, open_frontier: Opener, tmp_path: Path
) -> None:
    backend = backend_class(uri)
    assert not backend.exists(uri, tmp_path / "c1")
    f = open_frontier("c1")
    added = f.seed(
        {"start_urls": ["http://s/", "http://s/b"]},
        start_urls=["http://s/", "http://s/b", "http://s/"],
    )
    assert added == 2
    assert backend.exists(uri, tmp_path / "c1")
    assert not backend.exists(uri, tmp_path / "c2")
    assert f.meta() == {"start_urls": ["http://s/", "http://s/b"]}
    assert list(f.pending()) == [Entry("http://s/"), Entry("http://s/b")]
    assert not f.dirty


def test_seed_from_a_previous_crawl_keeps_every_state(
    open_frontier: Opener, tmp_path: Path
) -> None:
    old = open_frontier("c1")
    old.seed({"start_urls": ["http://s/"]}, start_urls=["http://s/"])
    for url, kind, priority in (
        ("http://s/a", "page", 0),
        ("http://s/f", "feed", 7),
        ("http://s/c", "page", 0),
    ):
        old.add(Entry(url, kind, priority))
    old.checkpoint()
    old.finish("http://s/", "done")
    old.finish("http://s/c", "skipped", "robots.txt")
    old.checkpoint()
    old.close()
    new = open_frontier("c2")
    added = new.seed({"resumed_from": "c1"}, previous_crawl_dir=tmp_path / "c1")
    assert added == 4
    assert _main_counts(new) == _counts(queued=2, done=1, skipped=1)
    assert new.state("http://s/c") == ("skipped", "robots.txt")
    assert list(new.pending()) == [Entry("http://s/f", "feed", 7), Entry("http://s/a")]
    assert new.meta() == {"resumed_from": "c1"}
    new.finish("http://s/a", "done")
    new.checkpoint()
    new.close()  # the crawl a resume continues has stopped
    chained = open_frontier("c3")  # a resume of the resume
    chained.seed({}, previous_crawl_dir=tmp_path / "c2")
    assert _main_counts(chained) == _counts(queued=1, done=2, skipped=1)
    reopened = open_frontier("c1")
    assert _main_counts(reopened) == _counts(queued=2, done=1, skipped=1)  # untouched
