"""Sidebar values in the page's language: counts and displayed times across locales.

The oracle is Babel (CLDR), independent of the parsers: a number formatted the way a locale
writes it (grouped, compact "1,2 тыс.", "1.2万", long "15 mille") must parse back to the number;
a time rendered relative to the capture time ("vor 5 Minuten", "5 分前", "قبل ساعتين") or a date
and clock time in the locale's own formats must resolve back to that instant in the site's zone.
Then whole pages in each language: the headline items carry the right views and times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_compact_decimal, format_decimal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crawler.extract import PageInput, extract_page
from crawler.extract.counts import parse_count
from crawler.extract.dates import DateContext, looks_like_time, resolve_displayed

LOCALES = ["en", "de", "fr", "es", "it", "pt", "ru", "ja", "ko", "tr", "ar", "zh", "pl", "nl", "hi"]
#: Other writings of the same number: Arabic-Indic digits, spaces as pages type them.
_ARABIC_DIGITS = str.maketrans("0123456789,.", "٠١٢٣٤٥٦٧٨٩٬٫")


def _languages(locale: str) -> tuple[str, ...]:
    primary = locale.split("_", maxsplit=1)[0]
    return (primary, "en") if primary != "en" else ("en",)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=10**10), st.sampled_from([*LOCALES, "en_IN"]))
def test_grouped_integers_in_every_locale(value: int, locale: str) -> None:
    rendered = format_decimal(value, locale=locale)
    assert parse_count(rendered, _languages(locale)) == value, rendered
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        spaced = f"{value:,}".replace(",", space)
        assert parse_count(spaced, _languages(locale)) == value, repr(spaced)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_arabic_indic_digits(value: int) -> None:
    rendered = f"{value:,}".translate(_ARABIC_DIGITS)
    assert parse_count(rendered, ("ar", "en")) == value, rendered


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=10, max_value=99),
    st.integers(min_value=2, max_value=9),
    st.sampled_from(LOCALES),
    st.sampled_from(["short", "long"]),
)
def test_compact_counts_in_every_locale(
    mantissa: int, exponent: int, locale: str, kind: str
) -> None:
    # Two significant digits: whatever magnitude word the locale picks, one decimal shows the
    # value exactly ("1.2K", "12,3 тыс.", "1.2万", "15 mille", "1,5 Mio.").
    value = mantissa * 10**exponent
    rendered = format_compact_decimal(value, format_type=kind, locale=locale, fraction_digits=1)
    assume(any(ch.isdigit() for ch in rendered))  # French long form of 1000 is "mille" alone
    assert parse_count(rendered, _languages(locale)) == value, rendered
    assert parse_count(f"{rendered} views", _languages(locale)) == value, rendered


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("1,23,456", ("hi", "en"), 123456),
        ("1.234", ("de", "en"), 1234),
        ("1'234'567", ("de", "en"), 1234567),  # Swiss (Babel's de_CH output skips groups)
        ("1’234", ("de", "en"), 1234),
        ("1 234", ("fr", "en"), 1234),
        ("1\u202f234", ("fr", "en"), 1234),
        ("12,3 тыс.", ("ru", "en"), 12300),
        ("1.2K", ("en",), 1200),
        ("1.5M", ("en",), 1_500_000),
        ("12k reads", ("en",), 12000),
        ("2,5 Mio.", ("de", "en"), 2_500_000),
        ("1.2万", ("ja", "en"), 12000),
        ("1.2万回", ("ja", "en"), 12000),
        ("3천", ("ko", "en"), 3000),
        ("조회수 3천", ("ko", "en"), 3000),
        ("1,2 B", ("tr", "en"), 1200),  # "bin": a thousand in Turkish
        ("1.2B", ("en",), 1_200_000_000),
        ("1.2 ألف", ("ar", "en"), 1200),
        ("1,5 mil", ("es", "en"), 1500),
        ("2 mila", ("it", "en"), 2000),
        ("1,2 mi", ("pt", "en"), 1_200_000),
        ("1,2 k vues", ("fr", "en"), 1200),
        ("１２３", ("ja", "en"), 123),
        ("10K+", ("en",), 10000),
    ],
)
def test_counts_as_pages_show_them(text: str, languages: tuple[str, ...], expected: int) -> None:
    assert parse_count(text, languages) == expected


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("3 min read", ("en",)),
        ("5 Kommentare", ("de", "en")),
        ("12 commentaires", ("fr", "en")),
        ("3 分", ("ja", "en")),
        ("1,5", ("de", "en")),
        ("12%", ("tr", "en")),
        ("17:36", ("ru", "en")),
        ("₹1,200", ("hi", "en")),
    ],
)
def test_not_counts_in_other_languages(text: str, languages: tuple[str, ...]) -> None:
    assert parse_count(text, languages) is None


_ZONES = st.integers(min_value=-10, max_value=12).map(lambda h: timezone(timedelta(hours=h)))
_CAPTURES = st.datetimes(
    min_value=datetime(2021, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
_UNITS = [("minutes", 1, 59), ("hours", 1, 23), ("days", 2, 6)]


@settings(max_examples=150, deadline=None)
@given(_CAPTURES, _ZONES, st.sampled_from(LOCALES), st.sampled_from(_UNITS), st.integers(0, 10**6))
def test_relative_times_resolve_back(
    fetched: datetime,
    tz: timezone,
    locale: str,
    unit: tuple[str, int, int],
    pick: int,
) -> None:
    name, low, high = unit
    amount = low + pick % (high - low + 1)
    delta = timedelta(**{name: amount})
    text = format_timedelta(-delta, add_direction=True, threshold=1, locale=locale)
    context = DateContext(fetched_at=fetched, tz=tz, languages=_languages(locale))
    assert looks_like_time(text, context.languages), text
    result = resolve_displayed(text, context)
    capture_minute = fetched.astimezone(tz).replace(second=0, microsecond=0)
    assert result == capture_minute - delta, text
    assert result is not None and result.utcoffset() == tz.utcoffset(None)


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 11, 30)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.sampled_from(LOCALES),
    st.sampled_from(["long", "medium"]),
    st.booleans(),
    _ZONES,
)
def test_dates_and_clock_times_resolve_back(  # noqa: PLR0917 - one argument per strategy
    day: date, clock: time, locale: str, kind: str, with_time: bool, tz: timezone
) -> None:
    text = format_date(day, kind, locale=locale)
    expected = datetime(day.year, day.month, day.day, tzinfo=tz)
    if with_time:
        text = f"{text} {format_time(clock, 'short', locale=locale)}"
        expected = expected.replace(hour=clock.hour, minute=clock.minute)
    fetched = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
    context = DateContext(fetched_at=fetched, tz=tz, languages=_languages(locale))
    assert looks_like_time(text, context.languages), text
    assert resolve_displayed(text, context) == expected, text


@pytest.mark.parametrize(
    ("text", "languages", "expected"),
    [
        ("vor 5 Minuten", ("de", "en"), "2025-12-04T16:55:00+01:00"),
        ("il y a 2 heures", ("fr", "en"), "2025-12-04T15:00:00+01:00"),
        ("hace 3 horas", ("es", "en"), "2025-12-04T14:00:00+01:00"),
        ("2 ore fa", ("it", "en"), "2025-12-04T15:00:00+01:00"),
        ("há 2 horas", ("pt", "en"), "2025-12-04T15:00:00+01:00"),
        ("5 минут назад", ("ru", "en"), "2025-12-04T16:55:00+01:00"),
        ("5 分前", ("ja", "en"), "2025-12-04T16:55:00+01:00"),
        ("3시간 전", ("ko", "en"), "2025-12-04T14:00:00+01:00"),
        ("dün 23:59", ("tr", "en"), "2025-12-03T23:59:00+01:00"),
        ("أمس 23:59", ("ar", "en"), "2025-12-03T23:59:00+01:00"),
        ("قبل دقيقة", ("ar", "en"), "2025-12-04T16:59:00+01:00"),
        ("hier à 23h59", ("fr", "en"), "2025-12-03T23:59:00+01:00"),
        ("12月2日", ("ja", "en"), "2025-12-02T00:00:00+01:00"),
        ("02/12/2025 23:47", ("es", "en"), "2025-12-02T23:47:00+01:00"),
        ("02\u200f/12\u200f/2025", ("ar", "en"), "2025-12-02T00:00:00+01:00"),
    ],
)
def test_relative_and_local_forms(text: str, languages: tuple[str, ...], expected: str) -> None:
    fetched = datetime(2025, 12, 4, 16, 0, 30, tzinfo=UTC)
    context = DateContext(fetched_at=fetched, tz=timezone(timedelta(hours=1)), languages=languages)
    result = resolve_displayed(text, context)
    assert result is not None and result.isoformat() == expected, text


# One page per language: an article and a "most read" sidebar whose items show a count and a
# relative time in that language; the site's zone comes from the article's own offset.
_SIDEBARS = {
    "de": ("Meistgelesen", "Ein Artikel", [("1.234", 1234, "vor 5 Minuten", 5)]),
    "fr": ("Les plus lus", "Un article", [("1,2\u00a0k", 1200, "il y a 2 heures", 120)]),
    "es": ("Lo más leído", "Un artículo", [("2,5 mil", 2500, "hace 3 horas", 180)]),
    "it": ("I più letti", "Un articolo", [("1.234", 1234, "5 minuti fa", 5)]),
    "pt": ("Mais lidas", "Um artigo", [("1,2 mil", 1200, "há 2 horas", 120)]),
    "ru": ("Самое читаемое", "Статья", [("12,3 тыс.", 12300, "5 минут назад", 5)]),
    "ja": ("アクセスランキング", "記事", [("1.2万", 12000, "5 分前", 5)]),
    "ko": ("많이 본 뉴스", "기사", [("3천", 3000, "3시간 전", 180)]),
    "tr": ("En çok okunanlar", "Makale", [("1,2 B", 1200, "5 dakika önce", 5)]),
    "ar": ("الأكثر قراءة", "مقال", [("1.2 ألف", 1200, "منذ ساعتين", 120)]),
}
_WORDS = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. " * 4


def _page(lang: str) -> str:
    heading, label, rows = _SIDEBARS[lang]
    items = "".join(
        f'<li><a href="/news/{lang}-{i}-{n}.html">{label} {i} {n} {label}</a>'
        f'<span class="views">{views}</span><span class="time">{when}</span></li>'
        for i, (views, _, when, _) in enumerate(rows * 4)
        for n in ("alpha", "beta", "gamma", "delta")[i : i + 1]
    )
    body = "".join(f"<p>{_WORDS}</p>" for _ in range(5))
    return (
        f'<html lang="{lang}"><head><title>{label}</title>'
        '<meta property="article:published_time" content="2025-12-04T10:00:00+01:00">'
        f"</head><body><main><article><h1>{label} {lang}</h1>{body}</article></main>"
        f'<aside class="sidebar"><section class="most-read"><h2>{heading}</h2><ul>{items}</ul>'
        "</section></aside></body></html>"
    )


@pytest.mark.parametrize("lang", sorted(_SIDEBARS))
def test_sidebar_values_on_pages_in_each_language(lang: str) -> None:
    fetched = datetime(2025, 12, 4, 15, 0, 40, tzinfo=UTC)  # 16:00:40 in the site's zone
    result = extract_page(
        PageInput(url=f"https://news.example/{lang}/a.html", html=_page(lang), fetched_at=fetched)
    )
    _, _, rows = _SIDEBARS[lang]
    assert len(result.headlines) == 4, [h.title for h in result.headlines]
    local = fetched.astimezone(timezone(timedelta(hours=1))).replace(second=0)
    for headline in result.headlines:
        _, views, _, minutes = rows[0]
        assert headline.views == views, (headline.views_raw, headline.views)
        assert headline.published_at == (local - timedelta(minutes=minutes)).isoformat()
        assert "timezone_assumed_utc" not in headline.flags
