"""The frontier ledger: states, batching, reopening, a crash between checkpoints; and the
accounting that decides when a URL is done."""

from __future__ import annotations

import gzip
import secrets
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.crawl import CrawlReport
from crawler.frontier import FRONTIER_NAME, Entry, Frontier, FrontierLedger
from crawler.frontier.resume import seed_frontier
from crawler.items import PageItems, WarcRef
from crawler.manifest import build_manifest
from crawler.signals import META_KIND, META_URL
from crawler.spool import Spool
from crawler.store.local import LocalStore


def _on_disk(path: Path) -> dict[str, str]:
    """The ledger as a crash would leave it: a copy of its files (the live one is locked)."""
    copy = path.with_name(f"copy-{secrets.token_hex(4)}")
    copy.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{copy / path.name}{suffix}")
    db = sqlite3.connect(copy / path.name)
    try:
        return {url: state for url, state in db.execute("SELECT url, state FROM urls")}
    finally:
        db.close()


def test_batches_reach_the_disk_only_at_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / FRONTIER_NAME
    ledger = FrontierLedger(path, "c1")
    ledger.add(Entry("http://s/a"))
    ledger.add(Entry("http://s/b", "feed", 5))
    assert _on_disk(path) == {}
    assert ledger.checkpoint() == 2
    assert _on_disk(path) == {"http://s/a": "queued", "http://s/b": "queued"}
    ledger.finish("http://s/a", "done")
    ledger.finish("http://s/b", "failed", "http_404: HTTP 404")
    ledger.add(Entry("http://s/c"))
    assert _on_disk(path)["http://s/a"] == "queued"
    ledger.checkpoint()
    assert _on_disk(path) == {"http://s/a": "done", "http://s/b": "failed", "http://s/c": "queued"}
    assert ledger.state("http://s/b") == ("failed", "http_404: HTTP 404")
    assert ledger.counts() == {"queued": 1, "done": 1, "failed": 1, "skipped": 0}
    with pytest.raises(ValueError, match="final state"):
        ledger.finish("http://s/c", "queued")
    ledger.close()


def test_pending_is_by_priority_then_discovery_order(tmp_path: Path) -> None:
    ledger = FrontierLedger(tmp_path / FRONTIER_NAME)
    for i, priority in enumerate([0, 10, 0, 5]):
        ledger.add(Entry(f"http://s/{i}", priority=priority))
    ledger.add(Entry("http://s/0", priority=99))  # known already: ignored
    ledger.checkpoint()
    assert [e.url for e in ledger.pending()] == [
        "http://s/1",
        "http://s/3",
        "http://s/0",
        "http://s/2",
    ]


def test_reopened_ledger_keeps_states_and_meta(tmp_path: Path) -> None:
    path = tmp_path / FRONTIER_NAME
    ledger = FrontierLedger(path)
    ledger.set_meta({"start_urls": ["http://s/"], "overrides": {"A": "1"}})
    ledger.add(Entry("http://s/", "page"))
    ledger.add(Entry("http://s/sitemap.xml", "sitemap", 10))
    ledger.checkpoint()
    ledger.finish("http://s/", "done")
    ledger.checkpoint()
    ledger.close()
    again = FrontierLedger(path)
    assert again.meta() == {"start_urls": ["http://s/"], "overrides": {"A": "1"}}
    assert list(again.pending()) == [Entry("http://s/sitemap.xml", "sitemap", 10)]
    assert sorted(again.urls()) == ["http://s/", "http://s/sitemap.xml"]


def test_a_crash_between_checkpoints_loses_only_the_unwritten_batch(tmp_path: Path) -> None:
    path = tmp_path / FRONTIER_NAME
    ledger = FrontierLedger(path)
    ledger.add(Entry("http://s/a"))
    ledger.checkpoint()
    ledger.finish("http://s/a", "done")
    ledger.add(Entry("http://s/b"))
    ledger._db.close()  # the process dies here: no checkpoint, no clean close
    again = FrontierLedger(path)
    assert again.counts() == {"queued": 1, "done": 0, "failed": 0, "skipped": 0}
    assert [e.url for e in again.pending()] == ["http://s/a"]  # fetched again on resume


def test_copy_from_carries_every_state_for_a_chain_of_resumes(tmp_path: Path) -> None:
    old = FrontierLedger(tmp_path / "old.sqlite", "c1")
    for url in ("http://s/a", "http://s/b", "http://s/c"):
        old.add(Entry(url))
    old.checkpoint()
    old.finish("http://s/a", "done")
    old.finish("http://s/c", "skipped", "robots")
    old.checkpoint()
    old.close()
    new = FrontierLedger(tmp_path / "new.sqlite", "c2")
    assert new.copy_from(tmp_path / "old.sqlite") == 3
    assert new.counts() == {"queued": 1, "done": 1, "failed": 0, "skipped": 1}
    new.finish("http://s/b", "done")
    new.checkpoint()
    assert new._db.execute("SELECT crawl_id FROM urls WHERE url = 'http://s/b'").fetchone() == (
        "c2",
    )


# --- the running crawl's accounting ----------------------------------------------------------


class _Run:
    """A Frontier with a ledger and a sync that can be told to fail."""

    def __init__(self, tmp_path: Path) -> None:
        self.sync_fails = False
        self.syncs = 0
        self.stats = MemoryStatsCollector(get_crawler())
        self.frontier = Frontier(
            tmp_path,
            "c1",
            self.stats,
            interval=5,
            reserve_bytes=0,
            require_warc=True,
            send_sync=self._sync,
        )
        self.frontier.ledger = FrontierLedger(tmp_path / FRONTIER_NAME, "c1")
        self.path = tmp_path / FRONTIER_NAME

    def _sync(self) -> list[tuple[Any, Any]]:
        self.syncs += 1
        if self.sync_fails:
            try:
                raise OSError(28, "No space left on device")
            except OSError:
                return [(self._sync, Failure())]
        return [(self._sync, None)]

    def request(self, url: str) -> Request:
        request = Request(url, meta={META_KIND: "page"})
        self.frontier.track(request)
        return request

    def response(self, request: Request, *, archived: bool = True) -> HtmlResponse:
        if archived:
            request.meta["newsarc_warc"] = WarcRef("f.warc.gz", 0, 1, "<urn:x>")
        return HtmlResponse(request.url, body=b"<html></html>", request=request)


def test_a_page_is_done_once_its_items_left_the_pipelines_and_a_sync_succeeded(
    tmp_path: Path,
) -> None:
    run = _Run(tmp_path)
    f = run.frontier
    request = run.request("http://s/a")
    assert request.meta[META_URL] == "http://s/a"
    response = run.response(request)
    url = f.response_started(response)
    assert url == "http://s/a"
    f.response_output(url)  # two items yielded
    f.response_output(url)
    child = Request("http://s/b", meta={META_KIND: "page"})
    f.track(child)  # an outlink, queued before the callback ends
    f.response_finished(url, response)
    f.item_left(object(), response=response)
    f.checkpoint()
    assert _on_disk(run.path) == {"http://s/a": "queued", "http://s/b": "queued"}  # 1 item out
    f.item_left(object(), response=response)
    run.sync_fails = True
    f.checkpoint()
    assert _on_disk(run.path)["http://s/a"] == "queued"  # archive not durable: not done
    assert run.stats.get_value("frontier/sync_failed") == 1
    run.sync_fails = False
    f.checkpoint()
    assert _on_disk(run.path) == {"http://s/a": "done", "http://s/b": "queued"}
    syncs = run.syncs
    f.checkpoint()  # nothing new: no sync, no transaction
    assert run.syncs == syncs


def test_retry_and_redirect_copies_continue_the_same_fetch(tmp_path: Path) -> None:
    run = _Run(tmp_path)
    f = run.frontier
    request = run.request("http://s/old")
    redirected = request.replace(url="http://s/new")  # meta (and META_URL) is copied
    redirected.meta["redirect_urls"] = ["http://s/old"]
    f.track(redirected)
    response = run.response(redirected)
    url = f.response_started(response)
    assert url == "http://s/old"
    f.response_finished(url, response)
    f.checkpoint()
    assert _on_disk(run.path) == {"http://s/old": "done"}


def test_unarchived_pages_stay_queued_and_failures_are_recorded(tmp_path: Path) -> None:
    run = _Run(tmp_path)
    f = run.frontier
    lost = run.request("http://s/lost")
    response = run.response(lost, archived=False)
    f.response_finished(f.response_started(response) or "", response)
    f.fetch_failed(run.request("http://s/down"), "failed", "dns: no such host")
    f.fetch_failed(run.request("http://s/private"), "skipped", "robots")
    missing = run.request("http://s/missing")
    missing_response = run.response(missing)
    url = f.response_started(missing_response)
    assert url is not None
    missing_response.meta["_newsarc_frontier_seen"] = True
    f.fetch_failed(missing, "failed", "http_404: HTTP 404", response=missing_response)
    f.response_finished(url, missing_response)  # the errback's output passed the middleware
    f.checkpoint()
    assert _on_disk(run.path) == {
        "http://s/lost": "queued",
        "http://s/down": "failed",
        "http://s/private": "skipped",
        "http://s/missing": "failed",
    }
    assert f.ledger is not None and f.ledger.state("http://s/missing") == (
        "failed",
        "http_404: HTTP 404",
    )
    assert run.stats.get_value("frontier/unarchived") == 1


def test_the_ledger_is_not_crawl_output(tmp_path: Path) -> None:
    """Not in the manifest, not uploaded (nor deleted) by the spool, not in the summary."""
    crawl_dir = tmp_path / "c1"
    (crawl_dir / "items").mkdir(parents=True)
    (crawl_dir / "items" / "articles-00000.jsonl.gz").write_bytes(gzip.compress(b"{}\n"))
    ledger = FrontierLedger(crawl_dir / FRONTIER_NAME, "c1")
    ledger.add(Entry("http://s/a"))
    ledger.checkpoint()
    manifest = build_manifest(crawl_dir, crawl_id="c1", stats={}, config={})
    assert [f["path"] for f in manifest["files"]] == ["items/articles-00000.jsonl.gz"]
    spool = Spool(tmp_path, LocalStore(tmp_path / "remote"))
    assert spool.ready_files(crawl_dir, final=True) == [
        crawl_dir / "items" / "articles-00000.jsonl.gz"
    ]
    report = CrawlReport("c1", crawl_dir, {}, [])
    assert report.files == [crawl_dir / "items" / "articles-00000.jsonl.gz"]
    ledger.close()
    assert [e.url for e in FrontierLedger(crawl_dir / FRONTIER_NAME).pending()] == ["http://s/a"]


def test_a_request_refused_at_scheduling_ends_its_fetch(tmp_path: Path) -> None:
    """Scrapy's offsite filter drops a redirect to another site with no errback."""
    run = _Run(tmp_path)
    f = run.frontier
    moved = run.request("http://s/moved")
    offsite = moved.replace(url="http://elsewhere.example/")
    f.request_ignored(offsite, "offsite: Filtered offsite request to 'elsewhere.example'")
    fresh = Request("http://elsewhere.example/x", meta={META_KIND: "page"})
    f.request_ignored(fresh, "offsite")
    f.track(fresh)  # the frontier's own request_scheduled handler runs after the filter's
    f.checkpoint()
    assert _on_disk(run.path) == {"http://s/moved": "skipped"}


def test_a_page_whose_item_failed_in_a_pipeline_stays_queued(tmp_path: Path) -> None:
    # item_error (an item pipeline raised, e.g. the JSON Lines file could not be written): the
    # item is not in the archive, so the page must not end done; a resume fetches it again.
    crawler, f = _connected_frontier(tmp_path)  # connected to Scrapy's item signals
    f.ledger = FrontierLedger(tmp_path / FRONTIER_NAME, "c1")
    for name, error_first in (("early", True), ("late", False)):
        request = Request(f"http://s/{name}", meta={META_KIND: "page"})
        f.track(request)
        request.meta["newsarc_warc"] = WarcRef("f.warc.gz", 0, 1, "<urn:x>")
        response = HtmlResponse(request.url, body=b"<html></html>", request=request)
        url = f.response_started(response)
        assert url is not None
        f.response_output(url)  # two items yielded
        f.response_output(url)
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            failure = Failure()
        error = {"item": object(), "response": response, "spider": None, "failure": failure}
        if error_first:  # the item fails before the callback ends, or after
            crawler.signals.send_catch_log(signals.item_error, **error)
            f.response_finished(url, response)
        else:
            f.response_finished(url, response)
            crawler.signals.send_catch_log(signals.item_error, **error)
        crawler.signals.send_catch_log(
            signals.item_scraped, item=object(), response=response, spider=None
        )
    f.checkpoint()
    assert _on_disk(tmp_path / FRONTIER_NAME) == {
        "http://s/early": "queued",
        "http://s/late": "queued",
    }
    assert crawler.stats.get_value("frontier/item_failed") == 2
    assert crawler.stats.get_value("frontier/left_queued") == 2


def test_seeding_a_ledger_is_one_transaction(tmp_path: Path) -> None:
    # newsarc crawl seeds the ledger before Scrapy starts; a kill (here: an error) half-way
    # must not leave start URLs without the options a resume needs, or the reverse.
    work_dir = tmp_path / "c2"
    work_dir.mkdir()
    meta = {"start_urls": ["http://s/a b"], "name": "s", "overrides": {"X": object()}}
    with pytest.raises(TypeError):  # the meta cannot be written, after the start URLs were
        seed_frontier(work_dir, "c2", meta, None)
    assert _on_disk(work_dir / FRONTIER_NAME) == {}
    meta["overrides"] = {}
    seed_frontier(work_dir, "c2", meta, None)
    assert _on_disk(work_dir / FRONTIER_NAME) == {"http://s/a%20b": "queued"}


def test_a_page_unit_that_lost_a_member_to_an_error_stays_queued(tmp_path: Path) -> None:
    # With NEWSARC_PAGE_ITEMS a pipeline error on one member does not reach Scrapy as an
    # item_error (the other members go on): the unit carries it, and the page stays queued.
    crawler, f = _connected_frontier(tmp_path)
    f.ledger = FrontierLedger(tmp_path / FRONTIER_NAME, "c1")
    for name, errors in (("clean", []), ("broken", ["OSError: [Errno 28] No space left"])):
        request = Request(f"http://s/{name}", meta={META_KIND: "page"})
        f.track(request)
        request.meta["newsarc_warc"] = WarcRef("f.warc.gz", 0, 1, "<urn:x>")
        response = HtmlResponse(request.url, body=b"<html></html>", request=request)
        url = f.response_started(response)
        assert url is not None
        f.response_output(url)  # one page unit yielded
        f.response_finished(url, response)
        page = PageItems([object(), object()], errors=list(errors))
        crawler.signals.send_catch_log(
            signals.item_scraped, item=page, response=response, spider=None
        )
    f.checkpoint()
    assert _on_disk(tmp_path / FRONTIER_NAME) == {
        "http://s/clean": "done",
        "http://s/broken": "queued",
    }


def _connected_frontier(tmp_path: Path) -> tuple[Any, Frontier]:
    """A frontier connected to a test crawler's signals (checkpoints only when asked)."""
    crawler = get_crawler(
        settings_dict={
            "FRONTIER_ENABLED": True,
            "FRONTIER_CHECKPOINT_INTERVAL": 3600,
            "FRONTIER_RESERVE_BYTES": 0,
            "WARC_ENABLED": True,
            "NEWSARC_CRAWL_ID": "20261129T000000Z-x-0001",
            "NEWSARC_STORE_URI": str(tmp_path),
        }
    )
    return crawler, Frontier.from_crawler(crawler)


# --- the backend interface ---------------------------------------------------------------------


_MEMORY: dict[str, dict[str, Any]] = {}


class _MemoryFrontier:
    """A second backend, in memory: what a Redis frontier would implement, in a few lines."""

    def __init__(self, work_dir: Path, crawl_id: str | None) -> None:
        self.store = _MEMORY.setdefault(str(work_dir), {"rows": {}, "meta": {}})
        self.crawl_id = crawl_id
        self._new: dict[str, Entry] = {}
        self._done: dict[str, tuple[str, str | None]] = {}

    @classmethod
    def open(cls, uri: str, work_dir: Path, crawl_id: str | None = None) -> _MemoryFrontier:
        return cls(work_dir, crawl_id)

    @classmethod
    def exists(cls, uri: str, work_dir: Path) -> bool:
        return str(work_dir) in _MEMORY

    def add(self, entry: Entry) -> None:
        self._new.setdefault(entry.url, entry)

    def finish(self, url: str, state: str, reason: str | None = None) -> None:
        self._done[url] = (state, reason)

    @property
    def dirty(self) -> bool:
        return bool(self._new or self._done)

    def checkpoint(self, *, outcomes: bool = True) -> int:
        rows = self.store["rows"]
        for entry in self._new.values():
            rows.setdefault(entry.url, [entry, "queued", None])
        written = len(self._new)
        self._new.clear()
        if outcomes:
            for url, (state, reason) in self._done.items():
                rows[url][1:] = [state, reason]
            written += len(self._done)
            self._done.clear()
        return written

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("queued", "done", "failed", "skipped"), 0)
        for _, state, _ in self.store["rows"].values():
            out[state] += 1
        return out

    def pending(self) -> Any:
        queued = [row[0] for row in self.store["rows"].values() if row[1] == "queued"]
        return iter(sorted(queued, key=lambda e: -e.priority))

    def urls(self) -> Any:
        return iter(list(self.store["rows"]))

    def state(self, url: str) -> tuple[str, str | None] | None:
        row = self.store["rows"].get(url)
        return None if row is None else (row[1], row[2])

    def meta(self) -> dict[str, Any]:
        return dict(self.store["meta"])

    def set_meta(self, values: dict[str, Any]) -> None:
        self.store["meta"].update(values)

    def seed(
        self, meta: dict[str, Any], *, start_urls: Any = (), previous_crawl_dir: Any = None
    ) -> int:
        self.set_meta(meta)
        for url in start_urls:
            self.add(Entry(url))
        return self.checkpoint()

    def close(self) -> None:
        pass


def test_a_frontier_backend_is_one_class_plus_one_registry_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.crawl import CrawlOptions, build_settings
    from crawler.exceptions import ConfigError
    from crawler.frontier import BACKENDS, open_backend

    monkeypatch.setitem(BACKENDS, "memory", _MemoryFrontier)  # type: ignore[arg-type]
    work_dir = tmp_path / "c1"
    seed_frontier(work_dir, "c1", {"start_urls": ["http://s/a"]}, None, uri="memory://")
    assert not (work_dir / FRONTIER_NAME).exists()  # the SQLite ledger was not involved
    run = _Run(tmp_path)
    f = run.frontier
    f.work_dir, f.uri = work_dir, "memory://"
    f._reserve = work_dir / "reserve"
    f.open()
    assert [e.url for e in f.pending()] == ["http://s/a"]
    request = run.request("http://s/a")
    response = run.response(request)
    url = f.response_started(response)
    assert url is not None
    f.response_output(url)
    f.track(Request("http://s/b", meta={META_KIND: "feed"}))
    f.response_finished(url, response)
    f.item_left(object(), response=response)
    f.checkpoint()
    backend = open_backend("memory://", work_dir)
    assert backend.state("http://s/a") == ("done", None)
    assert list(backend.pending()) == [Entry("http://s/b", "feed", 0)]
    f.spider_closed()
    assert run.stats.get_value("frontier/pending") == 1
    with pytest.raises(ValueError, match="no frontier backend for 'nope'"):
        open_backend("nope://x", work_dir)
    options = CrawlOptions(["http://s/"], overrides={"FRONTIER_URI": "nope://x"})
    with pytest.raises(ConfigError, match="no frontier backend"):
        build_settings(options, "20261129T000000Z-x-0001")


def test_a_frontier_that_cannot_open_stops_the_crawl(tmp_path: Path) -> None:
    # Without its frontier the crawl could not be resumed: it does not run at all.
    for uri, work_dir in (("nope://x", tmp_path), ("", tmp_path / "file")):
        (tmp_path / "file").write_bytes(b"")  # a work directory that cannot be created
        reasons: list[str] = []
        f = Frontier(
            work_dir,
            "c1",
            MemoryStatsCollector(get_crawler()),
            interval=5,
            reserve_bytes=0,
            require_warc=True,
            close_spider=reasons.append,
            uri=uri,
        )
        f.spider_opened()
        assert reasons == ["frontier_open_failed"] and f.ledger is None
        f.track(Request("http://s/a", meta={META_KIND: "page"}))  # every report is ignored
        f.spider_closed()
