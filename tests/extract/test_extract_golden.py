"""Golden cases: every stored page under ``tests/golden/<site>/<case>/`` extracts as recorded.

The fixture-site cases are captured by ``python -m tests.sites.scoring --write-golden``; after a
deliberate extractor change, review and regenerate with ``tests/golden/regenerate.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.golden.regenerate import expected_for

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(p.parent for p in GOLDEN.rglob("meta.json"))


def _first_difference(got: Any, want: Any, path: str = "") -> str | None:
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            found = _first_difference(got.get(key), want.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} entries, expected {len(want)}"
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if got == want else f"{path}: {got!r}, expected {want!r}"


def test_every_fixture_template_has_golden_cases() -> None:
    sites = {case.parent.name for case in CASES}
    assert {"agency", "broadsheet", "wordpress", "russian", "german", "legacy", "cards"} <= sites
    assert "plain" in sites


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(GOLDEN)) for c in CASES])
def test_golden_case(case: Path) -> None:
    want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    got = json.loads(json.dumps(expected_for(case), ensure_ascii=False))
    difference = _first_difference(got, want)
    assert difference is None, (
        f"{difference} (review and regenerate with: .venv/bin/python tests/golden/regenerate.py "
        f"{case.relative_to(GOLDEN)})"
    )
