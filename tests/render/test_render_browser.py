"""A crawl that may render checks once, at start, that the browser is there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli import main

MISSING = "/nonexistent/newsarc-test/chromium"


@pytest.mark.parametrize(
    "render", [["--render"], ["--render", "auto"], ["-s", "RENDER_MODE=always"]]
)
def test_a_missing_browser_is_one_line_and_exit_2(
    render: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    launch = json.dumps({"executable_path": MISSING, "headless": True})
    argv = ["crawl", "http://127.0.0.1:9/", "--out", str(out), *render]
    assert main([*argv, "-s", f"PLAYWRIGHT_LAUNCH_OPTIONS={launch}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert MISSING in err[0] and "apt-get install chromium" in err[0]
    assert not out.exists(), "nothing may be written before the check"


def test_a_plain_crawl_needs_no_browser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without rendering the check does not apply (the crawl then fails for its own reason)."""
    launch = json.dumps({"executable_path": MISSING})
    argv = ["crawl", "http://127.0.0.1:9/", "--out", str(tmp_path), "--max-pages", "1"]
    main([*argv, "-s", f"PLAYWRIGHT_LAUNCH_OPTIONS={launch}", "-s", "RETRY_TIMES=0"])
    assert MISSING not in capsys.readouterr().err
