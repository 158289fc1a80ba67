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


@given(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=0, max_value=9),
    st.sampled_from(
        [
            ("es", "millones de visualizaciones", 10**6),
            ("es", "mil visualizaciones", 1000),
            ("it", "milioni di visualizzazioni", 10**6),
            ("it", "mila visualizzazioni", 1000),
            ("pt", "milhões de visualizações", 10**6),
            ("fr", "millions de vues", 10**6),
            ("de", "Mio. Aufrufe", 10**6),
            ("tr", "Mn okunma", 10**6),
            ("ja", "万", 10**4),
            ("ko", "만", 10**4),
        ]
    ),
)
def test_magnitude_words_with_a_joining_of(
    whole: int, tenth: int, unit: tuple[str, str, int]
) -> None:
    """A magnitude word joined to the word for views by "de"/"di" ("1,5 millones de
    visualizaciones") is read in every language the word exists in."""
    language, words, factor = unit
    mark = "." if language in ("ja", "ko") else ","
    text = f"{whole}{mark}{tenth} {words}" if mark == "," else f"{whole}.{tenth}{words}"
    assert parse_count(text, (language, "en")) == (whole * 10 + tenth) * factor // 10


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("1,5 millones de euros", "es"),
        ("12 de visitas", "es"),
        ("1,5 de visualizaciones", "es"),
        ("3 milioni di euro", "it"),
    ],
)
def test_joining_of_needs_a_magnitude_and_views(text: str, language: str) -> None:
    assert parse_count(text, (language, "en")) is None
