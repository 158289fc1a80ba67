"""The published JSON Schema of newsarc's items (``items.schema.json``) and its generator.

The committed file is generated from the item dataclasses (``ItemAdapter.get_json_schema``:
property names, types and the field docstrings as descriptions) plus the constraints below
(required fields, formats, ranges). ``tests/test_schema.py`` fails when the committed copy and
the dataclasses drift apart. Regenerate with::

    .venv/bin/python -m crawler.schema > crawler/schema/items.schema.json
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator, FormatChecker

from crawler.health import HEALTH_CLASSES
from crawler.items import SCHEMA_VERSION, ArticleItem, HeadlineItem

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "SCHEMA_PATH",
    "build_schema",
    "fast_validator",
    "format_checker",
    "load_schema",
    "render_schema",
    "validator",
]

SCHEMA_PATH = Path(__file__).with_name("items.schema.json")

_ENVELOPE_REQUIRED = ["type", "schema_version", "site", "crawl_id", "fetched_at", "warc"]

# No "type" here: the "warc" property allows null, and these keywords only apply to objects.
_WARC_REF: dict[str, Any] = {
    "additionalProperties": False,
    "required": ["filename", "offset", "length", "record_id"],
    "properties": {
        "filename": {"type": "string", "minLength": 1},
        "offset": {"type": "integer", "minimum": 0},
        "length": {"type": "integer", "minimum": 1},
        "record_id": {"type": "string", "pattern": "^<urn:uuid:[0-9a-fA-F-]+>$"},
    },
}

_DATE_TIME_OR_NULL: dict[str, Any] = {"type": ["null", "string"], "format": "date-time"}

#: Constraints added to the generated properties, per item type.
_CONSTRAINTS: dict[str, dict[str, dict[str, Any]]] = {
    "envelope": {
        "schema_version": {"minimum": 1},
        "site": {"minLength": 1},
        "fetched_at": {"format": "date-time"},
        "warc": {"type": ["null", "object"], "$ref": "#/$defs/warc_ref"},
        "page_class": {"enum": [None, *HEALTH_CLASSES]},
    },
    "article": {
        "type": {"const": "article"},
        "url": {"minLength": 1},
        "title": {"minLength": 1},
        "text": {"minLength": 1},
        "authors": {"items": {"type": "string", "minLength": 1}},
        "tags": {"items": {"type": "string", "minLength": 1}},
        "published_at": _DATE_TIME_OR_NULL,
        "modified_at": _DATE_TIME_OR_NULL,
        "word_count": {"minimum": 0},
        "images": {
            "items": {
                "type": "object",
                "required": ["url"],
                "properties": {
                    "url": {"type": "string", "minLength": 1},
                    "caption": {"type": ["null", "string"]},
                    "alt": {"type": ["null", "string"]},
                },
            }
        },
        "extraction": {
            "properties": {
                "method": {"enum": ["profile", "auto"]},
                "extractor_version": {"type": ["string", "integer"]},
            }
        },
        "flags": {"items": {"type": "string"}},
    },
    "headline": {
        "type": {"const": "headline"},
        "source_url": {"minLength": 1},
        "position": {"minimum": 1},
        "title": {"minLength": 1},
        "url": {"minLength": 1},
        "views": {"minimum": 0},
        "published_at": _DATE_TIME_OR_NULL,
        "flags": {"items": {"type": "string"}},
    },
}

_REQUIRED = {
    "article": [*_ENVELOPE_REQUIRED, "url", "title", "text"],
    "headline": [*_ENVELOPE_REQUIRED, "source_url", "position", "title", "url"],
}


def _item_schema(kind: str, item_class: type) -> dict[str, Any]:
    generated = ItemAdapter.get_json_schema(item_class)
    properties: dict[str, Any] = {}
    for name, generated_prop in generated["properties"].items():
        prop = {k: v for k, v in generated_prop.items() if k != "default"}
        if name == "warc":
            prop.pop("anyOf", None)
            prop.pop("type", None)
        prop.update(copy.deepcopy(_CONSTRAINTS["envelope"].get(name, {})))
        overlay = copy.deepcopy(_CONSTRAINTS[kind].get(name, {}))
        if name in ("published_at", "modified_at"):
            prop.pop("type", None)
        prop.update(overlay)
        properties[name] = prop
    return {
        "type": "object",
        "description": (item_class.__doc__ or "").strip(),
        "additionalProperties": False,
        "required": _REQUIRED[kind],
        "properties": properties,
    }


def build_schema() -> dict[str, Any]:
    """The full schema, generated from the dataclasses plus the constraints of this module."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsarc.invalid/schema/items-v{SCHEMA_VERSION}.json",
        "title": "newsarc items",
        "description": (
            f"Items written to JSON Lines by newsarc, schema_version {SCHEMA_VERSION}. "
            "Generated by `python -m crawler.schema`; do not edit by hand."
        ),
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["article", "headline"]}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": "article"}}},
                "then": {"$ref": "#/$defs/article"},
            },
            {
                "if": {"properties": {"type": {"const": "headline"}}},
                "then": {"$ref": "#/$defs/headline"},
            },
        ],
        "$defs": {
            "warc_ref": copy.deepcopy(_WARC_REF),
            "article": _item_schema("article", ArticleItem),
            "headline": _item_schema("headline", HeadlineItem),
        },
    }


@cache
def load_schema() -> dict[str, Any]:
    """The committed schema (``items.schema.json``)."""
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def _check_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``: a date, ``T``, a time and a UTC offset (``Z`` or ``±hh:mm``)."""
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("missing the 'T' between date and time")
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("no UTC offset")
    return True


def format_checker() -> FormatChecker:
    """Format checker with a ``date-time`` check that needs no optional dependency."""
    checker = FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(_check_date_time)
    return checker


def validator() -> Draft202012Validator:
    """A validator for the committed schema, checking formats."""
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=format_checker())


def _is_date_time(value: object) -> bool:
    try:
        return _check_date_time(value)
    except ValueError:
        return False


def fast_validator() -> Callable[[Any], Any]:
    """The committed schema compiled to Python by fastjsonschema (~50x faster than jsonschema).

    It raises ``fastjsonschema.JsonSchemaException`` on the first problem; use
    :func:`validator` to describe every problem of an item that failed.
    """
    return cast(
        "Callable[[Any], Any]",
        fastjsonschema.compile(load_schema(), formats={"date-time": _is_date_time}),
    )


def render_schema() -> str:
    """:func:`build_schema` as the text committed in ``items.schema.json``."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
