"""Tests of crawler/run/jobs.py (the jobs file) and crawler/run/schedule.py (crontab, systemd)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from crawler.demo.server import SiteServer
from crawler.exceptions import JobsError
from crawler.run.jobs import load_jobs, parse_duration
from crawler.run.schedule import crontab_line, systemd_units
from tests.conftest import run_newsarc
from tests.run.test_run import FAST, _jobs, _site
from tests.sites.changing_site import ChangingSite

GOOD = """\
name: hourly
store: data
state: state
parallel: 3
grace: 2m
defaults:
  limits: {pages: 50, time: 10m}
  expectations: {min_articles: 2}
  settings: {DOWNLOAD_DELAY: 1}
sites:
  - name: one
    start_urls: [http://127.0.0.1:9/]
    feeds: http://127.0.0.1:9/rss.xml
    max_pages: 20
    settings: {CONCURRENT_REQUESTS_PER_DOMAIN: 2}
  - name: two
    start_urls: [http://127.0.0.1:9/b/]
    render: never
    limits: {depth: 3}
    expectations: {min_headlines: 5, title_ratio: 0.9, warn_drop: 0.3, history: 8}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_jobs_file_with_defaults_and_overrides(tmp_path: Path) -> None:
    job = load_jobs(_write(tmp_path, GOOD))
    assert job.name == "hourly" and job.parallel == 3 and job.grace == 120
    assert job.store == str(tmp_path / "data") and job.state == tmp_path / "state"
    one, two = job.sites
    assert one.feeds == ("http://127.0.0.1:9/rss.xml",)
    assert one.limits.pages == 20 and one.limits.time == 600  # site's max_pages over defaults
    assert one.settings == {"DOWNLOAD_DELAY": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    assert one.expectations.min_articles == 2
    assert two.limits.pages == 50 and two.limits.depth == 3 and two.limits.time == 600
    assert one.limits.depth is None  # not said: the settings' DEPTH_LIMIT stays
    unlimited = load_jobs(_write(tmp_path, GOOD.replace("{depth: 3}", "{depth: 0}")))
    assert unlimited.sites[1].limits.depth == 0  # said: no limit, not "the default"
    # A site's expectations replace the defaults' key by key.
    assert two.expectations.min_headlines == 5 and two.expectations.title_ratio == 0.9
    assert two.expectations.min_articles == 2
    assert (two.expectations.warn_drop, two.expectations.history) == (0.3, 8)
    assert (one.expectations.warn_drop, one.expectations.history) == (0.5, 5)  # the defaults


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("    max_pages: 20", "    max_pagez: 20"), ":14: sites[0].max_pagez: unknown key"),
        (("limits: {depth: 3}", "limits: {depth: -3}"), ":19: sites[1].limits.depth: expected"),
        (("  limits: {pages: 50, time: 10m}", "  limits: {pages: 50, time: soon}"), ":7: "),
        (("render: never", "render: sometimes"), ":18: sites[1].render: must be one of"),
        (("title_ratio: 0.9", "title_ratio: 9"), ":20: sites[1].expectations.title_ratio"),
        (("history: 8", "history: 0"), ":20: sites[1].expectations.history: expected an integer"),
        (("warn_drop: 0.3", "warn_drop: 2"), ":20: sites[1].expectations.warn_drop: expected"),
        (("[http://127.0.0.1:9/b/]", "[ftp://x/]"), ":17: sites[1].start_urls[0]: not a crawl"),
        (("parallel: 3", "paralel: 3"), ":4: paralel: unknown key"),
        (("  - name: two", "  - name: one"), ":16: sites[1].name: two sites are named 'one'"),
        (("  settings: {DOWNLOAD_DELAY: 1}", "  settings: {download_delay: 1}"), ":9: defaults."),
        (("sites:", "sites:\n  - {}\n"), "sites[0].name: missing required key"),
        (("store: data", "store: [data]"), ":2: store: expected a non-empty string"),
    ],
)
def test_errors_name_the_file_line_and_key(
    tmp_path: Path, change: tuple[str, str], where: str
) -> None:
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(JobsError) as info:
        load_jobs(path)
    assert str(info.value).startswith(str(path)), info.value
    assert where in str(info.value), info.value


def test_invalid_yaml_and_a_bad_profile_are_named(tmp_path: Path) -> None:
    with pytest.raises(JobsError, match=r"jobs.yaml:3: invalid YAML"):
        load_jobs(_write(tmp_path, "sites:\n  - name: a\n  start_urls: [\n"))
    bad = tmp_path / "p.yaml"
    bad.write_text("name: p\narticle:\n  title: 'h1['\n")
    text = "sites:\n  - name: a\n    start_urls: [http://127.0.0.1:9/]\n    profile: p.yaml\n"
    with pytest.raises(JobsError, match=r"jobs.yaml:4: sites\[0\].profile: .*p.yaml:3"):
        load_jobs(_write(tmp_path, text))


def test_durations() -> None:
    assert parse_duration(90) == 90 and parse_duration("90s") == 90
    assert parse_duration("20m") == 1200 and parse_duration("1.5h") == 5400
    for bad in ("soon", "-1", True, "1w"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


def test_run_with_a_bad_jobs_file_exits_2_before_touching_network_or_store(
    tmp_path: Path,
) -> None:
    with SiteServer() as server:  # the sites' start pages: never asked for
        text = GOOD.replace("render: never", "render: sometimes")
        path = _write(tmp_path, text.replace("http://127.0.0.1:9", server.base_url))
        started = time.monotonic()
        run = run_newsarc("run", str(path), timeout=60)
        assert server.requests == []
    assert run.returncode == 2, run.stderr
    assert re.fullmatch(
        r"newsarc: error: .*jobs.yaml:18: sites\[1\]\.render: must be one of never, always, "
        r"auto\n",
        run.stderr,
    )
    assert not (tmp_path / "data").exists()  # the store was never touched
    assert time.monotonic() - started < 30


def test_crontab_line_and_systemd_units(tmp_path: Path) -> None:
    job = load_jobs(_write(tmp_path, GOOD))
    _comment, line = crontab_line(job, "1h").splitlines()
    fields = line.split()
    assert re.fullmatch(r"\d{1,2}", fields[0]) and fields[1:5] == ["*", "*", "*", "*"]
    assert f"cd {tmp_path}" in line and "PATH=" in line and "LANG=C.UTF-8" in line
    assert f"run {tmp_path / 'jobs.yaml'}" in line
    assert f"tee -a {tmp_path / 'state' / 'logs' / 'hourly' / 'cron.log'}" in line
    assert "bash -c 'set -o pipefail; " in line  # the line's status is newsarc's, not tee's
    assert "%" not in line.replace(r"\%", "")
    quarter = crontab_line(job, "15m").splitlines()[1].split()
    assert re.fullmatch(r"\d{1,2}-59/15", quarter[0]) and quarter[1] == "*"
    six = crontab_line(job, "6h").splitlines()[1].split()
    assert re.fullmatch(r"\d-23/6", six[1])
    (service_name, service), (timer_name, timer) = systemd_units(job, "6h")
    assert service_name == "newsarc-hourly.service" and timer_name == "newsarc-hourly.timer"
    assert "Type=oneshot" in service and "KillMode=mixed" in service
    assert "TimeoutStopSec=150" in service and "SuccessExitStatus=3" in service
    assert re.search(r"OnCalendar=\*-\*-\* \d\d/6:\d\d:00", timer) and "Persistent=true" in timer
    for bad in ("7m", "5h", "30s", "2d"):
        with pytest.raises(Exception, match="--every"):
            crontab_line(job, bad)


@pytest.mark.slow
def test_the_printed_crontab_line_runs_in_crons_bare_environment(tmp_path: Path) -> None:
    """``newsarc schedule`` as a user runs it, then its line run as cron would: ``sh -c`` with
    an empty environment, from another directory. A site serving a bot wall makes the run
    fail, so there is output: it reaches cron's mail (stdout) and the job's cron.log, and the
    line's exit status is newsarc's (1), not that of the tee writing the log."""
    site = ChangingSite(n=3)
    site.mode = "challenge"
    with SiteServer(site.handle) as server:
        jobs = _jobs(tmp_path, [_site(server, settings=FAST)])
        printed = run_newsarc(
            "schedule",
            str(jobs),
            "--every",
            "1h",
            env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_SECRET_ACCESS_KEY": "s3cr3t"},
        )
        assert printed.returncode == 0, printed.stderr
        comment, line = printed.stdout.splitlines()
        assert comment.startswith("# newsarc run news every 1h")
        assert "AWS_ENDPOINT_URL=http://127.0.0.1:9" in line and "s3cr3t" not in line
        command = line.split(None, 5)[5].replace(r"\%", "%")  # what cron hands to sh
        cron = subprocess.run(
            ["/bin/sh", "-c", command],
            env={},  # cron's environment is almost empty; the line brings what it needs
            cwd="/",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    mail = cron.stdout
    assert "newsarc run news: finished with problems (exit 1)" in mail, mail + cron.stderr
    assert cron.returncode == 1
    assert "bot-wall" in mail and cron.stderr == ""
    log = tmp_path / "state" / "logs" / "news" / "cron.log"
    assert log.read_text(encoding="utf-8") == mail
    (report,) = (tmp_path / "data" / "_runs" / "news").glob("*.json")
    assert json.loads(report.read_text())["exit_code"] == 1


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("every", ["15m", "1h", "6h", "1d"])
def test_systemd_accepts_the_printed_units(tmp_path: Path, every: str) -> None:
    """``newsarc schedule --systemd`` as printed, split into its files and checked by systemd's
    own parser (``systemd-analyze verify``, and ``calendar`` for the timer's ``OnCalendar``)."""
    jobs = _write(tmp_path, GOOD)
    printed = run_newsarc("schedule", str(jobs), "--every", every, "--systemd")
    assert printed.returncode == 0, printed.stderr
    parts = re.split(r"^# --- (\S+)\n", printed.stdout, flags=re.M)
    files = dict(zip(parts[1::2], parts[2::2], strict=True))
    assert set(files) == {"newsarc-hourly.service", "newsarc-hourly.timer"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in sorted(files))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert "newsarc-hourly" not in verify.stderr, verify.stderr  # no complaint about ours
    (calendar,) = re.findall(r"^OnCalendar=(.+)$", files["newsarc-hourly.timer"], flags=re.M)
    parsed = subprocess.run(
        ["systemd-analyze", "calendar", calendar],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert parsed.returncode == 0 and "Next elapse" in parsed.stdout, parsed.stdout + parsed.stderr
