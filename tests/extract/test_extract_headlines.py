"""The fields of headline items (crawler/extract/headlines.py), on small pages written for each
shape: several values in one meta line, a day and month without a year, a time of today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.extract import PageInput, extract_page
from crawler.items import HeadlineItem

BASE = "https://news.example.com"
TITLES = [
    "Council sends the road repaving plan back for another review",
    "Bakery chain bets on night shifts as the rents keep climbing",
    "Tenants in three buildings win repairs after a winter without heat",
    "A tiny jazz club reopens with the old piano and all its regulars",
]
BODY = "".join(
    f"<p>Paragraph {n} of the story, with enough words, commas, and clauses to read as prose "
    "that a reader would take for the body of the article on this page.</p>"
    for n in range(6)
)


def _headlines(metas: list[str], fetched: datetime, lang: str = "en") -> list[HeadlineItem]:
    rows = "".join(
        f'<li><a href="/story/{n}">{title}</a><span>{meta}</span></li>'
        for n, (title, meta) in enumerate(zip(TITLES, metas, strict=True), start=1)
    )
    html = (
        f'<html lang="{lang}"><body><article><h1>A story</h1>{BODY}</article>'
        f"<aside><h2>Most read</h2><ol>{rows}</ol></aside></body></html>"
    )
    return extract_page(PageInput(f"{BASE}/story/9", html, fetched)).headlines


def test_views_and_time_in_one_meta_line() -> None:
    fetched = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    got = _headlines(
        ["23.4K · 7h ago", "8,204 views | 35 min ago", "912 • 2h ago", "1.2M"], fetched
    )
    assert [h.views for h in got] == [23_400, 8_204, 912, 1_200_000]
    assert [h.published_raw for h in got] == ["7h ago", "35 min ago", "2h ago", None]
    assert [h.published_at for h in got[:3]] == [
        (fetched - timedelta(hours=7)).isoformat(),
        (fetched - timedelta(minutes=35)).isoformat(),
        (fetched - timedelta(hours=2)).isoformat(),
    ]


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        # Day-first: 2 December is two days before the capture; 12 February ten months.
        ("02/12 19:37", datetime(2026, 12, 2, 19, 37, tzinfo=UTC)),
        # Month-first: 11 December would be after the capture; 12 November is not.
        ("11/12 08:05", datetime(2026, 11, 12, 8, 5, tzinfo=UTC)),
        # Dots are day-first wherever they are used, however far back that is.
        ("05.03. 10:00", datetime(2026, 3, 5, 10, 0, tzinfo=UTC)),
        # Only one reading is a date.
        ("25/11 09:15", datetime(2026, 11, 25, 9, 15, tzinfo=UTC)),
    ],
)
def test_a_day_and_month_without_a_year_is_the_recent_reading(
    shown: str, expected: datetime
) -> None:
    fetched = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    got = _headlines([shown, "1h ago", "2h ago", "3h ago"], fetched)
    assert got[0].published_at == expected.isoformat()


@pytest.mark.parametrize(("shown", "lang"), [("Today, 19:46", "en"), ("Heute, 19:46 Uhr", "de")])
def test_a_time_of_today_later_than_the_capture_is_the_day_before(shown: str, lang: str) -> None:
    # No zone on the page: UTC is assumed, and 19:46 "today" is after an 18:58 UTC capture.
    fetched = datetime(2026, 12, 4, 18, 58, tzinfo=UTC)
    got = _headlines([shown, "Today, 08:10", "1h ago", "2h ago"], fetched, lang)
    assert got[0].published_at == datetime(2026, 12, 3, 19, 46, tzinfo=UTC).isoformat()
    assert got[1].published_at == datetime(2026, 12, 4, 8, 10, tzinfo=UTC).isoformat()


@pytest.mark.parametrize(
    ("shown", "lang", "expected"),
    [
        # Korean writes month first, with dots: 3 December, not 12 March.
        ("12.03 오전 5:45", "ko", datetime(2026, 12, 3, 5, 45, tzinfo=UTC)),
        # French is day first, and "21h50" is a clock time, not hours and minutes ago.
        ("02/12, 21h50", "fr", datetime(2026, 12, 2, 21, 50, tzinfo=UTC)),
        ("Le 01/12 à 08h15", "fr", datetime(2026, 12, 1, 8, 15, tzinfo=UTC)),
        # Japanese is month first. 6 December is two days after the capture: last year's (the
        # day after the capture's may be today in a zone east of the one assumed).
        ("12/6(土) 05:35", "ja", datetime(2025, 12, 6, 5, 35, tzinfo=UTC)),
        ("12/1(火) 23:59", "ja", datetime(2026, 12, 1, 23, 59, tzinfo=UTC)),
    ],
)
def test_a_day_and_month_without_a_year_in_the_pages_language(
    shown: str, lang: str, expected: datetime
) -> None:
    fetched = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    got = _headlines([shown, "1h ago", "2h ago", "3h ago"], fetched, lang)
    assert got[0].published_at == expected.isoformat()


def test_a_meta_line_longer_than_one_value_is_read_part_by_part() -> None:
    fetched = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    got = _headlines(
        [
            "03/12/2026 alle 19:36 · 1.530.000 visualizzazioni",
            "02/12/2026 alle 22:56 · 67.100 visualizzazioni",
            "5 minuti fa · 1.234 visualizzazioni",
            "1 ora fa · 23 visualizzazioni",
        ],
        fetched,
        "it",
    )
    assert [h.views for h in got] == [1_530_000, 67_100, 1234, 23]
    assert [h.published_at for h in got[:2]] == [
        datetime(2026, 12, 3, 19, 36, tzinfo=UTC).isoformat(),
        datetime(2026, 12, 2, 22, 56, tzinfo=UTC).isoformat(),
    ]
