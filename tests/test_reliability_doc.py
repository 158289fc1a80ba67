"""``docs/reliability.md`` maps every scenario of the reliability brief to its test."""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import ROOT, SHARED

BRIEF = SHARED / "RELIABILITY.md"
DOC = ROOT / "docs" / "reliability.md"
_ROW_ID = re.compile(r"^\|\s*([FLBS]\d+)\s*\|", re.MULTILINE)
_TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _ids(text: str) -> list[str]:
    return _ROW_ID.findall(text)


def test_every_scenario_of_the_brief_has_an_entry() -> None:
    if not BRIEF.exists():
        pytest.skip(f"{BRIEF} not found beside the checkout")
    brief = _ids(BRIEF.read_text(encoding="utf-8"))
    assert len(brief) >= 39, f"expected the brief's 39 scenario ids, parsed {len(brief)}"
    documented = set(_ids(DOC.read_text(encoding="utf-8")))
    assert [sid for sid in brief if sid not in documented] == []


def test_every_test_the_doc_names_exists() -> None:
    refs = _TEST_REF.findall(DOC.read_text(encoding="utf-8"))
    assert refs, "the doc names no test"
    missing = []
    for path, name in refs:
        source = ROOT / path
        defined = (
            {
                node.name
                for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            if source.exists()
            else set()
        )
        if name not in defined:
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_row_is_mapped_or_says_why_not() -> None:
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if _ROW_ID.match(line):
            assert _TEST_REF.search(line) or "not yet" in line, line
