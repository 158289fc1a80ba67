"""``newsarc datasets export``: the items of downloaded crawls as two tables, Parquet or CSV.

Written with pyarrow (``pyarrow.dataset.write_dataset``, Hive partitioning): it writes both
formats and partitioned directories in one call, and pandas, duckdb, polars and Spark all read
what it writes. The tables go to ``OUT/articles/site=…/date=…/part-0.parquet`` and
``OUT/headlines/…`` (``.csv`` for CSV), replacing an earlier export of the same directory.

**articles**: one row per article *capture*: items of the same URL with the same content
(title, lead, text, authors, dates, section, tags) are one capture, however often they were
written (a resumed or re-run crawl writes some pages again). Columns:

=====================  ==========================================================================
site, date             partition keys: the item's ``site``; ``first_seen``'s UTC date
url, canonical_url     as extracted
title, lead, text      as extracted
authors, tags, flags   lists of strings (JSON text in CSV)
images                 JSON text: ``[{url, caption, alt}]``
published_at,          as the site gave them (ISO 8601 text with the site's UTC offset)
modified_at
language, section      as extracted
word_count             integer
schema_version         the item schema version (crawler/schema/items.schema.json)
extractor_method,      ``extraction.method`` / ``extraction.extractor_version``
extractor_version
page_class             the page's class where the item names one (else null)
content_sha256         SHA-256 of the content fields above: the capture's identity with ``url``
first_seen, last_seen  earliest and latest ``fetched_at`` of the capture (UTC timestamps)
captures               how many items were merged into this row
crawl_ids              every crawl that wrote it (list; JSON text in CSV)
crawl_id, fetched_at,  provenance of the first sighting: crawl, capture time, and the WARC
warc_filename,         record the item was extracted from (file name, byte offset and length of
warc_offset,           its gzip member, ``WARC-Record-ID``)
warc_length,
warc_record_id
=====================  ==========================================================================

**headlines**: every sighting of a headline in a sidebar block (the time series), one row per
item; only exact repeats (the same WARC record, block, position, URL and title: an item written
twice) are merged. Columns: ``site``, ``date`` (``fetched_at``'s UTC date), ``source_url``,
``block``, ``position``, ``title``, ``url``, ``views``, ``views_raw``, ``published_at``,
``published_raw``, ``image``, ``flags``, ``schema_version``, ``page_class`` and the provenance
columns (``crawl_id``, ``fetched_at``, ``warc_*``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import shutil
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.dataset as pads  # type: ignore[import-untyped]

__all__ = ["ARTICLE_SCHEMA", "HEADLINE_SCHEMA", "ExportResult", "export"]

_TS = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.string())
_PROVENANCE = [
    ("crawl_id", pa.string()),
    ("fetched_at", _TS),
    ("warc_filename", pa.string()),
    ("warc_offset", pa.int64()),
    ("warc_length", pa.int64()),
    ("warc_record_id", pa.string()),
]
ARTICLE_SCHEMA = pa.schema(
    [
        ("site", pa.string()),
        ("date", pa.string()),
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("title", pa.string()),
        ("lead", pa.string()),
        ("text", pa.string()),
        ("authors", _STRINGS),
        ("published_at", pa.string()),
        ("modified_at", pa.string()),
        ("language", pa.string()),
        ("section", pa.string()),
        ("tags", _STRINGS),
        ("images", pa.string()),
        ("word_count", pa.int64()),
        ("flags", _STRINGS),
        ("schema_version", pa.int64()),
        ("extractor_method", pa.string()),
        ("extractor_version", pa.string()),
        ("page_class", pa.string()),
        ("content_sha256", pa.string()),
        ("first_seen", _TS),
        ("last_seen", _TS),
        ("captures", pa.int64()),
        ("crawl_ids", _STRINGS),
        *_PROVENANCE,
    ]
)
HEADLINE_SCHEMA = pa.schema(
    [
        ("site", pa.string()),
        ("date", pa.string()),
        ("source_url", pa.string()),
        ("block", pa.string()),
        ("position", pa.int64()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("views", pa.int64()),
        ("views_raw", pa.string()),
        ("published_at", pa.string()),
        ("published_raw", pa.string()),
        ("image", pa.string()),
        ("flags", _STRINGS),
        ("schema_version", pa.int64()),
        ("page_class", pa.string()),
        *_PROVENANCE,
    ]
)
_CONTENT = ("title", "lead", "text", "authors", "published_at", "modified_at", "section", "tags")


@dataclass
class ExportResult:
    """What an export wrote."""

    output: Path
    article_items: int = 0
    articles: int = 0
    headline_items: int = 0
    headlines: int = 0
    problems: list[str] = field(default_factory=list)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _item_files(root: Path, output: Path) -> list[Path]:
    files = sorted(root.glob("items/*.jsonl.gz")) + sorted(root.glob("*/items/*.jsonl.gz"))
    return [f for f in files if not f.resolve().is_relative_to(output.resolve())]


def _read(path: Path, problems: list[str]) -> list[dict[str, Any]]:
    items = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                try:
                    item = json.loads(line)
                except ValueError:
                    problems.append(f"{path}:{number}: not a JSON object")
                    continue
                if isinstance(item, dict):
                    items.append(item)
    except (OSError, EOFError, zlib.error) as exc:
        problems.append(f"{path}: cannot read all of it ({exc}); {len(items)} items kept")
    return items


def _provenance(item: dict[str, Any]) -> dict[str, Any]:
    warc = item.get("warc") or {}
    return {
        "crawl_id": item.get("crawl_id"),
        "fetched_at": _time(item.get("fetched_at")),
        "warc_filename": warc.get("filename"),
        "warc_offset": warc.get("offset"),
        "warc_length": warc.get("length"),
        "warc_record_id": warc.get("record_id"),
    }


def _page_class(item: dict[str, Any]) -> Any:
    return item.get("page_class") or (item.get("extraction") or {}).get("page_class")


def _articles(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    # Earliest first, so each row's provenance is its first sighting.
    for item in sorted(items, key=lambda i: (str(i.get("fetched_at") or ""), str(i.get("url")))):
        content = json.dumps([item.get(k) for k in _CONTENT], sort_keys=True, ensure_ascii=False)
        sha = hashlib.sha256(content.encode("utf-8")).hexdigest()
        key = (str(item.get("url")), sha)
        seen = _time(item.get("fetched_at"))
        row = rows.get(key)
        if row is not None:
            row["captures"] += 1
            if seen and (row["last_seen"] is None or seen > row["last_seen"]):
                row["last_seen"] = seen
            if item.get("crawl_id") and item["crawl_id"] not in row["crawl_ids"]:
                row["crawl_ids"].append(item["crawl_id"])
            continue
        extraction = item.get("extraction") or {}
        rows[key] = {
            "site": item.get("site") or "",
            "date": seen.date().isoformat() if seen else "unknown",
            **{k: item.get(k) for k in ("url", "canonical_url", "title", "lead", "text")},
            "authors": list(item.get("authors") or []),
            "published_at": item.get("published_at"),
            "modified_at": item.get("modified_at"),
            "language": item.get("language"),
            "section": item.get("section"),
            "tags": list(item.get("tags") or []),
            "images": json.dumps(item.get("images") or [], ensure_ascii=False),
            "word_count": item.get("word_count"),
            "flags": list(item.get("flags") or []),
            "schema_version": item.get("schema_version"),
            "extractor_method": extraction.get("method"),
            "extractor_version": extraction.get("extractor_version"),
            "page_class": _page_class(item),
            "content_sha256": sha,
            "first_seen": seen,
            "last_seen": seen,
            "captures": 1,
            "crawl_ids": [item["crawl_id"]] if item.get("crawl_id") else [],
            **_provenance(item),
        }
    return list(rows.values())


def _headlines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: str(i.get("fetched_at") or "")):
        warc = item.get("warc") or {}
        key = (
            warc.get("record_id") or item.get("fetched_at"),
            item.get("source_url"),
            item.get("block"),
            item.get("position"),
            item.get("url"),
            item.get("title"),
        )
        if key in rows:
            continue
        seen = _time(item.get("fetched_at"))
        rows[key] = {
            "site": item.get("site") or "",
            "date": seen.date().isoformat() if seen else "unknown",
            **{
                k: item.get(k)
                for k in (
                    "source_url",
                    "block",
                    "position",
                    "title",
                    "url",
                    "views",
                    "views_raw",
                    "published_at",
                    "published_raw",
                    "image",
                )
            },
            "flags": list(item.get("flags") or []),
            "schema_version": item.get("schema_version"),
            "page_class": _page_class(item),
            **_provenance(item),
        }
    return list(rows.values())


def _for_csv(table: pa.Table) -> pa.Table:
    """CSV has no lists: list columns become JSON text."""
    for index, column in enumerate(table.schema):
        if pa.types.is_list(column.type):
            values = [json.dumps(v, ensure_ascii=False) for v in table.column(index).to_pylist()]
            table = table.set_column(index, column.name, pa.array(values, pa.string()))
    return table


def _write(rows: list[dict[str, Any]], schema: pa.Schema, target: Path, fmt: str) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    if fmt == "csv":
        table = _for_csv(table)
    target.mkdir(parents=True)
    if not rows:
        return
    pads.write_dataset(
        table,
        target,
        format=fmt,
        partitioning=["site", "date"],
        partitioning_flavor="hive",
        basename_template="part-{i}." + fmt,
        existing_data_behavior="overwrite_or_ignore",
    )


def export(root: Path, output: Path, fmt: str = "parquet") -> ExportResult:
    """Export the items of every crawl under ``root`` into ``output`` (see the module doc)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    result = ExportResult(output=output)
    articles: list[dict[str, Any]] = []
    headlines: list[dict[str, Any]] = []
    for path in _item_files(root, output):
        for item in _read(path, result.problems):
            if item.get("type") == "article":
                articles.append(item)
            elif item.get("type") == "headline":
                headlines.append(item)
    result.article_items = len(articles)
    result.headline_items = len(headlines)
    article_rows = _articles(articles)
    headline_rows = _headlines(headlines)
    result.articles = len(article_rows)
    result.headlines = len(headline_rows)
    output.mkdir(parents=True, exist_ok=True)
    staging = output / f".export-{secrets.token_hex(4)}"
    try:
        _write(article_rows, ARTICLE_SCHEMA, staging / "articles", fmt)
        _write(headline_rows, HEADLINE_SCHEMA, staging / "headlines", fmt)
        for name in ("articles", "headlines"):
            final = output / name
            if final.is_symlink():
                final.unlink()
            elif final.exists():
                shutil.rmtree(final)
            (staging / name).replace(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result
