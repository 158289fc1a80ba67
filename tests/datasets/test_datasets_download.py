"""``newsarc datasets download`` (crawler/datasets/download.py): filters, verification,
resuming after SIGKILL, tampered objects and hostile keys, from a local store and from S3."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.cli import main
from crawler.store.s3 import S3Store
from tests.conftest import ROOT
from tests.datasets.conftest import Crawls, copy_store, put_crawls
from tests.store.s3_server import MotoS3, ProxyServer, ask_upstream, relay


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


def _hostile_store(
    where: str, crawls: Crawls, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[str, Any]:
    """A store holding ``plain`` and a second crawl whose manifest is malformed; returns its
    URI and a function ``put(key, data)`` that stores an object in it."""
    if where == "local":
        root = tmp_path / "store"
        (root / crawls.plain).mkdir(parents=True)
        for path in (crawls.root / crawls.plain).rglob("*"):
            rel = path.relative_to(crawls.root)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_bytes(path.read_bytes())

        def put_local(key: str, data: bytes) -> None:
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(data)

        return str(root), put_local
    moto: MotoS3 = request.getfixturevalue("aws_env")
    bucket = moto.new_bucket("hostile")
    put_crawls(moto, bucket, crawls.root, [crawls.plain])
    client = moto.client()

    def put_s3(key: str, data: bytes) -> None:
        client.put_object(Bucket=bucket, Key=f"runs/{key}", Body=data)

    return f"s3://{bucket}/runs", put_s3


@pytest.mark.parametrize("where", ["local", "s3"])
def test_hostile_manifest_entries_are_refused_and_what_is_right_is_kept(
    where: str,
    crawls: Crawls,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """RELIABILITY.md S4: someone else's archive, its manifest written to hurt. Malformed
    entries, a path listed twice, an object larger than its entry (it is not read past the
    size: an endless object cannot fill the disk), a name too long for the file system and a
    malformed manifest of another crawl: each is one problem line naming it, exit 1, nothing
    outside DIR, and every file the manifest lists rightly is fetched and verified."""
    store, put = _hostile_store(where, crawls, tmp_path, request)
    manifest = _manifest(crawls.root, crawls.plain)
    good = list(manifest["files"])
    first = good[0]
    big = os.urandom(4 * 1024 * 1024)
    put(f"{crawls.plain}/warc/big.bin", big)
    long_segment = "x" * 300
    if where == "s3":  # a local store cannot hold such a name either
        put(f"{crawls.plain}/items/{long_segment}", b"abc")
    deep = "/".join(["d" * 200] * 25)  # longer than PATH_MAX once under DIR
    abc = hashlib.sha256(b"abc").hexdigest()
    manifest["files"] += [
        "items/not-an-object",
        {"path": "items/no-size", "kind": "other", "sha256": abc},
        {"path": "items/text-size", "kind": "other", "size": "3", "sha256": abc},
        {"path": "items/negative", "kind": "other", "size": -1, "sha256": abc},
        {"path": "items/bad-sha", "kind": "other", "size": 3, "sha256": "abc"},
        dict(first),  # the same entry twice
        {**first, "sha256": abc},  # the same path, another digest
        {"path": "warc/big.bin", "kind": "other", "size": 3,
         "sha256": hashlib.sha256(big[:3]).hexdigest()},
        {"path": f"items/{long_segment}", "kind": "other", "size": 3, "sha256": abc},
        {"path": deep, "kind": "other", "size": 3, "sha256": abc},
    ]  # fmt: skip
    put(f"{crawls.plain}/manifest.json", json.dumps(manifest).encode())
    bad_id = "20260101T000000Z-malformed-0001"
    put(f"{bad_id}/items/a.jsonl.gz", b"abc")
    malformed = {"schema": 3, "files": [{"path": "items/a.jsonl.gz", "size": "three"}]}
    put(f"{bad_id}/manifest.json", json.dumps(malformed).encode())
    target = tmp_path / "inside" / "dl"
    target.parent.mkdir()
    before = set(tmp_path.rglob("*"))
    code = main(["datasets", "download", store, "--to", str(target)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    plain = crawls.plain
    for index, why in [
        (len(good), "not an object"),
        (len(good) + 1, "size None is not a byte count"),
        (len(good) + 2, "size '3' is not a byte count"),
        (len(good) + 3, "size -1 is not a byte count"),
        (len(good) + 4, "sha256 'abc' is not a SHA-256 hex digest"),
    ]:
        assert f"refused {plain}/manifest.json files[{index}]: " in err and why in err, (why, err)
    assert err.count(f"refused {plain + '/' + first['path']!r}: listed more than once") == 2, err
    assert f"rejected {plain}/warc/big.bin: the store holds more than the 3 bytes" in err, err
    lines = err.strip().splitlines()
    for rel in (f"items/{long_segment}", deep):  # where it fails depends on the store
        (line,) = [x for x in lines if f"{plain}/{rel}" in x.split(": ")[1]]
        assert line.endswith("File name too long"), line
    assert f"'{bad_id}': skipped: manifest.json is malformed" in err, err
    assert len(lines) == 11, err
    # What the manifest lists rightly is there, verified; nothing else, nothing outside DIR.
    for entry in good:
        assert _sha(target / plain / entry["path"]) == entry["sha256"], entry["path"]
    assert (target / plain / "manifest.json").read_bytes() == json.dumps(manifest).encode()
    assert _files(target) == {
        "README.md", "CITATION.cff", f"{plain}/manifest.json",
        *(f"{plain}/{e['path']}" for e in good),
    }  # fmt: skip
    new = set(tmp_path.rglob("*")) - before
    assert all(p.is_relative_to(target) for p in new), sorted(new)
    assert not list(target.rglob("*.part"))


def test_a_local_store_key_that_is_not_a_regular_file_is_refused_without_blocking(
    crawls: Crawls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """S4, a local store unpacked from someone else: a FIFO would block the download forever
    (opening it waits for a writer), a symlink to ``/dev/zero`` never end. Both are refused
    before a byte is read; the rest of the crawl is fetched."""
    root = copy_store(crawls, tmp_path / "store")
    crawl_dir = root / crawls.plain
    fifo = crawl_dir / "items" / "fifo.jsonl.gz"
    os.mkfifo(fifo)
    (crawl_dir / "items" / "zero.jsonl.gz").symlink_to("/dev/zero")
    manifest = _manifest(root, crawls.plain)
    good = list(manifest["files"])
    abc = hashlib.sha256(b"abc").hexdigest()
    for name in ("fifo", "zero"):
        manifest["files"].append(
            {"path": f"items/{name}.jsonl.gz", "kind": "other", "size": 3, "sha256": abc}
        )
    (crawl_dir / "manifest.json").write_text(json.dumps(manifest))
    # Without the check the FIFO's reader would wait forever: a writer that comes and goes
    # ends that wait with an empty file, and says whether it found anyone waiting.
    found_reader = threading.Event()
    stop = threading.Event()

    def unblock() -> None:
        while not stop.wait(0.05):
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody has it open for reading
                continue
            found_reader.set()
            os.close(fd)

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    try:
        code = main(["datasets", "download", str(root), crawls.plain, "--to", str(tmp_path / "dl")])
    finally:
        stop.set()
        thread.join()
    err = capsys.readouterr().err
    assert code == 1, err
    for name in ("fifo", "zero"):
        assert f"{crawls.plain}/items/{name}.jsonl.gz: cannot open" in err, err
        assert "not a regular file" in err, err
    assert not found_reader.is_set(), "the FIFO was opened for reading"
    for entry in good:
        assert _sha(tmp_path / "dl" / crawls.plain / entry["path"]) == entry["sha256"]


@pytest.mark.parametrize(
    "planted", ["crawl-dir", "file", "README.md", "CITATION.cff", ".newsarc-download.json"]
)
def test_a_symlink_planted_in_the_destination_is_never_written_through(
    planted: str, crawls: Crawls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """S4: a symlink in DIR (another user of a shared directory, an earlier unpacking) is
    neither followed nor replaced, wherever it is; the problem names it, exit 1."""
    target = tmp_path / "dl"
    target.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim"
    victim.write_bytes(b"keep me")
    manifest = _manifest(crawls.root, crawls.plain)
    entry = next(e for e in manifest["files"] if e["kind"] == "items")
    if planted == "crawl-dir":
        link = target / crawls.plain
        link.symlink_to(outside, target_is_directory=True)
    elif planted == "file":
        link = target / crawls.plain / entry["path"]
        link.parent.mkdir(parents=True)
        link.symlink_to(victim)
    else:
        link = target / planted
        link.symlink_to(victim)
    code = main(["datasets", "download", str(crawls.root), crawls.plain, "--to", str(target)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"{link} is a symlink" in err, err
    assert link.is_symlink()
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert victim.read_bytes() == b"keep me"


class _CuttingProxy:
    """In front of moto's server: a GET of a key ending in ``cut`` gets its full
    ``Content-Length`` but only half its body, then the connection is closed."""

    def __init__(self, upstream: tuple[str, int], cut: str) -> None:
        proxy = self
        self.upstream = upstream
        self.cut = cut
        self.cuts = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                answer = ask_upstream(self, proxy.upstream, body)
                if self.command != "GET" or not self.path.split("?")[0].endswith(proxy.cut):
                    relay(self, answer)
                    return
                proxy.cuts += 1
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.data)))
                self.end_headers()
                self.wfile.write(answer.data[: len(answer.data) // 2])
                self.wfile.flush()
                self.close_connection = True

            do_GET = do_HEAD = _forward

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ProxyServer(Handler)
        self.endpoint = self.server.endpoint

    def close(self) -> None:
        self.server.close()


def test_a_body_cut_mid_transfer_fails_that_file_only(
    crawls: Crawls,
    aws_env: MotoS3,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """S4, a store that breaks off mid-body (a reset connection, a short body): botocore's
    read error used to escape the download (a traceback, no manifest copied, no card). Now it
    is one problem naming the file; the others are fetched and verified, exit 1."""
    bucket = aws_env.new_bucket("cut")
    put_crawls(aws_env, bucket, crawls.root, [crawls.plain])
    manifest = _manifest(crawls.root, crawls.plain)
    victim = next(e for e in manifest["files"] if e["kind"] == "warc")
    proxy = _CuttingProxy(("127.0.0.1", aws_env.port), f"/{victim['path']}")
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
    target = tmp_path / "dl"
    try:
        code = main(["datasets", "download", f"s3://{bucket}/runs", "--to", str(target)])
    finally:
        proxy.close()
    err = capsys.readouterr().err
    assert proxy.cuts >= 1
    assert code == 1, err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"newsarc: {crawls.plain}/{victim['path']}: cannot read "), line
    assert not (target / crawls.plain / victim["path"]).exists()
    for entry in manifest["files"]:
        if entry is not victim:
            assert _sha(target / crawls.plain / entry["path"]) == entry["sha256"]
    assert (target / crawls.plain / "manifest.json").is_file()
    assert (target / "README.md").is_file()
