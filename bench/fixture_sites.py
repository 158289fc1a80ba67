"""The blind fixture sites crawled end to end: what ``newsarc crawl`` (no profile) gets right.

For each template of :mod:`tests.sites.blind` (written without reading the extractor), serve the
site on 127.0.0.1, run ``newsarc crawl`` on its start URLs in a subprocess, read the article and
headline items it wrote, and score them against the site's truth:

* pages fetched: truth pages the crawl requested (a page never fetched counts as missed below);
* article detection: precision and recall of "this page gave an article", per story (an AMP page
  and its canonical page are one story: one article item for either is a hit, as the crawl's
  de-duplication keeps one);
* body: the benchmark's word 4-gram F1 (:mod:`bench.extraction`) over true stories, with
  trafilatura's default extraction of the same served HTML beside it as the baseline;
* title (exact), authors (F1 of the name sets), published (the same instant; without a zone on
  the page, its UTC reading, the documented rule for a crawl without a profile);
* headline items: precision and recall of (page, URL) pairs (optional items count neither way);
  among matched items the share with the right views, time and rank. A relative time
  ("3 hours ago") is right within a minute of the item's capture time minus that much.

    uv run python bench/fixture_sites.py [--templates css_frames,german] [-v] [--keep DIR]
    uv run python bench/fixture_sites.py --template css_frames --misses

``--misses`` lists, page by page and block by block, the truth's headline items the crawl
missed, the ones it got with a wrong field, and the blocks it found that the truth does not have.

A crawl that crosses midnight in a site's zone between building the site and fetching its pages
would make day-relative truths ("Yesterday, 17:36") wrong: the script says so if it happens.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: the tests package is a sibling
    sys.path.insert(0, str(ROOT))

from bench.extraction import PR, corpus_f1, precision_recall  # noqa: E402
from tests.sites.blind import TEMPLATES, serve, truth  # noqa: E402
from tests.sites.blind.common import Site  # noqa: E402

METRICS = (
    "pages_fetched",
    "detection_precision",
    "detection_recall",
    "body_f1",
    "body_f1_trafilatura",
    "title_exact",
    "authors_f1",
    "published",
    "headline_precision",
    "headline_recall",
    "views",
    "times",
    "ranks",
)


@dataclass
class Score:
    """Counts behind one template's figures."""

    pages: int = 0
    fetched: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    body: list[PR] = field(default_factory=list)
    body_baseline: list[PR] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    authors: list[float] = field(default_factory=list)
    published: list[bool] = field(default_factory=list)
    items_tp: int = 0
    items_fp: int = 0
    items_fn: int = 0
    views: list[bool] = field(default_factory=list)
    times: list[bool] = field(default_factory=list)
    ranks: list[bool] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, float | None]:
        def ratio(a: int, b: int) -> float | None:
            return a / b if b else None

        def share(values: Sequence[bool | float]) -> float | None:
            return sum(values) / len(values) if values else None

        return {
            "pages_fetched": ratio(self.fetched, self.pages),
            "detection_precision": ratio(self.tp, self.tp + self.fp),
            "detection_recall": ratio(self.tp, self.tp + self.fn),
            "body_f1": corpus_f1(self.body)[0] if self.body else None,
            "body_f1_trafilatura": corpus_f1(self.body_baseline)[0] if self.body_baseline else None,
            "title_exact": share(self.titles),
            "authors_f1": share(self.authors),
            "published": share(self.published),
            "headline_precision": ratio(self.items_tp, self.items_tp + self.items_fp),
            "headline_recall": ratio(self.items_tp, self.items_tp + self.items_fn),
            "views": share(self.views),
            "times": share(self.times),
            "ranks": share(self.ranks),
        }


# --- running a crawl --------------------------------------------------------------------------


def _newsarc() -> list[str]:
    script = Path(sys.executable).with_name("newsarc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crawler.cli"]


def _read_jsonl(paths: Sequence[Path]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(paths):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            items.extend(json.loads(line) for line in handle if line.strip())
    return items


@dataclass
class Crawl:
    returncode: int
    stderr: str
    articles: list[dict[str, Any]]
    headlines: list[dict[str, Any]]
    requested: set[str]
    seconds: float


def crawl(template: str, out: Path, timeout: float) -> tuple[Site, Crawl]:
    """Serve ``template`` and crawl it into ``out`` (a fresh directory)."""
    server, site = serve(template)
    try:
        started = time.monotonic()
        proc = subprocess.run(
            [*_newsarc(), "crawl", *(site.url(p) for p in site.start_paths), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
        seconds = time.monotonic() - started
        requested = {path for _, path, _ in server.requests}
    finally:
        server.stop()
    dirs = [p for p in out.iterdir() if p.is_dir()]
    articles: list[dict[str, Any]] = []
    headlines: list[dict[str, Any]] = []
    if len(dirs) == 1:
        items = dirs[0] / "items"
        articles = _read_jsonl(list(items.glob("articles-*.jsonl.gz")))
        headlines = _read_jsonl(list(items.glob("headlines-*.jsonl.gz")))
    return site, Crawl(proc.returncode, proc.stderr, articles, headlines, requested, seconds)


# --- scoring ----------------------------------------------------------------------------------


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _time_ok(got: dict[str, Any], want: dict[str, Any], utc: bool) -> bool:
    value = _instant(got.get("published_at"))
    if want["published_ago"] is not None:
        if value is None:
            return False
        expected = _instant(got["fetched_at"])
        assert expected is not None
        return bool(abs((expected - value).total_seconds() - want["published_ago"]) <= 60)
    expected = _instant(want["published_at_if_utc" if utc else "published_at"])
    return value == expected


def _authors_f1(got: Sequence[str], want: Sequence[str]) -> float:
    a, b = set(got), set(want)
    if not a and not b:
        return 1.0
    hits = len(a & b)
    return 2 * hits / (len(a) + len(b))


def _baseline_text(body: bytes, url: str) -> str:
    import trafilatura  # noqa: PLC0415  # the bench group only

    text = trafilatura.extract(body, url=url, include_comments=False, include_tables=True)
    return text or ""


def score(site: Site, run: Crawl, *, baseline: bool = True) -> Score:
    result = Score(seconds=run.seconds)
    pages = site.pages
    by_url = {site.url(path): page for path, page in pages.items()}
    articles_at: dict[str, dict[str, Any]] = {}
    for article in run.articles:
        articles_at.setdefault(article["url"], article)
    # True stories: pages grouped by their story key (an AMP page and its canonical page).
    groups: dict[str, list[str]] = {}
    for url, page in by_url.items():
        if page.truth["is_article"]:
            groups.setdefault(page.truth.get("story") or url, []).append(url)
    for url, page in by_url.items():
        result.pages += 1
        if page.path in run.requested:
            result.fetched += 1
        elif page.truth["page_type"] != "other":
            result.problems.append(f"{page.path}: never fetched")
        if not page.truth["is_article"] and url in articles_at:
            result.fp += 1
            result.problems.append(f"{page.path}: {page.truth['page_type']} page gave an article")
    for key, urls in groups.items():
        truth_page = by_url[urls[0]].truth
        found = next((articles_at[u] for u in urls if u in articles_at), None)
        where = _path(urls[0]) + (f" (story {key})" if len(urls) > 1 else "")
        want_body = "\n\n".join(truth_page["body"])
        if found is None:
            result.fn += 1
            fetched = [u for u in urls if _path(u) in run.requested]
            result.problems.append(f"{where}: no article" + ("" if fetched else " (never fetched)"))
        else:
            result.tp += 1
            truth_page = by_url[found["url"]].truth
            want_body = "\n\n".join(truth_page["body"])
        got_text = found["text"] if found else ""
        pair = precision_recall(got_text, want_body)
        result.body.append(pair)
        if found and min(pair[0] or 0.0, pair[1] or 0.0) < 0.95:
            result.problems.append(f"{where}: body P={_fmt(pair[0])} R={_fmt(pair[1])}")
        if baseline:
            page = by_url[found["url"] if found else urls[0]]
            result.body_baseline.append(
                precision_recall(_baseline_text(page.body, page.truth["url"]), want_body)
            )
        title_ok = found is not None and found["title"] == truth_page["title"]
        result.titles.append(title_ok)
        if found and not title_ok:
            result.problems.append(f"{where}: title {found['title']!r}")
        authors = _authors_f1(found["authors"] if found else [], truth_page["authors"])
        result.authors.append(authors)
        if found and authors < 1:
            result.problems.append(
                f"{where}: authors {found['authors']} != {truth_page['authors']}"
            )
        want = truth_page["published_at" if truth_page["tz_on_page"] else "published_at_if_utc"]
        got = found.get("published_at") if found else None
        ok = _instant(got) == _instant(want) and got is not None
        result.published.append(ok)
        if found and not ok:
            result.problems.append(f"{where}: published {got} != {want}")
    _score_headlines(site, run, result)
    return result


def _match(
    items: list[dict[str, Any]], got: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], list[dict[str, Any]]]:
    """Pair a page's headline items with its truth items by URL: (item, truth item, or
    ``None`` for an unexpected one; items of optional truth are left out) and the truth items
    missed. The same URL in two blocks: the one of the same heading, else of the same rank;
    an item under the heading of an optional truth block with its URL is that optional one."""
    wanted = Counter(i["url"] for i in items if not i["optional"])
    optional = {i["url"] for i in items if i["optional"]}
    taken: Counter[str] = Counter()
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for headline in got:
        url = headline["url"]
        block = headline.get("block")
        if (
            block is not None
            and any(i["url"] == url and i["optional"] and i["block"] == block for i in items)
            and not any(
                i["url"] == url and not i["optional"] and i["block"] == block for i in items
            )
        ):
            continue  # an optional item ("Related Stories") whose story is also in a wanted block
        if wanted[url] > taken[url]:
            taken[url] += 1
            left = [i for i in items if i["url"] == url and not i["optional"]]
            left = [i for i in left if id(i) not in used] or left
            want = next(
                (i for i in left if i["block"] == headline.get("block")),
                next((i for i in left if i["position"] == headline.get("position")), left[0]),
            )
            used.add(id(want))
            pairs.append((headline, want))
        elif url in optional:
            continue
        else:
            pairs.append((headline, None))
    missed = [i for i in items if not i["optional"] and id(i) not in used]
    return pairs, missed


def _checks(got: dict[str, Any], want: dict[str, Any], utc: bool) -> dict[str, bool]:
    return {
        "views": got.get("views") == want["views"],
        "time": _time_ok(got, want, utc),
        "rank": got.get("position") == want["position"],
    }


def _seen_on(run: Crawl) -> dict[str, list[dict[str, Any]]]:
    seen_on: dict[str, list[dict[str, Any]]] = {}
    for headline in run.headlines:
        seen_on.setdefault(headline["source_url"], []).append(headline)
    return seen_on


def _score_headlines(site: Site, run: Crawl, result: Score) -> None:
    seen_on = _seen_on(run)
    for path, page in site.pages.items():
        if path not in run.requested:
            result.items_fn += sum(1 for i in page.truth["items"] if not i["optional"])
            continue
        utc = not page.truth["tz_on_page"]
        pairs, missed = _match(page.truth["items"], seen_on.get(page.truth["url"], []))
        for got, want in pairs:
            if want is None:
                result.items_fp += 1
                result.problems.append(
                    f"{path}: unexpected item {_path(got['url'])} [{got.get('block')}] "
                    f"{got['title']!r}"
                )
                continue
            result.items_tp += 1
            checks = _checks(got, want, utc)
            result.views.append(checks["views"])
            result.times.append(checks["time"])
            result.ranks.append(checks["rank"])
            if not all(checks.values()):
                bad = [k for k, ok in checks.items() if not ok]
                result.problems.append(
                    f"{path}: item {_path(got['url'])} [{got.get('block')}] wrong {bad}: views "
                    f"{got.get('views')} ({got.get('views_raw')!r}) vs {want['views']}, time "
                    f"{got.get('published_at')} ({got.get('published_raw')!r}) vs "
                    f"{want['published_at_if_utc' if utc else 'published_at']} "
                    f"(shown {want['shown_time']!r}, ago {want['published_ago']}), rank "
                    f"{got.get('position')} vs {want['position']}"
                )
        result.items_fn += len(missed)
        result.problems += [f"{path}: missed item {_path(i['url'])}" for i in missed]


def headline_misses(site: Site, run: Crawl) -> list[str]:
    """Per page and truth block: items found, missed items, items with a wrong field, and the
    headings the found ones came under; then the found items the truth does not have (what
    ``--misses`` prints)."""
    seen_on = _seen_on(run)
    lines: list[str] = []
    for path, page in site.pages.items():
        items = page.truth["items"]
        got = seen_on.get(page.truth["url"], [])
        if not items and not got:
            continue
        if path not in run.requested:
            lines.append(f"{path}: never fetched ({len(items)} items)")
            continue
        utc = not page.truth["tz_on_page"]
        pairs, missed = _match(items, got)
        page_lines: list[str] = []
        for heading in dict.fromkeys(i["block"] for i in items if not i["optional"]):
            wanted = [i for i in items if i["block"] == heading and not i["optional"]]
            found = [(g, w) for g, w in pairs if w is not None and w["block"] == heading]
            lost = [w for w in missed if w["block"] == heading]
            wrong = []
            for g, w in found:
                bad = []
                if g.get("position") != w["position"]:
                    bad.append(f"rank {g.get('position')}")
                if g.get("views") != w["views"]:
                    bad.append(
                        f"views {g.get('views_raw')!r}->{g.get('views')}, shown "
                        f"{w['shown_views']!r}={w['views']}"
                    )
                if not _time_ok(g, w, utc):
                    bad.append(
                        f"time {g.get('published_raw')!r}->{g.get('published_at')}, shown "
                        f"{w['shown_time']!r}"
                    )
                if bad:
                    wrong.append(
                        f"      wrong #{w['position']} {w['title'][:50]!r}: " + "; ".join(bad)
                    )
            headings = sorted({str(g.get("block")) for g, _ in found} - {str(heading)})
            if lost or wrong or headings:
                named = f" (found under {headings})" if headings else ""
                page_lines.append(f"  [{heading}] {len(found)}/{len(wanted)} found{named}")
                page_lines += [
                    f"      missed #{w['position']} {w['title'][:60]!r} {_path(w['url'])}"
                    for w in lost
                ]
                page_lines += wrong
        page_lines += [
            f"  unexpected [{g.get('block')}] #{g.get('position')} {g['title'][:60]!r} "
            f"{_path(g['url'])}"
            for g, w in pairs
            if w is None
        ]
        if page_lines:
            lines.append(
                f"{path} ({page.truth['page_type']}): {len(got)} found, "
                f"{sum(not i['optional'] for i in items)} in the truth"
            )
            lines += page_lines
    return lines


# --- the report -------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def template_table(name: str, site: Site, run: Crawl, result: Score) -> str:
    figures = result.figures()
    kinds = Counter(p.truth["page_type"] for p in site.pages.values())
    lines = [
        f"## {name} ({site.name}; {len(site.pages)} pages: {kinds['article']} article, "
        f"{kinds['listing']} listing, {kinds['other']} other; exit {run.returncode}; "
        f"{len(run.articles)} articles, {len(run.headlines)} headlines; {run.seconds:.1f} s)",
        "",
        "| metric | score |",
        "|---|---:|",
    ]
    lines += [f"| {metric} | {_fmt(figures[metric])} |" for metric in METRICS]
    return "\n".join(lines)


def summary_table(results: dict[str, Score]) -> str:
    short = {
        "pages_fetched": "fetched",
        "detection_precision": "det P",
        "detection_recall": "det R",
        "body_f1": "body",
        "body_f1_trafilatura": "body traf.",
        "title_exact": "title",
        "authors_f1": "authors",
        "published": "published",
        "headline_precision": "items P",
        "headline_recall": "items R",
        "views": "views",
        "times": "times",
        "ranks": "ranks",
    }
    head = "| template | " + " | ".join(short[m] for m in METRICS) + " |"
    rule = "|---|" + "---:|" * len(METRICS)
    rows = [
        f"| {name} | " + " | ".join(_fmt(r.figures()[m]) for m in METRICS) + " |"
        for name, r in results.items()
    ]
    return "\n".join([head, rule, *rows])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", "--template", default=",".join(TEMPLATES))
    parser.add_argument("--timeout", type=float, default=600, help="seconds per crawl")
    parser.add_argument("--keep", type=Path, help="keep the crawls (and truth files) here")
    parser.add_argument("--no-baseline", action="store_true", help="skip trafilatura")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every problem")
    parser.add_argument(
        "--misses", action="store_true", help="list missed and wrong headline items by block"
    )
    args = parser.parse_args(argv)
    names = [n for n in args.templates.split(",") if n]
    unknown = [n for n in names if n not in TEMPLATES]
    if unknown:
        parser.error(f"unknown templates {unknown} (known: {', '.join(TEMPLATES)})")
    results: dict[str, Score] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="fixture-sites-") as scratch:
        root = args.keep or Path(scratch)
        for name in names:
            out = root / name
            out.mkdir(parents=True, exist_ok=True)
            site, run = crawl(name, out, args.timeout)
            (out / "truth.json").write_text(
                json.dumps(truth(site), indent=1, ensure_ascii=False), encoding="utf-8"
            )
            result = score(site, run, baseline=not args.no_baseline)
            results[name] = result
            fetched = [datetime.fromisoformat(i["fetched_at"]) for i in run.headlines]
            latest = max(fetched, default=site.now)
            for zone in (site.tz, UTC):
                if latest.astimezone(zone).date() != site.now.astimezone(zone).date():
                    print(f"warning: {name}: the crawl crossed midnight in {zone}: re-run")
            if run.returncode != 0:
                failed = True
                print(f"warning: {name}: newsarc crawl exited {run.returncode}")
                print("\n".join(run.stderr.strip().splitlines()[-5:]))
            print(template_table(name, site, run, result))
            if args.verbose:
                print("\n".join(f"    {p}" for p in result.problems) or "    (no problems)")
            if args.misses:
                print("\n".join(headline_misses(site, run)) or "(no headline misses)")
            print(flush=True)
    print("## all templates\n")
    print(summary_table(results))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
