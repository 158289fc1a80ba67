"""Displayed times in Russian and German, and dates inside visible text (crawler/extract/dates.py).

Property tests: whatever the capture time and the site's offset, "Вчера, HH:MM" / "Gestern,
HH:MM" is that clock time on the previous local day, "vor N Stunden" / "N минут назад" is the
capture time minus N units, and "D <month> YYYY, HH:MM" in either language is that local instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.dates import DateContext, format_datetime, resolve_displayed

BERLIN = timezone(timedelta(hours=1))
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
DE = DateContext(fetched_at=FETCHED, tz=BERLIN, languages=("de", "en"))
RU_MONTHS = [
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
]  # fmt: skip
DE_MONTHS = [
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("vor 5 Stunden", "2025-12-04T11:00:00+01:00"),
        ("vor 20 Minuten", "2025-12-04T15:40:00+01:00"),
        ("Gestern, 14:30", "2025-12-03T14:30:00+01:00"),
        ("Heute, 09:15", "2025-12-04T09:15:00+01:00"),
        ("02.12.2025, 23:47", "2025-12-02T23:47:00+01:00"),
        ("2. Dezember 2025, 23:47", "2025-12-02T23:47:00+01:00"),
        ("Veröffentlicht am 02.12.2025, 23:47", "2025-12-02T23:47:00+01:00"),
        ("posted on December 2, 2025 08:05", "2025-12-02T08:05:00+01:00"),
    ],
)
def test_german_and_prefixed_times(raw: str, expected: str) -> None:
    result = resolve_displayed(raw, DE)
    assert result is not None, raw
    assert format_datetime(result) == expected


_offsets = st.integers(min_value=-10, max_value=12).map(lambda h: timezone(timedelta(hours=h)))
_captures = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))


@settings(max_examples=40, deadline=None)
@given(_captures, _offsets, st.integers(0, 23), st.integers(0, 59), st.sampled_from(["de", "ru"]))
def test_yesterday_is_the_previous_local_day(
    fetched: datetime, tz: timezone, hour: int, minute: int, lang: str
) -> None:
    context = DateContext(fetched_at=fetched, tz=tz, languages=(lang, "en"))
    word = {"de": "Gestern", "ru": "Вчера"}[lang]
    result = resolve_displayed(f"{word}, {hour:02d}:{minute:02d}", context)
    assert result is not None
    local_day = fetched.astimezone(tz).date() - timedelta(days=1)
    assert result.astimezone(tz).date() == local_day
    assert (result.hour, result.minute) == (hour, minute)


@settings(max_examples=40, deadline=None)
@given(_captures, _offsets, st.integers(1, 23), st.sampled_from(["de", "ru"]))
def test_relative_hours_count_back_from_capture(
    fetched: datetime, tz: timezone, hours: int, lang: str
) -> None:
    context = DateContext(fetched_at=fetched, tz=tz, languages=(lang, "en"))
    text = {"de": f"vor {hours} Stunden", "ru": f"{hours} часов назад"}[lang]
    result = resolve_displayed(text, context)
    assert result is not None, text
    assert abs(result - (fetched - timedelta(hours=hours))) <= timedelta(minutes=1)


@settings(max_examples=40, deadline=None)
@given(
    st.dates(min_value=datetime(2019, 1, 1).date(), max_value=datetime(2025, 11, 30).date()),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["de", "ru"]),
)
def test_day_month_year_in_words(day: object, hour: int, minute: int, lang: str) -> None:
    assert isinstance(day, type(FETCHED.date()))
    months = {"de": DE_MONTHS, "ru": RU_MONTHS}[lang]
    sep = "." if lang == "de" else ""
    text = f"{day.day}{sep} {months[day.month - 1]} {day.year}, {hour:02d}:{minute:02d}"
    context = DateContext(fetched_at=FETCHED, tz=BERLIN, languages=(lang, "en"))
    result = resolve_displayed(text, context)
    assert result is not None, text
    assert result == datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
