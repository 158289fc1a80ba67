"""Counts as German and Russian sites show them (crawler/extract/counts.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract.counts import parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,2 Tsd.", 1200),
        ("17,1 Tsd.", 17100),
        ("2,5 Mio.", 2_500_000),
        ("1.234 Aufrufe", 1234),
        ("17,1 тыс.", 17100),
        ("1,5 млн", 1_500_000),
        ("1 234", 1234),
    ],
)
def test_german_and_russian_counts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    "text", ["12 Kommentare", "Lesezeit: 4 Min.", "0,99 €", "8 комментариев", "79,45 ₽"]
)
def test_not_views(text: str) -> None:
    assert parse_count(text) is None


@given(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=0, max_value=9),
    st.sampled_from([("Tsd.", 1000), ("тыс.", 1000), ("Mio.", 10**6), ("млн", 10**6)]),
)
def test_decimal_comma_multipliers(whole: int, tenth: int, unit: tuple[str, int]) -> None:
    word, factor = unit
    assert parse_count(f"{whole},{tenth} {word}") == (whole * 10 + tenth) * factor // 10
