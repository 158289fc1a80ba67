"""Tests of pipelines/jsonl.py: gzip JSON Lines per item type, rotation, no temp files left."""

from __future__ import annotations

import errno
import gzip
import json
import random
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from scrapy import signals
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.exceptions import StoreError
from crawler.frontier import FRONTIER_NAME, Frontier, FrontierLedger
from crawler.items import ArticleItem, HeadlineItem, WarcRef
from crawler.recovery import recover_jsonl
from crawler.signals import META_KIND
from pipelines.jsonl import JsonLinesPipeline, UnknownItemType

CRAWL = "20251203T143605Z-test-abcd"


def _pipeline(tmp_path: Path, max_items: int = 100) -> JsonLinesPipeline:
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "JSONL_MAX_ITEMS_PER_FILE": max_items,
        }
    )
    return build_from_crawler(JsonLinesPipeline, crawler)


def _lines(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_streams_by_type_and_utf8(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    pipeline.process_item(ArticleItem(url="https://n/a", title="Кремль", text="Текст."))
    pipeline.process_item(HeadlineItem(source_url="https://n/a", position=1, title="Один", url="u"))
    items_dir = tmp_path / CRAWL / "items"
    assert sorted(p.name for p in items_dir.iterdir()) == [
        "articles-00000.jsonl.gz.tmp",
        "headlines-00000.jsonl.gz.tmp",
    ]
    pipeline.close_spider()
    assert sorted(p.name for p in items_dir.iterdir()) == [
        "articles-00000.jsonl.gz",
        "headlines-00000.jsonl.gz",
    ]
    (article,) = _lines(items_dir / "articles-00000.jsonl.gz")
    assert article["title"] == "Кремль" and article["crawl_id"] == CRAWL
    assert list(article)[:3] == ["type", "schema_version", "site"]
    raw = gzip.decompress((items_dir / "articles-00000.jsonl.gz").read_bytes())
    assert "Кремль".encode() in raw  # not \u-escaped
    (headline,) = _lines(items_dir / "headlines-00000.jsonl.gz")
    assert headline["title"] == "Один"
    stats = pipeline.stats.get_stats()
    assert stats["items/written/article"] == 1 and stats["items/written/headline"] == 1
    assert stats["items/files_closed"] == 2


def test_rotation(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, max_items=2)
    for i in range(5):
        pipeline.process_item(
            ArticleItem(url=f"https://n/{i}", title="t", text="x", crawl_id="own")
        )
    pipeline.close_spider()
    items_dir = tmp_path / CRAWL / "items"
    names = sorted(p.name for p in items_dir.iterdir())
    assert names == [f"articles-0000{i}.jsonl.gz" for i in range(3)]
    counts = [len(_lines(items_dir / n)) for n in names]
    assert counts == [2, 2, 1]
    assert _lines(items_dir / names[0])[0]["crawl_id"] == "own"  # not overwritten


def test_unknown_type_and_bad_config(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    with pytest.raises(UnknownItemType):
        pipeline.process_item({"type": "video"})
    with pytest.raises(ValueError, match="JSONL_MAX_ITEMS_PER_FILE"):
        _pipeline(tmp_path, max_items=0)


def test_fast_export_path_writes_what_scrapys_exporter_writes() -> None:
    import io

    from scrapy.exporters import JsonLinesItemExporter

    from crawler.items import ArticleItem, HeadlineItem
    from pipelines.jsonl import _JsonLinesExporter

    items = [
        ArticleItem(
            site="s",
            fetched_at="2025-12-04T15:00:00+00:00",
            url="https://n.example/a",
            title="Ünïcode “quotes”",
            text="One.\n\nTwo.",
            authors=["A"],
            images=[{"url": "https://n.example/i.jpg", "caption": None, "alt": "x"}],
            warc={"filename": "f.warc.gz", "offset": 0, "length": 9, "record_id": "<urn:uuid:1>"},
        ),
        HeadlineItem(
            site="s",
            source_url="https://n.example/a",
            position=1,
            title="t",
            url="https://n.example/b",
            views=139,
            published_raw="17:36",
        ),
    ]
    outputs = []
    for exporter_class in (JsonLinesItemExporter, _JsonLinesExporter):
        buffer = io.BytesIO()
        exporter = exporter_class(
            buffer, encoding="utf-8", ensure_ascii=False, export_empty_fields=True
        )
        exporter.start_exporting()
        for item in items:
            exporter.export_item(item)
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]


def test_sync_puts_every_written_line_on_disk(tmp_path: Path) -> None:
    # Lines are handed to gzip in blocks; a frontier checkpoint (sync) must flush the block
    # still being collected too, or pages would be marked done with their items in memory.
    pipeline = _pipeline(tmp_path, max_items=10_000)
    for n in range(250):  # a few 64 KiB blocks and a partial one
        pipeline.process_item(HeadlineItem(title=f"headline {n} " + "x" * 300, position=n + 1))
    pipeline.sync()
    tmp = tmp_path / CRAWL / "items" / "headlines-00000.jsonl.gz.tmp"
    # A crash now leaves the file as it is: what a reader can get out of it (sync points, no
    # gzip trailer) must be every line.
    data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(tmp.read_bytes())
    lines = data.decode().splitlines()
    assert len(lines) == 250
    assert json.loads(lines[-1])["position"] == 250
    pipeline.close_spider()


class _FullOnce:
    """The file under the gzip stream, as a disk that is full for one write."""

    def __init__(self, real: BinaryIO) -> None:
        self.real = real
        self.failed = False

    def write(self, data: bytes) -> int:
        if data and not self.failed:
            self.failed = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_failed_write_gives_the_stream_up_and_no_page_after_the_last_sync_is_done(
    tmp_path: Path,
) -> None:
    # The compressor consumed the lines of a block whose output could not be written: the rest
    # of the file can never decode. Before the fix, later syncs succeeded, the pages were
    # marked done and the finished file decompressed to nothing.
    crawler = get_crawler(
        settings_dict={
            "NEWSARC_CRAWL_ID": CRAWL,
            "NEWSARC_STORE_URI": str(tmp_path),
            "JSONL_MAX_ITEMS_PER_FILE": 10_000,
            "FRONTIER_ENABLED": True,
            "FRONTIER_CHECKPOINT_INTERVAL": 3600,
            "FRONTIER_RESERVE_BYTES": 0,
            "WARC_ENABLED": True,
        }
    )
    pipeline = build_from_crawler(JsonLinesPipeline, crawler)
    reasons: list[str] = []
    pipeline.close_spider_callback = reasons.append
    frontier = Frontier.from_crawler(crawler)  # its checkpoints sync the pipeline (signal)
    frontier.ledger = ledger = FrontierLedger(tmp_path / CRAWL / FRONTIER_NAME, CRAWL)
    rng = random.Random(7)
    refused = []

    def page(n: int) -> None:
        # What Scrapy does for a page whose callback yields one article.
        request = Request(f"http://s/{n}", meta={META_KIND: "page"})
        frontier.track(request)
        request.meta["newsarc_warc"] = WarcRef("f.warc.gz", 0, 1, "<urn:x>")
        response = HtmlResponse(request.url, body=b"<html></html>", request=request)
        url = frontier.response_started(response)
        assert url is not None
        frontier.response_output(url)
        text = "".join(rng.choice("abcdefghij ") for _ in range(6000))
        item = ArticleItem(url=request.url, title=str(n), text=text)
        sent = {"item": item, "response": response, "spider": None}
        try:
            pipeline.process_item(item)
        except (OSError, StoreError):  # Scrapy sends item_error for whatever a pipeline raises
            refused.append(n)
            crawler.signals.send_catch_log(signals.item_error, **sent, failure=Failure())
        else:
            crawler.signals.send_catch_log(signals.item_scraped, **sent)
        frontier.response_finished(url, response)

    for n in range(10):
        page(n)
    frontier.checkpoint()  # synced: pages 0-9 are done
    stream = pipeline._streams["article"]
    stream.gz.fileobj = _FullOnce(stream.raw)  # type: ignore[assignment]
    for n in range(10, 40):
        page(n)
        if n == 25:
            frontier.checkpoint()
    pipeline.close_spider()
    frontier.checkpoint(final=True)

    states = {f"http://s/{n}": ledger.state(f"http://s/{n}") for n in range(40)}
    assert [url for url, state in states.items() if state == ("done", None)] == [
        f"http://s/{n}" for n in range(10)
    ]
    assert all(states[f"http://s/{n}"] == ("queued", None) for n in range(10, 40))
    assert refused and refused[-1] == 39  # the failed block's item and every later one
    assert pipeline.sync_failed and reasons == ["items_write_failed"]
    assert crawler.stats.get_value("items/write_failed") == 1
    items_dir = tmp_path / CRAWL / "items"
    assert [p.name for p in items_dir.iterdir()] == ["articles-00000.jsonl.gz.tmp"]
    final, count = recover_jsonl(items_dir / "articles-00000.jsonl.gz.tmp")
    assert final is not None and count == 10
    assert [line["title"] for line in _lines(final)] == [str(n) for n in range(10)]
