"""Two crawls of an unchanged site into one store: the second writes revisit records.

Items from a revisited page carry provenance that resolves to the revisit record, whose
``WARC-Refers-To`` resolves to the first crawl's response record with the same payload.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import serve_demo
from crawler.warc.dedup import payload_digest
from crawler.warc.writer import verify_warc
from tests.conftest import crawl_items, run_newsarc


def _records(crawl_dir: Path) -> dict[str, Any]:
    by_id: dict[str, Any] = {}
    for path in sorted(crawl_dir.glob("warc/*.warc.gz")):
        assert verify_warc(path) == []
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                # The entity as stored (still content-encoded): what the payload digest covers.
                body = record.raw_stream.read() if record.rec_type == "response" else b""
                by_id[record.rec_headers.get_header("WARC-Record-ID")] = (record, body)
    return by_id


def _record_at(crawl_dir: Path, ref: dict[str, Any]) -> Any:
    with (crawl_dir / "warc" / ref["filename"]).open("rb") as fh:
        fh.seek(ref["offset"])
        return next(iter(ArchiveIterator(BytesIO(fh.read(ref["length"])))))


@pytest.mark.slow
def test_second_crawl_of_unchanged_site_writes_revisits(tmp_path: Path) -> None:
    out = tmp_path / "store"
    with serve_demo() as server:
        for _ in range(2):
            run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out), "--max-pages", "6")
            assert run.returncode == 0, run.stdout + run.stderr
    first, second = sorted(p for p in out.iterdir() if p.is_dir())
    originals, revisits = _records(first), _records(second)
    revisit_records = [r for r, _ in revisits.values() if r.rec_type == "revisit"]
    assert revisit_records, f"an unchanged page was archived in full twice: {first} {second}"
    for record in revisit_records:
        original, body = originals[record.rec_headers.get_header("WARC-Refers-To")]
        assert original.rec_type == "response"
        assert original.rec_headers.get_header("WARC-Target-URI") == record.rec_headers.get_header(
            "WARC-Refers-To-Target-URI"
        )
        digest = record.rec_headers.get_header("WARC-Payload-Digest")
        assert original.rec_headers.get_header("WARC-Payload-Digest") == digest
        assert payload_digest(body) == digest  # the payload is found via the original
    articles, headlines = crawl_items(second)
    from_revisits = 0
    for item in articles + headlines:
        record = _record_at(second, item["warc"])
        assert record.rec_headers.get_header("WARC-Record-ID") == item["warc"]["record_id"]
        if record.rec_type == "revisit":
            assert record.rec_headers.get_header("WARC-Refers-To") in originals
            from_revisits += 1
    assert from_revisits  # the unchanged front page's headlines at least


@pytest.mark.slow
def test_reextraction_resolves_revisits_through_the_earlier_crawl(tmp_path: Path) -> None:
    """``newsarc extract`` gives the second crawl's items, revisited pages included."""
    out = tmp_path / "store"
    with serve_demo() as server:
        for _ in range(2):
            run = run_newsarc("crawl", f"{server.base_url}/", "--out", str(out), "--max-pages", "4")
            assert run.returncode == 0, run.stdout + run.stderr
    first, second = sorted(p for p in out.iterdir() if p.is_dir())
    articles, headlines = crawl_items(second)
    warcs = [*sorted(first.glob("warc/*.warc.gz")), *sorted(second.glob("warc/*.warc.gz"))]
    run = run_newsarc("extract", *map(str, warcs))
    assert run.returncode == 0, run.stderr
    items = [json.loads(line) for line in run.stdout.splitlines()]
    from_second = [i for i in items if i["crawl_id"] == second.name]
    key = lambda item: json.dumps(item, sort_keys=True)  # noqa: E731
    assert sorted(map(key, from_second)) == sorted(map(key, articles + headlines))

    # Without the earlier crawl's WARC the revisits cannot be resolved: said, and exit 1.
    alone = run_newsarc("extract", *map(str, sorted(second.glob("warc/*.warc.gz"))))
    assert alone.returncode == 1
    assert "revisit record" in alone.stderr
