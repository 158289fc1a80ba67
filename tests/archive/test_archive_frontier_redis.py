"""A whole crawl of the demo site with its frontier in Redis (``--frontier redis://…``, a real
redis-server): stopped by ``--max-pages``, resumed with the printed command, every page fetched
exactly once, and the frontier in Redis drained with every URL accounted for."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import DemoServer
from crawler.frontier import FRONTIER_NAME, open_backend
from tests.archive.conftest import check_crawl_output, expected_paths, resume_command
from tests.conftest import run_newsarc


def _fetched(crawl_dir: Path) -> list[str]:
    """Paths of every response record of the crawl, repeats kept (robots.txt left out)."""
    paths = []
    for warc in sorted(crawl_dir.glob("warc/*.warc.gz")):
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    paths.append(urlsplit(record.rec_headers.get_header("WARC-Target-URI")).path)
    return [p for p in paths if p != "/robots.txt"]


@pytest.mark.slow
def test_a_crawl_and_its_resume_on_a_redis_frontier_fetch_every_page_once(
    tmp_path: Path, demo_server: DemoServer, redis_url: str
) -> None:
    out = tmp_path / "store"
    fast = ("-s", "AUTOTHROTTLE_ENABLED=False")
    first = run_newsarc(
        "crawl", f"{demo_server.base_url}/", "--out", str(out), "--max-pages", "30",
        "--frontier", redis_url, *fast,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"--frontier {redis_url}" in first.stderr  # the resume command finds the frontier
    resume = [*resume_command(first), "--frontier", redis_url, *fast]
    second = run_newsarc(*resume)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "still pending" not in second.stderr
    crawls = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(crawls) == 2
    fetched: list[str] = []
    for crawl_dir in crawls:
        check_crawl_output(crawl_dir)
        assert not (crawl_dir / FRONTIER_NAME).exists()  # the SQLite ledger was not used
        fetched += _fetched(crawl_dir)
    assert len(fetched) == len(set(fetched))  # no page fetched twice
    assert set(fetched) == expected_paths(demo_server.site)  # every page fetched
    old, new = (open_backend(redis_url, crawl_dir) for crawl_dir in crawls)
    try:
        assert old.counts()["queued"] > 0  # what the first run left, for its resume
        counts = new.counts()
        assert counts["queued"] == counts["leased"] == 0
        assert counts["done"] >= len(fetched)  # pages, and robots.txt/sitemaps/feeds
        assert new.meta()["resumed_from"] == crawls[0].name
        assert new.state(f"{demo_server.base_url}/") == ("done", None)
    finally:
        old.close()
        new.close()
