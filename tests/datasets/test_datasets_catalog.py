"""``newsarc datasets list`` and ``show`` (crawler/datasets/catalog.py), local and S3."""

from __future__ import annotations

import json

import pytest

from crawler.cli import main
from crawler.datasets.catalog import UnsafeName, safe_relpath
from crawler.items import SCHEMA_VERSION
from tests.datasets.conftest import Crawls
from tests.store.s3_server import MotoS3


def _list_json(store: str, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    assert main(["datasets", "list", store, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {str(row["crawl_id"]): row for row in rows}


@pytest.mark.parametrize("where", ["local", "s3"])
def test_list_shows_every_crawl_from_its_manifest(
    where: str, crawls: Crawls, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(crawls.root) if where == "local" else request.getfixturevalue("s3_store")
    rows = _list_json(store, capsys)
    assert list(rows) == crawls.ids  # oldest first
    for crawl_id, row in rows.items():
        manifest = json.loads((crawls.root / crawl_id / "manifest.json").read_text())
        files = manifest["files"]
        assert row["size"] == sum(f["size"] for f in files)
        assert row["warc_records"] == sum(f.get("records", 0) for f in files) > 0
        assert row["articles"] == manifest["counts"]["articles"]
        assert row["headlines"] == manifest["counts"]["headlines"]
        assert row["item_schema_version"] == SCHEMA_VERSION
        assert row["schema"] == 3
    assert rows[crawls.first]["urls_pending"] > 0 and rows[crawls.first]["complete"] is False
    assert rows[crawls.resumed]["resumed_from"] == crawls.first
    assert rows[crawls.rerun]["resumed_from"] == crawls.first
    assert "demo" in rows[crawls.first]["sites"]
    assert rows[crawls.plain]["sites"] == ["127.0.0.1"]

    assert main(["datasets", "list", store]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["CRAWL", "TIME", "(UTC)"]
    assert [line.split()[0] for line in table[1:]] == crawls.ids
    assert "pending" in table[1]


def test_show_gives_the_manifest_in_human_form(
    crawls: Crawls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "show", str(crawls.root), crawls.resumed]) == 0
    out = capsys.readouterr().out
    manifest = json.loads((crawls.root / crawls.resumed / "manifest.json").read_text())
    assert f"resumed from     {crawls.first}" in out
    assert f"item schema      version {SCHEMA_VERSION}: crawler/schema/items.schema.json" in out
    for entry in manifest["files"]:
        assert entry["path"] in out
    assert main(["datasets", "show", str(crawls.root), crawls.resumed, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == manifest


def test_show_refuses_unknown_and_unsafe_crawl_ids(
    crawls: Crawls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "show", str(crawls.root), "nope"]) == 2
    assert "no crawl 'nope'" in capsys.readouterr().err
    assert main(["datasets", "show", str(crawls.root), ".."]) == 2
    assert "bad crawl id" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["../x", "/etc/passwd", "a\\b", "a\x00b", "a//b", "./a", "C:x", ".hidden/x", ""]
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeName):
        safe_relpath(name)


def test_anonymous_access_sends_no_credentials(
    s3_store: str, aws_env: MotoS3, capsys: pytest.CaptureFixture[str]
) -> None:
    """--no-sign-request: an unsigned client; a private bucket refuses it, a public one not."""
    from botocore import UNSIGNED

    from crawler.store import open_store

    assert main(["datasets", "list", s3_store, "--no-sign-request"]) == 1
    assert "Forbidden" in capsys.readouterr().err
    bucket = s3_store.split("/")[2]
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    aws_env.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))
    store = open_store(s3_store, {"AWS_NO_SIGN_REQUEST": True})
    assert store.client.meta.config.signature_version is UNSIGNED  # type: ignore[attr-defined]
    assert main(["datasets", "list", s3_store, "--no-sign-request", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
