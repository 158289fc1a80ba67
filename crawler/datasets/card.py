"""The dataset card and citation file ``newsarc datasets download`` writes into its directory.

``README.md`` follows the Hugging Face dataset-card convention: YAML front matter (``pretty_name``,
``tags``, ``size_categories``, ``configs`` with ``data_files`` globs for the ``articles`` and
``headlines`` tables) and a Markdown body saying what was downloaded, from where, when, with
which counts and item schema, and how to load it. ``CITATION.cff`` is Citation File Format 1.2.0
(``type: dataset``). Both describe every crawl in the directory's selection, read from the
manifests copied there, so a second download into the same directory updates them.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import yaml

from crawler import __version__
from crawler.datasets.catalog import SCHEMA_POINTER, CrawlSummary, UnsafeName, item_kind
from crawler.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["write_card"]


def _size_category(rows: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if rows < limit:
            return label
    return "100K<n<1M" if rows < 1_000_000 else "n>1M"


def _write(path: Path, text: str) -> None:
    if path.is_symlink():
        raise UnsafeName(f"{path} is a symlink (not replaced)")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _crawls(root: Path, selection: dict[str, list[str]]) -> list[tuple[CrawlSummary, set[str]]]:
    out = []
    for crawl_id in sorted(selection):
        try:
            with (root / crawl_id / MANIFEST_NAME).open(encoding="utf-8") as fh:
                manifest = json.load(fh)
            summary = CrawlSummary.from_manifest(crawl_id, manifest)
        except (OSError, ValueError, TypeError, AttributeError):
            continue  # unreadable or malformed: the download reported it
        out.append((summary, set(selection[crawl_id])))
    return out


def _count(value: object) -> int:
    """A manifest's count as a number: anything else (a hostile manifest) counts 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def write_card(
    root: Path,
    source: str,
    selection: dict[str, list[str]],
    *,
    downloaded_at: datetime,
) -> None:
    """Write ``README.md`` and ``CITATION.cff`` into ``root`` for the crawls of ``selection``."""
    chosen = _crawls(root, selection)
    rows = {"articles": 0, "headlines": 0}
    records = 0
    sites: set[str] = set()
    schemas: set[int] = set()
    for crawl, paths in chosen:
        sites.update(crawl.sites)
        if isinstance(crawl.item_schema_version, int):
            schemas.add(crawl.item_schema_version)
        for entry in crawl.manifest.get("files", []):
            if not isinstance(entry, dict) or entry.get("path") not in paths:
                continue
            kind = item_kind(entry)
            if kind:
                rows[kind] += _count(entry.get("items", 0))
            if entry.get("kind") == "warc":
                records += _count(entry.get("records", 0))
    starts = [c.started_at for c, _ in chosen if c.started_at]
    ends = [c.finished_at for c, _ in chosen if c.finished_at]
    span = f"{min(starts).isoformat()} – {max(ends).isoformat()}" if starts and ends else "unknown"
    front = {
        "pretty_name": f"newsarc crawls of {', '.join(sorted(sites)) or 'news sites'}",
        "language": ["en"],
        "tags": ["news", "web-archive", "warc", "newsarc"],
        "size_categories": [_size_category(rows["articles"] + rows["headlines"])],
        "configs": [
            {"config_name": "articles", "data_files": "*/items/articles-*.jsonl.gz"},
            {"config_name": "headlines", "data_files": "*/items/headlines-*.jsonl.gz"},
        ],
    }
    table = [
        "| crawl | time (UTC) | sites | articles | headlines | WARC records | state |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for crawl, _ in chosen:
        table.append(
            f"| {crawl.crawl_id} | {crawl.started_at} – {crawl.finished_at} | "
            f"{', '.join(crawl.sites)} | {crawl.articles} | {crawl.headlines} | {crawl.records} | "
            f"{'complete' if crawl.complete else 'partial'} |"
        )
    body = f"""# newsarc crawls of {", ".join(sorted(sites)) or "news sites"}

News articles and sidebar headline lists (most read, latest, …) archived by
newsarc {__version__}, with the raw HTTP traffic as WARC files.

- **Source**: `{source}`
- **Downloaded**: {downloaded_at.isoformat()} (`newsarc datasets download`), every file verified
  by SHA-256 against its crawl's `manifest.json`
- **Time span**: {span}
- **Crawls**: {len(chosen)}; **articles** {rows["articles"]}, **headlines** {rows["headlines"]},
  **WARC records** {records} (in the files downloaded; a resumed crawl may hold an article twice)
- **Item schema**: version {", ".join(map(str, sorted(schemas))) or "?"} ({SCHEMA_POINTER})

{chr(10).join(table)}

## Layout

`<crawl_id>/manifest.json` (every file with size and SHA-256), `<crawl_id>/items/*.jsonl.gz`
(one JSON object per line: `articles-*` and `headlines-*`), `<crawl_id>/warc/*.warc.gz` with
`*.cdxj` indexes. Each item's `warc` field (file name, offset, length, record id) points at the
record it was extracted from.

## Loading

```
newsarc datasets verify .                     # checksums, counts, complete WARC files
newsarc datasets export . --format parquet    # deduplicated tables under ./export/
```

```python
import pandas as pd
articles = pd.read_parquet("export/articles")   # or pd.read_json(path, lines=True) per file
```

Cite with `CITATION.cff`.
"""
    _write(root / "README.md", "---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n" + body)
    citation: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": front["pretty_name"],
        "authors": [{"name": "newsarc contributors"}],
        "date-released": downloaded_at.date().isoformat(),
        "version": ", ".join(c.crawl_id for c, _ in chosen) or "empty",
        "abstract": (
            f"{rows['articles']} article and {rows['headlines']} headline items and {records} "
            f"WARC records from {len(chosen)} newsarc crawl(s), {span}, downloaded from {source}."
        ),
        "keywords": ["news", "web archive", "WARC", "headlines"],
    }
    _write(root / "CITATION.cff", yaml.safe_dump(citation, sort_keys=False, allow_unicode=True))
