"""Tests of crawler/run/headlines.py (``newsarc headlines``) over a local store.

The store holds headline items as crawls write them (``<crawl_id>/items/headlines-….jsonl.gz``,
a worker's file named with its id too); the whole-run test in ``test_run.py`` reads a series from
real runs. Here: the filters, the three output formats, and the README's duckdb query giving the
same rows as the command."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler.cli import main
from crawler.run.headlines import headline_series
from tests.conftest import ROOT

STORY = "http://news.example/news/2026/12/01/story-1.html"
OTHER = "http://news.example/news/2026/12/01/story-2.html"


def _headline(
    crawl: str, fetched: str, url: str, title: str, *, position: int, views: int
) -> dict[str, Any]:
    return {
        "type": "headline",
        "schema_version": 1,
        "site": crawl.split("-")[1],
        "crawl_id": crawl,
        "fetched_at": fetched,
        "source_url": "http://news.example/",
        "block": "Most read",
        "position": position,
        "title": title,
        "url": url,
        "views": views,
        "views_raw": str(views),
        "published_at": None,
        "published_raw": None,
        "image": None,
    }


def _write(store: Path, crawl: str, name: str, items: list[dict[str, Any]]) -> None:
    path = store / crawl / "items" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress("".join(json.dumps(i) + "\n" for i in items).encode()))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    runs = [
        ("20261202T145929Z-news-ab12", "2026-12-02T14:59:29+00:00", 537, 1),
        ("20261202T155947Z-news-cd34", "2026-12-02T15:59:47+00:00", 574, 2),
    ]
    for crawl, fetched, views, rank in runs:
        _write(
            root,
            crawl,
            "headlines-00000.jsonl.gz",
            [
                _headline(
                    crawl, fetched, STORY, "Bridge repairs approved", position=rank, views=views
                ),
                _headline(crawl, fetched, OTHER, "Schools reopen", position=3 - rank, views=100),
            ],
        )
    # A crawl shared by workers: each writes its own file, named with its worker id.
    crawl = "20261202T165951Z-news-ef56"
    _write(
        root,
        crawl,
        "headlines-host1-3f2a-00000.jsonl.gz",
        [
            _headline(
                crawl,
                "2026-12-02T16:59:51+00:00",
                STORY,
                "Bridge repairs approved",
                position=1,
                views=601,
            )
        ],
    )
    # Another site's crawl linking the same story.
    crawl = "20261202T160000Z-other-0a0b"
    _write(
        root,
        crawl,
        "headlines-00000.jsonl.gz",
        [
            _headline(
                crawl,
                "2026-12-02T16:00:00+00:00",
                STORY,
                "Bridge repairs approved",
                position=4,
                views=9,
            )
        ],
    )
    _write(root, "20261202T145929Z-news-ab12", "articles-00000.jsonl.gz", [{"type": "article"}])
    return root


def test_a_headline_by_link_by_title_by_site_and_since(store: Path) -> None:
    rows = headline_series(str(store), site="news", url=STORY)
    assert [r["views"] for r in rows] == [537, 574, 601]  # the worker's file included
    assert [r["position"] for r in rows] == [1, 2, 1]
    assert [r["crawl_id"] for r in rows] == [
        "20261202T145929Z-news-ab12",
        "20261202T155947Z-news-cd34",
        "20261202T165951Z-news-ef56",
    ]
    everywhere = headline_series(str(store), url=STORY)
    assert len(everywhere) == 4 and {r["site"] for r in everywhere} == {"news", "other"}
    by_title = headline_series(str(store), site="news", title="BRIDGE repairs")
    assert by_title == rows
    since = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert [r["views"] for r in headline_series(str(store), url=STORY, since=since)] == [
        574,
        9,
        601,
    ]
    assert headline_series(str(store), url="http://news.example/none.html") == []


def test_table_csv_and_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["headlines", str(store), "--site", "news", "--url", STORY]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[:2] == ["Bridge repairs approved", STORY]
    assert re.fullmatch(r"captured \(UTC\)\s+views\s+rank\s+block\s+seen on", table[3])
    assert re.fullmatch(
        r"2026-12-02 15:59:47\s+574\s+2\s+Most read\s+http://news.example/", table[5]
    )
    assert len(table) == 7

    assert main(["headlines", str(store), "--site", "news", "--url", STORY, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["views"] for r in rows] == ["537", "574", "601"]

    assert main(["headlines", str(store), "--title", "schools", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["views"], r["position"]) for r in lines] == [(100, 2), (100, 1)]

    assert main(["headlines", str(store), "--url", "http://news.example/none.html"]) == 1
    assert "no capture of that headline" in capsys.readouterr().err
    assert main(["headlines", str(store), "--url", STORY, "--since", "yesterday"]) == 2
    assert "--since" in capsys.readouterr().err


def test_the_readme_duckdb_query_gives_the_same_rows(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Scheduled crawls") :]
    (sql,) = re.findall(r"```sql\n(.*?)```", section, flags=re.S)[:1]
    assert "read_json_auto('data/*/items/headlines-*.jsonl.gz')" in sql
    sql = sql.replace("http://news.example/news/2026/12/01/story-1.html", STORY)
    monkeypatch.chdir(store.parent)  # the query reads data/ relative to where it runs
    got = duckdb.sql(sql).fetchall()
    want = headline_series(str(store), url=STORY)
    assert [(row[1], row[3], row[4]) for row in got] == [
        (r["crawl_id"], r["position"], r["views"]) for r in want
    ]
