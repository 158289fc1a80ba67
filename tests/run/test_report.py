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


def _quality(articles: int, titled: int, bodied: int, dated: int, **more: int) -> dict[str, int]:
    return {
        "newsarc/page_type/article": articles,
        "quality/articles": articles,
        "quality/articles_with_title": titled,
        "quality/articles_with_body": bodied,
        "quality/articles_with_date": dated,
        **more,
    }


def _with_listings(articles: int, headlines: int, listing_headlines: int, **stats: Any) -> Any:
    result = _result(articles, headlines, **stats)
    result["stats"] |= {"quality/listing_pages": 2, "quality/listing_headlines": listing_headlines}
    result["crawl_id"] = f"c{articles}-{headlines}-{listing_headlines}-{len(stats)}"
    return result


def test_measures_are_compared_with_the_median_of_the_last_good_runs(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    expect = Expectations(warn_drop=0.5, history=3)
    # Four good runs; only the last three count (history=3): medians 10 headlines, dates 0.8.
    for day, (listing, dated) in enumerate(((40, 5), (10, 4), (9, 4), (12, 4)), 1):
        run = _with_listings(5, 30, listing, **_quality(5, 5, 5, dated))
        record_history(db, f"2026-12-0{day}T00:00:00+00:00", _judge(run, expect, db))

    fine = _judge(_with_listings(4, 30, 11, **_quality(4, 4, 4, 3)), expect, db)
    assert fine.status == "ok" and fine.problems == [] and fine.warnings == []
    assert fine.previous_medians["listing_headlines"] == 10.0
    assert fine.previous_medians["date_ratio"] == 0.8
    assert fine.measures["date_ratio"] == 0.75

    # Headlines of the listing pages at 4 of a median 10, one article in four with a title:
    # named warnings; the run still succeeds.
    warned = _judge(_with_listings(4, 30, 4, **_quality(4, 1, 4, 3)), expect, db)
    assert warned.status == "ok", warned.problems
    assert warned.warnings == [
        "listing_headlines_drop: 4, below 0.5 × the median of the last 3 good runs (10)",
        "title_ratio_drop: 0.25, below 0.5 × the median of the last 3 good runs (1)",
    ]

    # Dates gone from every article (a redesign), and the sidebars empty: the site failed.
    broken = _judge(_with_listings(4, 30, 0, **_quality(4, 4, 4, 0)), expect, db)
    assert broken.status == "failed"
    assert broken.problems == [
        "listing_headlines dropped to zero (the median of the last 3 good runs: 10)",
        "date_ratio dropped to zero (the median of the last 3 good runs: 0.8)",
    ]

    # Article pages fetched, no article extracted from any of them: failed as well.
    empty = _judge(
        _with_listings(0, 30, 10, **_quality(5, 0, 0, 0, **{"quality/articles": 0})), expect, db
    )
    assert empty.status == "failed"
    assert empty.problems == [
        "article_ratio dropped to zero (the median of the last 3 good runs: 1)"
    ]

    # Too few articles to measure a ratio (one new article without a date): no judgement.
    one = _judge(_with_listings(1, 30, 10, **_quality(1, 1, 1, 0)), expect, db)
    assert one.status == "ok" and one.warnings == [] and one.measures["date_ratio"] is None
    # No warnings asked for: none given, but a drop to zero still fails.
    quiet = _judge(
        _with_listings(4, 30, 4, **_quality(4, 1, 4, 3)), Expectations(warn_drop=0, history=3), db
    )
    assert quiet.status == "ok" and quiet.warnings == []
