"""Rewrite the golden ``expected.json`` files from the current extractor, for review as a diff.

Usage::

    .venv/bin/python tests/golden/regenerate.py            # every case under tests/golden/
    .venv/bin/python tests/golden/regenerate.py demo/seed  # one case
    .venv/bin/python tests/golden/regenerate.py --capture-demo-seed   # re-render the seed HTML

Re-extraction only reads the stored ``page.html.gz`` and ``meta.json``; nothing is fetched.
``--capture-demo-seed`` is the explicit capture mode for the demo seed case: it re-renders the
page from the bundled demo site (no network).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent.parent))

from crawler.extract import PageInput, decode_html, extract_page  # noqa: E402


def expected_for(case: Path) -> dict[str, object]:
    """Extract a stored case and return what ``expected.json`` should hold."""
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    body = gzip.decompress((case / "page.html.gz").read_bytes())
    html = decode_html(body, meta.get("content_type"))
    result = extract_page(
        PageInput(url=meta["url"], html=html, fetched_at=datetime.fromisoformat(meta["fetched_at"]))
    )
    return {
        "page_type": result.page_type,
        "reason": result.reason,
        "article": dataclasses.asdict(result.article) if result.article else None,
        "headlines": [dataclasses.asdict(h) for h in result.headlines],
        "feeds": result.feeds,
    }


def capture_demo_seed() -> None:
    from crawler.demo.site import DemoSite

    case = ROOT / "demo" / "seed"
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    site = DemoSite()
    base = meta["url"].split(site.seed_article.path)[0]
    response = site.render(site.seed_article.path, base)
    assert response is not None
    (case / "page.html.gz").write_bytes(gzip.compress(response.body, mtime=0))
    print(f"captured {case / 'page.html.gz'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="case folders relative to tests/golden/")
    parser.add_argument("--capture-demo-seed", action="store_true")
    args = parser.parse_args(argv)
    if args.capture_demo_seed:
        capture_demo_seed()
    cases = [ROOT / c for c in args.cases] or sorted(p.parent for p in ROOT.rglob("meta.json"))
    for case in cases:
        out = case / "expected.json"
        out.write_text(
            json.dumps(expected_for(case), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
