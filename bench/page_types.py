"""Page types the extractor gives the real pages in ``../shared/benchmarks`` (all article pages).

For each set, how many pages come out as article, listing and other, and which pages are not
articles, with the extractor's reason::

    uv run python bench/page_types.py [--list]
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from crawler.extract import PageInput, decode_html, extract_page

BENCHMARKS = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks"
SETS = ("article-extraction", "trafilatura-eval-dev")
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the pages not called articles")
    parser.add_argument("--data", type=Path, default=BENCHMARKS)
    args = parser.parse_args(argv)
    for name in SETS:
        directory = args.data / name
        if not (directory / "ground-truth.json").exists():
            print(f"{name}: not found")
            continue
        truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
        types: Counter[str] = Counter()
        misses: list[str] = []
        for path in sorted((directory / "html").glob("*.html.gz")):
            page_id = path.name.split(".")[0]
            html = decode_html(gzip.decompress(path.read_bytes()), None)
            url = truth[page_id].get("url") or f"https://example.invalid/{page_id}"
            result = extract_page(PageInput(url=url, html=html, fetched_at=FETCHED))
            types[result.page_type] += 1
            if result.page_type != "article":
                misses.append(f"  {page_id[:12]} {result.page_type:8} {result.reason} {url}")
        total = sum(types.values())
        print(
            f"{name}: {total} pages: {types['article']} article, {types['listing']} listing,"
            f" {types['other']} other"
        )
        if args.list:
            print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
