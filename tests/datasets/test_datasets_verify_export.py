"""``newsarc datasets verify`` and ``export``, ``newsarc extract`` over downloaded crawls, and a
fresh ``s3://`` crawl that verifies (its log hashed once finished)."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crawler.cli import main
from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from tests.archive.conftest import finish, start_newsarc_s3
from tests.conftest import run_newsarc
from tests.datasets.conftest import Crawls, copy_store
from tests.store.s3_server import MotoS3


@pytest.fixture(scope="module")
def downloaded(crawls: Crawls, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("downloaded") / "dl"
    assert main(["datasets", "download", str(crawls.root), "--to", str(target)]) == 0
    return target


def _warc(crawl_dir: Path) -> Path:
    return next((crawl_dir / "warc").glob("*.warc.gz"))


def test_verify_reports_every_mismatch(
    crawls: Crawls, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "verify", str(crawls.root)]) == 0  # fresh crawls verify
    assert "every file matches its manifest" in capsys.readouterr().out
    store = copy_store(crawls, tmp_path / "store")
    # A WARC cut inside a record, an item file cut short, a stray file, a missing index.
    warc = _warc(store / crawls.first)
    data = warc.read_bytes()
    warc.write_bytes(data[: len(data) - 40])
    items = next((store / crawls.rerun / "items").glob("headlines-*.jsonl.gz"))
    items.write_bytes(items.read_bytes()[:-30])
    (store / crawls.plain / "items" / "stray.jsonl.gz").write_bytes(b"")
    next((store / crawls.resumed / "warc").glob("*.cdxj")).unlink()
    manifest_path = store / crawls.plain / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    counted = manifest["counts"]["headlines"]
    manifest["counts"]["headlines"] = counted + 1
    manifest_path.write_text(json.dumps(manifest))
    assert main(["datasets", "verify", str(store)]) == 1
    err = capsys.readouterr().err
    rel = f"{crawls.first}/warc/{warc.name}"
    assert f"{rel}: size {len(data) - 40}" in err
    assert f"{rel}: cut short inside the record starting at offset " in err
    cut_at = int(err.split(f"{rel}: cut short inside the record starting at offset ")[1].split()[0])
    assert 0 < cut_at < len(data) - 40
    assert f"{crawls.rerun}/items/{items.name}: not a complete gzip stream" in err
    assert f"{crawls.plain}/items/stray.jsonl.gz: not listed in the manifest" in err
    assert f"{crawls.resumed}/warc/" in err and ".cdxj: missing" in err
    assert f"{crawls.plain}: files hold {counted} headlines, the crawl counted {counted + 1}" in err


def test_a_fresh_s3_crawl_verifies_log_included(tmp_path: Path, aws_env: MotoS3) -> None:
    """The stored crawl.log is the file the manifest hashed (issue 11.4 / 12.6)."""
    bucket = aws_env.new_bucket("fresh")
    with DemoServer(DemoSite()) as server:
        proc = start_newsarc_s3(
            aws_env,
            f"s3://{bucket}/runs",
            tmp_path / "spool",
            "crawl",
            f"{server.base_url}/",
            "--profile",
            "demo",
            "--max-pages",
            "3",
            "-s",
            "NEWSARC_EXTRACT_WORKERS=0",
        )
        code, output = finish(proc)
    assert code == 0, output
    client = aws_env.client()
    key = next(k for k in aws_env.keys(bucket) if k.endswith("/manifest.json"))
    manifest = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    log = next(e for e in manifest["files"] if e["path"] == "logs/crawl.log")
    stored = client.get_object(Bucket=bucket, Key=key.replace("manifest.json", "logs/crawl.log"))
    data = stored["Body"].read()
    assert len(data) == log["size"] and hashlib.sha256(data).hexdigest() == log["sha256"]
    assert "Spider closed" in data.decode() or "Closing spider" in data.decode()
    assert manifest["unhashed_logs"] == ["logs/closing.log"]
    assert main(["datasets", "verify", f"s3://{bucket}/runs"]) == 0


def test_export_parquet_merges_duplicate_captures(
    crawls: Crawls, downloaded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export"
    assert main(["datasets", "export", str(downloaded), "-o", str(out)]) == 0
    assert "duplicate captures merged" in capsys.readouterr().out
    articles = pd.read_parquet(out / "articles")
    headlines = pd.read_parquet(out / "headlines")
    items = {"article": 0, "headline": 0}
    for path in downloaded.glob("*/items/*.jsonl.gz"):
        for item in pd.read_json(path, lines=True).to_dict("records"):
            items[item["type"]] += 1
    # The second resume captured the first resume's pages again: one row per capture.
    merged = articles[articles["captures"] > 1]
    assert len(merged) > 0
    assert len(articles) == items["article"] - int((articles["captures"] - 1).sum())
    assert not articles.duplicated(["url", "content_sha256"]).any()
    for _, each in merged.iterrows():  # the provenance is the first capture's
        assert each["crawl_id"] == each["crawl_ids"][0]
    # (Which pages the plain crawl's two pages are depends on timing: one may be a page of the
    # first crawl too, merged across crawls as well. The rerun's duplicates are certain.)
    reruns = merged[merged["crawl_ids"].map(lambda ids: crawls.rerun in list(ids))]
    assert len(reruns) > 0
    row = reruns.iloc[0]
    assert list(row["crawl_ids"]) == [crawls.resumed, crawls.rerun]
    assert row["first_seen"] < row["last_seen"]
    assert row["crawl_id"] == crawls.resumed  # provenance of the first sighting
    # Provenance resolves: the WARC record at the offset is the one named.
    warc = downloaded / row["crawl_id"] / "warc" / row["warc_filename"]
    with warc.open("rb") as fh:
        fh.seek(int(row["warc_offset"]))
        member = fh.read(int(row["warc_length"]))
    assert row["warc_record_id"].encode() in gzip.decompress(member)
    assert articles["extractor_version"].notna().all()
    # Every headline sighting is kept (the time series).
    assert len(headlines) == items["headline"]
    assert {"site=demo", "site=127.0.0.1"} <= {p.name for p in (out / "headlines").iterdir()}

    con = duckdb.connect()
    top = con.execute(
        "SELECT site, count(*) AS n, sum(captures) AS items FROM read_parquet(?, "
        "hive_partitioning = true) GROUP BY site ORDER BY site",
        [str(out / "articles" / "**" / "*.parquet")],
    ).fetchall()
    assert sum(n for _, n, _ in top) == len(articles)
    assert sum(i for _, _, i in top) == items["article"]


def test_export_csv(downloaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert main(["datasets", "export", str(downloaded), "--format", "csv", "-o", str(out)]) == 0
    files = sorted((out / "headlines").rglob("*.csv"))
    assert files and all("site=" in str(f) and "date=" in str(f) for f in files)
    frame = pd.concat(pd.read_csv(f) for f in files)
    assert all(isinstance(json.loads(flags), list) for flags in frame["flags"])
    assert len(duckdb.sql(f"SELECT * FROM read_csv_auto('{out}/articles/**/*.csv')").fetchall()) > 0


def test_extract_over_crawls_in_parallel_compares_with_their_items(
    crawls: Crawls, downloaded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-j 2 writes what -j 1 writes; --out makes a new dataset (with a manifest) in a store."""
    dirs = [str(downloaded / c) for c in (crawls.first, crawls.resumed, crawls.rerun)]
    parallel = run_newsarc("extract", *dirs, "-o", str(tmp_path / "p.jsonl"), "-j", "2")
    store = tmp_path / "new"
    serial = run_newsarc("extract", *dirs, "--out", str(store), "-j", "1")
    assert parallel.returncode == 0 and serial.returncode == 0, parallel.stderr + serial.stderr
    written = sorted((tmp_path / "p.jsonl").read_text().splitlines())
    dataset = next(store.iterdir())
    stored = sorted(
        line
        for path in dataset.glob("items/*.jsonl.gz")
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    )
    assert written == stored and written
    assert parallel.stderr.splitlines()[-3:] == serial.stderr.splitlines()[-3:]
    total = sum(
        json.loads((downloaded / c / "manifest.json").read_text())["counts"]["articles"]
        for c in (crawls.first, crawls.resumed, crawls.rerun)
    )
    assert f"articles   crawl {total}, now {total} (0 only in the crawl, 0 new, 0 changed)" in (
        parallel.stderr
    )
    assert main(["datasets", "verify", str(store)]) == 0
    capsys.readouterr()
    assert main(["datasets", "list", str(store), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["crawl_id"] == dataset.name and listed["articles"] == total
    assert listed["sites"] == ["demo"]


def test_extract_and_verify_catch_a_truncated_warc(
    crawls: Crawls, downloaded: Path, tmp_path: Path
) -> None:
    crawl_dir = tmp_path / crawls.first
    shutil.copytree(downloaded / crawls.first, crawl_dir)
    warc = _warc(crawl_dir)
    data = warc.read_bytes()
    warc.write_bytes(data[: len(data) * 2 // 3])
    run = run_newsarc("extract", str(warc), "-o", str(tmp_path / "x.jsonl"))
    assert run.returncode == 1
    assert f"{warc}: cut short inside the record starting at offset " in run.stderr
    verify = run_newsarc("datasets", "verify", str(crawl_dir))
    assert verify.returncode == 1 and "cut short inside the record" in verify.stderr
