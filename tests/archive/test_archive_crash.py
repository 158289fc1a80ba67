"""A crawl killed with SIGKILL at a random moment, then run again: nothing complete is lost.

The next run (same ``--out``) recovers the dead crawl's files: every complete WARC record and
JSON line is kept, every closed file verifies, the dead crawl gets a manifest that verifies,
and every item's provenance (WARC file, offset, length, record id) resolves. ``--resume``
fetches what the dead crawl's frontier ledger still had queued at its last checkpoint, so the
crawls together archive every page, each crawl's JSON Lines without duplicates.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.demo.server import DemoServer
from crawler.frontier import FRONTIER_NAME, RESERVE_NAME, Entry, FrontierLedger
from crawler.manifest import verify_manifest
from crawler.recovery import recover_crawl_dir, recover_jsonl, recover_warc
from crawler.warc.writer import HttpExchange, WarcFileWriter, verify_warc
from tests.archive.conftest import (
    archived_paths,
    check_crawl_output,
    expected_paths,
    resolves,
    sample_exchange,
)
from tests.conftest import ROOT, crawl_items, run_newsarc


def _exchange(i: int) -> HttpExchange:
    return sample_exchange(i, os.urandom(2000))


def test_torn_warc_is_cut_back_to_its_last_complete_record(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path, "t", 10**9, {"software": "test"}, cdxj_enabled=False)
    for i in range(5):
        writer.write_exchange(_exchange(i))
    open_path = writer.current_path
    assert open_path is not None
    os.close(writer._fd)  # type: ignore[arg-type]  # the process "dies" here
    whole = open_path.read_bytes()
    open_path.write_bytes(whole[:-50])  # the last record (a request) torn
    final, records, dropped = recover_warc(open_path)
    assert final is not None and final.name.endswith(".warc.gz") and not open_path.exists()
    assert records == 1 + 5 * 2 - 1  # warcinfo + 5 pairs, minus the torn request
    assert dropped > 0
    assert verify_warc(final, expected_records=records) == []


def test_torn_jsonl_keeps_only_complete_lines(tmp_path: Path) -> None:
    tmp = tmp_path / "articles-00000.jsonl.gz.tmp"
    lines = [json.dumps({"n": i, "text": "x" * 300}).encode() + b"\n" for i in range(50)]
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    data = comp.compress(b"".join(lines)) + comp.flush(zlib.Z_SYNC_FLUSH)
    tmp.write_bytes(data[: len(data) * 2 // 3])  # no trailer, cut mid-stream
    final, items = recover_jsonl(tmp)
    assert final is not None and final.name == "articles-00000.jsonl.gz"
    with gzip.open(final, "rb") as fh:
        kept = fh.read().splitlines(keepends=True)
    assert 0 < items == len(kept) < 50
    assert kept == lines[:items]  # a prefix of whole lines, never a half line


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_crawl_is_recovered_by_the_next_run(tmp_path: Path, seed: int) -> None:
    out = tmp_path / "store"
    script = Path(sys.executable).with_name("newsarc")
    small = ["-s", "WARC_MAX_FILE_SIZE=40000", "-s", "JSONL_MAX_ITEMS_PER_FILE=6"]
    proc = subprocess.Popen(
        [str(script), "demo", "--out", str(out), "--max-pages", "40", *small],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    # Once the first WARC file has rotated, kill at a random moment of the rest of the crawl.
    while not list(out.glob("*/warc/*.warc.gz")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 0.5))
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL  # killed, not finished
    (dead,) = [p for p in out.iterdir() if p.is_dir()]

    run = run_newsarc("demo", "--out", str(out), "--max-pages", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    leftovers = [p for p in dead.rglob("*") if p.name.endswith((".open", ".tmp"))]
    assert leftovers == []
    for warc in dead.glob("warc/*.warc.gz"):
        assert verify_warc(warc) == [], warc
    assert verify_manifest(dead) == []
    # Killed mid-crawl: the next run wrote the manifest. (A kill after the crawl's own manifest
    # was written, during shutdown, leaves nothing to recover.)
    manifest = json.loads((dead / "manifest.json").read_text())
    assert manifest["finish_reason"] in ("finished", "killed (files recovered by a later run)")
    articles, headlines = crawl_items(dead)
    for item in articles + headlines:
        assert resolves(dead, item["warc"]), item["url"]


def test_dead_crawl_without_index_or_manifest_is_completed(tmp_path: Path) -> None:
    crawl_dir = tmp_path / "dead-crawl"
    writer = WarcFileWriter(crawl_dir / "warc", "t", 10**9, {}, cdxj_enabled=False)
    writer.write_exchange(_exchange(1))
    writer.close()
    (warc,) = writer.closed_files
    (crawl_dir / "warc" / f"{warc.name[:-8]}.cdxj.tmp").write_bytes(b"half an ind")
    result = recover_crawl_dir(crawl_dir)
    assert result.failed == 0
    assert not list(crawl_dir.rglob("*.tmp"))
    assert (crawl_dir / "warc" / f"{warc.name[:-8]}.cdxj").stat().st_size > 0
    assert verify_manifest(crawl_dir) == []


@pytest.mark.slow
def test_killed_crawl_is_resumed_until_its_frontier_drains(
    tmp_path: Path, demo_server: DemoServer
) -> None:
    out = tmp_path / "store"
    script = Path(sys.executable).with_name("newsarc")
    # One request at a time, paced: the crawl takes a few seconds, so the kill lands inside it.
    options = [
        *("-s", "FRONTIER_CHECKPOINT_INTERVAL=0.3", "-s", "JSONL_MAX_ITEMS_PER_FILE=50"),
        *("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        *("-s", "DOWNLOAD_DELAY=0.04"),
    ]
    proc = subprocess.Popen(
        [str(script), "crawl", f"{demo_server.base_url}/", "--out", str(out), *options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    # Some pages in (and checkpointed), then kill -9 at a random moment of the rest.
    while (
        time.monotonic() < deadline
        and sum(p.stat().st_size for p in out.glob("*/warc/*.open")) < 40_000
    ):
        time.sleep(0.01)
    time.sleep(random.Random(7).uniform(0.4, 1.0))
    assert proc.poll() is None, "the crawl ended before the kill"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    (dead,) = [p for p in out.iterdir() if p.is_dir()]

    resumed = run_newsarc("crawl", "--resume", dead.name, "--out", str(out), *options)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "still pending" not in resumed.stderr
    crawls = sorted(p for p in out.iterdir() if p.is_dir())
    assert crawls[0] == dead and len(crawls) == 2
    assert (dead / ".frontier.sqlite").is_file() and not (dead / ".frontier.reserve").exists()
    union: set[str] = set()
    for crawl_dir in crawls:
        check_crawl_output(crawl_dir)  # each crawl's JSON Lines duplicate-free, WARCs verify
        union |= archived_paths(crawl_dir)
    expected = expected_paths(demo_server.site)
    assert union == expected  # 0 silently missing
    # Pages the ledger had marked done were not fetched again.
    assert archived_paths(crawls[1]) < expected
    again = run_newsarc("crawl", "--resume", crawls[1].name, "--out", str(out))
    assert again.returncode == 0 and "nothing to resume" in again.stderr, again.stderr


def test_a_closed_warc_failing_verification_is_quarantined_not_cut_back(tmp_path: Path) -> None:
    crawl_dir = tmp_path / "dead-crawl"
    writer = WarcFileWriter(crawl_dir / "warc", "t", 10**9, {}, cdxj_enabled=False)
    for i in range(3):
        writer.write_exchange(_exchange(i))
    writer.close()
    (warc,) = writer.closed_files
    damaged = bytearray(warc.read_bytes())
    damaged[len(damaged) // 2 : len(damaged) // 2 + 64] = bytes(64)  # bad sectors, mid-file
    warc.write_bytes(bytes(damaged))
    result = recover_crawl_dir(crawl_dir)
    assert result.failed == 0
    moved = crawl_dir / ".quarantine" / "warc" / warc.name
    assert result.quarantined == [moved]
    assert moved.read_bytes() == bytes(damaged), "moved as it was, never cut back"
    assert not warc.exists()
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    assert manifest["files"] == []
    ((entry),) = manifest["quarantined"]
    assert entry["path"] == f"warc/{warc.name}" and "corrupt" in entry["reason"]
    assert verify_manifest(crawl_dir) == []


def _items_tmp(crawl_dir: Path, lines: list[bytes]) -> Path:
    (crawl_dir / "items").mkdir(parents=True, exist_ok=True)
    tmp = crawl_dir / "items" / "articles-00000.jsonl.gz.tmp"
    with gzip.open(tmp, "wb") as fh:
        fh.writelines(lines)
    return tmp


def test_a_jsonl_file_recovery_could_not_close_is_kept(tmp_path: Path) -> None:
    # A file under the final name already exists: the .tmp cannot be closed, and its lines are
    # nowhere else. Before the fix, the clean-up of derived .tmp files deleted it.
    crawl_dir = tmp_path / "c1"
    tmp = _items_tmp(
        crawl_dir, [b'{"type": "article", "n": 1}\n', b'{"type": "article", "n": 2}\n']
    )
    before = tmp.read_bytes()
    final = crawl_dir / "items" / "articles-00000.jsonl.gz"
    final.write_bytes(gzip.compress(b'{"type": "article", "n": 0}\n'))
    (crawl_dir / "manifest.json.tmp").write_text("{")
    (crawl_dir / "warc").mkdir()
    (crawl_dir / "warc" / "x.cdxj.tmp").write_text("half")
    result = recover_crawl_dir(crawl_dir, cdxj=False)
    assert result.failed == 1 and result.jsonl_files == 0
    assert tmp.read_bytes() == before  # kept as it was, for a later recovery
    assert gzip.decompress(final.read_bytes()) == b'{"type": "article", "n": 0}\n'
    assert not (crawl_dir / "manifest.json.tmp").exists()  # derived files are still removed
    assert not (crawl_dir / "warc" / "x.cdxj.tmp").exists()
    assert sorted(p.name for p in (crawl_dir / "items").iterdir()) == [final.name, tmp.name]


def test_the_frontier_reserve_makes_room_to_recover_jsonl(tiny_disk: Path) -> None:
    # The crawl died with the disk full but for its frontier reserve: the reserve is what gives
    # recovery the room to rewrite the JSON Lines file, so it goes first.
    crawl_dir = tiny_disk / "c1"
    rng = random.Random(3)
    lines = [
        json.dumps({"type": "article", "n": n, "text": rng.randbytes(300).hex()}).encode() + b"\n"
        for n in range(100)
    ]
    tmp = _items_tmp(crawl_dir, lines)
    free = os.statvfs(tiny_disk)
    with (crawl_dir / RESERVE_NAME).open("wb") as fh:  # fill the disk but for a page or two
        os.posix_fallocate(fh.fileno(), 0, free.f_bavail * free.f_frsize - 8192)
    assert tmp.stat().st_size > 8192
    result = recover_crawl_dir(crawl_dir, cdxj=False)
    assert result.failed == 0 and result.items == 100, result
    assert not (crawl_dir / RESERVE_NAME).exists() and not tmp.exists()
    with gzip.open(crawl_dir / "items" / "articles-00000.jsonl.gz") as fh:
        assert fh.readlines() == lines


def test_resume_refuses_a_crawl_whose_files_could_not_be_recovered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    crawl_dir = store / "20260101T000000Z-x-aaaa"
    crawl_dir.mkdir(parents=True)
    ledger = FrontierLedger(crawl_dir / FRONTIER_NAME, crawl_dir.name)
    ledger.set_meta({"start_urls": ["http://127.0.0.1:9/"], "name": "x"})
    ledger.add(Entry("http://127.0.0.1:9/"))
    ledger.checkpoint()
    ledger.close()
    tmp = _items_tmp(crawl_dir, [b'{"type": "article", "n": 1}\n'])
    (crawl_dir / "items" / "articles-00000.jsonl.gz").write_bytes(gzip.compress(b""))
    assert main(["crawl", "--resume", str(crawl_dir)]) == 1  # in this process: stops early
    err = capsys.readouterr().err
    assert err.endswith("\n") and "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith("newsarc: crawl failed: --resume: 1 file(s) of crawl"), err
    assert "could not be recovered" in last
    assert tmp.exists()
    assert sorted(p.name for p in store.iterdir()) == [crawl_dir.name]  # nothing started
