"""WARC rotation under load (RELIABILITY.md L4): one crawl with many downloads in flight, plain
and browser-rendered pages interleaved, and files rotating every few records.

Two sites in one crawl: ``127.0.0.1`` serves plain articles (each after 0.5 s, 16 at once),
``127.0.0.2`` a chain of script-filled ones (``--render auto`` renders that site once a plain
page of it shows empty containers, so its pages go through the browser while the first site's
are fetched plainly). With a 16 KiB
``WARC_MAX_FILE_SIZE`` the crawl closes a file every few pages while others are being written,
and the CDXJ indexes are built in the index worker process while the crawl verifies each file.

Read back: every file verifies (one gzip member per record, digests), every record is in
exactly one file, each exchange's request record is in the file of its response, every CDXJ
line points at the start of the record it names, every response and revisit record is indexed, the
manifest's record counts and hashes are the files', and every item's WARC reference is its
record.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Route, SiteServer
from crawler.warc.writer import verify_warc
from tests.conftest import crawl_items, run_newsarc
from tests.render.conftest import crawl_stats
from tests.sites.js_site import js_article_html, js_site_routes, numbered_site_routes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAIN_PAGES = 160
RENDERED_PAGES = 12
#: Record types cdxj-indexer writes a line for. It skips warcinfo and request records, and
#: conversion records too (a rendered page's DOM: items find it by their own WARC reference,
#: checked below; replay shows the browser's response records, which are indexed).
INDEXED = {"response", "revisit"}


def _records(path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh, check_digests="raise")
        for record in records:
            headers = record.rec_headers
            body = record.content_stream().read()
            out.append(
                {
                    "type": record.rec_type,
                    "id": headers.get_header("WARC-Record-ID"),
                    "uri": headers.get_header("WARC-Target-URI"),
                    "concurrent_to": headers.get_header("WARC-Concurrent-To"),
                    "refers_to": headers.get_header("WARC-Refers-To"),
                    "offset": records.get_record_offset(),
                    "length": records.get_record_length(),
                    "body": body,
                }
            )
    return out


def test_rotation_under_load_puts_every_record_in_exactly_one_verified_indexed_file(
    tmp_path: Path,
) -> None:
    plain_routes = numbered_site_routes(PLAIN_PAGES, delay=0.5)
    # A chain: the first script-filled page makes the site rendered, each page links the next,
    # so the rest go through the browser while the plain site's pages are fetched.
    js_pages = [f"/js/story-{n}.html" for n in range(RENDERED_PAGES)]
    js_routes = js_site_routes(home_links=js_pages[:1])
    for n, path in enumerate(js_pages):
        link = f'<a href="{js_pages[n + 1]}">next story</a>' if n + 1 < len(js_pages) else ""
        js_routes[path] = Route.html(js_article_html().replace("</body>", f"{link}</body>"))
    out = tmp_path / "out"
    with SiteServer(plain_routes) as plain, SiteServer(js_routes, host="127.0.0.2") as scripted:
        run = run_newsarc(
            "crawl", plain.url("/"), scripted.url("/"), "--out", str(out), "--render", "auto",
            "-s", "WARC_MAX_FILE_SIZE=16384", "-s", "WARC_INDEX_WORKER=True",
            "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NEWSARC_EXTRACT_WORKERS=0",
            timeout=600,
        )  # fmt: skip
        served_plain = {p for _, p, _ in plain.requests if p.startswith("/news/")}
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(out)
    warc_dir = crawl_dir / "warc"
    assert not list(warc_dir.glob("*.open"))
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert len(files) >= 10, f"only {len(files)} files: the crawl did not rotate under load"
    stats = crawl_stats(crawl_dir)
    assert stats["warc/rendered"] >= RENDERED_PAGES, stats
    assert len(served_plain) == PLAIN_PAGES

    manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {e["path"]: e for e in manifest["files"] if e["kind"] == "warc"}
    assert set(listed) == {f"warc/{p.name}" for p in files}

    by_file: dict[str, list[dict[str, Any]]] = {}
    where: dict[str, str] = {}
    ids: Counter[str] = Counter()
    for path in files:
        assert verify_warc(path) == [], path
        records = _records(path)
        by_file[path.name] = records
        assert records[0]["type"] == "warcinfo"
        assert sum(r["type"] == "warcinfo" for r in records) == 1
        entry = listed[f"warc/{path.name}"]
        assert entry["records"] == len(records), path.name
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        for record in records:
            ids[record["id"]] += 1
            where[record["id"]] = path.name
        # Each exchange is one write: its request record is in the file of its response.
        in_file = {r["id"] for r in records}
        for record in records:
            if record["type"] == "request":
                assert record["concurrent_to"] in in_file, (path.name, record["uri"])
    assert ids and max(ids.values()) == 1, [i for i, n in ids.items() if n > 1]
    all_records = [r for records in by_file.values() for r in records]
    # A DOM record refers to its document's response record, which exists (perhaps in the
    # file before: the writer rotates between a rendered page's records).
    conversions = [r for r in all_records if r["type"] == "conversion"]
    assert len(conversions) == stats["warc/rendered"]
    assert all(r["refers_to"] in where for r in conversions if r["refers_to"])
    responses = {r["uri"] for r in all_records if r["type"] in ("response", "revisit")}
    assert {plain.url(p) for p in served_plain} <= responses

    # CDXJ: every line points at the start of the record it names, in its own file, and
    # every record a replay looks up has its line.
    for path in files:
        records = by_file[path.name]
        at = {(r["offset"], r["length"]): r for r in records}
        lines = path.with_name(path.name.removesuffix(".warc.gz") + ".cdxj").read_text()
        indexed = set()
        for line in lines.splitlines():
            fields = json.loads(line.split(" ", 2)[2])
            assert fields["filename"] == path.name
            key = (int(fields["offset"]), int(fields["length"]))
            assert key in at, (path.name, line)
            assert at[key]["uri"] == fields["url"], (path.name, line)
            with path.open("rb") as fh:
                fh.seek(key[0])
                member = gzip.decompress(fh.read(key[1]))
            assert member.startswith(b"WARC/1.1\r\n") and at[key]["id"].encode() in member
            indexed.add(at[key]["id"])
        assert {r["id"] for r in records if r["type"] in INDEXED} <= indexed, path.name

    # Items point at their records.
    articles, headlines = crawl_items(crawl_dir)
    assert len(articles) >= PLAIN_PAGES
    for item in [*articles, *headlines]:
        ref = item["warc"]
        record = next(r for r in by_file[ref["filename"]] if r["offset"] == ref["offset"])
        assert record["id"] == ref["record_id"] and record["length"] == ref["length"], ref
