"""Validate items against the published JSON Schema (``crawler/schema/items.schema.json``).

An invalid item is dropped with :class:`InvalidItem`, whose message names the item, each
failing field and the problem.

Settings read: none.

Stats written: ``items/invalid/<field>`` per failing field (``<root>`` for the item itself);
drops are counted by Scrapy as ``item_dropped_reasons_count/InvalidItem``.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Any

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema.exceptions import (
    ValidationError,
    best_match,
)
from scrapy.exceptions import DropItem

from crawler.schema import fast_validator, validator

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from jsonschema import Draft202012Validator
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["InvalidItem", "ValidatePipeline", "describe_errors"]


class InvalidItem(DropItem):
    """The item does not match the item schema."""


def _field(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "<root>"


def describe_errors(errors: list[ValidationError]) -> list[tuple[str, str]]:
    """``(field, problem)`` pairs, using the most specific sub-error of ``anyOf``/``oneOf``."""
    out = []
    for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        specific = best_match(error.context) if error.context else None
        chosen = specific if specific is not None else error
        out.append((_field(chosen), chosen.message))
    return out


class ValidatePipeline:
    """Drops items that do not validate against the item schema."""

    def __init__(
        self,
        schema_validator: Draft202012Validator,
        stats: StatsCollector,
        fast_check: Callable[[Any], Any] | None = None,
    ) -> None:
        self.validator = schema_validator
        self.stats = stats
        self.fast_check = fast_check

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(validator(), crawler.stats, fast_validator())

    def process_item(self, item: Any) -> Any:
        # Our items are dataclasses: their __dict__ is the item, read without a copy.
        data = vars(item) if is_dataclass(item) else ItemAdapter(item).asdict()
        if self.fast_check is not None:
            # The compiled check answers yes/no quickly; jsonschema explains a "no".
            try:
                self.fast_check(data)
            except fastjsonschema.JsonSchemaException:
                pass
            else:
                return item
        errors = list(self.validator.iter_errors(data))
        if not errors:
            return item
        problems = describe_errors(errors)
        for field in {field for field, _ in problems}:
            self.stats.inc_value(f"items/invalid/{field}")
        where = data.get("url") or data.get("source_url") or "?"
        detail = "; ".join(f"field {field!r}: {message}" for field, message in problems)
        raise InvalidItem(f"invalid {data.get('type', 'item')} {where}: {detail}")
