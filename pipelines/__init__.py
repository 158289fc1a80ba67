"""Item pipelines, one step per module: clean → validate → dedupe → JSON Lines.

Each rejection raises a ``DropItem`` subclass named after its reason, so Scrapy's core stats
count drops per reason (``item_dropped_reasons_count/<Class>``).
"""

from __future__ import annotations

from pipelines.clean import CleanPipeline, EmptyItem
from pipelines.dedupe import DedupePipeline, DuplicateContent, DuplicateItem, DuplicateUrl
from pipelines.jsonl import JsonLinesPipeline, UnknownItemType
from pipelines.validate import InvalidItem, ValidatePipeline

__all__ = [
    "CleanPipeline",
    "DedupePipeline",
    "DuplicateContent",
    "DuplicateItem",
    "DuplicateUrl",
    "EmptyItem",
    "InvalidItem",
    "JsonLinesPipeline",
    "UnknownItemType",
    "ValidatePipeline",
]
