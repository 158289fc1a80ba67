"""View counts as shown on pages → integers (crawler/extract/counts.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.counts import parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("139", 139),
        ("0", 0),
        ("1.2K", 1200),
        ("1.2k", 1200),
        ("12,304 views", 12304),
        ("12,304", 12304),
        ("1,2 тыс.", 1200),
        ("3 млн", 3_000_000),
        ("1.5M", 1_500_000),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1.234.567", 1234567),
        ("Views: 1,234", 1234),
        ("2K views", 2000),
        ("37K", 37000),
        ("8,8K", 8800),
        (" 657 ", 657),
    ],
)
def test_counts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5 comments",
        "3 min read",
        "$5",
        "€1,200",
        "12%",
        "1.5",
        "1,5",
        "17:36",
        "02.12.2025",
        "Yesterday",
        "1,234.5",
        "views",
        "12 replies",
    ],
)
def test_not_counts(text: str) -> None:
    assert parse_count(text) is None


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([",", " ", "\u00a0", "."]))
def test_grouped_integers_round_trip(value: int, separator: str) -> None:
    rendered = f"{value:,}".replace(",", separator)
    assert parse_count(rendered) == value
    assert parse_count(f"{rendered} views") == value


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9))
def test_thousands_suffix(whole: int, tenth: int) -> None:
    assert parse_count(f"{whole}.{tenth}K") == whole * 1000 + tenth * 100
    assert parse_count(f"{whole},{tenth} тыс.") == whole * 1000 + tenth * 100
