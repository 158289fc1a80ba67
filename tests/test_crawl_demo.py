"""A whole crawl of the bundled demo site through the real command, checked end to end."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from tests.conftest import Run, crawl_items, run_newsarc

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "crawler" / "schema" / "items.schema.json").read_text()
)
# One validator for every item: jsonschema.validate() checks the schema itself on each call,
# which was most of the time of the schema test (hundreds of items).
jsonschema.validators.validator_for(SCHEMA).check_schema(SCHEMA)
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return DemoSite()


@pytest.fixture(scope="module")
def demo_crawl(
    site: DemoSite, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Run, Path, str, list[str]]:
    out = tmp_path_factory.mktemp("demo-crawl")
    with DemoServer(site) as server:
        run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out))
        requested = [path for _, path, _ in server.requests]
        base_url = server.base_url
    assert run.returncode == 0, run.stdout + run.stderr
    return run, run.crawl_dir(out), base_url, requested


def _read_record(crawl_dir: Path, ref: dict[str, Any]) -> Any:
    with (crawl_dir / "warc" / ref["filename"]).open("rb") as handle:
        handle.seek(ref["offset"])
        member = handle.read(ref["length"])
    records = list(ArchiveIterator(io.BytesIO(member)))
    assert len(records) == 1
    return records[0]


def test_every_article_is_found_and_no_listing_yields_one(demo_crawl: Any, site: DemoSite) -> None:
    _, crawl_dir, _, _ = demo_crawl
    articles, _ = crawl_items(crawl_dir)
    found = {urlsplit(item["url"]).path for item in articles}
    expected = {article.path for article in site.articles}
    assert found == expected
    assert not found & set(site.listing_paths)


def test_article_items_match_the_ground_truth(demo_crawl: Any, site: DemoSite) -> None:
    _, crawl_dir, _, _ = demo_crawl
    articles, _ = crawl_items(crawl_dir)
    by_path = {urlsplit(item["url"]).path: item for item in articles}
    for article in site.articles:
        item = by_path[article.path]
        assert item["title"] == article.title
        assert item["text"] == "\n\n".join(article.paragraphs), article.path
        assert item["published_at"] is not None
        assert item["published_at"].endswith("+03:00")


def test_seed_page_sidebar_is_captured(demo_crawl: Any, site: DemoSite) -> None:
    _, crawl_dir, base_url, _ = demo_crawl
    _, headlines = crawl_items(crawl_dir)
    seed_url = base_url + site.seed_article.path
    seen = sorted(
        (h for h in headlines if h["source_url"] == seed_url), key=lambda h: h["position"]
    )
    assert [h["views"] for h in seen] == [139, 340, 359, 522, 525, 657]
    assert [h["published_raw"] for h in seen] == [
        "17:36",
        "Yesterday, 23:59",
        "Yesterday, 23:42",
        "Yesterday, 00:55",
        "02.12.2025, 23:47",
        "01.12.2025, 23:35",
    ]
    assert seen[4]["published_at"] == "2025-12-02T23:47:00+03:00"
    assert all(h["url"].startswith(base_url) for h in seen)


def test_items_follow_the_schema_and_carry_provenance(demo_crawl: Any) -> None:
    _, crawl_dir, _, _ = demo_crawl
    articles, headlines = crawl_items(crawl_dir)
    assert articles and headlines
    crawl_id = crawl_dir.name
    for item in articles + headlines:
        VALIDATOR.validate(item)
        assert item["crawl_id"] == crawl_id
        record = _read_record(crawl_dir, item["warc"])
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == item["warc"]["record_id"]
        page = item["url"] if item["type"] == "article" else item["source_url"]
        assert record.rec_headers.get_header("WARC-Target-URI") == page


def test_robots_private_pages_are_never_fetched(demo_crawl: Any) -> None:
    _, _, _, requested = demo_crawl
    assert "/robots.txt" in requested
    assert not [p for p in requested if p.startswith("/private/")]


def test_warc_holds_every_fetch_and_passes_the_archive_tools(demo_crawl: Any) -> None:
    _, crawl_dir, _, requested = demo_crawl
    warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
    assert warcs
    assert not list(crawl_dir.rglob("*.open"))
    uris: list[str] = []
    for path in warcs:
        subprocess.run(["gzip", "-t", str(path)], check=True)
        check = subprocess.run(
            [str(Path(sys.executable).with_name("warcio")), "check", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        with path.open("rb") as handle:
            records = list(ArchiveIterator(handle))
        assert records[0].rec_type == "warcinfo"
        uris += [
            r.rec_headers.get_header("WARC-Target-URI") for r in records if r.rec_type == "response"
        ]
        cdxj = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj")
        assert cdxj.exists(), f"no CDXJ index beside {path.name}"
        assert len(cdxj.read_text().splitlines()) >= len([u for u in uris if u])
    paths = [urlsplit(uri).path for uri in uris]
    for needed in ("/robots.txt", "/sitemap.xml", "/rss.xml", "/"):
        assert needed in paths, f"{needed} was not archived"
    assert len(uris) == len(requested), "one response record per fetch"


def test_manifest_lists_every_file_with_its_hash(demo_crawl: Any) -> None:
    _, crawl_dir, _, _ = demo_crawl
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    listed = {entry["path"]: entry for entry in manifest["files"]}
    on_disk = [
        p
        for p in crawl_dir.rglob("*")
        if p.is_file()
        and p.name != "manifest.json"
        and not p.is_relative_to(crawl_dir / "logs")
        and not p.name.startswith(".")  # bookkeeping (the frontier ledger), not crawl output
    ]
    assert (crawl_dir / ".frontier.sqlite").is_file()
    assert on_disk
    for path in on_disk:
        key = next(k for k in listed if k.endswith(str(path.relative_to(crawl_dir))))
        assert listed[key]["size"] == path.stat().st_size
        assert listed[key]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert manifest["crawl_id"] == crawl_dir.name
    assert "scrapy" in json.dumps(manifest["software"])


def test_summary_says_where_the_files_are(demo_crawl: Any) -> None:
    run, crawl_dir, _, _ = demo_crawl
    assert str(crawl_dir.resolve()) in run.stdout
    assert "articles-00000.jsonl.gz" in run.stdout
    assert ".warc.gz" in run.stdout


def test_max_pages_caps_the_crawl(site: DemoSite, tmp_path: Path) -> None:
    with DemoServer(site) as server:
        run = run_newsarc(
            "crawl", f"{server.base_url}/", "--out", str(tmp_path), "--max-pages", "5"
        )
    assert run.returncode == 0, run.stderr
    assert "pages fetched  5 " in run.stdout


def test_newsarc_demo_command(tmp_path: Path) -> None:
    run = run_newsarc("demo", "--out", str(tmp_path / "data"))
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path / "data")
    articles, headlines = crawl_items(crawl_dir)
    assert len(articles) >= 30
    assert len(headlines) >= 6
    with gzip.open(next((crawl_dir / "items").glob("articles-*.jsonl.gz")), "rt") as handle:
        assert json.loads(handle.readline())["site"] == "demo"


def test_items_are_the_same_with_and_without_page_units(
    demo_crawl: Any, site: DemoSite, tmp_path: Path
) -> None:
    """NEWSARC_PAGE_ITEMS only changes how items travel through Scrapy, not what is written."""
    _, crawl_dir, _, _ = demo_crawl
    with DemoServer(site) as server:
        run = run_newsarc(
            "crawl", f"{server.base_url}/", "--out", str(tmp_path), "-s", "NEWSARC_PAGE_ITEMS=False"
        )
    assert run.returncode == 0, run.stdout + run.stderr

    def content(directory: Path) -> tuple[list[str], list[str]]:
        # capture-dependent: "5 minutes ago" resolves against each crawl's capture time
        volatile = {"crawl_id", "fetched_at", "warc", "published_at"}
        articles, headlines = crawl_items(directory)

        def strip(item: dict[str, Any]) -> str:
            kept = {k: v for k, v in item.items() if k not in volatile}
            # URLs carry the server's port, which differs between the two crawls
            return json.dumps(kept, sort_keys=True).replace(
                urlsplit(item.get("url") or item.get("source_url") or "").netloc, "HOST"
            )

        return sorted(map(strip, articles)), sorted(map(strip, headlines))

    paged, single = content(crawl_dir), content(run.crawl_dir(tmp_path))
    assert paged[0] and paged[1]
    assert paged == single
