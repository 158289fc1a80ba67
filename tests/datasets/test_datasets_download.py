"""``newsarc datasets download`` (crawler/datasets/download.py): filters, verification,
resuming after SIGKILL, tampered objects and hostile keys, from a local store and from S3."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.cli import main
from crawler.store.s3 import S3Store
from tests.conftest import ROOT
from tests.datasets.conftest import Crawls, put_crawls
from tests.store.s3_server import MotoS3


def _manifest(root: Path, crawl_id: str) -> dict[str, Any]:
    return dict(json.loads((root / crawl_id / "manifest.json").read_text()))


def _files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".")
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("where", ["local", "s3"])
def test_download_all_verifies_and_writes_a_dataset_card(
    where: str,
    crawls: Crawls,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = str(crawls.root) if where == "local" else request.getfixturevalue("s3_store")
    target = tmp_path / "dl"
    assert main(["datasets", "download", store, "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "4 crawl(s)" in out and "0 problem(s)" in out
    expected = {"README.md", "CITATION.cff"}
    for crawl_id in crawls.ids:
        manifest = _manifest(crawls.root, crawl_id)
        # The manifest is copied byte for byte, every file it lists is there with its hash.
        assert (target / crawl_id / "manifest.json").read_bytes() == (
            crawls.root / crawl_id / "manifest.json"
        ).read_bytes()
        expected.add(f"{crawl_id}/manifest.json")
        for entry in manifest["files"]:
            expected.add(f"{crawl_id}/{entry['path']}")
            assert _sha(target / crawl_id / entry["path"]) == entry["sha256"]
    assert _files(target) == expected
    assert not (target / ".newsarc-partial").exists()
    assert main(["datasets", "verify", str(target)]) == 0

    card = (target / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert {c["config_name"] for c in front["configs"]} == {"articles", "headlines"}
    assert "news" in front["tags"]
    total = sum(_manifest(crawls.root, c)["counts"]["articles"] for c in crawls.ids)
    assert f"**articles** {total}" in card
    assert store in card
    citation = yaml.safe_load((target / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "dataset"
    assert citation["title"] and citation["authors"]

    # A second call fetches nothing; a damaged or missing file is fetched again.
    some = next(p for p in (target / crawls.first / "items").iterdir())
    some.write_bytes(b"damaged")
    (target / crawls.plain / "manifest.json").unlink()
    cdxj = next((target / crawls.rerun / "warc").glob("*.cdxj"))
    cdxj.unlink()
    assert main(["datasets", "download", store, "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "2 file(s) fetched" in out and f"{len(expected) - 2 - 4 - 2} already there" in out
    assert main(["datasets", "verify", str(target)]) == 0


@pytest.mark.parametrize("kind", ["articles", "headlines", "warc"])
def test_download_by_type(
    kind: str, crawls: Crawls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "dl"
    assert (
        main(["datasets", "download", str(crawls.root), "--to", str(target), "--type", kind]) == 0
    )
    got = {p for p in _files(target) if "/" in p and not p.endswith("/manifest.json")}
    want = set()
    for crawl_id in crawls.ids:
        for entry in _manifest(crawls.root, crawl_id)["files"]:
            name = entry["path"].rsplit("/", 1)[-1]
            if (kind == "warc" and entry["kind"] in ("warc", "cdxj")) or (
                entry["kind"] == "items" and name.startswith(kind)
            ):
                want.add(f"{crawl_id}/{entry['path']}")
    assert got == want and want
    # Verification knows what was asked for: the WARC files are not "missing".
    assert main(["datasets", "verify", str(target)]) == 0, capsys.readouterr().err


def test_download_by_site_and_time(
    crawls: Crawls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def crawled(*args: str, ids: tuple[str, ...] = ()) -> set[str]:
        target = tmp_path / f"dl{len(list(tmp_path.iterdir()))}"
        code = main(["datasets", "download", str(crawls.root), *ids, "--to", str(target), *args])
        assert code == 0, capsys.readouterr().err
        return {p.parent.name for p in target.glob("*/manifest.json")}

    assert crawled("--site", "demo") == {crawls.first, crawls.resumed, crawls.rerun}
    assert crawled("--site", "127.0.0.1") == set(crawls.ids)  # the host of every crawl
    assert crawled("--site", "elsewhere.example") == set()
    rerun = _manifest(crawls.root, crawls.rerun)
    resumed = _manifest(crawls.root, crawls.resumed)
    assert crawled("--since", rerun["started_at"]) == {crawls.rerun, crawls.plain}
    assert crawled("--until", resumed["finished_at"]) == {crawls.first, crawls.resumed}
    assert crawled("--since", resumed["started_at"], "--until", rerun["finished_at"]) == {
        crawls.resumed,
        crawls.rerun,
    }
    assert crawled("--until", "2000-01-01") == set()
    assert crawled(ids=(crawls.plain, crawls.first)) == {crawls.plain, crawls.first}
    assert main(["datasets", "download", str(crawls.root), "nope", "--to", str(tmp_path)]) == 2


def test_tampered_object_is_rejected_and_its_partial_removed(
    crawls: Crawls,
    s3_store: str,
    aws_env: MotoS3,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = s3_store.split("/")[2]
    entry = next(e for e in _manifest(crawls.root, crawls.first)["files"] if e["kind"] == "warc")
    key = f"runs/{crawls.first}/{entry['path']}"
    data = bytearray(aws_env.client().get_object(Bucket=bucket, Key=key)["Body"].read())
    data[len(data) // 2] ^= 0x01
    aws_env.client().put_object(Bucket=bucket, Key=key, Body=bytes(data))
    target = tmp_path / "dl"
    assert main(["datasets", "download", s3_store, "--to", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"rejected {crawls.first}/{entry['path']}" in err and entry["sha256"] in err
    assert not (target / crawls.first / entry["path"]).exists()
    assert not list(target.rglob("*.part"))
    assert "testing" not in err  # the credentials are never printed
    # verify of the store names the same object.
    assert main(["datasets", "verify", s3_store]) == 1
    assert f"{crawls.first}/{entry['path']}: sha256" in capsys.readouterr().err


def test_hostile_keys_and_symlinks_are_refused(
    crawls: Crawls, aws_env: MotoS3, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = aws_env.new_bucket("hostile")
    put_crawls(aws_env, bucket, crawls.root, [crawls.plain])
    client = aws_env.client()
    manifest = _manifest(crawls.root, crawls.plain)
    hostile = [
        "../../escaped.txt",
        "/tmp/abs.txt",
        "items\\evil.txt",
        "items/a\x00b",
        "warc/../../x",
    ]
    for rel in hostile:
        manifest["files"].append({"path": rel, "kind": "other", "size": 3, "sha256": "0" * 64})
    # The object behind a hostile path exists too (S3 takes any key).
    client.put_object(Bucket=bucket, Key=f"runs/{crawls.plain}/../../escaped.txt", Body=b"bad")
    client.put_object(Bucket=bucket, Key="runs/../manifest.json", Body=json.dumps(manifest))
    client.put_object(Bucket=bucket, Key="runs/.hidden/manifest.json", Body=json.dumps(manifest))
    client.put_object(
        Bucket=bucket, Key=f"runs/{crawls.plain}/manifest.json", Body=json.dumps(manifest)
    )
    target = tmp_path / "inside" / "dl"
    outside = tmp_path / "outside"
    outside.mkdir()
    (target / crawls.plain).mkdir(parents=True)
    # A symlink planted in DIR (say by another user of a shared directory) is not followed.
    (target / crawls.plain / "warc").symlink_to(outside, target_is_directory=True)
    before = sorted(tmp_path.rglob("*"))
    code = main(["datasets", "download", f"s3://{bucket}/runs", "--to", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    for rel in hostile:
        assert f"refused {crawls.plain + '/' + rel!r}" in err, rel
    assert "'..': skipped" in err and "'.hidden': skipped" in err
    assert "is a symlink (not followed)" in err
    assert list(outside.iterdir()) == []
    new = sorted(set(tmp_path.rglob("*")) - set(before))
    assert all(p.is_relative_to(target) for p in new), new
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/abs.txt").exists()
    items = next(e for e in manifest["files"] if e["kind"] == "items")
    assert _sha(target / crawls.plain / items["path"]) == items["sha256"]


def test_killed_download_resumes_with_only_what_is_missing(aws_env: MotoS3, tmp_path: Path) -> None:
    """SIGKILL mid-download: no file under its final name is wrong, and the next call fetches
    only the files not yet there."""
    bucket = aws_env.new_bucket("big")
    store = S3Store(aws_env.client(), bucket, "runs")
    crawl = "20260301T000000Z-big-0001"
    work = tmp_path / "src" / crawl
    (work / "warc").mkdir(parents=True)
    entries = []
    for n in range(24):
        path = work / "warc" / f"part-{n:02}.bin"
        path.write_bytes(os.urandom(512 * 1024))
        entries.append(
            {
                "path": f"warc/part-{n:02}.bin",
                "kind": "other",
                "size": 512 * 1024,
                "sha256": _sha(path),
            }
        )
        store.put(path, f"{crawl}/warc/part-{n:02}.bin")
    manifest = {"schema": 3, "crawl_id": crawl, "files": entries, "counts": {}}
    (work / "manifest.json").write_text(json.dumps(manifest))
    store.put(work / "manifest.json", f"{crawl}/manifest.json")

    target = tmp_path / "dl"
    command = [
        str(Path(sys.executable).with_name("newsarc")),
        "datasets",
        "download",
        f"s3://{bucket}/runs",
        "--to",
        str(target),
        "--jobs",
        "1",
    ]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=aws_env.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((target / crawl / "warc").glob("*.bin"))) >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the download ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    done = list((target / crawl / "warc").glob("*.bin"))
    assert 3 <= len(done) < 24
    by_path = {e["path"]: e for e in entries}
    for path in done:  # nothing wrong under a final name
        assert _sha(path) == by_path[f"warc/{path.name}"]["sha256"]

    rerun = subprocess.run(
        command,
        cwd=ROOT,
        env=aws_env.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{24 - len(done)} file(s) fetched" in rerun.stdout
    assert f"{len(done)} already there" in rerun.stdout
    assert not (target / ".newsarc-partial").exists()
    assert rerun.stderr == ""  # quiet when not on a terminal
    verify = subprocess.run(
        [*command[:2], "verify", str(target)],
        cwd=ROOT,
        env=aws_env.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
