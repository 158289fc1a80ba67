"""Browser tests need Debian's chromium; without it they are skipped, loudly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
_NO_CHROMIUM = (
    f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing "
    "(install Debian's chromium: apt-get install chromium, or `make test`)"
)
_STAT_LINE = re.compile(r"^[\s{]*'([^']+)': (-?\d+(?:\.\d+)?)[,}]?$")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=_NO_CHROMIUM)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str | None:
    return None if CHROMIUM.exists() else f"!!! {_NO_CHROMIUM} !!!"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not CHROMIUM.exists():
        terminalreporter.write_sep("!", _NO_CHROMIUM, red=True, bold=True)


def crawl_stats(crawl_dir: Path) -> dict[str, float]:
    """The numeric stats Scrapy dumped at the end of the crawl log."""
    text = (crawl_dir / "logs" / "crawl.log").read_text(encoding="utf-8")
    block = text.rsplit("Dumping Scrapy stats:", 1)[-1]
    stats: dict[str, float] = {}
    for line in block.splitlines():
        match = _STAT_LINE.match(line)
        if match:
            stats[match.group(1)] = float(match.group(2))
    return stats
