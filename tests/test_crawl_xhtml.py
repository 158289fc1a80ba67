"""XHTML pages are extracted like HTML, by the crawl and by ``newsarc extract`` on its WARC.

``application/xhtml+xml`` contains "xml", and such pages used to be taken for feeds and never
extracted. Feeds and sitemaps (RSS, and generic XML whose root is ``<rss>`` or ``<urlset>``)
must still be read as feeds: the articles only they list are found.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import crawl_items, run_newsarc
from tests.sites.xhtml_site import ARTICLES, MOST_READ, XHTML_ARTICLE, serve_xhtml_site


def _key(item: dict[str, Any]) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("xhtml-crawl")
    with serve_xhtml_site() as server:
        base = server.base_url
        run = run_newsarc("crawl", f"{base}/", f"{base}/feed", f"{base}/sitemap", "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    return base, run.crawl_dir(out)


def test_xhtml_articles_and_their_sidebars_are_extracted(crawl: tuple[str, Path]) -> None:
    base, crawl_dir = crawl
    articles, headlines = crawl_items(crawl_dir)
    by_url = {item["url"]: item for item in articles}
    # Every article: the XHTML ones, and those only the feeds and the sitemap list.
    assert set(by_url) == {base + path for path in ARTICLES}
    xhtml = by_url[base + XHTML_ARTICLE]
    assert xhtml["title"] == ARTICLES[XHTML_ARTICLE][1]
    assert xhtml["text"].startswith("The council approved the new budget")
    seen_on_xhtml = [h for h in headlines if h["source_url"] == base + XHTML_ARTICLE]
    assert [(h["position"], h["title"]) for h in seen_on_xhtml] == [
        (n, title) for n, (_, title) in enumerate(MOST_READ, 1)
    ]
    # Feeds and sitemaps are read, never extracted.
    assert not any(h["source_url"].endswith(("/feed", "/sitemap", ".xml")) for h in headlines)


def test_extract_on_the_warc_gives_the_same_items(crawl: tuple[str, Path]) -> None:
    base, crawl_dir = crawl
    articles, headlines = crawl_items(crawl_dir)
    run = run_newsarc("extract", str(crawl_dir / "warc"))
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    assert sorted(_key(i) for i in items if i["type"] == "article") == sorted(map(_key, articles))
    assert sorted(_key(i) for i in items if i["type"] == "headline") == sorted(map(_key, headlines))
    assert any(i["url"] == base + XHTML_ARTICLE for i in items if i["type"] == "article")
