"""State others could write is refused before a crawl or a run starts (crawler/trust.py, B12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.exceptions import ConfigError
from crawler.trust import check_frontier_uri, check_private_dir
from tests.conftest import run_newsarc

SITE = {"/robots.txt": Route.text("User-agent: *\n"), "/": Route.html("<p>x</p>")}


@pytest.mark.parametrize(
    ("mode", "named"),
    [
        (0o775, "its group"),
        (0o757, "others"),
        (0o777, "its group and others"),
        (0o1777, "its group and others"),
    ],
)
def test_a_directory_others_may_write_is_refused(tmp_path: Path, mode: int, named: str) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(ConfigError) as caught:
        check_private_dir(shared, what="the crawl's directory")
    message = str(caught.value)
    assert message.startswith(f"the crawl's directory {shared} is writable by {named} "), message
    assert f"(mode {mode & 0o7777:04o})" in message and "NEWSARC_ALLOW_SHARED_DIRS" in message
    check_private_dir(shared, what="the crawl's directory", allow=True)


def test_a_private_or_missing_directory_passes(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    for mode in (0o700, 0o755, 0o555):
        private.chmod(mode)
        check_private_dir(private, what="the crawl's directory")
    check_private_dir(tmp_path / "not-yet", what="the crawl's directory")  # newsarc creates it


@pytest.mark.parametrize(
    "uri",
    [
        "redis://10.1.2.3:6379/0",
        "redis://redis.internal:6379/0/crawl-1",
        "redis://user@192.0.2.7:6379/0",  # an ACL user name without its password
        "redis://[2001:db8::5]:6379/0",
    ],
)
def test_a_network_frontier_without_a_password_is_refused(uri: str) -> None:
    with pytest.raises(ConfigError, match=r"no password.*FRONTIER_ALLOW_NO_PASSWORD=True"):
        check_frontier_uri(uri)
    check_frontier_uri(uri, allow=True)


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "redis://127.0.0.1:6379/0",
        "redis://127.0.0.9:6379/0",
        "redis://localhost:6379/0",
        "redis://[::1]:6379/0",
        "redis://:s3cret@10.1.2.3:6379/0",
        "redis://crawler:s3cret@redis.internal:6379/0/crawl-1",
    ],
)
def test_a_local_or_password_protected_frontier_passes(uri: str) -> None:
    check_frontier_uri(uri)


def test_a_crawl_into_a_shared_directory_or_an_open_redis_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    """RELIABILITY.md B12: refused before anything is fetched or written; the setting that
    accepts it makes the same crawl run."""
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    with SiteServer(SITE) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(out))
        assert run.returncode == 2, run.stdout + run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith(f"newsarc: error: the store directory (--out) {out} "), line
        assert "writable by its group and others (mode 0777)" in line, line
        assert list(out.iterdir()) == [] and site.requests == []
        # 192.0.2.0/24 is for documentation: nothing may be connected to, nothing is.
        redis = run_newsarc(
            "crawl", site.url("/"), "--out", str(tmp_path / "other"),
            "--frontier", "redis://192.0.2.1:6379/0", timeout=60,
        )  # fmt: skip
        assert redis.returncode == 2, redis.stdout + redis.stderr
        (line,) = redis.stderr.strip().splitlines()
        assert line.startswith("newsarc: error: FRONTIER_URI redis://192.0.2.1:6379/0: "), line
        assert not (tmp_path / "other").exists() and site.requests == []
        accepted = run_newsarc(
            "crawl", site.url("/"), "--out", str(out), "-s", "NEWSARC_ALLOW_SHARED_DIRS=True"
        )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_a_run_whose_state_directory_others_may_write_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o775)
    with SiteServer(SITE) as site:
        jobs = tmp_path / "jobs.yaml"
        document = {
            "name": "news",
            "store": str(tmp_path / "data"),
            "state": str(state),
            "sites": [{"name": "one", "start_urls": [site.url("/")]}],
        }
        jobs.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
        run = run_newsarc("run", str(jobs), timeout=60)
        assert site.requests == []
    assert run.returncode == 2, run.stdout + run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"newsarc: error: the job's state directory {state} is writable"), line
    assert not (tmp_path / "data").exists()
