"""Scoring the extractor on the fixture sites: what the issue's quality thresholds measure.

* article-page detection: precision and recall of "this page yields an article";
* body: the benchmark's word 4-gram metric (:mod:`bench.extraction`) over true article pages;
* published time: share of true article pages whose ``published_at`` is the same instant;
* headline items: precision and recall of (page, URL) pairs against the truth (optional items
  count neither way), and among matched items the share whose views, time and rank are exactly
  right.

    .venv/bin/python -m tests.sites.scoring [-v]       # the figures, with and without profiles
    .venv/bin/python -m tests.sites.scoring --write-golden   # (re)capture the golden pages
"""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.extraction import corpus_f1, precision_recall
from crawler.extract import PageInput, decode_html, extract_page
from crawler.extract.types import PageResult
from crawler.profile import SiteProfile, load_profile
from tests.sites.news_templates import FETCHED, Page, all_pages

PROFILES = Path(__file__).parent / "profiles"
#: The fixture pages kept as golden cases (``tests/golden/<site>/<case>/``): one of each kind.
GOLDEN_CASES = ("home", "article-1")


@dataclass
class Score:
    """Counts behind every figure; :meth:`figures` turns them into ratios."""

    tp_pages: int = 0
    fp_pages: int = 0
    fn_pages: int = 0
    body_pairs: list[tuple[float | None, float | None]] = field(default_factory=list)
    published_ok: int = 0
    published_total: int = 0
    items_tp: int = 0
    items_fp: int = 0
    items_fn: int = 0
    fields_ok: int = 0
    fields_total: int = 0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else 1.0

        return {
            "detection_precision": ratio(self.tp_pages, self.tp_pages + self.fp_pages),
            "detection_recall": ratio(self.tp_pages, self.tp_pages + self.fn_pages),
            "body_f1": corpus_f1(self.body_pairs)[0] if self.body_pairs else 1.0,
            "published": ratio(self.published_ok, self.published_total),
            "headline_precision": ratio(self.items_tp, self.items_tp + self.items_fp),
            "headline_recall": ratio(self.items_tp, self.items_tp + self.items_fn),
            "headline_fields": ratio(self.fields_ok, self.fields_total),
        }


def profile_for(site: str) -> SiteProfile | None:
    path = PROFILES / f"{site}.yaml"
    return load_profile(str(path)) if path.exists() else None


def extract(page: Page, profile: SiteProfile | None) -> PageResult:
    html = decode_html(page.body, page.content_type)
    return extract_page(PageInput(url=page.url, html=html, fetched_at=FETCHED, profile=profile))


def _same_instant(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def score_page(
    page: Page, result: PageResult, score: Score, profile: SiteProfile | None = None
) -> None:
    truth = page.truth
    where = f"{page.site}/{page.case}"
    found = result.article is not None
    if truth["is_article"] and found:
        score.tp_pages += 1
    elif truth["is_article"]:
        score.fn_pages += 1
        score.problems.append(f"{where}: article missed ({result.reason})")
    elif found:
        score.fp_pages += 1
        score.problems.append(f"{where}: listing taken for an article")
    if truth["is_article"]:
        text = result.article.text if result.article else ""
        pair = precision_recall(text, "\n\n".join(truth["body"]))
        score.body_pairs.append(pair)
        if min(pair[0] or 0.0, pair[1] or 0.0) < 0.95:
            score.problems.append(f"{where}: body P={pair[0]} R={pair[1]}")
        score.published_total += 1
        got = result.article.published_at if result.article else None
        if _same_instant(got, truth["published_at"]):
            score.published_ok += 1
        else:
            score.problems.append(f"{where}: published {got} != {truth['published_at']}")
    # Without a profile, a page that shows no machine-readable time gives no way to know the
    # site's timezone: the extractor must then read displayed times as UTC (and flag them).
    utc = profile is None and not truth["tz_on_page"]
    _score_items(where, truth["items"], result, score, utc=utc)


def _score_items(
    where: str, items: list[dict[str, Any]], result: PageResult, score: Score, *, utc: bool
) -> None:
    wanted = Counter(i["url"] for i in items if not i["optional"])
    optional = {i["url"] for i in items if i["optional"]}
    by_url: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_url.setdefault(item["url"], []).append(item)
    seen: Counter[str] = Counter()
    for got in result.headlines:
        url = got.url
        if wanted[url] > seen[url]:
            seen[url] += 1
            score.items_tp += 1
            candidates = [i for i in by_url[url] if not i["optional"]]
            truth = next((i for i in candidates if i["block"] == got.block), candidates[0])
            score.fields_total += 1
            want_time = truth["published_at_if_utc" if utc else "published_at"]
            checks = {
                "views": got.views == truth["views"],
                "time": _same_instant(got.published_at, want_time)
                and (not utc or want_time is None or "timezone_assumed_utc" in got.flags),
                "rank": got.position == truth["position"],
            }
            if all(checks.values()):
                score.fields_ok += 1
            else:
                bad = [k for k, ok in checks.items() if not ok]
                score.problems.append(
                    f"{where}: item {url} [{got.block}] wrong {bad}: views {got.views} vs "
                    f"{truth['views']}, time {got.published_at} ({got.published_raw!r}) vs "
                    f"{want_time}, rank {got.position} vs {truth['position']}"
                )
        elif url in optional:
            continue
        else:
            score.items_fp += 1
            score.problems.append(f"{where}: unexpected item {url} [{got.block}] {got.title!r}")
    for url, count in wanted.items():
        if seen[url] < count:
            score.items_fn += count - seen[url]
            score.problems.append(f"{where}: missed item {url}")


def score_all(*, with_profiles: bool, pages: list[Page] | None = None) -> Score:
    score = Score()
    for page in pages if pages is not None else all_pages():
        profile = profile_for(page.site) if with_profiles else None
        score_page(page, extract(page, profile), score, profile)
    return score


def write_golden(root: Path) -> list[Path]:
    """Write every fixture page as a golden case ``<root>/<site>/<case>/`` (page and meta)."""
    import json

    written = []
    for page in all_pages():
        if page.case not in GOLDEN_CASES:
            continue
        case = root / page.site / page.case
        case.mkdir(parents=True, exist_ok=True)
        (case / "page.html.gz").write_bytes(gzip.compress(page.body, mtime=0))
        (case / "meta.json").write_text(
            json.dumps(page.meta(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        written.append(case)
    return written


if __name__ == "__main__":
    import sys

    if "--write-golden" in sys.argv:
        for case in write_golden(Path(__file__).parent.parent / "golden"):
            print(f"wrote {case}/page.html.gz and meta.json")
        sys.exit(0)

    for flag in (False, True):
        result = score_all(with_profiles=flag)
        print("with profiles" if flag else "no profiles")
        for name, value in result.figures().items():
            print(f"  {name:<20} {value:.3f}")
        if "-v" in sys.argv:
            for problem in result.problems:
                print("   ", problem)
