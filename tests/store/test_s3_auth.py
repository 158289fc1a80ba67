"""A store that refuses uploads (RELIABILITY.md §3, F15): 403 from moto's IAM checks.

moto's server enforces authentication and IAM policies once told to (``/moto-api/reset-auth``:
the next N requests are free, then every request must be signed by a known key whose policy
allows it). With the wrong keys the store answers ``InvalidAccessKeyId`` (403); with a user
whose policy allows reading only, ``AccessDenied`` (403). Either way nothing fetched is lost
(every file stays in the spool and a later run with working credentials stores it), the crawl
exits 4 naming the settings to fix, and ``NEWSARC_SPOOL_MAX_BYTES`` stops a crawl whose spool
would otherwise grow for as long as the store refuses.
"""

from __future__ import annotations

import json
import random
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from crawler.demo.server import Route, SiteServer
from crawler.manifest import count_warc_records
from tests.conftest import ROOT
from tests.store.s3_server import MotoS3

ROBOTS = Route(200, {"Content-Type": "text/plain"}, b"User-agent: *\n")
PAGES = 60
_VOCABULARY = [
    "the",
    "council",
    "approved",
    "new",
    "budget",
    "after",
    "long",
    "debate",
    "that",
    "ran",
    "late",
    "into",
    "night",
    "with",
    "members",
    "divided",
    "over",
    "cost",
    "of",
    "repairs",
    "to",
    "old",
    "bridge",
    "and",
    "schools",
    "while",
    "residents",
    "waited",
    "outside",
]


def _site_routes() -> dict[str, Route]:
    links = " ".join(f'<a href="/p{i}.html">story {i}</a>' for i in range(PAGES))
    routes = {"/robots.txt": ROBOTS, "/": Route.html(f"<h1>News</h1><p>{links}</p>")}
    for i in range(PAGES):
        # Words drawn at random (gzip shrinks a repeated phrase to nothing): each page adds
        # some kilobytes to the spool, so that NEWSARC_SPOOL_MAX_BYTES is reached mid-crawl.
        pick = random.Random(i).choice
        words = " ".join(pick(_VOCABULARY) for _ in range(3000))
        text = f"<p>Story {i} of the day. {words}.</p>"
        routes[f"/p{i}.html"] = Route.html(
            f"<article><h1>Story {i}</h1>{text}</article>", delay=0.1
        )
    return routes


def _reset_auth(server: MotoS3, free_requests: float) -> None:
    """Let the next ``free_requests`` requests through unsigned, then enforce IAM (inf: off)."""
    request = urllib.request.Request(
        f"{server.endpoint}/moto-api/reset-auth",
        data=str(free_requests).encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


class _Auth:
    """A bucket, and the keys of two IAM users: one may do anything, one may only read."""

    def __init__(self, server: MotoS3) -> None:
        self.server = server
        self.bucket = f"auth-{secrets.token_hex(4)}"
        _reset_auth(server, 7)  # the set-up below, then auth is enforced
        server.client().create_bucket(Bucket=self.bucket)
        iam = boto3.client(
            "iam",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        self.writer = self._user(iam, "writer", ["s3:*"])
        self.reader = self._user(iam, "reader", ["s3:GetObject", "s3:ListBucket"])

    def _user(self, iam: Any, name: str, actions: list[str]) -> dict[str, str]:
        name = f"{name}-{secrets.token_hex(4)}"  # moto keeps users for the whole process
        iam.create_user(UserName=name)
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }

    def stored_keys(self) -> list[str]:
        client = boto3.client(
            "s3", endpoint_url=self.server.endpoint, region_name="us-east-1", **_lower(self.writer)
        )
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def _lower(keys: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in keys.items()}


@pytest.fixture
def auth() -> Iterator[_Auth]:
    """moto's server with IAM enforced for this test (the setting is process-wide: undone)."""
    server = MotoS3().start()
    try:
        yield _Auth(server)
    finally:
        _reset_auth(server, float("inf"))
        server.stop()


def _crawl(auth: _Auth, site: SiteServer, spool: Path, keys: dict[str, str], *args: str) -> Any:
    env = {k: v for k, v in auth.server.env().items()} | keys
    script = Path(sys.executable).with_name("newsarc")
    return subprocess.run(
        [
            str(script), "crawl", site.url("/"), "--out", f"s3://{auth.bucket}/runs",
            "-s", f"NEWSARC_SPOOL_DIR={spool}", "-s", "STORE_UPLOAD_INTERVAL=0.3", *args,
        ],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, check=False,
    )  # fmt: skip


def _spooled(spool: Path, kind: str) -> list[Path]:
    return sorted(p for p in spool.rglob(f"*{kind}") if p.is_file())


def test_wrong_credentials_keep_every_file_exit_4_and_a_later_run_stores_them(
    tmp_path: Path, auth: _Auth
) -> None:
    spool = tmp_path / "spool"
    wrong = {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG0", "AWS_SECRET_ACCESS_KEY": "wrong"}
    with SiteServer(_site_routes()) as site:
        refused = _crawl(auth, site, spool, wrong, "--max-pages", "5")
        assert refused.returncode == 4, refused.stdout + refused.stderr
        error = refused.stderr.strip().splitlines()[-1]
        assert "InvalidAccessKeyId" in error and "AWS_ACCESS_KEY_ID" in error, error
        assert "pending upload" in error
        assert auth.stored_keys() == [], "nothing was stored"
        warcs = _spooled(spool, ".warc.gz")
        assert warcs and sum(count_warc_records(p) for p in warcs) >= 5, "every page is kept"
        items = _spooled(spool, ".jsonl.gz")
        assert items
        kept = {p.name for p in warcs + items}
        # Working credentials: the next run stores what the refused one left, then its own.
        stored = _crawl(auth, site, spool, auth.writer, "--max-pages", "2")
    assert stored.returncode == 0, stored.stdout + stored.stderr
    names = {key.rsplit("/", 1)[-1] for key in auth.stored_keys()}
    assert kept <= names, kept - names
    assert _spooled(spool, ".warc.gz") == []


def test_a_refused_store_fills_the_spool_only_up_to_its_cap(tmp_path: Path, auth: _Auth) -> None:
    spool = tmp_path / "spool"
    cap = 150_000  # bytes: a few pages' worth of WARC and item files
    reader = auth.reader  # may read the bucket, not write to it (AccessDenied)
    with SiteServer(_site_routes()) as site:
        run = _crawl(
            auth, site, spool, reader, "-s", f"NEWSARC_SPOOL_MAX_BYTES={cap}",
            "-s", "WARC_MAX_FILE_SIZE=20000", "-s", "JSONL_MAX_ITEMS_PER_FILE=2",
            "-s", "CONCURRENT_REQUESTS=1",  # a page at a time (0.1 s each): the cap comes first
        )  # fmt: skip
        fetched = [path for _, path, _ in site.requests if path.startswith("/p")]
    assert run.returncode == 4, run.stdout + run.stderr
    error = run.stderr.strip().splitlines()[-1]
    assert "NEWSARC_SPOOL_MAX_BYTES" in error and "AccessDenied" in error, error
    assert "(spool_full)" in run.stdout
    assert len(fetched) < PAGES, "the crawl stopped before the site was done"
    assert auth.stored_keys() == []
    warcs = _spooled(spool, ".warc.gz")
    assert warcs and sum(count_warc_records(p) for p in warcs) >= 1, "what was fetched is kept"
