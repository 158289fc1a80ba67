"""Machine-readable and displayed dates (crawler/extract/dates.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extract.dates import (
    DateContext,
    ascii_digits,
    format_datetime,
    infer_timezone,
    looks_like_time,
    parse_machine_date,
    resolve_displayed,
)

MSK = timezone(timedelta(hours=3))
# The seed page's capture: 18:00 in Moscow = 15:00 UTC.
FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
CONTEXT = DateContext(fetched_at=FETCHED, tz=MSK, languages=("en",))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17:36", "2025-12-04T17:36:00+03:00"),
        ("18:30", "2025-12-03T18:30:00+03:00"),  # later than the capture: the day before
        ("Yesterday, 23:59", "2025-12-03T23:59:00+03:00"),
        ("Yesterday, 00:55", "2025-12-03T00:55:00+03:00"),
        ("02.12.2025, 23:47", "2025-12-02T23:47:00+03:00"),
        ("01.12.2025, 23:35", "2025-12-01T23:35:00+03:00"),
        ("5 minutes ago", "2025-12-04T17:55:00+03:00"),
        ("December 2, 2025", "2025-12-02T00:00:00+03:00"),
        ("3 Dec 2025 14:05 GMT", "2025-12-03T17:05:00+03:00"),  # explicit zone wins
        ("2025-12-01T10:00:00Z", "2025-12-01T13:00:00+03:00"),
    ],
)
def test_displayed_times(raw: str, expected: str) -> None:
    result = resolve_displayed(raw, CONTEXT)
    assert result is not None
    assert format_datetime(result) == expected


def test_russian_displayed_times() -> None:
    context = DateContext(fetched_at=FETCHED, tz=MSK, languages=("ru", "en"))
    assert format_datetime(resolve_displayed("Вчера, 23:59", context)) == (  # type: ignore[arg-type]
        "2025-12-03T23:59:00+03:00"
    )
    assert format_datetime(resolve_displayed("2 декабря, 23:47", context)) == (  # type: ignore[arg-type]
        "2025-12-02T23:47:00+03:00"
    )


def test_profile_date_order_wins() -> None:
    context = DateContext(fetched_at=FETCHED, tz=UTC, languages=("en",), date_order="MDY")
    result = resolve_displayed("12/02/2025", context)
    assert result is not None and (result.month, result.day) == (12, 2)


@pytest.mark.parametrize("raw", ["", "Most read", "139", "x" * 200])
def test_not_dates(raw: str) -> None:
    assert resolve_displayed(raw, CONTEXT) is None


def test_machine_dates() -> None:
    aware = parse_machine_date("2025-08-24T16:20:00+03:00")
    assert aware is not None and aware.utcoffset() == timedelta(hours=3)
    # A date with no timezone is taken in the site's timezone, not left naive.
    naive = parse_machine_date("2025-08-24T16:20:00", MSK)
    assert naive is not None and format_datetime(naive) == "2025-08-24T16:20:00+03:00"
    converted = parse_machine_date("2025-08-24T13:20:00Z", MSK)
    assert converted is not None and format_datetime(converted) == "2025-08-24T16:20:00+03:00"
    assert parse_machine_date("24 August 2025") is None
    assert parse_machine_date(None) is None


def test_infer_timezone() -> None:
    assert infer_timezone(["2025-08-24T16:20:00+03:00", None, "junk"]) == MSK
    assert infer_timezone(["2025-08-24T13:20:00Z", "2025-08-24T16:20:00+03:00"]) == MSK
    assert infer_timezone(["2025-08-24T13:20:00Z"]) == UTC
    assert infer_timezone(["2025-08-24T13:20:00", "24 August"]) is None


_offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda q: timezone(timedelta(minutes=15 * q))
)
_instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None)
@given(_instants, _offsets, st.integers(0, 23), st.integers(0, 59))
def test_clock_time_is_within_a_day_before_capture(
    fetched: datetime, tz: timezone, hour: int, minute: int
) -> None:
    context = DateContext(fetched_at=fetched, tz=tz, languages=("en",))
    result = resolve_displayed(f"{hour:02d}:{minute:02d}", context)
    assert result is not None
    assert result.utcoffset() == tz.utcoffset(None)
    assert (result.hour, result.minute) == (hour, minute)
    capture = fetched.replace(second=0, microsecond=0)
    assert capture - timedelta(days=1) < result <= capture + timedelta(minutes=1)


_SAMPLES = [
    ("5 minutes ago", ("en",)),
    ("2 hours ago", ("en",)),
    ("Yesterday, 23:59", ("en",)),
    ("Monday 17:36", ("en",)),
    ("Monday", ("en",)),
    ("December 2", ("en",)),
    ("December 2, 2025", ("en",)),
    ("3 Dec 2025 14:05 GMT", ("en",)),
    ("02.12.2025, 23:47", ("en",)),
    ("05.12.25", ("en",)),
    ("December 2025", ("en",)),
    ("2025", ("en",)),
    ("5 PM", ("en",)),
    ("vor 5 Stunden", ("de", "en")),
    ("Gestern, 14:30", ("de", "en")),
    ("2. Dezember 2025", ("de", "en")),
    ("2 декабря, 23:47", ("ru", "en")),
    ("2 декабря 2025 г.", ("ru", "en")),
    ("just now", ("en",)),
    ("in 2 days", ("en",)),
    # A relative word beside a full date: dateparser's relative-time parser reads these first.
    ("Yesterday, 02.12.2025", ("en",)),
    ("2 hours ago 02.12.2025", ("en",)),
    ("vor 2 Stunden 02.12.2025", ("de", "en")),
    ("last Monday 2 Dec 2025", ("en",)),
    ("Monday, December 2, 2025", ("en",)),
    ("December 2, 2025 at 5 pm", ("en",)),
    ("1234 views 05.12.25", ("en",)),
]


def _uncached(text: str, languages: tuple[str, ...], base: datetime) -> datetime | None:
    from dateparser.date import DateDataParser

    parser = DateDataParser(
        languages=list(languages), settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    )
    result: datetime | None = parser.get_date_data(text).date_obj
    return result


@settings(max_examples=150, deadline=None)
@given(
    sample=st.sampled_from(_SAMPLES),
    capture=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)),
)
def test_cached_readings_equal_dateparser_at_every_capture_time(
    sample: tuple[str, tuple[str, ...]], capture: datetime
) -> None:
    """The caches in dates._dateparser give exactly dateparser's answer for every capture time:
    absolute dates are cached without the capture time only when they cannot depend on it."""
    from crawler.extract.dates import _dateparser

    text, languages = sample
    base = capture.replace(second=0, microsecond=0)
    assert _dateparser(text, languages, None, base) == _uncached(text, languages, base)


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("December 2, 2025", True),
        ("3 Dec 2025 14:05 GMT", True),
        ("2. Dezember 2025, 23:47", True),
        ("December 2", False),  # the year comes from the capture time
        ("05.12.25", False),  # a two-digit year is widened relative to the capture time
        ("December 2025", False),  # the day comes from the capture time
        ("Monday 17:36", False),
        ("2 hours ago", False),
    ],
)
def test_only_full_dates_are_cached_without_capture_time(text: str, absolute: bool) -> None:
    from crawler.extract.dates import _absolute

    languages = ("de", "en") if "Dezember" in text else ("en",)
    assert (_absolute(text, languages, None) is not None) == absolute


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17:36", "2025-12-04T17:36:00+03:00"),
        ("17:36:05", "2025-12-04T17:36:05+03:00"),
        ("5:30 PM", "2025-12-04T17:30:00+03:00"),
        ("5 p.m.", "2025-12-04T17:00:00+03:00"),
        ("12:15 am", "2025-12-04T00:15:00+03:00"),
        ("11 PM", "2025-12-03T23:00:00+03:00"),
        ("17h36", "2025-12-04T17:36:00+03:00"),
        ("17 Uhr", "2025-12-04T17:00:00+03:00"),
        ("18:00:01", "2025-12-03T18:00:01+03:00"),
    ],
)
def test_clock_times(raw: str, expected: str) -> None:
    result = resolve_displayed(raw, CONTEXT)
    assert result is not None, raw
    assert format_datetime(result) == expected


@pytest.mark.parametrize("raw", ["25:00", "17:61", "13 PM", "0 am", "5", "17h3", "1.234"])
def test_not_clock_times(raw: str) -> None:
    from crawler.extract.dates import _clock_time

    assert _clock_time(raw) is None


def test_relative_times_resolve_against_the_capture_minute() -> None:
    fetched = datetime(2025, 12, 4, 15, 0, 37, tzinfo=UTC)
    context = DateContext(fetched_at=fetched, tz=MSK, languages=("en",))
    result = resolve_displayed("5 minutes ago", context)
    assert result is not None and format_datetime(result) == "2025-12-04T17:55:00+03:00"


def test_infer_timezone_from_one_instant_written_in_utc_and_in_local_time() -> None:
    """A UTC timestamp and the same instant written without an offset (``<time
    datetime="2023-11-08 23:30:59">``) give the site's offset; other naive times do not."""
    central = timezone(timedelta(hours=-6))
    assert infer_timezone(["2023-11-09T05:30:59Z", "2023-11-08 23:30:59"]) == central
    # An update time that is another instant (no whole quarter hour apart) says nothing.
    assert infer_timezone(["2023-11-09T05:30:59Z", "2023-11-09 00:21:49"]) == UTC
    assert infer_timezone(["2023-11-09T05:30:59Z", "2023-11-09 05:30:59"]) == UTC


@pytest.mark.parametrize(
    ("host", "zone"),
    [
        ("www.fr.de", "Europe/Berlin"),
        ("eldeber.com.bo", "America/La_Paz"),
        ("news.bbc.co.uk", "Europe/London"),
        ("www.example.com", None),
        ("startup.io", None),  # a ccTLD sold worldwide
        ("www.nytimes.us", None),  # a country of several zones
        ("www.rbc.ru", None),
        ("127.0.0.1", None),
        ("localhost", None),
        ("site.example", None),
    ],
)
def test_country_timezone(host: str, zone: str | None) -> None:
    from crawler.extract.dates import country_timezone

    found = country_timezone(host)
    assert (str(found) if found is not None else None) == zone


def test_a_page_without_offsets_is_read_in_its_countrys_zone() -> None:
    """No machine-readable offset anywhere: an RFC 2822 GMT date on a Bolivian site is the
    evening before in La Paz, and the item is not flagged as read in UTC."""
    from crawler.extract import PageInput, extract_page

    body = "<p>" + "The council met on Tuesday, and the plan was approved after a debate. " * 6
    html = (
        "<html><head><title>Plan approved</title><script type='application/ld+json'>"
        '{"@type": "NewsArticle", "headline": "Plan approved",'
        ' "datePublished": "Wed, 04 May 2022 02:41:00 GMT"}</script></head>'
        f"<body><article><h1>Plan approved</h1>{body}</p>{body}</p>{body}</p></article>"
        "</body></html>"
    )
    page = PageInput(
        url="https://news.example.com.bo/city/plan-approved-today", html=html, fetched_at=FETCHED
    )
    article = extract_page(page).article
    assert article is not None
    assert article.published_at == "2022-05-03T22:41:00-04:00"
    assert "timezone_assumed_utc" not in article.flags


def test_ascii_digits_of_other_scripts() -> None:
    assert ascii_digits("٢ ديسمبر ٢٠٢٦ - ١٨:٤٠") == "2 ديسمبر 2026 - 18:40"
    assert ascii_digits("２０２６年１２月５日") == "2026年12月5日"
    assert ascii_digits("2 Dec 2026") == "2 Dec 2026"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("2026年12月5日 4時45分", "ja", datetime(2026, 12, 5, 4, 45, tzinfo=UTC)),
        ("2026년 12월 2일 18시 40분", "ko", datetime(2026, 12, 2, 18, 40, tzinfo=UTC)),
        ("الأربعاء ٢ ديسمبر ٢٠٢٦ - ١٨:٤٠", "ar", datetime(2026, 12, 2, 18, 40, tzinfo=UTC)),
    ],
)
def test_displayed_cjk_and_arabic_indic_datelines(text: str, lang: str, expected: datetime) -> None:
    context = DateContext(
        fetched_at=datetime(2026, 12, 5, 23, 0, tzinfo=UTC), tz=UTC, languages=(lang, "en")
    )
    assert resolve_displayed(text, context) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The site's early morning, shown in a zone ahead of the assumed UTC: later than the
        # capture by hours, not a year ago.
        ("１２月７日 ５時５９分", datetime(2026, 12, 7, 5, 59, tzinfo=UTC)),
        ("12月6日 7時28分", datetime(2026, 12, 6, 7, 28, tzinfo=UTC)),
        # Later than the day after the capture: last year's.
        ("12月20日 7時28分", datetime(2025, 12, 20, 7, 28, tzinfo=UTC)),
    ],
)
def test_a_cjk_day_without_a_year_is_the_nearest_not_after_tomorrow(
    text: str, expected: datetime
) -> None:
    context = DateContext(
        fetched_at=datetime(2026, 12, 6, 21, 38, tzinfo=UTC), tz=UTC, languages=("ja", "en")
    )
    assert resolve_displayed(text, context) == expected


def test_cjk_dates_and_clocks_look_like_times_in_any_language() -> None:
    assert looks_like_time("１２月６日 ７時２８分")
    assert looks_like_time("12월 6일")
    assert not looks_like_time("港北FCが逆転勝ち、最終節でJ2残留決める")
