"""``newsarc crawl`` on pages we did not write: real publishers' pages served locally."""

from __future__ import annotations

import gzip
import html
import json
from pathlib import Path
from urllib.parse import urlsplit

from crawler.demo.server import Route, SiteServer
from tests.conftest import crawl_items, run_newsarc

PAGES = 24


def test_crawl_real_pages_without_a_profile(benchmark_dir: Path, tmp_path: Path) -> None:
    truth = json.loads((benchmark_dir / "ground-truth.json").read_text())
    routes: dict[str, Route] = {}
    links = []
    chosen = [
        (k, v)
        for k, v in sorted(truth.items())
        if not urlsplit(v["url"]).query and urlsplit(v["url"]).path not in ("", "/")
    ][:PAGES]
    for page_id, entry in chosen:
        path = urlsplit(entry["url"]).path
        body = gzip.decompress((benchmark_dir / "html" / f"{page_id}.html.gz").read_bytes())
        routes[path] = Route(200, {"Content-Type": "text/html; charset=utf-8"}, body)
        links.append(f'<li><a href="{html.escape(path)}">{html.escape(path)}</a></li>')
    index = (
        "<!doctype html><html lang=en><head><title>Index</title></head><body>"
        "<h1>All stories</h1><ul>" + "".join(links) + "</ul></body></html>"
    )
    routes["/"] = Route(200, {"Content-Type": "text/html; charset=utf-8"}, index.encode())
    routes["/robots.txt"] = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
    with SiteServer(routes) as server:
        run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    articles, _ = crawl_items(run.crawl_dir(tmp_path))
    urls = {item["url"] for item in articles}
    assert f"{server.base_url}/" not in urls, "the index is a listing page: no article"
    assert len(urls) >= PAGES * 0.75, f"only {len(urls)} of {PAGES} pages gave an article"
    assert all(item["text"] for item in articles)
