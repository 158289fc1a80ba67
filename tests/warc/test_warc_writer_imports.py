"""Importing the WARC writer (and with it cdxj-indexer and surt) prints nothing on stderr.

surt's source has invalid escape sequences; Python warns about them whenever it compiles that
source instead of using cached bytecode (DeprecationWarning on 3.11, SyntaxWarning from 3.12).
pytest's own filter (pyproject.toml) hides them from the suite, so these tests run ``newsarc``
and Python in subprocesses, with a fresh, empty bytecode cache (``PYTHONPYCACHEPREFIX``) so that
every module really is compiled from source, and warnings shown (``PYTHONWARNINGS=default``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import Route, SiteServer
from tests.conftest import ROOT

WARNING = "invalid escape sequence"
PAGE = (
    "<!DOCTYPE html><html lang=en><head><title>One page</title></head><body>"
    "<h1>One page</h1><p>A page for a crawl that must print nothing extra.</p></body></html>"
)


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    """No bytecode read or written, warnings shown: as a user on a fresh install sees them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "no-pycache")
    env["PYTHONWARNINGS"] = "default"
    # The test means something only where importing surt from source does warn.
    control = subprocess.run(
        [sys.executable, "-c", "import surt"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert WARNING in control.stderr, "surt no longer warns: this test proves nothing"
    return env


def test_newsarc_crawl_prints_no_invalid_escape_warnings(
    fresh_env: dict[str, str], tmp_path: Path
) -> None:
    newsarc = Path(sys.executable).with_name("newsarc")
    routes = {"/": Route.html(PAGE), "/robots.txt": Route.text("User-agent: *\n")}
    with SiteServer(routes) as server:
        proc = subprocess.run(
            [str(newsarc), "crawl", f"{server.base_url}/", "--out", str(tmp_path / "out")],
            env=fresh_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert WARNING not in proc.stderr, proc.stderr


def test_importing_the_writer_with_those_warnings_as_errors(fresh_env: dict[str, str]) -> None:
    # On 3.11 the warning is a DeprecationWarning; as an error it fails the import outright.
    del fresh_env["PYTHONWARNINGS"]
    proc = subprocess.run(
        [
            sys.executable,
            "-W",
            f"error:{WARNING}:DeprecationWarning",
            "-W",
            f"error:{WARNING}:SyntaxWarning",
            "-c",
            # The writer imports cdxj-indexer (and surt) when it first indexes.
            "from crawler.warc.writer import cdxj_indexer; cdxj_indexer()",
        ],
        env=fresh_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
