"""``newsarc extract``: a crawl's WARC gives the crawl's items again; bare HTML; bad input."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.discovery import Discovered
from crawler.reextract import _FileSources, _merge_sources
from tests.conftest import Run, crawl_items, run_newsarc

GOLDEN_SEED = Path(__file__).parent.parent / "golden" / "demo" / "seed"


def _run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """``newsarc`` called in this process (no reactor is involved in ``extract``)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return Run(code, out, err)


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def crawl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    with DemoServer(DemoSite()) as server:
        run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    return run.crawl_dir(out)


def test_reextracting_the_warc_gives_the_crawls_items(crawl_dir: Path, tmp_path: Path) -> None:
    articles, headlines = crawl_items(crawl_dir)
    assert articles and headlines
    warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    run = run_newsarc("extract", *map(str, warcs))
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    got_articles = sorted(_key(i) for i in items if i["type"] == "article")
    got_headlines = sorted(_key(i) for i in items if i["type"] == "headline")
    assert got_articles == sorted(map(_key, articles))
    assert got_headlines == sorted(map(_key, headlines))
    assert all(i["crawl_id"] == crawl_dir.name and i["warc"]["offset"] >= 0 for i in items)

    # The same through a directory and into a compressed file.
    out = tmp_path / "items.jsonl.gz"
    run = run_newsarc("extract", str(crawl_dir / "warc"), "-o", str(out))
    assert run.returncode == 0, run.stderr
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        assert sorted(_key(json.loads(line)) for line in handle) == sorted(
            map(_key, articles + headlines)
        )


def test_extract_into_a_store(
    crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    run = _run_in_process(capsys, "extract", str(crawl_dir / "warc"), "--out", str(store))
    assert run.returncode == 0, run.stderr
    articles = sorted(store.glob("extract-*/items/articles.jsonl.gz"))
    headlines = sorted(store.glob("extract-*/items/headlines.jsonl.gz"))
    assert len(articles) == 1 and len(headlines) == 1, run.stderr
    want_articles, want_headlines = crawl_items(crawl_dir)
    with gzip.open(articles[0], "rt", encoding="utf-8") as handle:
        assert sorted(_key(json.loads(line)) for line in handle) == sorted(map(_key, want_articles))
    with gzip.open(headlines[0], "rt", encoding="utf-8") as handle:
        assert len(handle.readlines()) == len(want_headlines)


def test_bare_html_with_url_and_capture_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meta = json.loads((GOLDEN_SEED / "meta.json").read_text(encoding="utf-8"))
    page = tmp_path / "seed.html"
    page.write_bytes(gzip.decompress((GOLDEN_SEED / "page.html.gz").read_bytes()))
    run = _run_in_process(
        capsys, "extract", str(page), "--url", meta["url"], "--fetched-at", meta["fetched_at"]
    )
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    expected = json.loads((GOLDEN_SEED / "expected.json").read_text(encoding="utf-8"))
    (article,) = [i for i in items if i["type"] == "article"]
    assert article["url"] == meta["url"]
    assert article["title"] == expected["article"]["title"]
    assert article["crawl_id"] is None and article["warc"] is None
    assert len([i for i in items if i["type"] == "headline"]) == len(expected["headlines"])


def test_bad_sources_are_reported_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.html"
    good.write_bytes(gzip.decompress((GOLDEN_SEED / "page.html.gz").read_bytes()))
    broken_warc = tmp_path / "broken.warc.gz"
    broken_warc.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    binary = tmp_path / "binary.html"
    binary.write_bytes(bytes(range(256)) * 40)
    missing = tmp_path / "missing.html"
    run = _run_in_process(
        capsys,
        "extract",
        str(broken_warc),
        str(missing),
        str(binary),
        str(good),
        "--url",
        "https://example.org/2025/12/01/story",
        "--fetched-at",
        "2025-12-04T15:00:00+00:00",
    )
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("newsarc: error:")]
    assert len(errors) == 2, run.stderr
    assert str(broken_warc) in errors[0] and str(missing) in errors[1]
    assert "Traceback" not in run.stderr
    assert any(json.loads(line)["type"] == "article" for line in run.stdout.splitlines())


def test_bad_fetched_at_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _run_in_process(capsys, "extract", str(tmp_path), "--fetched-at", "yesterday")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "--fetched-at" in run.stderr


_WIDGET = (
    "<html><head><title>Most read</title></head><body><aside class='most-read'>"
    "<h2>Most read</h2><ol><li><a href='/news/2026/12/01/a.html'>Bridge shut</a> "
    "<span class='views'>120</span></li><li><a href='/news/2026/12/01/b.html'>Rates up</a> "
    "<span class='views'>99</span></li></ol></aside></body></html>"
)
_WALL = (
    "<html><head><title>Just a moment...</title></head><body><div id='challenge-running'>"
    "Checking your browser before accessing.</div><aside class='most-read'><ol><li>"
    "<a href='/news/2026/12/01/a.html'>Bridge shut</a></li></ol></aside></body></html>"
)


def test_items_carry_their_pages_class_and_a_bot_wall_gives_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.sites.changing_site import PROFILE

    profile = tmp_path / "changing.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    seed = tmp_path / "a-seed.html"
    seed.write_bytes(gzip.decompress((GOLDEN_SEED / "page.html.gz").read_bytes()))
    (tmp_path / "b-widget.html").write_text(_WIDGET, encoding="utf-8")  # a near-empty page
    (tmp_path / "c-wall.html").write_text(_WALL, encoding="utf-8")  # a challenge, status 200
    classes: dict[str, set[str]] = {}
    for page in ("a-seed.html", "b-widget.html", "c-wall.html"):
        run = _run_in_process(
            capsys, "extract", str(tmp_path / page), "--url", f"http://127.0.0.1/{page}"
        )
        assert run.returncode == 0, run.stderr
        items = [json.loads(line) for line in run.stdout.splitlines()]
        classes[page] = {i["page_class"] for i in items}
    widget = _run_in_process(
        capsys,
        "extract",
        str(tmp_path / "b-widget.html"),
        "--url",
        "http://127.0.0.1/",
        "--profile",
        str(profile),
    )
    assert widget.returncode == 0, widget.stderr
    widget_items = [json.loads(line) for line in widget.stdout.splitlines()]
    assert len(widget_items) == 2 and {i["type"] for i in widget_items} == {"headline"}
    assert {i["page_class"] for i in widget_items} == {"empty"}
    assert classes["a-seed.html"] == {"ok"}
    assert classes["c-wall.html"] == set()  # a bot wall is not extracted: no items at all


def test_hints_from_archived_feeds_first_listing_wins_and_follows_redirects() -> None:
    first = _FileSources(
        listed=[
            ("http://127.0.0.1/a.html", Discovered("feed", title="A from the feed")),
            ("http://127.0.0.1/old b.html", Discovered("feed", title="B")),
        ],
        redirects={"http://127.0.0.1/old%20b.html": "http://127.0.0.1/b.html"},
        counts=Counter({"sources/feeds": 1}),
    )
    second = _FileSources(
        listed=[
            ("http://127.0.0.1/a.html", Discovered("sitemap", title="A from the sitemap")),
            ("http://127.0.0.1/c.html", Discovered("sitemap", title="C")),
        ],
        counts=Counter({"sources/sitemaps": 1}),
    )
    counts: Counter[str] = Counter()
    hints = _merge_sources([first, second], counts)
    assert hints["http://127.0.0.1/a.html"].title == "A from the feed"  # listed first
    assert hints["http://127.0.0.1/c.html"].title == "C"
    # Keys as the crawl requested them, and a listed URL's redirect leads its hint on.
    assert hints["http://127.0.0.1/old%20b.html"].title == "B"
    assert hints["http://127.0.0.1/b.html"].title == "B"
    assert counts == Counter({"sources/feeds": 1, "sources/sitemaps": 1})
    # In the other order, the other listing wins.
    assert _merge_sources([second, first], Counter())["http://127.0.0.1/a.html"].source == "sitemap"
