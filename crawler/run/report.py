"""The run report of ``newsarc run``: per site what was crawled, and whether it looks healthy.

A site's crawl can "succeed" and still be broken: a bot wall served with status 200, a redesign
that leaves the extractor with nothing, a section that stopped linking articles. So each site is
judged from its crawl's stats against its expectations and its own history:

* ``failed`` — the crawl itself failed (nothing fetched, files not written, …), or the site
  dropped to zero items (none at all, or none where earlier runs had some), or it kept refusing;
* ``blocked`` — at least half of its HTML pages (and at least one) were challenge or bot-wall
  pages (:mod:`crawler.health`);
* ``short`` — below an expectation: ``min_articles``, ``min_headlines``, a title/body/date ratio,
  or fewer than ``max_drop`` × the median items of its last five good runs;
* ``interrupted`` — the run was stopped by a signal before the site finished;
* ``ok`` — none of the above.

Beyond item counts, each run's *measures* (:data:`MEASURES`) are compared with their medians
over the site's last ``history`` good runs (``ok``): the headline items of its listing pages
(re-captured every run, so comparable from run to run, unlike the articles an incremental run
fetches) and the shares of article pages that gave an article and of articles with a title, a
body and a date (only from runs with at least :data:`MIN_SAMPLE` articles). A measure below
``warn_drop`` × its median is a named warning (``<measure>_drop: …``; the run still succeeds,
but its summary goes to stderr, so cron mails it); a measure that dropped to zero where its
median was not is a problem, and the site ``failed``.

The report (JSON, ``schema`` :data:`REPORT_SCHEMA`) is written to the store as
``_runs/<job>/<run_id>.json``; its fields are documented in the README ("Scheduled crawls").
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.incremental import open_state_db

if TYPE_CHECKING:
    from pathlib import Path

    from crawler.run.jobs import Expectations

__all__ = ["MEASURES", "MIN_SAMPLE", "SiteReport", "judge_site", "record_history", "site_report"]

REPORT_SCHEMA = 3
#: What each run is compared with its history on (see the module docstring).
MEASURES = ("listing_headlines", "article_ratio", "title_ratio", "body_ratio", "date_ratio")
#: Fewest articles (article pages, for ``article_ratio``) a ratio is measured on: one new article
#: without a date says nothing about the site.
MIN_SAMPLE = 3


@dataclass
class SiteReport:
    """One site's line in the run report."""

    name: str
    status: str
    problems: list[str] = field(default_factory=list)
    crawl_id: str | None = None
    pages: int = 0
    articles: int = 0
    headlines: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    skipped_known: int = 0
    feeds: int = 0
    sitemaps: int = 0
    sources_not_modified: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    health: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    peak_rss_bytes: int | None = None
    seconds: float = 0.0
    finish_reason: str | None = None
    previous_median_items: float | None = None
    measures: dict[str, float | None] = field(default_factory=dict)
    previous_medians: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def problems_mention(self, text: str) -> bool:
        return any(text in problem for problem in self.problems)


def _int(stats: dict[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _errors(stats: dict[str, Any]) -> dict[str, int]:
    """Errors by kind: failed fetches per reason, broken feeds and sitemaps, extraction, …"""
    out: dict[str, int] = {}
    for key in stats:
        if key.startswith("newsarc/fetch_failed/"):
            out[f"fetch/{key.rsplit('/', 1)[1]}"] = _int(stats, key)
        elif key.startswith("item_dropped_reasons_count/"):
            out[f"dropped/{key.rsplit('/', 1)[1]}"] = _int(stats, key)
    for key, name in (
        ("newsarc/feed_errors", "feed"),
        ("newsarc/sitemap_errors", "sitemap"),
        ("incremental/sources_lost", "source_lost"),
        ("extract/news/errors", "extraction"),
        ("polite/refused", "refused_429_503"),
        ("incremental/commit_failed", "state_commit"),
        ("items/write_failed", "items_write"),
        ("warc/write_failed", "warc_write"),
    ):
        if _int(stats, key):
            out[name] = _int(stats, key)
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole >= MIN_SAMPLE else None


def _measures(stats: dict[str, Any]) -> dict[str, float | None]:
    """This run's values of :data:`MEASURES` (None: not measurable in this run)."""
    articles = _int(stats, "quality/articles")
    listing_pages = _int(stats, "quality/listing_pages")
    return {
        "listing_headlines": (
            float(_int(stats, "quality/listing_headlines")) if listing_pages else None
        ),
        "article_ratio": _share(articles, _int(stats, "newsarc/page_type/article")),
        "title_ratio": _share(_int(stats, "quality/articles_with_title"), articles),
        "body_ratio": _share(_int(stats, "quality/articles_with_body"), articles),
        "date_ratio": _share(_int(stats, "quality/articles_with_date"), articles),
    }


def site_report(name: str, result: dict[str, Any], seconds: float) -> SiteReport:
    """The report line of a site from its child's result file (before judging)."""
    stats: dict[str, Any] = result.get("stats") or {}
    report = SiteReport(
        name=name,
        status=str(result.get("status") or "failed"),
        crawl_id=result.get("crawl_id"),
        pages=_int(stats, "newsarc/pages_fetched"),
        articles=_int(stats, "items/written/article"),
        headlines=_int(stats, "items/written/headline"),
        new=_int(stats, "incremental/new/article"),
        changed=_int(stats, "incremental/changed/article"),
        unchanged=_int(stats, "incremental/unchanged/article"),
        not_modified=_int(stats, "incremental/not_modified"),
        skipped_known=_int(stats, "incremental/skipped"),
        feeds=_int(stats, "newsarc/feeds"),
        sitemaps=_int(stats, "newsarc/sitemaps"),
        sources_not_modified=_int(stats, "incremental/sources_not_modified"),
        errors=_errors(stats),
        health={
            key.split("/", 1)[1]: _int(stats, key) for key in stats if key.startswith("health/")
        },
        bytes=_int(stats, "downloader/response_bytes"),
        peak_rss_bytes=_int(result, "peak_rss_bytes") or None,
        seconds=round(seconds, 2),
        finish_reason=stats.get("finish_reason"),
        measures=_measures(stats),
    )
    if result.get("error"):
        report.problems.append(str(result["error"]))
    if stats.get("finish_reason") == "closespider_timeout":
        # Within its budget, as asked; said (so cron mails it) because pages were left out.
        report.warnings.append(
            "time_budget_reached: the crawl stopped at its time limit (limits.time) with "
            f"{_int(stats, 'frontier/pending')} URLs not fetched; later runs fetch them"
        )
    if stats.get("polite/site_refusing"):
        report.problems.append(
            f"{stats['polite/site_refusing']} kept refusing requests (429/503); crawl stopped early"
        )
    return report


def _history(state_db: Path, runs: int) -> list[tuple[int, dict[str, Any]]]:
    """Items (articles + headlines) and report line of the site's last good runs, newest first."""
    try:
        db = open_state_db(state_db)
    except (OSError, sqlite3.Error):
        return []
    try:
        rows = db.execute(
            "SELECT articles + headlines, report FROM runs WHERE status = 'ok' "
            "ORDER BY started_at DESC LIMIT ?",
            (runs,),
        ).fetchall()
    finally:
        db.close()
    out = []
    for items, text in rows:
        try:
            line = json.loads(text)
        except ValueError:
            line = {}
        out.append((int(items), line if isinstance(line, dict) else {}))
    return out


def _compare(
    report: SiteReport, expect: Expectations, history: list[tuple[int, dict[str, Any]]]
) -> list[str]:
    """Compare the run's measures with their medians; the problems (drops to zero) are
    returned, the warnings added to the report."""
    problems = []
    for name in MEASURES:
        value = report.measures.get(name)
        past = [
            float(v)
            for _, line in history
            if isinstance(v := (line.get("measures") or {}).get(name), int | float)
            and not isinstance(v, bool)
        ]
        if value is None or not past:
            continue
        median = float(statistics.median(past))
        report.previous_medians[name] = median
        if median <= 0:
            continue
        runs = (
            "the last good run"
            if len(past) == 1
            else f"the median of the last {len(past)} good runs"
        )
        if value == 0:
            problems.append(f"{name} dropped to zero ({runs}: {median:g})")
        elif expect.warn_drop and value < expect.warn_drop * median:
            report.warnings.append(
                f"{name}_drop: {value:g}, below {expect.warn_drop:g} × {runs} ({median:g})"
            )
    return problems


def judge_site(
    report: SiteReport, expect: Expectations, result: dict[str, Any], state_db: Path | None
) -> None:
    """Set ``report.status`` and ``problems`` from the expectations and the site's history."""
    if report.status in ("interrupted", "config_error", "storage"):
        return
    stats: dict[str, Any] = result.get("stats") or {}
    items = report.articles + report.headlines
    history = _history(state_db, expect.history) if state_db is not None else []
    if history:
        report.previous_median_items = float(statistics.median(n for n, _ in history))
    problems: list[str] = []
    blocked = report.health.get("blocked", 0)
    html_pages = sum(report.health.values())
    if blocked and blocked * 2 >= html_pages:
        report.status = "blocked"
        problems.append(
            f"serves a challenge or bot-wall page ({blocked} of {html_pages} pages blocked)"
        )
    if report.status == "ok" and items == 0:
        report.status = "failed"
        problems.append(
            "dropped to zero items"
            + (f" (earlier runs: median {report.previous_median_items:g})" if history else "")
        )
    if report.status == "ok":
        short = _shortfalls(report, expect, stats)
        if expect.max_drop and report.previous_median_items:
            floor = expect.max_drop * report.previous_median_items
            if items < floor:
                short.append(
                    f"{items} items, below {expect.max_drop:g} × the median of earlier runs "
                    f"({report.previous_median_items:g})"
                )
        if short:
            report.status = "short"
            problems.extend(short)
    if report.status in ("ok", "short"):
        dropped = _compare(report, expect, history)
        if dropped:
            report.status = "failed"
            problems.extend(dropped)
    report.problems.extend(problems)


def _shortfalls(report: SiteReport, expect: Expectations, stats: dict[str, Any]) -> list[str]:
    out = []
    if report.articles < expect.min_articles:
        out.append(f"{report.articles} articles, expected at least {expect.min_articles}")
    if report.headlines < expect.min_headlines:
        out.append(f"{report.headlines} headlines, expected at least {expect.min_headlines}")
    total = _int(stats, "quality/articles")
    for name, ratio in (
        ("title", expect.title_ratio),
        ("body", expect.body_ratio),
        ("date", expect.date_ratio),
    ):
        if not ratio or not total:
            continue
        share = _int(stats, f"quality/articles_with_{name}") / total
        if share < ratio:
            out.append(f"{share:.0%} of articles have a {name}, expected at least {ratio:.0%}")
    return out


def record_history(state_db: Path, started_at: str, report: SiteReport) -> None:
    """Add this run to the site's history (compared with by later runs)."""
    if report.crawl_id is None:
        return
    db = open_state_db(state_db)
    try:
        with db:
            db.execute(
                "INSERT OR REPLACE INTO runs (crawl_id, started_at, status, articles, headlines, "
                "report) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    report.crawl_id,
                    started_at,
                    report.status,
                    report.articles,
                    report.headlines,
                    json.dumps(report.as_dict()),
                ),
            )
    finally:
        db.close()
