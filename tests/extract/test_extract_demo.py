"""The extractor against the bundled demo site's ground truth, and the seed page's golden case."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import PageInput, decode_html, extract_page

demo_site = pytest.importorskip("crawler.demo.site")

BASE = "http://127.0.0.1:8000"
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "demo" / "seed"
REGENERATE = "review and regenerate with: .venv/bin/python tests/golden/regenerate.py demo/seed"


@pytest.fixture(scope="module")
def site() -> Any:
    return demo_site.DemoSite()


def _extract(site: Any, path: str) -> Any:
    response = site.render(path, BASE)
    assert response is not None and response.status == 200, path
    html = decode_html(response.body, response.content_type)
    return extract_page(PageInput(url=BASE + path, html=html, fetched_at=FETCHED))


def _article_paths() -> list[str]:
    return [a.path for a in demo_site.DemoSite().articles]


@pytest.mark.parametrize("path", _article_paths())
def test_demo_article_matches_ground_truth(site: Any, path: str) -> None:
    truth = site.article(path)
    result = _extract(site, path)
    assert result.page_type == "article", result.reason
    article = result.article
    assert article is not None
    assert article.title == truth.title
    assert article.text.split("\n\n") == truth.paragraphs
    assert article.lead == truth.lead
    assert article.authors == truth.authors
    assert article.published_at == truth.published.isoformat()
    assert article.section == truth.section
    assert article.tags == truth.tags
    if truth.image_path:
        assert article.images[0]["url"] == BASE + truth.image_path
    block = [h for h in result.headlines if h.block == truth.sidebar_block]
    got = [(h.position, h.title, h.url, h.views, h.views_raw, h.published_raw) for h in block]
    expected = [
        (h.position, h.title, BASE + h.path, h.views, h.views_raw, h.time_raw)
        for h in truth.sidebar
    ]
    assert got == expected, truth.sidebar_style
    for item in block:
        if item.published_raw is not None:
            assert item.published_at is not None, item.published_raw
            assert datetime.fromisoformat(item.published_at) <= FETCHED


def test_demo_listing_pages_yield_no_article(site: Any) -> None:
    listings = [p for p in site.paths() if p == "/" or (p.endswith("/") and p.count("/") <= 4)]
    assert listings
    for path in listings:
        response = site.render(path, BASE)
        if response is None or response.status != 200 or "html" not in response.content_type:
            continue
        result = _extract(site, path)
        assert result.article is None, path
        assert result.page_type in {"listing", "other"}, path
        assert result.links


def _golden_result() -> tuple[dict[str, Any], dict[str, Any]]:
    meta = json.loads((GOLDEN / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
    html = decode_html(
        gzip.decompress((GOLDEN / "page.html.gz").read_bytes()), meta["content_type"]
    )
    result = extract_page(
        PageInput(url=meta["url"], html=html, fetched_at=datetime.fromisoformat(meta["fetched_at"]))
    )
    got = {
        "page_type": result.page_type,
        "reason": result.reason,
        "article": result.article.__dict__ if result.article else None,
        "headlines": [h.__dict__ for h in result.headlines],
        "feeds": result.feeds,
    }
    return json.loads(json.dumps(got)), expected


def test_golden_seed_page_field_by_field() -> None:
    got, expected = _golden_result()
    for key in ("page_type", "reason", "feeds"):
        assert got[key] == expected[key], f"{key} differs; {REGENERATE}"
    assert (got["article"] is None) == (expected["article"] is None), REGENERATE
    for name, value in (expected["article"] or {}).items():
        assert got["article"][name] == value, f"article.{name} differs; {REGENERATE}"
    assert len(got["headlines"]) == len(expected["headlines"]), f"headline count; {REGENERATE}"
    for index, (have, want) in enumerate(zip(got["headlines"], expected["headlines"], strict=True)):
        for name, value in want.items():
            assert have[name] == value, f"headlines[{index}].{name} differs; {REGENERATE}"


def test_golden_seed_pins_the_captured_page() -> None:
    # The facts of the seed page, independent of expected.json, so a careless regeneration
    # cannot bless a regression.
    got, _expected = _golden_result()
    article = got["article"]
    assert article["title"] == (
        "Kremlin casts doubt on Trump's push for Ukraine peace as rifts remain unresolved"
    )
    assert article["text"].startswith("Russia’s top diplomat laid out the wide gaps")
    for junk in ("Advertisement", "newsletter", "cookies", "Share", "Related", "Jane Doe", "|"):
        assert junk not in article["text"]
    assert article["images"][0]["url"] == f"{BASE}/img/lavrov-interview.jpg"
    assert article["flags"] == []
    assert article["fetched_at"] == "2025-12-04T15:00:00+00:00"
    headlines = got["headlines"]
    assert [h["views"] for h in headlines] == [139, 340, 359, 522, 525, 657]
    assert [h["position"] for h in headlines] == [1, 2, 3, 4, 5, 6]
    assert [h["published_at"] for h in headlines] == [
        "2025-12-04T17:36:00+03:00",
        "2025-12-03T23:59:00+03:00",
        "2025-12-03T23:42:00+03:00",
        "2025-12-03T00:55:00+03:00",
        "2025-12-02T23:47:00+03:00",
        "2025-12-01T23:35:00+03:00",
    ]
    assert [h["published_raw"] for h in headlines] == [
        "17:36",
        "Yesterday, 23:59",
        "Yesterday, 23:42",
        "Yesterday, 00:55",
        "02.12.2025, 23:47",
        "01.12.2025, 23:35",
    ]
    assert {h["block"] for h in headlines} == {"Most read"}
