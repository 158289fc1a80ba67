"""Tests of crawler/run/report.py: how a site's crawl is judged against expectations and history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.run.jobs import Expectations
from crawler.run.report import judge_site, record_history, site_report


def _result(articles: int, headlines: int, **stats: Any) -> dict[str, Any]:
    base = {
        "newsarc/pages_fetched": 10,
        "items/written/article": articles,
        "items/written/headline": headlines,
        "health/ok": 10,
        "finish_reason": "finished",
    }
    return {"status": "ok", "crawl_id": f"c{articles}-{headlines}", "stats": {**base, **stats}}


def _judge(result: dict[str, Any], expect: Expectations, db: Path) -> Any:
    report = site_report("s", result, 1.0)
    judge_site(report, expect, result, db)
    return report


def test_expectations_ratios_and_history(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    expect = Expectations(min_articles=3, title_ratio=0.9, date_ratio=0.5, max_drop=0.5)
    ok = _judge(
        _result(
            4,
            40,
            **{
                "quality/articles": 4,
                "quality/articles_with_title": 4,
                "quality/articles_with_date": 2,
            },
        ),
        expect,
        db,
    )
    assert ok.status == "ok" and ok.problems == []
    for n in (4, 5, 6):
        record_history(db, f"2026-12-0{n}T00:00:00+00:00", _judge(_result(n, 40), expect, db))
    short = _judge(
        _result(2, 10, **{"quality/articles": 2, "quality/articles_with_title": 1}), expect, db
    )
    assert short.status == "short"
    assert any("2 articles, expected at least 3" in p for p in short.problems)
    assert any("50% of articles have a title" in p for p in short.problems)
    assert any("below 0.5 × the median of earlier runs (45)" in p for p in short.problems)
    zero = _judge(_result(0, 0), expect, db)
    assert zero.status == "failed" and zero.problems == [
        "dropped to zero items (earlier runs: median 45)"
    ]
    walled = _judge(_result(0, 0, **{"health/ok": 1, "health/blocked": 9}), expect, db)
    assert walled.status == "blocked"
    assert "9 of 10 pages blocked" in walled.problems[0]
