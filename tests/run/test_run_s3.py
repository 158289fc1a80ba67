"""newsarc run with an s3:// store (moto's server): state and report go beside the data, and a
new machine (no local state) carries on from the state in the store."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

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


def _reset_auth(server: MotoS3, free_requests: float) -> None:
    """moto: let the next ``free_requests`` requests through, then enforce IAM (inf: off).
    The run's key ``testing`` is no IAM user's, so every request then gets a 403."""
    request = urllib.request.Request(
        f"{server.endpoint}/moto-api/reset-auth",
        data=str(free_requests).encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _response_uris(warcs: list[Path] | list[bytes]) -> set[str]:
    uris = set()
    for warc in warcs:
        data = warc.read_bytes() if isinstance(warc, Path) else warc
        for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
            if record.rec_type == "response":
                uris.add(record.rec_headers.get_header("WARC-Target-URI"))
            record.content_stream().read()
    return uris


@pytest.mark.slow
@pytest.mark.parametrize("outage", ["stopped", "refusing"])
def test_store_lost_mid_run_keeps_every_file_exits_4_and_the_next_run_uploads_them_first(
    tmp_path: Path, outage: str
) -> None:
    """The store goes away (its server stops) or starts refusing (403) while a site's crawl is
    uploading: every file the crawl wrote is either stored or still in the spool, the run exits
    4 and says so in its report (kept locally), and the next run, with the store back, uploads
    the spooled files before its own, and the kept report too."""
    s3 = MotoS3().start()
    try:
        bucket = s3.new_bucket("run-lost")
        spool = tmp_path / "spool"
        site = ChangingSite(slow=0.3)
        site.hold_after = 3  # the other 5 articles wait for the outage, however loaded the machine
        with SiteServer(site.handle) as server:
            settings = {
                **FAST,
                "NEWSARC_SPOOL_DIR": str(spool),
                "STORE_UPLOAD_INTERVAL": 0.2,
                "WARC_MAX_FILE_SIZE": 4000,  # a new WARC every page or two: uploads mid-run
                "JSONL_MAX_ITEMS_PER_FILE": 2,
                "CONCURRENT_REQUESTS": 1,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            }
            jobs = _jobs(tmp_path, [_site(server, settings=settings)], store=f"s3://{bucket}/news")
            script = Path(sys.executable).with_name("newsarc")
            running = subprocess.Popen(
                [str(script), "run", str(jobs)],
                cwd=ROOT,
                env=s3.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                deadline = time.monotonic() + 60
                while not any("/warc/" in k for k in s3.keys(bucket)):
                    assert running.poll() is None, running.communicate()
                    assert time.monotonic() < deadline, "no WARC was uploaded mid-run"
                    time.sleep(0.1)
                stored_before = s3.keys(bucket)
                if outage == "stopped":
                    s3.stop()
                else:
                    _reset_auth(s3, 0)
                # The crawl was still going when the store went away.
                assert sum(ChangingSite.article_requests(server.requested_paths).values()) < 8
                site.released.set()
                _, stderr = running.communicate(timeout=120)
            finally:
                if running.poll() is None:
                    running.kill()
                    running.wait()
            fetched = {server.url(p) for p in server.requested_paths if p.startswith("/news/")}
            assert running.returncode == 4, stderr
            assert "storage problems" in stderr and "pending upload" in stderr, stderr
            # The report could not go to the store: it is kept in the state directory.
            (kept_report,) = (tmp_path / "state" / "runs" / "news").glob("*.json")
            report = json.loads(kept_report.read_text())
            assert report["exit_code"] == 4 and report["storage_problems"]
            (line,) = report["sites"]
            assert any("pending upload" in p for p in line["problems"]), line["problems"]
            assert line["articles"] == 8

            # Every fetched page is in a WARC: stored before the outage, or kept in the spool.
            (crawl_dir,) = [p for p in spool.rglob("*-changing-*") if p.is_dir()]
            _assert_files_valid(crawl_dir)
            spooled_warcs = sorted((crawl_dir / "warc").glob("*.warc.gz"))
            assert spooled_warcs, "the files written after the outage are in the spool"
            if outage == "stopped":
                s3.start()  # the same port, the same buckets
            else:
                _reset_auth(s3, float("inf"))
            client = s3.client()
            assert any(k.endswith(".warc.gz") for k in stored_before)
            # What the store holds now: an upload under way when the store went away may have
            # finished after ``stored_before`` was listed (the file is then not in the spool).
            stored_warcs = [
                client.get_object(Bucket=bucket, Key=k)["Body"].read()
                for k in s3.keys(bucket, f"news/{crawl_dir.name}/")
                if k.endswith(".warc.gz")
            ]
            assert fetched <= _response_uris(spooled_warcs) | _response_uris(stored_warcs)

            site.advance()
            second = _run(jobs, s3)
        assert second.returncode == 0, second.stderr
        keys = s3.keys(bucket)
        first_crawl = crawl_dir.name
        # The first crawl is complete in the store: its manifest lists every file, all there.
        manifest = json.loads(
            client.get_object(Bucket=bucket, Key=f"news/{first_crawl}/manifest.json")["Body"].read()
        )
        listed = {f"news/{first_crawl}/{f['path']}" for f in manifest["files"]}
        assert listed <= set(keys), listed - set(keys)
        assert sum(f.get("items", 0) for f in manifest["files"] if "articles-" in f["path"]) == 8
        assert not list(crawl_dir.rglob("*.warc.gz")) and not list(crawl_dir.rglob("*.jsonl.gz"))
        # Uploaded first: the second crawl's log stores the first crawl's files before its own.
        second_dir = sorted(p for p in spool.rglob("*-changing-*") if p.is_dir())[-1]
        # The whole log: crawl.log ends at the manifest, closing.log has the last upload pass.
        log = "".join(
            (second_dir / "logs" / name).read_text(encoding="utf-8")
            for name in ("crawl.log", "closing.log")
            if (second_dir / "logs" / name).exists()
        )
        stored = [ln for ln in log.splitlines() if "Stored " in ln and "SHA-256 verified" in ln]
        mine = [i for i, ln in enumerate(stored) if f"Stored {second_dir.name}/" in ln]
        theirs = [i for i, ln in enumerate(stored) if f"Stored {first_crawl}/" in ln]
        assert theirs and mine and max(theirs) < min(mine), stored
        # The report the store refused is in the store now, beside the second one.
        reports = [k for k in keys if k.startswith("news/_runs/news/")]
        assert f"news/_runs/news/{kept_report.name}" in reports and len(reports) == 2
        assert not kept_report.exists()
        assert "news/_state/news/changing.sqlite" in keys
    finally:
        with contextlib.suppress(Exception):
            _reset_auth(s3, float("inf"))
        s3.stop()


def _stored_articles(s3: MotoS3, bucket: str, crawl_id: str) -> set[str]:
    client = s3.client()
    urls = set()
    for key in s3.keys(bucket, f"news/{crawl_id}/items/articles-"):
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        urls.update(json.loads(line)["url"] for line in gzip.decompress(body).splitlines())
    return urls


@pytest.mark.slow
def test_sigterm_with_an_s3_store_stores_what_was_fetched_and_the_next_run_carries_on(
    tmp_path: Path, run_s3: MotoS3
) -> None:
    bucket = run_s3.new_bucket("run-term")
    site = ChangingSite(slow=0.4)
    spool = tmp_path / "spool"
    with SiteServer(site.handle) as server:
        settings = {
            **FAST,
            "NEWSARC_SPOOL_DIR": str(spool),
            "CONCURRENT_REQUESTS": 1,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        }
        jobs = _jobs(
            tmp_path, [_site(server, settings=settings)], store=f"s3://{bucket}/news", grace="20s"
        )
        script = Path(sys.executable).with_name("newsarc")
        running = subprocess.Popen(
            [str(script), "run", str(jobs)],
            cwd=ROOT,
            env=run_s3.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while sum(ChangingSite.article_requests(server.requested_paths).values()) < 2:
                assert running.poll() is None, running.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            running.send_signal(signal.SIGTERM)
            _, stderr = running.communicate(timeout=60)
        finally:
            if running.poll() is None:
                running.kill()
                running.wait()
        assert running.returncode == 5, stderr
        # Stopped gracefully: its files closed, verified and stored, the manifest last; the
        # spool holds nothing of it but logs and bookkeeping; the state and report stored.
        (crawl_dir,) = [p for p in spool.rglob("*-changing-*") if p.is_dir()]
        keys = run_s3.keys(bucket)
        assert f"news/{crawl_dir.name}/manifest.json" in keys
        assert not list(crawl_dir.rglob("*.warc.gz")) and not list(crawl_dir.rglob("*.jsonl.gz"))
        assert "news/_state/news/changing.sqlite" in keys
        (report_key,) = [k for k in keys if k.startswith("news/_runs/news/")]
        report = json.loads(
            run_s3.client().get_object(Bucket=bucket, Key=report_key)["Body"].read()
        )
        assert report["interrupted"] and report["exit_code"] == 5
        first = _stored_articles(run_s3, bucket, crawl_dir.name)
        assert 0 < len(first) < 8

        site.slow = 0.0
        again = _run(jobs, run_s3)
    assert again.returncode == 0, again.stderr
    latest = sorted(p for p in spool.rglob("*-changing-*") if p.is_dir())[-1]
    second = _stored_articles(run_s3, bucket, latest.name)
    assert first.isdisjoint(second) and len(first | second) == 8
