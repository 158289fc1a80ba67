"""Researchers can replay what we archived: pywb serves a captured page from our WARC.

pywb lives in its own environment (``make pywb-tool`` → ``.tools/pywb``): it pins old
``redis``/``werkzeug``/``pyOpenSSL`` and would conflict with the project's dependencies.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.demo.server import DemoServer
from crawler.demo.site import DemoSite
from tests.conftest import ROOT, crawl_items, run_newsarc

PYWB = ROOT / ".tools" / "pywb" / "bin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, bytes]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
def test_pywb_replays_a_captured_article(tmp_path: Path) -> None:
    if not (PYWB / "wayback").exists():
        pytest.skip("pywb is not installed: run `make pywb-tool` (make test does)")
    site = DemoSite()
    with DemoServer(site) as server:
        # The seed article itself, so the crawl certainly holds an article page.
        run = run_newsarc(
            "crawl",
            f"{server.base_url}{site.seed_article.path}",
            "--out",
            str(tmp_path / "data"),
            "--max-pages",
            "1",
        )
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(tmp_path / "data")
    articles, _ = crawl_items(crawl_dir)
    assert articles
    article = articles[0]

    archive = tmp_path / "pywb"
    archive.mkdir()
    subprocess.run(
        [str(PYWB / "wb-manager"), "init", "news"], cwd=archive, check=True, capture_output=True
    )
    for warc in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        subprocess.run(
            [str(PYWB / "wb-manager"), "add", "news", str(warc)],
            cwd=archive,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    wayback = subprocess.Popen(
        [str(PYWB / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=archive,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # id_ asks for the page exactly as archived, without pywb's rewriting.
        status, body = _get(
            f"http://127.0.0.1:{port}/news/id_/{article['url']}", time.monotonic() + 60
        )
    finally:
        wayback.terminate()
        wayback.wait(timeout=30)
    assert status == 200
    page = body.decode("utf-8")
    assert "<html" in page.lower()
    assert article["title"].replace("'", "&#x27;") in page or article["title"] in page
    first_paragraph = article["text"].split("\n\n")[0]
    assert first_paragraph[:60] in page
