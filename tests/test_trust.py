"""State others could write is refused before a crawl or a run starts (crawler/trust.py, B12)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from crawler.exceptions import ConfigError
from crawler.trust import check_frontier_uri, check_parents, check_private_dir
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


OTHER_UID = 54321  # no user of this machine: "another user"


@pytest.mark.parametrize(
    ("setup", "named"),
    [
        ("open-parent", "is writable by its group and others and not sticky (mode 0777)"),
        ("group-parent", "is writable by its group and not sticky (mode 0775)"),
        ("others-grandparent", "is writable by others and not sticky (mode 0757)"),
        ("foreign-parent", f"belongs to another user (uid {OTHER_UID})"),
        ("foreign-sticky-parent", f"belongs to another user (uid {OTHER_UID})"),
        ("not-yet-under-open", "is writable by its group and others and not sticky (mode 0777)"),
        ("link-into-open", "is writable by its group and others and not sticky (mode 0777)"),
        ("foreign-link", f"belongs to another user (uid {OTHER_UID})"),
    ],
)
def test_a_directory_whose_parents_others_may_rename_is_refused(
    tmp_path: Path, setup: str, named: str
) -> None:
    """B12: whoever can rename an entry of a directory above the store can swap the store for
    one of their own; refused unless that directory is sticky and ours or root's (``/tmp``)."""
    base = tmp_path / "base"
    store = base / "parent" / "store"
    store.mkdir(parents=True)
    path, culprit = store, base / "parent"
    if setup == "open-parent":
        culprit.chmod(0o777)
    elif setup == "group-parent":
        culprit.chmod(0o775)
    elif setup == "others-grandparent":
        culprit = base
        culprit.chmod(0o757)
    elif setup == "foreign-parent":
        os.chown(culprit, OTHER_UID, -1)
    elif setup == "foreign-sticky-parent":
        os.chown(culprit, OTHER_UID, -1)
        culprit.chmod(0o1777)
    elif setup == "not-yet-under-open":
        culprit.chmod(0o777)
        path = culprit / "not-yet" / "store"
    elif setup == "link-into-open":
        culprit.chmod(0o777)
        path = tmp_path / "link"
        path.symlink_to(store, target_is_directory=True)
    elif setup == "foreign-link":
        sticky = tmp_path / "sticky"
        sticky.mkdir()
        sticky.chmod(0o1777)
        path = sticky / "link"
        path.symlink_to(store, target_is_directory=True)
        os.lchown(path, OTHER_UID, -1)
        culprit = path
    with pytest.raises(ConfigError) as caught:
        check_parents(path, what="the store directory (--out)")
    message = str(caught.value)
    kind = "symlink" if setup == "foreign-link" else "directory"
    assert message.startswith(f"the store directory (--out) {path}: the {kind} {culprit} "), message
    assert named in message and "NEWSARC_ALLOW_SHARED_DIRS=True" in message, message
    check_parents(path, what="the store directory (--out)", allow=True)


def test_parents_that_are_sticky_and_ours_or_private_pass(tmp_path: Path) -> None:
    """``/tmp`` (1777, root's) is above every test's directory: it passes, as a sticky
    directory of our own and a link of our own in it do."""
    assert Path("/tmp").stat().st_mode & 0o1777 == 0o1777
    sticky = tmp_path / "sticky"
    (sticky / "store").mkdir(parents=True)
    sticky.chmod(0o1777)
    check_parents(sticky / "store", what="the store directory (--out)")
    (sticky / "link").symlink_to(sticky / "store", target_is_directory=True)
    check_parents(sticky / "link", what="the store directory (--out)")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    check_parents(private / "not-yet" / "store", what="the store directory (--out)")


def test_a_crawl_under_a_parent_others_may_write_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """End to end: the store directory itself is private, the directory above it is not."""
    shared = tmp_path / "shared"
    out = shared / "out"
    out.mkdir(parents=True)
    shared.chmod(0o777)
    with SiteServer(SITE) as site:
        run = run_newsarc("crawl", site.url("/"), "--out", str(out))
        assert run.returncode == 2, run.stdout + run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith(
            f"newsarc: error: the store directory (--out) {out}: the directory {shared} above "
            "it is writable by its group and others and not sticky (mode 0777)"
        ), line
        assert list(out.iterdir()) == [] and site.requests == []
        accepted = run_newsarc(
            "crawl", site.url("/"), "--out", str(out), "-s", "NEWSARC_ALLOW_SHARED_DIRS=True"
        )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.mark.parametrize("planted", ["writable-file", "symlink", "foreign-file", "fifo"])
def test_a_resume_of_a_crawl_holding_what_others_could_write_is_refused(
    tmp_path: Path, planted: str
) -> None:
    """B12, the files inside a crawl directory: before a resume reads the ledger, recovers the
    files and archives them as its own, every entry must be this user's alone."""
    site_routes = {
        "/robots.txt": Route.text("User-agent: *\n"),
        "/": Route.html("".join(f'<a href="/p{i}.html">p</a>' for i in range(4))),
        **{f"/p{i}.html": Route.html(f"<p>page {i}</p>") for i in range(4)},
    }
    out = tmp_path / "out"
    with SiteServer(site_routes) as site:
        first = run_newsarc("crawl", site.url("/"), "--out", str(out), "--max-pages", "2")
        assert first.returncode == 0, first.stdout + first.stderr
        (crawl_dir,) = (p for p in out.iterdir() if p.is_dir())
        warc = next((crawl_dir / "warc").glob("*.warc.gz"))
        if planted == "writable-file":
            culprit, why = warc, "is writable by its group and others (mode 0666)"
            warc.chmod(0o666)
        elif planted == "symlink":
            culprit, why = crawl_dir / "warc" / "planted.warc.gz", "is a symlink"
            culprit.symlink_to(tmp_path / "elsewhere.warc.gz")
        elif planted == "foreign-file":
            culprit, why = warc, f"belongs to another user (uid {OTHER_UID})"
            os.chown(warc, OTHER_UID, -1)
        else:
            culprit, why = crawl_dir / "items" / "planted", "is neither a file nor a directory"
            os.mkfifo(culprit)
        before = sorted((p, p.lstat().st_mtime_ns) for p in crawl_dir.rglob("*"))
        fetched = len(site.requests)
        run = run_newsarc("crawl", "--resume", str(crawl_dir))
        assert run.returncode == 2, run.stdout + run.stderr
        (line,) = run.stderr.strip().splitlines()
        assert line.startswith(f"newsarc: error: the crawl's directory {crawl_dir}: "), line
        assert f"{culprit} {why}" in line and "NEWSARC_ALLOW_SHARED_DIRS=True" in line, line
        assert len(site.requests) == fetched
        assert sorted((p, p.lstat().st_mtime_ns) for p in crawl_dir.rglob("*")) == before
        assert [p for p in out.iterdir() if p.is_dir()] == [crawl_dir]  # no new crawl
        if planted != "fifo":  # a FIFO in the crawl directory is no file a crawl can archive
            accepted = run_newsarc(
                "crawl", "--resume", str(crawl_dir), "-s", "NEWSARC_ALLOW_SHARED_DIRS=True"
            )
            assert accepted.returncode == 0, accepted.stdout + accepted.stderr


def test_a_umask_of_002_does_not_make_newsarc_refuse_its_own_files(tmp_path: Path) -> None:
    """Under user-private groups (umask 002: Ubuntu's for logins and cron) newsarc's own
    directories and files must not come out group-writable, or the next crawl into the same
    ``--out``, and a resume, would refuse them as state another user could change."""
    site_routes = {
        "/robots.txt": Route.text("User-agent: *\n"),
        "/": Route.html("".join(f'<a href="/p{i}.html">p</a>' for i in range(4))),
        **{f"/p{i}.html": Route.html(f"<p>page {i}</p>") for i in range(4)},
    }
    out = tmp_path / "out"
    old = os.umask(0o002)  # the crawls started below inherit it
    try:
        with SiteServer(site_routes) as site:
            first = run_newsarc("crawl", site.url("/"), "--out", str(out), "--max-pages", "2")
            assert first.returncode == 0, first.stdout + first.stderr
            (crawl_dir,) = (p for p in out.iterdir() if p.is_dir())
            resumed = run_newsarc("crawl", "--resume", str(crawl_dir))
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
            second = run_newsarc("crawl", site.url("/"), "--out", str(out), "--max-pages", "1")
            assert second.returncode == 0, second.stdout + second.stderr
    finally:
        os.umask(old)
    written = [out, *out.rglob("*")]
    assert len(written) > 10
    shared = [p for p in written if p.lstat().st_mode & 0o022]
    assert shared == [], [f"{p} {p.lstat().st_mode & 0o7777:04o}" for p in shared]
