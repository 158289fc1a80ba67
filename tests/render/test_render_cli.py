"""``newsarc crawl --render``: its choices; a bad RENDER_MODE stops the crawl before it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import build_parser, main


def test_render_option_values() -> None:
    parser = build_parser()
    parse = parser.parse_args
    assert parse(["crawl", "http://127.0.0.1/"]).render is None
    assert parse(["crawl", "http://127.0.0.1/", "--render"]).render == "always"
    assert parse(["crawl", "http://127.0.0.1/", "--render", "auto"]).render == "auto"


def test_bad_render_mode_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["crawl", "http://127.0.0.1:9/", "--render", "sometimes"]) == 2
    out = str(tmp_path / "out")
    assert main(["crawl", "http://127.0.0.1:9/", "--out", out, "-s", "RENDER_MODE=x"]) == 2
    assert "RENDER_MODE: render mode must be one of never, always, auto" in capsys.readouterr().err
    assert not Path(out).exists()


def test_inconsistent_render_limits_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["crawl", "http://127.0.0.1:9/", "--out", str(tmp_path / "out"), "-s"]
    assert main([*args, "RENDER_PAGE_TIMEOUT=0"]) == 2
    assert "RENDER_PAGE_TIMEOUT must be positive" in capsys.readouterr().err
    limits = ["RENDER_CONTEXT_MAX_PAGES=1", "-s", "PLAYWRIGHT_MAX_CONTEXTS=2"]
    assert main([*args, *limits]) == 2
    assert "PLAYWRIGHT_MAX_CONTEXTS=2 is too small" in capsys.readouterr().err
