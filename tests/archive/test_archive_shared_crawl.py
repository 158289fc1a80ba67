"""One crawl, many writers (crawler/frontier/workers.py): workers of one crawl on a shared Redis
frontier store their own manifests and logs, and the last one stores the crawl's one
``manifest.json``; a crawl whose worker died has none and is called incomplete; ``--max-pages``
is the crawl's, not each worker's. Real ``newsarc`` processes, a real redis-server, moto's S3
server and a local site that counts what it serves."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from crawler.manifest import MANIFEST_NAME
from tests.conftest import ROOT, run_newsarc
from tests.store.s3_server import MotoS3
from tests.test_frontier_scheduler import FAST, Site, _crawl_key, _finish, _start


def _join(
    redis_url: str, key: str, out: str, worker: str, log: Path, *extra: str
) -> subprocess.Popen[bytes]:
    return _start(
        "worker", "--frontier", f"{redis_url}/{key}", "--out", out, "--worker-id", worker,
        *FAST, *extra, log=log,
    )  # fmt: skip


def _kill_doomed_and_finish_survivor(
    redis_url: str, site: Site, out: Path, tmp_path: Path
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Worker "doomed" starts the crawl and is SIGKILLed once it holds leases; worker
    "survivor" joins and runs to its end. Returns the crawl's key and the survivor's run."""
    lease = 3.0
    first = _start(
        "crawl", site.url(), "--out", str(out), "--frontier", f"{redis_url}?lease={lease}",
        "-s", "NEWSARC_WORKER_ID=doomed", *FAST, "-s", "FRONTIER_LEASE_BATCH=4",
        log=tmp_path / "doomed.log",
    )  # fmt: skip
    key = _key(redis_url)
    client = redis.Redis.from_url(redis_url)
    try:
        leases_key = f"newsarc:frontier:{{{key}}}:leases"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and client.zcard(leases_key) < 2:
            time.sleep(0.05)
        assert client.zcard(leases_key) >= 2, "the first worker never held leases"
    finally:
        client.close()
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    second = _join(redis_url, key, str(out), "survivor", tmp_path / "survivor.log")
    return key, _finish(second, tmp_path / "survivor.log")


def _key(redis_url: str) -> str:
    client = redis.Redis.from_url(redis_url)
    try:
        return _crawl_key(client)
    finally:
        client.close()


def test_two_workers_in_one_local_directory_store_one_manifest_of_both(
    redis_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "store"
    with Site(delay=0.3, hosts=("127.0.0.1", "127.0.0.2")) as site:
        first = _start(
            "crawl", site.url(0), site.url(1), "--out", str(out), "--frontier", redis_url,
            "-s", "NEWSARC_WORKER_ID=one", *FAST, "-s", "FRONTIER_MAX_HOSTS=1",
            log=tmp_path / "one.log",
        )  # fmt: skip
        key = _key(redis_url)
        second = _join(redis_url, key, str(out), "two", tmp_path / "two.log",
                       "-s", "FRONTIER_MAX_HOSTS=1")  # fmt: skip
        one, two = _finish(first, tmp_path / "one.log"), _finish(second, tmp_path / "two.log")
    assert one.returncode == 0, one.stdout[-3000:]
    assert two.returncode == 0, two.stdout[-3000:]
    crawl = out / key
    assert sorted(p.name for p in (crawl / "manifests").iterdir()) == ["one.json", "two.json"]
    assert {p.name for p in (crawl / "logs").glob("crawl*.log")} == {
        "crawl-one.log",
        "crawl-two.log",
    }
    manifest = json.loads((crawl / MANIFEST_NAME).read_text())
    assert sorted(manifest["workers"]) == ["one", "two"]
    paths = {e["path"] for e in manifest["files"]}
    assert {"manifests/one.json", "manifests/two.json"} <= paths
    for worker in ("one", "two"):  # each worker's WARC and items are in the one manifest
        assert any(p.startswith(f"warc/newsarc-{worker}-") for p in paths), paths
        assert any(p.startswith(f"items/articles-{worker}-") for p in paths), paths
    assert set(site.fetched()) == site.pages
    assert manifest["counts"]["pages_fetched"] == len(site.pages)
    verify = run_newsarc("datasets", "verify", str(out))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    listed = run_newsarc("datasets", "list", str(out), "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["crawl_id"] == key and row["complete"] and row["manifest"], row
    status = run_newsarc("frontier", "status", f"{redis_url}/{key}")
    assert "workers: one finished, two finished" in status.stdout, status.stdout
    assert f"manifest: {out}/{key}/{MANIFEST_NAME}" in status.stdout, status.stdout


def test_two_workers_to_s3_one_complete_manifest_listing_both_workers_files(
    redis_url: str, tmp_path: Path, s3_server: MotoS3
) -> None:
    bucket = s3_server.new_bucket()
    store = f"s3://{bucket}/runs"
    env = s3_server.env()
    script = str(Path(sys.executable).with_name("newsarc"))

    def start(*args: str, spool: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as fh:
            return subprocess.Popen(
                [script, *args, "--out", store, *FAST, "-s", f"NEWSARC_SPOOL_DIR={spool}",
                 "-s", "STORE_UPLOAD_INTERVAL=0.3"],
                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
            )  # fmt: skip

    with Site(delay=0.3, hosts=("127.0.0.1", "127.0.0.2")) as site:
        first = start(
            "crawl", site.url(0), site.url(1), "--frontier", redis_url,
            "-s", "NEWSARC_WORKER_ID=one", "-s", "FRONTIER_MAX_HOSTS=1",
            spool=str(tmp_path / "spool1"), log=tmp_path / "one.log",
        )  # fmt: skip
        key = _key(redis_url)
        second = start(
            "worker", "--frontier", f"{redis_url}/{key}", "--worker-id", "two",
            "-s", "FRONTIER_MAX_HOSTS=1", spool=str(tmp_path / "spool2"), log=tmp_path / "two.log",
        )  # fmt: skip
        one, two = _finish(first, tmp_path / "one.log"), _finish(second, tmp_path / "two.log")
    assert one.returncode == 0, one.stdout[-3000:]
    assert two.returncode == 0, two.stdout[-3000:]
    client = s3_server.client()
    keys = set(s3_server.keys(bucket, f"runs/{key}/"))
    manifest = json.loads(
        client.get_object(Bucket=bucket, Key=f"runs/{key}/{MANIFEST_NAME}")["Body"].read()
    )
    assert sorted(manifest["workers"]) == ["one", "two"]
    paths = {e["path"] for e in manifest["files"]}
    for worker in ("one", "two"):
        assert any(p.startswith(f"warc/newsarc-{worker}-") for p in paths), paths
        assert f"manifests/{worker}.json" in paths
        assert f"logs/crawl-{worker}.log" in paths
    assert {f"runs/{key}/{p}" for p in paths} <= keys  # every file listed is stored
    verify = run_newsarc("datasets", "verify", store, env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    listed = run_newsarc("datasets", "list", store, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "complete" in listed.stdout and "incomplete" not in listed.stdout, listed.stdout


def test_a_killed_worker_leaves_the_crawl_without_manifest_and_list_verify_say_incomplete(
    redis_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "store"
    with Site(delay=0.3) as site:
        key, two = _kill_doomed_and_finish_survivor(redis_url, site, out, tmp_path)
    assert two.returncode == 0, two.stdout[-3000:]
    crawl = out / key
    assert (crawl / "manifests" / "survivor.json").is_file()
    assert not (crawl / MANIFEST_NAME).exists()  # a worker never finished: no crawl manifest
    listed = run_newsarc("datasets", "list", str(out))
    assert "incomplete" in listed.stdout and "doomed" in listed.stdout, listed.stdout
    verify = run_newsarc("datasets", "verify", str(out))
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert "incomplete" in verify.stderr and "doomed" in verify.stderr, verify.stderr
    show = run_newsarc("datasets", "show", str(out), key)
    assert show.returncode == 0, show.stderr
    assert "state            incomplete" in show.stdout and "doomed" in show.stdout, show.stdout


def test_max_pages_is_the_crawls_budget_across_workers(redis_url: str, tmp_path: Path) -> None:
    budget = 8
    with Site(delay=0.3, hosts=("127.0.0.1", "127.0.0.2")) as site:
        first = _start(
            "crawl", site.url(0), site.url(1), "--out", str(tmp_path / "m1"),
            "--frontier", redis_url, "--max-pages", str(budget), *FAST,
            "-s", "FRONTIER_MAX_HOSTS=1", log=tmp_path / "m1.log",
        )  # fmt: skip
        key = _key(redis_url)
        second = _join(redis_url, key, str(tmp_path / "m2"), "second", tmp_path / "m2.log",
                       "-s", "FRONTIER_MAX_HOSTS=1")  # fmt: skip
        one, two = _finish(first, tmp_path / "m1.log"), _finish(second, tmp_path / "m2.log")
    assert one.returncode == 0, one.stdout[-3000:]
    assert two.returncode == 0, two.stdout[-3000:]
    fetched = sum(site.fetched().values())
    assert 0 < fetched <= budget, site.fetched()
    assert len(site.pages) > 2 * budget  # without a shared budget far more would be fetched


def test_frontier_lost_gives_up_on_a_killed_worker_and_stores_the_crawls_manifest(
    redis_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "store"
    with Site(delay=0.3) as site:
        key, two = _kill_doomed_and_finish_survivor(redis_url, site, out, tmp_path)
        client = redis.Redis.from_url(redis_url)
        try:
            assert two.returncode == 0, two.stdout[-3000:]
            crawl = out / key
            assert not (crawl / MANIFEST_NAME).exists()
            uri = f"{redis_url}/{key}"

            def lost(worker: str) -> subprocess.CompletedProcess[str]:
                return run_newsarc("frontier", "lost", worker, "--frontier", uri, "--out", str(out))

            for worker, why in (("nobody", "not on the roster"), ("survivor", "finished")):
                refused = lost(worker)
                assert refused.returncode == 2, refused.stdout + refused.stderr
                assert why in refused.stderr and len(refused.stderr.splitlines()) == 1
            claim = f"newsarc:frontier:{{{key}}}:crawl:{key}:merge_claim"
            client.set(claim, "someone-merging")
            refused = lost("doomed")
            assert refused.returncode == 2 and "merging" in refused.stderr, refused.stderr
            client.delete(claim)
            status = run_newsarc("frontier", "status", uri)
            assert "doomed running" in status.stdout, status.stdout  # refusals changed nothing
            given_up = lost("doomed")
            assert given_up.returncode == 0, given_up.stdout + given_up.stderr
            assert "stored the crawl's manifest" in given_up.stdout, given_up.stdout
            status = run_newsarc("frontier", "status", uri)
            assert "doomed lost, survivor finished" in status.stdout, status.stdout
        finally:
            client.close()
    manifest = json.loads((crawl / MANIFEST_NAME).read_text())
    assert sorted(manifest["workers"]) == ["survivor"]
    assert sorted(manifest["workers_lost"]) == ["doomed"]
    assert not any("doomed" in e["path"] for e in manifest["files"]), manifest["files"]
    assert set(site.fetched()) == site.pages  # the killed worker's leases went back
    verify = run_newsarc("datasets", "verify", str(out))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "doomed" in verify.stdout, verify.stdout
    listed = run_newsarc("datasets", "list", str(out))
    assert "complete" in listed.stdout and "incomplete" not in listed.stdout, listed.stdout
    assert "doomed" in listed.stdout, listed.stdout
    again = run_newsarc("frontier", "lost", "doomed", "--frontier", uri, "--out", str(out))
    assert again.returncode == 2 and "is stored" in again.stderr, again.stderr
