"""Fixtures for whole-archive tests: a moto S3 server (restartable) per test, crawls to it; the
demo site and helpers for crawls that stop early and are resumed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from crawler.warc.writer import HttpExchange, verify_warc
from tests.conftest import ROOT, Run, crawl_items, run_newsarc
from tests.store.s3_server import MotoS3


@pytest.fixture
def s3_server() -> Iterator[MotoS3]:
    server = MotoS3().start()
    yield server
    server.stop()


def start_newsarc_s3(
    server: MotoS3, store_uri: str, spool: Path, *args: str
) -> subprocess.Popen[str]:
    """Start ``newsarc ARGS… --out STORE_URI`` (the real console script) against ``server``.

    Files are spooled in ``spool`` (the same directory for every run, as on one machine) and
    uploaded every 0.3 s. The process runs on while the test stops or restarts the server.
    """
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.Popen(
        [
            str(script),
            *args,
            "--out",
            store_uri,
            "-s",
            f"NEWSARC_SPOOL_DIR={spool}",
            "-s",
            "STORE_UPLOAD_INTERVAL=0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=server.env(),
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for a process from :func:`start_newsarc_s3`; its exit code and output."""
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


# --- crawls that stop early and are resumed (crawler/frontier/) -------------------------------


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The demo site, served for the whole session: a resume must find the same address."""
    with DemoServer(DemoSite()) as server:
        yield server


def expected_paths(site: DemoSite) -> set[str]:
    """Every path a complete crawl of the demo site archives (but robots.txt): its pages,
    listings, feed and sitemap; not the page robots.txt forbids, not images or static files."""
    return set(site.paths()) - {"/private/secret.html", "/robots.txt"} - set(site._files)


def archived_paths(crawl_dir: Path) -> set[str]:
    """Paths of the response records in a crawl's WARC files (robots.txt left out)."""
    paths = set()
    for warc in crawl_dir.glob("warc/*.warc.gz"):
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    path = urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path
                    paths.add(path)
    return paths - {"/robots.txt"}


def resolves(crawl_dir: Path, ref: dict[str, Any]) -> bool:
    """Whether an item's ``warc`` reference points at the record it names."""
    with (crawl_dir / "warc" / ref["filename"]).open("rb") as fh:
        fh.seek(ref["offset"])
        data = fh.read(ref["length"])
    record = next(iter(ArchiveIterator(BytesIO(data))))
    return bool(record.rec_headers.get_header("WARC-Record-ID") == ref["record_id"])


def check_crawl_output(crawl_dir: Path) -> None:
    """Every WARC verifies; items are duplicate-free and their provenance resolves."""
    for warc in crawl_dir.glob("warc/*.warc.gz"):
        assert verify_warc(warc) == [], warc
    assert not list(crawl_dir.glob("warc/*.open"))
    articles, headlines = crawl_items(crawl_dir)
    urls = [item["url"] for item in articles]
    assert len(urls) == len(set(urls)), crawl_dir
    keys = [(h["source_url"], h["block"], h["position"], h["url"]) for h in headlines]
    assert len(keys) == len(set(keys)), crawl_dir
    for item in articles + headlines:
        assert item["warc"] is not None and resolves(crawl_dir, item["warc"]), item["url"]


_RESUME = re.compile(r"newsarc crawl --resume (\S+) --out (\S+)")
_PENDING = re.compile(r"(\d+) URLs of crawl (\S+) are still pending")


def resume_command(run: Run) -> list[str]:
    """The resume command the run printed on stderr (its pending count must be there too)."""
    pending = _PENDING.search(run.stderr)
    assert pending and int(pending.group(1)) > 0, run.stderr
    match = _RESUME.search(run.stderr)
    assert match, run.stderr
    return ["crawl", "--resume", match.group(1), "--out", match.group(2)]


def resume_until_drained(first: Run, *extra: str, limit: int = 6) -> list[Run]:
    """Run the printed resume command until a run exits 0 with nothing pending."""
    runs: list[Run] = []
    last = first
    for _ in range(limit):
        run = run_newsarc(*resume_command(last), *extra)
        runs.append(run)
        if run.returncode == 0 and "still pending" not in run.stderr:
            return runs
        last = run
    raise AssertionError(f"not drained after {limit} resumes: {runs[-1].stderr}")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 160 KiB tmpfs (remount it to resize); skips the test where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def sample_exchange(i: int, body: bytes) -> HttpExchange:
    """A plain 200 exchange for http://example.test/<i>, for writer-level archive tests."""
    return HttpExchange(
        url=f"http://example.test/{i}",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        method="GET",
        request_target=f"/{i}",
        request_headers=[("Host", "example.test")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html")],
        response_body=body,
    )
