"""``newsarc headlines STORE``: one headline's views and rank, capture after capture.

Every run of a scheduled job re-captures the listing pages, so the same "Most read" entry shows
up run after run with its views rising and its rank moving. This reads the headline items of
every crawl in a store (local or ``s3://``, through the store interface), keeps the sightings of
one headline (by link, or by text in its title), and lists them in capture order: one row per
page it was seen on per capture.

The same query in duckdb over the JSON Lines (README, "Scheduled crawls")::

    SELECT fetched_at, crawl_id, block, position, views, source_url
    FROM read_json_auto('data/*/items/headlines-*.jsonl.gz')
    WHERE url = 'https://example.com/a.html' ORDER BY fetched_at;
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from crawler.exceptions import ConfigError, StoreError
from crawler.store import open_store

if TYPE_CHECKING:
    from crawler.store.base import Store

__all__ = ["COLUMNS", "headline_series", "parse_since", "print_series"]

COLUMNS = (
    "fetched_at",
    "crawl_id",
    "site",
    "block",
    "position",
    "views",
    "views_raw",
    "title",
    "url",
    "source_url",
)
# ``headlines-00000.jsonl.gz``, or ``headlines-<worker id>-00000.jsonl.gz`` in a shared crawl.
_KEY = re.compile(r"^(?P<crawl>[^/]+)/items/headlines-(?:[^/]+-)?\d+\.jsonl(?:\.gz)?$")
_RELATIVE = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")


def parse_since(value: str) -> datetime:
    """An ISO 8601 time (UTC if no offset) or a span back from now (``12h``, ``7d``, ``30m``)."""
    match = _RELATIVE.match(value)
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(match.group(1))})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--since: not an ISO 8601 time or a span like 12h: {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _crawl_site(crawl_id: str) -> str:
    """The site (or job) part of ``<UTC time>-<site>-<4 hex>``."""
    parts = crawl_id.split("-")
    return "-".join(parts[1:-1]) if len(parts) >= 3 else crawl_id


def _read_lines(store: Store, key: str) -> list[dict[str, Any]]:
    with store.open(key) as raw:
        data = raw.read()
    if key.endswith(".gz"):
        data = gzip.decompress(data)
    out = []
    for line in data.splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def headline_series(
    store_uri: str | Store,
    *,
    site: str | None = None,
    url: str | None = None,
    title: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every sighting of the headline, oldest capture first (rows with :data:`COLUMNS`)."""
    store = open_store(store_uri) if isinstance(store_uri, str) else store_uri
    try:
        keys = store.list()
    except (OSError, StoreError) as exc:
        raise StoreError(f"cannot list {getattr(store, 'uri', store_uri)}: {exc}") from exc
    wanted_title = title.casefold() if title else None
    rows: list[dict[str, Any]] = []
    for key in keys:
        match = _KEY.match(key)
        if not match:
            continue
        crawl_id = match.group("crawl")
        if site and _crawl_site(crawl_id) != site:
            continue
        for item in _read_lines(store, key):
            if url is not None and item.get("url") != url:
                continue
            if (
                wanted_title is not None
                and wanted_title not in str(item.get("title", "")).casefold()
            ):
                continue
            fetched = str(item.get("fetched_at") or "")
            if since is not None:
                try:
                    when = datetime.fromisoformat(fetched.replace("Z", "+00:00"))
                except ValueError:
                    continue
                if when < since:
                    continue
            row = {name: item.get(name) for name in COLUMNS}
            row["crawl_id"] = item.get("crawl_id") or crawl_id
            rows.append(row)
    rows.sort(key=lambda r: (str(r["fetched_at"]), str(r["source_url"]), str(r["block"])))
    return rows


def print_series(rows: list[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    """``table`` (for a terminal), ``csv`` or ``json`` (JSON Lines)."""
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    if not rows:
        return
    out.write(f"{rows[-1]['title']}\n{rows[-1]['url']}\n\n")
    header = ("captured (UTC)", "views", "rank", "block", "seen on")
    table = [
        (
            str(r["fetched_at"])[:19].replace("T", " "),
            "" if r["views"] is None else str(r["views"]),
            str(r["position"]),
            str(r["block"]),
            str(r["source_url"]),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(header)]
    for line in (header, *table):
        cells = [
            c.rjust(w) if i in (1, 2) else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")
