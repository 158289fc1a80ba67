"""The committed item schema must match the item dataclasses (and be a valid schema)."""

from __future__ import annotations

import json

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator

from crawler.items import ArticleItem, HeadlineItem
from crawler.schema import SCHEMA_PATH, render_schema

REGENERATE = ".venv/bin/python -m crawler.schema > crawler/schema/items.schema.json"


def _committed() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_committed_schema_is_valid() -> None:
    Draft202012Validator.check_schema(_committed())


def test_properties_and_descriptions_match_dataclasses() -> None:
    committed = _committed()
    for kind, cls in (("article", ArticleItem), ("headline", HeadlineItem)):
        generated = ItemAdapter.get_json_schema(cls)["properties"]
        published = committed["$defs"][kind]["properties"]
        missing = sorted(set(generated) - set(published))
        extra = sorted(set(published) - set(generated))
        assert not missing and not extra, (
            f"{kind}: fields missing from the committed schema: {missing}; fields no longer "
            f"in {cls.__name__}: {extra}. Regenerate with: {REGENERATE}"
        )
        changed = sorted(
            name
            for name, prop in generated.items()
            if prop.get("description") != published[name].get("description")
        )
        assert not changed, (
            f"{kind}: descriptions differ for {changed}. Regenerate with: {REGENERATE}"
        )


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        f"crawler/schema/items.schema.json is stale. Regenerate with: {REGENERATE}"
    )
