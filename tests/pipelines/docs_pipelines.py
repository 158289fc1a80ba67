"""Item pipelines written the way Scrapy's documentation writes them, for the page-unit tests.

``JsonWriterPipeline`` is the docs' "Write items to a JSON lines file" example (``items.jsonl``
in the current directory; each line also names the item's class), with the ``spider`` arguments
of the older docs; ``AsyncStampPipeline`` is a coroutine
``process_item``. Both are importable by a ``newsarc crawl`` subprocess (``tests.pipelines``).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from scrapy import Spider


class JsonWriterPipeline:
    def open_spider(self, spider: Spider) -> None:
        self.file = open("items.jsonl", "w", encoding="utf-8")  # noqa: SIM115 - see close_spider

    def close_spider(self, spider: Spider) -> None:
        self.file.close()

    def process_item(self, item: Any, spider: Spider) -> Any:
        line = {"class": type(item).__name__, **ItemAdapter(item).asdict()}
        self.file.write(json.dumps(line) + "\n")
        return item


class AsyncStampPipeline:
    """Waits on the event loop (as a pipeline storing items somewhere would) and passes the
    item on; counts what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def process_item(self, item: Any) -> Any:
        await asyncio.sleep(0)
        self.seen.append(type(item).__name__)
        return item
