"""The disk fills up while a crawl writes: the run fails loudly, and no file is corrupt; and the
free-space reserve (``NEWSARC_DISK_RESERVE_BYTES``, crawler/diskspace.py) that keeps a crawl from
starting on, or running into, a nearly full disk.

The crawl writes into a tiny tmpfs (needs root to mount one; skipped otherwise). A WARC write
that fails is cut back to the last complete record, the spider closes with
``warc_write_failed``, the run exits 1, and every WARC file left verifies; no item claims a
record that is not there. The URLs not fetched stay queued in the frontier ledger: once there is
room again, ``newsarc crawl --resume`` fetches them, and the crawls together archive every page.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer
from crawler.warc.writer import verify_warc
from tests.archive.conftest import (
    archived_paths,
    check_crawl_output,
    expected_paths,
    resume_until_drained,
)
from tests.conftest import run_newsarc


@pytest.mark.slow
def test_disk_full_fails_the_run_without_corrupt_files(tiny_disk: Path) -> None:
    out = tiny_disk / "out"
    # No free-space reserve: this test is about the disk actually filling up.
    run = run_newsarc(
        "demo", "--out", str(out), "--max-pages", "40", "-s", "NEWSARC_DISK_RESERVE_BYTES=0"
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "WARC" in run.stderr or "archive" in run.stderr
    (crawl_dir,) = [p for p in out.iterdir() if p.is_dir()]
    warcs = sorted(crawl_dir.glob("warc/*.warc.gz")) + sorted(crawl_dir.glob("warc/*.open"))
    assert warcs
    for path in warcs:
        assert verify_warc(path) == [], path
    for path in crawl_dir.glob("items/*.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                ref = json.loads(line)["warc"]
                with (crawl_dir / "warc" / ref["filename"]).open("rb") as warc:
                    warc.seek(ref["offset"])
                    record = next(iter(ArchiveIterator(BytesIO(warc.read(ref["length"])))))
                assert record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"]


@pytest.mark.slow
def test_pending_urls_stay_pending_and_a_resume_on_a_bigger_disk_completes(
    tiny_disk: Path, demo_server: DemoServer
) -> None:
    # Room for a third of the crawl, once the ledger's reserve is taken.
    subprocess.run(["mount", "-o", "remount,size=400k", str(tiny_disk)], check=True)
    out = tiny_disk / "out"
    first = run_newsarc(
        "crawl",
        f"{demo_server.base_url}/",
        "--out",
        str(out),
        "-s",
        "FRONTIER_RESERVE_BYTES=131072",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",  # a resume runs with the -s options of the crawl it resumes
        "-s",
        "NEWSARC_DISK_RESERVE_BYTES=0",  # the disk is to fill up, not to stop at a reserve
    )
    assert first.returncode == 1, first.stdout + first.stderr
    assert "still pending" in first.stderr
    (dead,) = [p for p in out.iterdir() if p.is_dir()]
    subprocess.run(["mount", "-o", "remount,size=8m", str(tiny_disk)], check=True)
    runs = resume_until_drained(first)
    crawls = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(crawls) == 1 + len(runs)
    assert crawls[0] == dead
    union: set[str] = set()
    for crawl_dir in crawls:
        check_crawl_output(crawl_dir)
        union |= archived_paths(crawl_dir)
    assert union == expected_paths(demo_server.site)  # 0 silently missing
    manifest = json.loads((crawls[1] / "manifest.json").read_text())
    assert manifest["resumed_from"] == dead.name


def test_a_disk_below_the_reserve_refuses_to_start_and_writes_nothing(
    tiny_disk: Path, demo_server: DemoServer
) -> None:
    """RELIABILITY.md F12 (a), with the shipped reserve (256 MiB) and a 160 KiB disk."""
    out = tiny_disk / "out"
    run = run_newsarc("crawl", f"{demo_server.base_url}/", "--out", str(out))
    assert run.returncode == 7, run.stdout + run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert (
        line.startswith("newsarc: error: out of space: ") and "NEWSARC_DISK_RESERVE_BYTES" in line
    )
    assert list(tiny_disk.iterdir()) == []  # no crawl directory, no ledger, no log


def test_a_crawl_stops_at_the_reserve_before_the_disk_is_full_and_a_resume_completes(
    tiny_disk: Path, demo_server: DemoServer
) -> None:
    """RELIABILITY.md F12 (b): the crawl stops gracefully (exit 7) with room left, every file
    valid and no write failing; the URLs it did not fetch stay queued, and resumes on a bigger
    disk archive the rest: nothing is missing."""
    subprocess.run(["mount", "-o", "remount,size=2m", str(tiny_disk)], check=True)
    reserve = 1700 * 1024  # leaves ~150 KiB for the crawl: a third of the demo site
    out = tiny_disk / "out"
    first = run_newsarc(
        "crawl", f"{demo_server.base_url}/", "--out", str(out),
        "-s", "FRONTIER_RESERVE_BYTES=131072", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"NEWSARC_DISK_RESERVE_BYTES={reserve}",
    )  # fmt: skip
    assert first.returncode == 7, first.stdout + first.stderr
    assert "out of space: free space on" in first.stderr and "still pending" in first.stderr
    (dead,) = [p for p in out.iterdir() if p.is_dir()]
    log = (dead / "logs" / "crawl.log").read_text(encoding="utf-8")
    assert "'finish_reason': 'out_of_space'" in log
    assert "No space left" not in log and "write_failed" not in log, log[-3000:]
    # The pages already on their way were still written: the free space at the end is below
    # the reserve by at most those (and the closing files), far from zero.
    free = os.statvfs(tiny_disk)
    assert free.f_bavail * free.f_frsize > reserve // 2
    check_crawl_output(dead)
    assert archived_paths(dead) < expected_paths(demo_server.site)
    subprocess.run(["mount", "-o", "remount,size=8m", str(tiny_disk)], check=True)
    runs = resume_until_drained(first)
    union: set[str] = set()
    for crawl_dir in sorted(p for p in out.iterdir() if p.is_dir()):
        check_crawl_output(crawl_dir)
        union |= archived_paths(crawl_dir)
    assert union == expected_paths(demo_server.site), runs[-1].stderr  # 0 silently missing
