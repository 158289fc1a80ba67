"""newsarc run with an s3:// store (moto's server): state and report go beside the data, and a
new machine (no local state) carries on from the state in the store."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from tests.conftest import ROOT
from tests.run.test_run import FAST, _articles, _assert_files_valid, _jobs, _site
from tests.sites.changing_site import ChangingSite
from tests.store.s3_server import MotoS3


def _run(jobs: Path, s3: MotoS3) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.run(
        [str(script), "run", str(jobs)],
        cwd=ROOT,
        env=s3.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_state_in_the_store_lets_a_new_machine_carry_on(tmp_path: Path, run_s3: MotoS3) -> None:
    bucket = run_s3.new_bucket("run-state")
    site = ChangingSite(n=4)
    with SiteServer(site.handle) as server:
        settings = {**FAST, "NEWSARC_SPOOL_DIR": str(tmp_path / "spool")}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)], store=f"s3://{bucket}/news")
        first = _run(jobs, run_s3)
        assert first.returncode == 0, first.stderr
        keys = run_s3.keys(bucket)
        assert "news/_state/news/changing.sqlite" in keys
        (report_key,) = [k for k in keys if k.startswith("news/_runs/news/")]
        body = run_s3.client().get_object(Bucket=bucket, Key=report_key)["Body"].read()
        assert json.loads(body)["sites"][0]["articles"] == 4
        assert any(k.endswith("/manifest.json") for k in keys)

        shutil.rmtree(tmp_path / "state")  # a new machine: no local state
        site.advance()
        server.clear_requests()
        second = _run(jobs, run_s3)
        assert second.returncode == 0, second.stderr
        # Articles 1-4 are known from the stored state; 2 was edited; 5 and 6 are new.
        assert ChangingSite.article_requests(server.requested_paths) == {2: 1, 5: 1, 6: 1}


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_unreachable_store_exits_4_and_the_next_run_uploads_the_spool(
    tmp_path: Path, run_s3: MotoS3
) -> None:
    bucket = run_s3.new_bucket("run-down")
    site = ChangingSite(n=3)
    spool = tmp_path / "spool"
    with SiteServer(site.handle) as server:
        settings = {**FAST, "NEWSARC_SPOOL_DIR": str(spool)}
        jobs = _jobs(tmp_path, [_site(server, settings=settings)], store=f"s3://{bucket}/news")
        down = MotoS3()
        down.port = _closed_port()  # the same client settings, pointed at a closed port
        first = _run(jobs, down)
        assert first.returncode == 4, first.stderr
        assert "storage problems" in first.stderr and "pending upload" in first.stderr
        assert run_s3.keys(bucket) == []  # nothing reached the store
        # The spool keeps the crawl's files, closed and valid; the report is kept locally.
        (crawl_dir,) = [p for p in spool.rglob("*-changing-*") if p.is_dir()]
        _assert_files_valid(crawl_dir)
        assert len(_articles(crawl_dir)) == 3
        (local_report,) = (tmp_path / "state" / "runs" / "news").glob("*.json")
        report = json.loads(local_report.read_text())
        assert report["exit_code"] == 4 and report["storage_problems"]
        assert any("pending upload" in p for p in report["sites"][0]["problems"])

        second = _run(jobs, run_s3)  # the store is back
    assert second.returncode == 0, second.stderr
    keys = run_s3.keys(bucket)
    # The first run's files are uploaded (manifest last) and gone from the spool.
    first_crawl = f"news/{crawl_dir.name}/"
    assert f"{first_crawl}manifest.json" in keys
    assert any(k.startswith(f"{first_crawl}warc/") and k.endswith(".warc.gz") for k in keys)
    assert any(k.startswith(f"{first_crawl}items/articles-") for k in keys)
    left = {p.name for p in crawl_dir.rglob("*") if p.is_file()}
    assert not {n for n in left if n.endswith((".warc.gz", ".jsonl.gz", "manifest.json"))}, left
    assert "news/_state/news/changing.sqlite" in keys
