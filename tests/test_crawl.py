"""Tests of crawler/crawl.py: how a run's final stats become its exit status (``judge``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.crawl import CrawlReport, judge


def _report(tmp_path: Path, *, max_pages: int = 0, **stats: Any) -> CrawlReport:
    base = {
        "newsarc/pages_fetched": 3,
        "warc/records_written": 7,
        "finish_reason": "finished",
        "frontier/pending": 0,
    }
    return CrawlReport(
        crawl_id="20260101T000000Z-x-aaaa",
        work_dir=tmp_path / "20260101T000000Z-x-aaaa",
        stats={**base, **stats},
        failures=[],
        max_pages=max_pages,
    )


def test_a_clean_run_and_a_max_pages_run_with_urls_left_succeed(tmp_path: Path) -> None:
    assert judge(_report(tmp_path)) is None
    assert judge(_report(tmp_path, max_pages=3, **{"frontier/pending": 5})) is None


def test_a_run_stopped_by_its_time_limit_with_urls_left_succeeds(tmp_path: Path) -> None:
    """``CLOSESPIDER_TIMEOUT`` (``limits.time`` in a jobs file) is a budget, as --max-pages."""
    timed_out = {"finish_reason": "closespider_timeout", "frontier/pending": 7}
    assert judge(_report(tmp_path, **timed_out)) is None
    # Other abnormal ends, and URLs left without a budget, still fail.
    assert "abnormally" in (judge(_report(tmp_path, finish_reason="shutdown")) or "")
    assert "still pending" in (judge(_report(tmp_path, **{"frontier/pending": 7})) or "")


def test_jsonl_write_and_sync_failures_fail_the_run_even_with_max_pages(tmp_path: Path) -> None:
    log = str(tmp_path / "20260101T000000Z-x-aaaa" / "logs" / "crawl.log")
    for max_pages, pending in ((3, 5), (0, 5), (0, 0)):
        left = {"frontier/pending": pending}
        failed = judge(_report(tmp_path, max_pages=max_pages, **left, **{"items/write_failed": 1}))
        assert failed is not None and "JSON Lines" in failed and log in failed
        assert "still pending" not in failed  # the cause, not its consequence
        not_synced = judge(
            _report(tmp_path, max_pages=max_pages, **left, **{"frontier/sync_failed": 2})
        )
        assert not_synced is not None and "synced" in not_synced and log in not_synced
    # A JSON Lines failure closes the spider; the reason is the failure, not "ended abnormally".
    closed = _report(tmp_path, **{"items/write_failed": 1, "finish_reason": "items_write_failed"})
    assert "JSON Lines" in (judge(closed) or "")


def test_a_shared_workers_failures_point_at_its_own_log(tmp_path: Path) -> None:
    """In a shared crawl every worker writes ``logs/crawl-<worker>.log``; none writes crawl.log."""
    failing = (
        {"warc/write_failed": 1},
        {"wacz/failed": 1},
        {"frontier/checkpoint_failed": 1},
        {"items/write_failed": 1},
    )
    for stats in failing:
        report = _report(tmp_path, **stats)
        report.shared, report.worker_id = True, "w2"
        said = judge(report) or ""
        assert "logs/crawl-w2.log" in said and "logs/crawl.log" not in said, said
        report.shared, report.worker_id = False, ""
        assert "logs/crawl.log" in (judge(report) or "")
