"""``newsarc demo --wacz``: a WACZ with the WARCs, our pages.jsonl and the JSON Lines items.

Runs webrecorder's ``wacz`` tool from its own environment (``make wacz-tool``); the crawl
itself already ran ``wacz validate`` on the package, and the test runs it again.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from crawler.manifest import verify_manifest
from tests.conftest import ROOT, run_newsarc

WACZ = ROOT / ".tools" / "wacz" / "bin" / "wacz"


@pytest.mark.slow
@pytest.mark.skipif(not WACZ.exists(), reason="wacz tool missing: run `make wacz-tool`")
def test_demo_crawl_with_wacz(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_newsarc("demo", "--out", str(out), "--max-pages", "5", "--wacz")
    assert run.returncode == 0, run.stdout + run.stderr
    crawl_dir = run.crawl_dir(out)
    package = crawl_dir / f"{crawl_dir.name}.wacz"
    check = subprocess.run(
        [str(WACZ), "validate", "-f", str(package)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(package) as z:
        names = set(z.namelist())
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()]
    assert {n for n in names if n.startswith("items/")} == {
        f"items/{p.name}" for p in crawl_dir.glob("items/*.jsonl.gz")
    }
    assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
    assert pages[0]["format"] == "json-pages-1.0" and len(pages) > 1
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    assert [f["kind"] for f in manifest["files"]].count("wacz") == 1
    assert verify_manifest(crawl_dir) == []
