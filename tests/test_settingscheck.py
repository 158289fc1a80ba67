"""``-s NAME=VALUE`` is checked before anything is written (crawler/settingscheck.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.exceptions import ConfigError
from crawler.settingscheck import check_overrides, known_setting_names
from tests.conftest import ROOT, run_newsarc


def _project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("settings.local", priority="project")
    return settings


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("DOWNLOAD_MAXSIZ=1000", "unknown setting"),
        ("NEWSARC_EXTRACT_WORKER=1", "did you mean NEWSARC_EXTRACT_WORKERS"),
        ("DOWNLOAD_MAXSIZE=abc", "expected a number"),
        ("FRONTIER_ENABLED=perhaps", "expected True or False"),
        ("DOWNLOAD_HANDLERS=http", "expected a JSON object"),
    ],
)
def test_bad_overrides_stop_the_crawl_before_anything_is_written(
    override: str, says: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # An address nothing listens on: the check must come before any fetch is tried.
    run = run_newsarc("crawl", "http://127.0.0.1:9/", "--out", str(out), "-s", override)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsarc: error: -s "), run.stderr
    assert says in lines[0]
    assert not out.exists(), "nothing may be written for a bad setting"


def test_a_resume_checks_overrides_before_it_touches_the_crawl(tmp_path: Path) -> None:
    crawl = tmp_path / "20261202T000000Z-x-0000"
    crawl.mkdir()
    run = run_newsarc("crawl", "--resume", str(crawl), "-s", "RETRY_TIMES=often")
    assert run.returncode == 2
    assert "RETRY_TIMES" in run.stderr and "ledger" not in run.stderr
    assert list(crawl.iterdir()) == []


def test_a_secret_value_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        check_overrides({"TELNETCONSOLE_PASSWORD": "hunter2-canary"}, _fake_bool_secret())
    assert "hunter2-canary" not in str(caught.value)


def _fake_bool_secret() -> Settings:
    settings = _project_settings()
    settings.set("TELNETCONSOLE_PASSWORD", False)  # a boolean default: "hunter2…" is refused
    return settings


def test_good_overrides_pass() -> None:
    check_overrides(
        {
            "DOWNLOAD_DELAY": "0.5",  # an int default read with getfloat
            "RETRY_TIMES": "4",
            "COOKIES_ENABLED": "true",
            "USER_AGENT": "x",
            "AWS_SECRET_ACCESS_KEY": "anything",  # default None: any value
            "DOWNLOAD_HANDLERS": '{"ftp": null}',
            "PLAYWRIGHT_CDP_URL": "ws://127.0.0.1:1",  # read by scrapy-playwright
        },
        _project_settings(),
    )


def test_known_names_come_from_the_settings_not_a_list() -> None:
    settings = _project_settings()
    settings.set("NEWSARC_SOMETHING_NEW", 3, priority="project")
    assert "NEWSARC_SOMETHING_NEW" in known_setting_names(settings)
    check_overrides({"NEWSARC_SOMETHING_NEW": "4"}, settings)
    with pytest.raises(ConfigError):
        check_overrides({"NEWSARC_SOMETHING_NEW": "four"}, settings)


_READ = re.compile(r"""settings\.get\w*\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_setting_the_code_reads_is_known() -> None:
    """A setting read in code but declared nowhere would be refused on the command line."""
    known = known_setting_names(_project_settings())
    read = {
        (name, str(path.relative_to(ROOT)))
        for folder in ("crawler", "spiders", "pipelines")
        for path in (ROOT / folder).rglob("*.py")
        for name in _READ.findall(path.read_text(encoding="utf-8"))
    }
    assert read, "the pattern finds no settings.get… call any more"
    assert sorted(entry for entry in read if entry[0] not in known) == []
