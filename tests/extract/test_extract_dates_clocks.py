"""Clock times dateparser misreads, as French, Portuguese, Korean and Japanese sites show them
(crawler/extract/dates.py): "17h50" inside a longer text, am/pm before the clock ("오후 6:40"),
"7時31分", and a day and month without a year ("12/5(土)", "02/12", "12.03") read in the
language's order.

Property tests: whatever the capture time and the site's offset, each form is the instant it
shows, the yearless ones in the last year that does not put them after the capture day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.dates import DateContext, format_datetime, resolve_displayed

_offsets = st.integers(min_value=-10, max_value=12).map(lambda h: timezone(timedelta(hours=h)))
_captures = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))
_WEEKDAYS_JA = "月火水木金土日"
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _meridiem(hour: int) -> tuple[str, int]:
    """Korean am/pm word and 12-hour clock for ``hour``."""
    return ("오후" if hour >= 12 else "오전"), (hour % 12 or 12)


@settings(max_examples=40, deadline=None)
@given(
    st.dates(min_value=date(2019, 1, 1), max_value=date(2025, 11, 30)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from([("pt", "às"), ("fr", "à")]),
)
def test_full_date_then_h_clock(day: date, hour: int, minute: int, lang: tuple[str, str]) -> None:
    language, at = lang
    tz = timezone(timedelta(hours=-3))
    context = DateContext(datetime(2025, 12, 4, 15, 0, tzinfo=UTC), tz, (language, "en"))
    text = f"{day:%d/%m/%Y} {at} {hour:02d}h{minute:02d}"
    result = resolve_displayed(text, context)
    assert result == datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz), text


@settings(max_examples=40, deadline=None)
@given(_captures, _offsets, st.integers(0, 23), st.integers(0, 59), st.sampled_from(["pt", "fr", "ko"]))
def test_yesterday_with_h_clock_or_meridiem_first(
    fetched: datetime, tz: timezone, hour: int, minute: int, language: str
) -> None:
    if language == "ko":
        word, twelve = _meridiem(hour)
        text = f"어제 {word} {twelve}:{minute:02d}"
    else:
        text = {"pt": "Ontem às", "fr": "Hier à"}[language] + f" {hour:02d}h{minute:02d}"
    result = resolve_displayed(text, DateContext(fetched, tz, (language, "en")))
    assert result is not None, text
    local = result.astimezone(tz)
    assert local.date() == fetched.astimezone(tz).date() - timedelta(days=1), text
    assert (local.hour, local.minute) == (hour, minute), text


@settings(max_examples=60, deadline=None)
@given(
    _captures,
    _offsets,
    st.integers(0, 300),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from(["ja", "fr", "ko", "ja-kanji"]),
)
def test_day_and_month_without_a_year(
    fetched: datetime, tz: timezone, back: int, hour: int, minute: int, form: str
) -> None:
    """A yearless day up to 300 days before the capture day is that day, in each language's
    order: month first in Japanese and Korean, day first in French."""
    today = fetched.astimezone(tz).date()
    day = today - timedelta(days=back)
    if form == "ja":
        text = f"{day.month}/{day.day}({_WEEKDAYS_JA[day.weekday()]}) {hour:02d}:{minute:02d}"
    elif form == "ja-kanji":
        text = f"{day.month}月{day.day}日 {hour}時{minute}分".translate(_FULL_WIDTH)
    elif form == "fr":
        text = f"Le {day:%d/%m} à {hour:02d}h{minute:02d}"
    else:
        word, twelve = _meridiem(hour)
        text = f"{day:%m.%d} {word} {twelve}:{minute:02d}"
    language = form.split("-")[0]
    result = resolve_displayed(text, DateContext(fetched, tz, (language, "en")))
    assert result is not None, text
    local = result.astimezone(tz)
    assert (local.date(), local.hour, local.minute) == (day, hour, minute), text


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("02/12/2026 às 17h50", "pt", "2026-12-02T17:50:00-03:00"),
        ("02/12, 21h50", "fr", "2026-12-02T21:50:00-03:00"),
        ("12/5(土) 05:35", "ja", "2026-12-05T05:35:00-03:00"),
        ("12.03 오전 5:45", "ko", "2026-12-03T05:45:00-03:00"),
        ("어제 오전 12:10", "ko", "2026-12-04T00:10:00-03:00"),
        ("어제 오후 12:10", "ko", "2026-12-04T12:10:00-03:00"),
        ("31/12, 23h59", "fr", "2025-12-31T23:59:00-03:00"),
    ],
)
def test_examples(raw: str, language: str, expected: str) -> None:
    fetched = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    result = resolve_displayed(raw, DateContext(fetched, timezone(timedelta(hours=-3)), (language, "en")))
    assert result is not None, raw
    assert format_datetime(result) == expected
