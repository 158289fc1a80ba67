"""The blind fixture sites (``tests/sites/blind``): served as built, truth valid, shown on pages.

These are regressions of the fixture sites themselves, not of the extractor: the truth file of
every template follows ``truth.schema.json``; every value it declares is on the page it is
declared for (titles, authors, body paragraphs, item links, shown times and counts); every
same-site link leads to a served page; the local server serves every page byte for byte; and the
scorer of ``bench/fixture_sites.py`` gives 1.0 to a crawl that matches the truth and less to
one that does not. The extractor's scores on these sites are measured by that bench script.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import lxml.html
import pytest

from bench.fixture_sites import Crawl, score
from tests.sites.blind import TEMPLATES, build, serve, truth
from tests.sites.blind.common import Page, Site

SCHEMA = json.loads(
    (Path(__file__).parent / "sites" / "blind" / "truth.schema.json").read_text(encoding="utf-8")
)
BASE = "http://127.0.0.1:8"
#: Capture times to build at: a fixed one, one just after midnight UTC on New Year's Day (day
#: and year roll-over in every zone), and the real time.
NOWS = [
    datetime(2026, 12, 2, 18, 40, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 5, tzinfo=UTC),
    None,
]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _charset(page: Page) -> str:
    if "charset=" in page.content_type:
        return page.content_type.split("charset=", 1)[1]
    match = re.search(rb'charset=["\']?([\w-]+)', page.body[:1024])
    return match.group(1).decode() if match else "utf-8"


def _tree(page: Page) -> lxml.html.HtmlElement:
    tree = lxml.html.document_fromstring(page.body.decode(_charset(page)))
    nodes = tree.xpath("//script | //style | //noscript")
    assert isinstance(nodes, list)
    for node in nodes:
        if isinstance(node, lxml.html.HtmlElement):
            node.drop_tree()
    return tree


@pytest.fixture(scope="module", params=list(TEMPLATES))
def template(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("now", NOWS, ids=["fixed", "new-year", "now"])
def test_truth_file_follows_the_schema(template: str, now: datetime | None) -> None:
    site = build(template, BASE, now)
    data = truth(site)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    kinds = {page["page_type"] for page in data["pages"]}
    assert {"article", "listing"} <= kinds, kinds
    urls = [page["url"] for page in data["pages"]]
    assert len(urls) == len(set(urls))
    for page in data["pages"]:
        for entry in page["items"]:
            if entry["published_ago"] is not None:
                assert entry["published_ago"] > 0, entry
            if entry["published_at"] is not None:
                when = datetime.fromisoformat(entry["published_at"])
                assert when <= site.now + timedelta(seconds=1), entry
        if page["is_article"]:
            assert datetime.fromisoformat(page["published_at"]) <= site.now


@pytest.mark.parametrize("now", NOWS, ids=["fixed", "new-year", "now"])
def test_truth_is_what_the_page_shows(template: str, now: datetime | None) -> None:
    site = build(template, BASE, now)
    for path, page in site.pages.items():
        tree = _tree(page)
        text = _norm(tree.text_content())
        where = f"{template}{path}"
        t = page.truth
        if t["is_article"]:
            assert _norm(t["title"]) in text, where
            for name in t["authors"]:
                assert name in text, (where, name)
            for paragraph in t["body"]:
                assert _norm(paragraph) in text, (where, paragraph[:60])
        links: dict[str, list[str]] = {}
        for anchor in tree.xpath("//a[@href]"):
            url = urljoin(page.truth["url"], anchor.get("href"))
            links.setdefault(url, []).append(_norm(anchor.text_content()))
        blocks: dict[str, int] = {}
        for entry in t["items"]:
            blocks[entry["block"]] = blocks.get(entry["block"], 0) + 1
        for entry in t["items"]:
            assert entry["url"] in links, (where, entry["url"])
            assert any(_norm(entry["title"]) in shown for shown in links[entry["url"]]), (
                where,
                entry["title"],
            )
            assert entry["position"] <= blocks[entry["block"]] + 1, (where, entry)
            if entry["shown_time"]:
                assert _norm(entry["shown_time"]) in text, (where, entry["shown_time"])
            if entry["shown_views"]:
                assert _norm(entry["shown_views"]) in text, (where, entry["shown_views"])
        ranks = [e["position"] for e in t["items"] if not e["optional"]]
        assert all(r >= 1 for r in ranks)


def test_every_same_site_link_is_served(template: str) -> None:
    site = build(template, BASE, NOWS[0])
    for path, page in site.pages.items():
        for anchor in _tree(page).xpath("//a[@href]"):
            href = anchor.get("href")
            if href.startswith(("#", "javascript:", "mailto:")):
                continue
            parts = urlsplit(urljoin(page.truth["url"], href))
            if f"{parts.scheme}://{parts.netloc}" != site.base:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            assert target in site.pages, f"{template}{path} links to {target}, not served"


def _get(server_url: str, target: str) -> tuple[int, str, bytes]:
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", target, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_server_serves_every_page_as_built(template: str) -> None:
    server, site = serve(template)
    with server:
        assert site.base == server.base_url
        for path, page in site.pages.items():
            status, content_type, body = _get(server.base_url, path)
            assert status == 200, path
            assert content_type == page.content_type, path
            assert body == page.body, path
        status, _, robots = _get(server.base_url, "/robots.txt")
        assert status == 200
        assert b"Allow: /" in robots
        assert _get(server.base_url, "/no-such-page.html")[0] == 404


# --- the bench's scorer ---------------------------------------------------------------------------


def _perfect_crawl(site: Site) -> Crawl:
    """What a crawl that matched the truth exactly would have written."""
    fetched = site.now.isoformat()
    articles: list[dict[str, Any]] = []
    headlines: list[dict[str, Any]] = []
    stories: set[str] = set()
    for path, page in site.pages.items():
        t = page.truth
        if t["is_article"] and t.get("story", path) not in stories:
            stories.add(t.get("story", path))
            published = t["published_at" if t["tz_on_page"] else "published_at_if_utc"]
            articles.append(
                {"url": t["url"], "title": t["title"], "authors": t["authors"],
                 "published_at": published, "text": "\n\n".join(t["body"])}
            )  # fmt: skip
        for entry in t["items"]:
            if entry["optional"]:
                continue
            when = entry["published_at" if t["tz_on_page"] else "published_at_if_utc"]
            if entry["published_ago"] is not None:
                when = (site.now - timedelta(seconds=entry["published_ago"])).isoformat()
            headlines.append(
                {"source_url": t["url"], "url": entry["url"], "block": entry["block"],
                 "position": entry["position"], "views": entry["views"], "title": entry["title"],
                 "published_at": when, "fetched_at": fetched}
            )  # fmt: skip
    return Crawl(0, "", articles, headlines, set(site.pages), 1.0)


def test_scorer_gives_one_to_a_crawl_matching_the_truth(template: str) -> None:
    site = build(template, BASE, NOWS[0])
    figures = score(site, _perfect_crawl(site), baseline=False).figures()
    assert all(v == 1.0 for k, v in figures.items() if v is not None), figures
    assert figures["detection_recall"] == 1.0
    assert figures["body_f1"] == 1.0


def test_scorer_counts_what_a_crawl_gets_wrong() -> None:
    site = build("card_grid", BASE, NOWS[0])
    run = _perfect_crawl(site)
    run.articles = run.articles[1:]  # one article missed
    run.headlines[0]["views"] = (run.headlines[0]["views"] or 0) + 1
    run.headlines[1]["position"] += 1
    run.headlines[2]["published_at"] = None
    run.headlines.append({**run.headlines[3], "url": site.base + "/not-a-story"})
    listing = next(p for p in site.pages.values() if p.truth["page_type"] == "listing")
    run.articles.append({**run.articles[0], "url": listing.truth["url"]})
    figures = score(site, run, baseline=False).figures()
    stories = len(
        {p.truth.get("story", p.path) for p in site.pages.values() if p.truth["is_article"]}
    )
    assert figures["detection_recall"] == pytest.approx((stories - 1) / stories)
    assert figures["detection_precision"] == pytest.approx((stories - 1) / stories)
    assert (figures["body_f1"] or 0.0) < 1
    for metric in ("views", "ranks", "times", "headline_precision"):
        value = figures[metric]
        assert value is not None, metric
        assert value < 1, metric


# --- the locale helpers of the non-English templates ------------------------------------------


def test_locale_helpers_show_what_they_mean() -> None:
    """A count or time label and the value its truth records (what a reader takes from it)."""
    from tests.sites.blind import arabic, korean, turkish
    from tests.sites.blind.common import myriad, native_digits

    assert myriad(4420, "万") == ("4,420", 4420)
    assert myriad(12_345, "万") == ("1.2万", 12_000)
    assert myriad(156_789, "만") == ("15.7만", 157_000)
    assert myriad(1_530_000, "万") == ("153万", 1_530_000)
    assert native_digits("12:05 م", "٠") == "١٢:٠٥ م"
    assert native_digits("12月2日 18時40分", "０") == "１２月２日 １８時４０分"
    assert turkish._short_views(987) == ("987", 987)
    assert turkish._short_views(4420) == ("4,4 B", 4400)
    assert turkish._short_views(156_789) == ("156 B", 156_000)
    assert turkish._short_views(1_530_000) == ("1,5 Mn", 1_500_000)
    assert arabic._ago(1, "h", indic=True) == "منذ ساعة"
    assert arabic._ago(2, "h", indic=True) == "منذ ساعتين"
    assert arabic._ago(3, "h", indic=False) == "منذ 3 ساعات"
    assert arabic._ago(11, "min", indic=True) == "منذ ١١ دقيقة"
    midnight, noon = datetime(2026, 12, 2, 0, 5), datetime(2026, 12, 2, 12, 5)
    assert arabic._clock12(midnight) == "12:05 ص"
    assert arabic._clock12(noon) == "12:05 م"
    assert korean._clock12(midnight) == "오전 12:05"
    assert korean._clock12(noon) == "오후 12:05"
    from tests.sites.blind import french, italian, portuguese, spanish

    assert french._short_views(987) == ("987 vues", 987)
    assert french._short_views(4420) == ("4,4 k vues", 4400)
    assert french._short_views(1_530_000) == ("1,5 M vues", 1_500_000)
    assert portuguese._views(9876) == ("9.876 visualizações", 9876)
    assert portuguese._views(12_345) == ("12,3 mil visualizações", 12_300)
    assert italian._views(156_789) == ("156,8 mila visualizzazioni", 156_800)
    assert spanish._views(2_000_000) == ("2 millones de visualizaciones", 2_000_000)


def test_day_labels_follow_the_capture_day() -> None:
    """A time shown "N h ago" within its window, then by the day's label, in the site's zone."""
    from tests.sites.blind.common import clock_or_dated, recent_or_dated

    site = Site("S", BASE, datetime(2026, 12, 2, 1, 30, tzinfo=UTC), ZoneInfo("Europe/Paris"), "fr")
    labels = {"today": lambda t: f"T {t:%H:%M}", "yesterday": lambda t: f"Y {t:%H:%M}",
              "dated": lambda t: f"D {t:%d/%m %H:%M}"}  # fmt: skip
    ago = lambda n, unit: f"{n}{unit}"  # noqa: E731
    # 02:30 in Paris: 02:00 is today, 23:00 the day before yesterday's capture day is yesterday.
    assert clock_or_dated(site, datetime(2026, 12, 2, 1, 0, tzinfo=UTC), **labels).text == "T 02:00"
    late = clock_or_dated(site, datetime(2026, 12, 1, 22, 0, tzinfo=UTC), **labels)
    assert late.text == "Y 23:00" and late.instant == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    assert (
        clock_or_dated(site, datetime(2026, 11, 30, 9, 0, tzinfo=UTC), **labels).text
        == "D 30/11 10:00"
    )
    no_today = {k: v for k, v in labels.items() if k != "today"}
    assert (
        clock_or_dated(site, datetime(2026, 12, 2, 1, 0, tzinfo=UTC), **no_today).text
        == "D 02/12 02:00"
    )
    recent = recent_or_dated(site, datetime(2026, 12, 1, 22, 0, tzinfo=UTC), ago, **labels)
    assert (recent.text, recent.ago) == ("3h", 3 * 3600)
    old = recent_or_dated(
        site, datetime(2026, 12, 1, 22, 0, tzinfo=UTC), ago, within=3600, **labels
    )
    assert old.text == "Y 23:00" and old.ago is None


def test_a_site_is_the_same_whatever_the_hash_seed() -> None:
    """Built twice in processes with different string hashes, every page and truth is the same
    byte for byte (a set's order once decided which author pages were built first)."""
    script = (
        "import hashlib, json; from datetime import datetime, UTC\n"
        "from tests.sites.blind import TEMPLATES, build, truth\n"
        "now = datetime(2026, 12, 2, 18, 40, tzinfo=UTC)\n"
        "for name in TEMPLATES:\n"
        "    site = build(name, 'http://127.0.0.1:8', now)\n"
        "    h = hashlib.sha256(json.dumps(truth(site), sort_keys=True).encode())\n"
        "    for path, page in sorted(site.pages.items()):\n"
        "        h.update(path.encode() + page.body)\n"
        "    print(name, h.hexdigest())\n"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)},
        ).stdout
        for seed in ("1", "2", "3")
    ]  # fmt: skip
    assert len(outputs[0].splitlines()) == len(TEMPLATES)
    assert outputs[0] == outputs[1] == outputs[2]
