"""Dates: machine-readable timestamps and displayed times, resolved in the site's timezone.

Two kinds of input:

* machine-readable values (``<time datetime>``, ``article:published_time``, JSON-LD
  ``datePublished``) are ISO 8601 and read with :meth:`datetime.fromisoformat`, falling back to
  dateutil's ISO parser;
* displayed times ("17:36", "Yesterday, 23:59", "02.12.2025, 23:47", "5 minutes ago") are read
  relative to the capture time converted to the site's timezone: a clock time alone by a
  pattern (today, or the day before when later than the capture), anything else by dateparser
  against the capture minute (displayed times have minute precision).

Extraction is pure, so nothing here learns from earlier pages: dateparser's readings are cached
on every input they depend on (see :func:`_dateparser`), and a page gives the same dates in a
crawl, in a worker and in ``newsarc extract``, whatever ran before.

The site's timezone comes from the profile, else from the offsets of the page's own
machine-readable times (:func:`infer_timezone`), else UTC (the caller flags the item). Every
result is an aware datetime expressed in the site's offset. dateparser is imported lazily and
only for text that needs it: its first call costs ~0.1 s, later calls ~0.5 ms.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache, partial
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from dateparser.date import DateDataParser

__all__ = [
    "DateContext",
    "ascii_digits",
    "country_timezone",
    "format_datetime",
    "infer_timezone",
    "looks_like_time",
    "parse_machine_date",
    "resolve_displayed",
    "url_day",
]

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
# A clock time alone: "17:36", "17:36:05", "5:30 PM", "5 p.m.", "17h36" (fr, pt), "17 Uhr".
_CLOCK_ONLY = re.compile(
    r"^(?P<h>\d{1,2})(?:(?::|h(?=\d))(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"\s*(?:(?P<ampm>[ap])\.?\s?m\.?|(?P<suffix>uhr|h))?$",
    re.IGNORECASE,
)
# Direction marks CLDR puts into Arabic and Hebrew dates ("02\u200f/11\u200f/2025").
_BIDI_MARKS = str.maketrans("", "", "\u200e\u200f\u061c")
# "قبل دقيقة (واحدة)" is "a minute ago": dateparser needs the number written out.
_ARABIC_ONE_UNIT = re.compile(
    r"(قبل|منذ)\s+(ثانية|دقيقة|ساعة|يوم|أسبوع|شهر|سنة)(?:\s+واحد[ةه]?)?(?!\S)"
)
_NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?!\d)")
_CJK_DATE = re.compile(
    r"(?:(?P<y>\d{4})\s*[年년]\s*)?(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]\s*"
)
_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
# A cheap pre-filter so that dateparser only sees text that may be a time: a clock time, a
# numeric date, a relative expression or a month name in the languages we know of.
_TIME_HINT = re.compile(
    r"\d{1,2}:\d{2}|(?<!\w)\d{1,2}h\d{2}(?!\d)|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{4}\.\s?\d{1,2}\.\s?\d"
    r"|\b(?:ago|yesterday|today|just now|now|hours?|hrs?|minutes?|mins?|seconds?|days?|weeks?)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\d\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"|назад|вчера|сегодня|минут|час|январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр"
    r"|октябр|ноябр|декабр"
    r"|\b(?:vor\s+\d+\s+(?:sek|min|std|stunde|tag|woche)|gestern|heute|vorgestern)"
    r"|\b(?:januar|februar|märz|mai|juni|juli|oktober|dezember|okt|dez)\b",
    re.IGNORECASE,
)
# Words that introduce a date on a page ("posted on", "Veröffentlicht am", "Обновлено:").
_DATE_PREFIX = re.compile(
    r"^(?:(?:last\s+)?(?:posted|published|updated|filed|modified|publicado|actualizado|"
    r"atualizado|publié|mis à jour|veröffentlicht|aktualisiert|stand|опубликовано|обновлено)"
    r"\s*(?:on|at|am|um|em|el|le)?\s*:?\s*)",
    re.IGNORECASE,
)
# Thin normalisation before dateparser: a comma after a relative day word ("Yesterday, 23:59").
_DAY_WORD_COMMA = re.compile(r"^(\w+),\s*(?=\d)")
# "17h50" inside a longer text ("02/12/2026 às 17h50", "Le 02/12 à 21h50"): dateparser reads
# the "h" as hours and the rest as minutes after the capture time.
_H_CLOCK = re.compile(r"(?<![\w:])(\d{1,2})h(\d{2})(?!\d)")
# Korean, Japanese and Chinese put the morning/afternoon word before the clock ("오후 6:40").
_MERIDIEM_FIRST = re.compile(r"(오전|午前|上午|오후|午後|下午)\s*(\d{1,2}:\d{2}(?::\d{2})?)(?!\d)")
_AFTERNOON = frozenset({"오후", "午後", "下午"})
# "7時31分" (Japanese, Chinese), "18시 40분" (Korean): a clock time.
_CJK_CLOCK = re.compile(r"(?<!\d)(\d{1,2})\s*[時시]\s*(\d{1,2})\s*[分분]")
# A day and month without a year ("12/5", "02/12", "12.03"), read in the language's order.
_PARTIAL_DATE = re.compile(r"(?<![\d./-])\d{1,2}[./]\d{1,2}(?![\d/]|\.\d)")
# A full date as a URL path spells it: "/2023/11/08/", "/2017/7/12/slug", "/2021-10-29/".
_URL_DAY = re.compile(r"/((?:19|20)\d\d)([/-])(\d{1,2})\2(\d{1,2})(?=[/_.-]|$)")
_MAX_DISPLAYED_CHARS = 80


@dataclass(frozen=True)
class DateContext:
    """What displayed times are resolved against: capture time, site timezone, languages."""

    fetched_at: datetime
    """Capture time, timezone-aware."""
    tz: tzinfo
    """The site's timezone."""
    languages: tuple[str, ...] = ()
    """Languages to read month and day words in (ISO 639-1), most likely first."""
    date_order: str | None = None
    """``DMY``, ``MDY`` or ``YMD`` for numeric dates, when known."""


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of another script as its ASCII digit ("٢٠٢٦" and
    "２０２６" are "2026"): date patterns and the clock parser read ASCII digits."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )


def format_datetime(value: datetime) -> str:
    """ISO 8601 with seconds and the offset, e.g. ``2025-12-04T17:36:00+03:00``."""
    return value.isoformat(timespec="seconds")


def parse_machine_date(value: str | None, tz: tzinfo | None = None) -> datetime | None:
    """Parse an ISO 8601 timestamp; convert it to ``tz`` (a naive value is taken as ``tz``).

    Returns ``None`` for anything that is not ISO 8601. Without ``tz`` the result keeps the
    value's own offset, or stays naive when it has none.
    """
    if not value:
        return None
    text = value.strip()
    if not _ISO_START.match(text):
        return None
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _dateutil_iso(text)
    if parsed is None:
        return None
    if tz is None:
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def _dateutil_iso(text: str) -> datetime | None:
    from dateutil.parser import isoparse  # noqa: PLC0415

    try:
        parsed = isoparse(text)
    except (ValueError, OverflowError):
        return None
    return parsed if isinstance(parsed, datetime) else None


def infer_timezone(values: Iterable[str | None]) -> tzinfo | None:
    """The most common UTC offset among machine-readable timestamps, or ``None``.

    A non-zero offset wins over ``Z``/``+00:00``: many sites write UTC in one field and local
    time in another, and only the latter says where the site is.
    """
    offsets: Counter[timedelta] = Counter()
    for value in values:
        parsed = parse_machine_date(value)
        if parsed is None or parsed.tzinfo is None:
            continue
        offset = parsed.utcoffset()
        if offset is not None:
            offsets[offset] += 1
    if not offsets:
        return None
    non_zero = [(count, offset) for offset, count in offsets.items() if offset]
    if non_zero:
        best = max(non_zero, key=lambda item: (item[0], item[1]))[1]
        return timezone(best)
    paired = _paired_offset(values)
    return timezone(paired) if paired else UTC


_QUARTER_HOUR = 900
_MAX_OFFSET = timedelta(hours=14)


def _paired_offset(values: Iterable[str | None]) -> timedelta | None:
    """The site's offset when the page writes one instant twice, once in UTC and once as a
    local time without an offset ("2023-11-09T05:30:59Z" and ``<time datetime="2023-11-08
    23:30:59">``): their difference, a whole number of quarter hours within ±14 h."""
    parsed = [parse_machine_date(v) for v in values]
    naive = [p for p in parsed if p is not None and p.tzinfo is None and (p.second or p.minute)]
    utc = [
        p.replace(tzinfo=None)
        for p in parsed
        if p is not None and p.tzinfo is not None and p.utcoffset() == timedelta(0)
    ]
    for local in naive:
        for instant in utc:
            diff = local - instant
            if diff and abs(diff) <= _MAX_OFFSET and diff.total_seconds() % _QUARTER_HOUR == 0:
                return diff
    return None


# Two-letter top-level domains sold worldwide, which say nothing about where a site is.
_GENERIC_CCTLDS = frozenset({
    "ac", "ag", "ai", "am", "as", "bz", "cc", "cd", "co", "fm", "gg", "gl", "im", "io", "la",
    "ly", "md", "me", "ms", "mu", "nu", "sc", "sh", "so", "st", "su", "to", "tk", "tv", "vc",
    "ws",
})  # fmt: skip
_TLD_COUNTRY = {"uk": "GB"}
# Probe instants for "does every zone of this country keep the same time?" (winter, summer).
_PROBES = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, list[str]]:
    """ISO country code -> its zones, from the IANA database's ``zone.tab`` (tzdata)."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                zones.setdefault(fields[0], []).append(fields[2])
    return zones


@lru_cache(maxsize=512)
def country_timezone(host: str) -> tzinfo | None:
    """The zone of the country a host's top-level domain names (``.de``, ``.bo``,
    ``.co.uk``), when all of that country's zones keep one time; else ``None`` (``.com``,
    ``.io``, the United States)."""
    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha() or tld in _GENERIC_CCTLDS or "." not in host:
        return None
    names = _country_zones().get(_TLD_COUNTRY.get(tld, tld.upper()))
    if not names:
        return None
    zones = [ZoneInfo(name) for name in names]
    if any(len({probe.astimezone(z).utcoffset() for z in zones}) > 1 for probe in _PROBES):
        return None
    return zones[0]


def looks_like_time(text: str, languages: tuple[str, ...] = ()) -> bool:
    """Cheap test of whether ``text`` may be a displayed date or time (before dateparser).

    Numbers shaped like a clock time or a date, or a date word (month, weekday, unit, "ago",
    "yesterday" …) that dateparser knows in one of ``languages`` (default: English, German,
    Russian) or English.
    """
    if not 0 < len(text) <= _MAX_DISPLAYED_CHARS:
        return False
    text = text.translate(_BIDI_MARKS)
    if _TIME_HINT.search(text) is not None or _CLOCK_ONLY.match(text.strip()):
        return True
    if not text.isascii():
        # "１２月６日 ７時２８分", "12월 6일": CJK dates and clocks need no language's words.
        digits = unicodedata.normalize("NFKC", ascii_digits(text))
        if _CJK_DATE.search(digits) or _CJK_CLOCK.search(digits):
            return True
    relative, calendar = _date_words(tuple(languages) or _DEFAULT_LANGUAGES)
    folded = text.casefold()
    if relative.search(folded):
        return True
    if not any(ch.isdigit() for ch in folded):
        return False
    # "Nov 18", "2 ore fa", "Mon 18 Nov 2019": a calendar word, and at least half the words are
    # numbers or calendar words ("604 comments" and a headline naming a month are no dates).
    tokens = [token.strip(",.()[]·|") for token in folded.split()]
    named = len(calendar.findall(folded))
    numbers = sum(1 for token in tokens if any(ch.isdigit() for ch in token))
    return named > 0 and 2 * (named + numbers) >= len(tokens)


def is_relative_label(text: str, languages: tuple[str, ...] = ()) -> bool:
    """Whether ``text`` holds a word that is a time by itself ("heute", "yesterday", "вчера",
    "ago", "hace"): its date depends on when the page was seen, never on a year or day it
    shows. (A month and day without a year, "Jan 04", is not such a label.)"""
    if not 0 < len(text) <= _MAX_DISPLAYED_CHARS:
        return False
    relative, _calendar = _date_words(tuple(languages) or _DEFAULT_LANGUAGES)
    return relative.search(text.translate(_BIDI_MARKS).casefold()) is not None


_DEFAULT_LANGUAGES = ("en", "de", "ru")
_WORD_KEYS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "year", "month", "week", "day", "hour", "minute", "second", "am", "pm",
)  # fmt: skip
_REGEX_GROUP = re.compile(r"\(.*?\)|\\[a-z]|[\[\]()?*+|^$]")


def _cldr_month_names(language: str) -> set[str]:
    """Abbreviated and full month names of ``language`` in CLDR (Babel), or none."""
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415 - import only when needed

    try:
        months = Locale.parse(language).months
    except (UnknownLocaleError, ValueError, TypeError):
        return set()
    return {
        name
        for forms in months.values()
        for width in ("abbreviated", "wide")
        for name in forms.get(width, {}).values()
    }


@lru_cache(maxsize=64)
def _date_words(languages: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns of the date words dateparser and CLDR know in ``languages`` and English.

    The first finds words that are a time by themselves ("yesterday", "il y a", "hace",
    "前"); the second calendar words that need a number beside them (months, weekdays, units).
    Words of letters need a word boundary and, when shorter than three letters ("h", "j"), a
    number before them; words in scripts written without spaces ("分", "어제") match anywhere.
    """
    from dateparser.languages.loader import default_loader  # noqa: PLC0415 - slow import

    relative: set[str] = set()
    calendar: set[str] = set()
    for language in (*languages, "en"):
        try:
            info = default_loader.get_locale(language).info
        except (ValueError, KeyError):
            continue
        relative.update(w for w in info.get("ago", []) if isinstance(w, str))
        for phrases in info.get("relative-type", {}).values():
            relative.update(p for p in phrases if isinstance(p, str))
        for key in _WORD_KEYS:
            calendar.update(w for w in info.get(key, []) if isinstance(w, str))
        # "قبل (\d+) دقيقة": the words around the number other than units ("قبل", "hace").
        for patterns in info.get("relative-type-regex", {}).values():
            for pattern in patterns:
                relative.update(
                    w for w in _REGEX_GROUP.sub(" ", pattern).split() if w not in calendar
                )
        calendar.update(_cldr_month_names(language))
    return _word_pattern(relative), _word_pattern(calendar)


def _word_pattern(words: set[str]) -> re.Pattern[str]:
    spaced: list[str] = []
    unspaced: list[str] = []
    short: list[str] = []
    for word in {w.casefold().strip(" .") for w in words}:
        if not word or any(ch.isdigit() for ch in word):
            continue
        if any(ord(ch) >= 0x2E80 for ch in word):  # CJK, kana, hangul
            unspaced.append(word)
        elif len(word) >= 3:
            spaced.append(word)
        elif word.isalpha():
            short.append(word)

    def alternation(items: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True)) or "(?!)"

    return re.compile(
        rf"(?<!\w)(?:{alternation(spaced)})(?!\w)"
        rf"|\d\s*(?:{alternation(short)})(?!\w)"
        rf"|{alternation(unspaced)}"
    )


@lru_cache(maxsize=32)
def _parser(
    languages: tuple[str, ...], date_order: str | None, relative_base: datetime
) -> DateDataParser:
    # Built once per (languages, order, capture time): a page's items share one parser.
    from dateparser.date import DateDataParser  # noqa: PLC0415 - slow import, only when needed

    settings: dict[str, Any] = {
        "RELATIVE_BASE": relative_base,
        "PREFER_DATES_FROM": "past",
    }
    if date_order:
        settings["DATE_ORDER"] = date_order
        settings["PREFER_LOCALE_DATE_ORDER"] = False
    return DateDataParser(languages=list(languages) or None, settings=settings)


def _reading(
    text: str, languages: tuple[str, ...], order: str | None, base: datetime
) -> tuple[datetime | None, tuple[str, ...]]:
    """dateparser's reading of ``text`` at capture time ``base``, and the parts it determines."""
    parser = _parser(languages, order, base)
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        return None, ()
    result: datetime | None = data.date_obj
    return result, tuple(getattr(data, "parts", ()) or ())


@lru_cache(maxsize=32)
def _absolute_parser(languages: tuple[str, ...], date_order: str | None) -> DateDataParser:
    # dateparser's absolute-date parser alone, at a fixed capture time (see _absolute).
    from dateparser.date import DateDataParser  # noqa: PLC0415 - slow import, only when needed

    settings: dict[str, Any] = {
        "RELATIVE_BASE": _ABSOLUTE_BASE,
        "PREFER_DATES_FROM": "past",
        "PARSERS": ["absolute-time"],
    }
    if date_order:
        settings["DATE_ORDER"] = date_order
        settings["PREFER_LOCALE_DATE_ORDER"] = False
    return DateDataParser(languages=list(languages) or None, settings=settings)


# A capture time no news page is read at: a reading that takes anything from it shows it.
_ABSOLUTE_BASE = datetime(1900, 1, 1)
_FULL_DATE = frozenset({"year", "month", "day"})
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


@lru_cache(maxsize=4096)
def _absolute(text: str, languages: tuple[str, ...], order: str | None) -> datetime | None:
    """The reading of ``text`` when it cannot depend on the capture time, else ``None``.

    That is when dateparser's absolute-date parser took the year, month and day from the text
    and the year is written out in four digits in it ("December 2, 2025", "3 Dec 2025 14:05
    GMT", "02.12.2025, 23:47"): a two-digit year is widened around the capture time, a missing
    part is filled in from it, and a relative word or offset moves with it. dateparser tries
    its relative-time parser first; the texts that parser reads ("Yesterday, 02.12.2025", "vor
    2 Stunden 02.12.2025") are ones the absolute parser does not read in full, so they go on to
    be read at the real capture time. A test holds every reading to dateparser's own at random
    capture times. A call of the absolute parser alone costs half a full reading.
    """
    try:
        data = _absolute_parser(languages, order).get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        return None
    result: datetime | None = data.date_obj
    if result is None or not _FULL_DATE.issubset(getattr(data, "parts", ()) or ()):
        return None
    return result if f"{result.year:04d}" in _YEAR.findall(text) else None


@lru_cache(maxsize=4096)
def _relative(
    text: str, languages: tuple[str, ...], order: str | None, base: datetime
) -> datetime | None:
    return _reading(text, languages, order, base)[0]


def _dateparser(
    text: str, languages: tuple[str, ...], order: str | None, base: datetime
) -> datetime | None:
    """dateparser's reading of ``text`` at ``base``, cached only on what it depends on.

    Both caches are keyed on every input of the reading (an absolute date on the text, the
    languages and the date order; anything else on those and the capture minute too), so a
    cached answer is the one dateparser gives that caller: extraction does not depend on what
    was parsed before. A sidebar repeats on every page of a site, so most calls in a crawl or a
    re-extraction are hits (dateparser costs ~0.5 ms a call, a hit ~1 us).
    """
    if _YEAR.search(text):
        # Only a text with a four-digit year can be an absolute date worth the two probes.
        absolute = _absolute(text, languages, order)
        if absolute is not None:
            return absolute
    return _relative(text, languages, order, base)


def resolve_displayed(raw: str, context: DateContext) -> datetime | None:
    """Resolve a displayed date/time against the capture time, in the site's timezone.

    A clock time alone ("17:36") is today in the site's timezone, or yesterday when that would
    be later than the capture time. An explicit zone in the text ("14:05 GMT") wins. Returns
    ``None`` when the text is not a date.
    """
    text = _DATE_PREFIX.sub("", " ".join(ascii_digits(raw.translate(_BIDI_MARKS)).split()))
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width letters and signs ("１２月５日")
    if not text or len(text) > _MAX_DISPLAYED_CHARS:
        return None
    iso = parse_machine_date(text, context.tz)
    if iso is not None:
        return iso
    local_now = context.fetched_at.astimezone(context.tz).replace(microsecond=0)
    clock = _clock_time(text)
    if clock is not None:
        # A bare clock time is today in the site's timezone, or the day before when that would
        # be later than the capture. (dateparser's own choice of date for "past" clock times is
        # unreliable around month ends, and this needs no dateparser call.)
        result = local_now.replace(hour=clock[0], minute=clock[1], second=clock[2])
        return result - timedelta(days=1) if result > local_now else result
    # Displayed times have minute precision: resolving them against the capture minute makes
    # the reading one cacheable function of (text, languages, order, minute).
    base = local_now.replace(second=0, tzinfo=None)
    order = context.date_order
    if order is None and _DOTTED_DATE.search(text):
        # 02.12.2025 is day-first wherever dots are used; no locale writes month-first with dots.
        order = "DMY"
    elif order is None and context.languages and _NUMERIC_DATE.search(text):
        # 02/12/2025 is 2 December in French, Spanish, Italian …: the language's CLDR order.
        order = _locale_date_order(context.languages[0])
    text = _CJK_DATE.sub(partial(_cjk_date, today=local_now.date()), text)
    if context.languages and not _NUMERIC_DATE.search(text) and _PARTIAL_DATE.search(text):
        # dateparser reads "12/5" as a year and a month; the language's order says which of
        # day and month comes first (5 December in Japanese, 12 May in French).
        day_first = (order or _locale_date_order(context.languages[0])) == "DMY"
        text = _PARTIAL_DATE.sub(
            partial(_partial_date, day_first=day_first, today=local_now.date()), text, count=1
        )
    text = _clock_words(text)
    if context.languages:
        text = _month_names(context.languages[0])(text)
    text = _ARABIC_ONE_UNIT.sub(r"\1 1 \2", text)
    text = _DAY_WORD_COMMA.sub(r"\1 ", text)
    parsed = _dateparser(text, context.languages, order, base)
    if parsed is None:
        return None
    result = parsed.replace(tzinfo=context.tz) if parsed.tzinfo is None else parsed
    return result.astimezone(context.tz)


@lru_cache(maxsize=64)
def _locale_date_order(language: str) -> str | None:
    """``DMY``, ``MDY`` or ``YMD`` from the CLDR short date format of ``language`` (Babel)."""
    from babel import UnknownLocaleError  # noqa: PLC0415 - import only when needed
    from babel.dates import get_date_format  # noqa: PLC0415

    try:
        pattern = get_date_format("short", locale=language).pattern
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    positions = {field: pattern.find(field) for field in "dMy"}
    if min(positions.values()) < 0:
        return None
    return "".join(sorted(positions, key=positions.__getitem__)).upper()


@lru_cache(maxsize=64)
def _month_names(language: str) -> Callable[[str], str]:
    """A function writing ``language``'s month names (CLDR, through Babel) as dateparser knows
    them, where it does not know them or takes them for something else.

    dateparser takes time zone abbreviations out of the text before it reads the date, so the
    Turkish "1 Mart 2015" became 1 January at UTC-09:30 ("MART") and the Italian "1 set 2015"
    (settembre) lost its month to "SET"; it does not know some CLDR abbreviations (Hindi
    "अक्टू॰"). Those are written as the language's full name when dateparser knows it, else in
    English.
    """
    if language == "en":
        return _unchanged  # dateparser's own language: it knows every English month name
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415 - import only when needed
    from dateparser.languages.loader import default_loader  # noqa: PLC0415
    from dateparser.timezone_parser import is_timezone_token  # noqa: PLC0415

    try:
        months = Locale.parse(language).months
        info = default_loader.get_locale(language).info
    except (UnknownLocaleError, ValueError, TypeError, KeyError):
        return _unchanged
    known = [{name.casefold().rstrip(".") for name in info.get(key, [])} for key in _MONTH_KEYS]

    def readable(name: str, number: int) -> bool:
        key = name.casefold().rstrip(".")
        return key in known[number - 1] and not is_timezone_token(key)

    rewrite: dict[str, str] = {}
    for forms in months.values():
        for width in ("abbreviated", "wide"):  # narrow names ("J", "मा") are ambiguous
            for number, name in forms.get(width, {}).items():
                if readable(name, number) or any(ch.isdigit() for ch in name):
                    continue
                wide = forms.get("wide", {}).get(number, "")
                better = wide if readable(wide, number) else _ENGLISH_MONTHS[number - 1]
                rewrite.setdefault(name.casefold().rstrip("."), better)
    if not rewrite:
        return _unchanged
    words = "|".join(re.escape(k) for k in sorted(rewrite, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)({words})\.?(?!\w)", re.IGNORECASE)
    return partial(pattern.sub, lambda match: rewrite[match.group(1).casefold()])


def _unchanged(text: str) -> str:
    return text


_MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _cjk_date(match: re.Match[str], *, today: date) -> str:
    """ "2025年12月2日" → "2 December 2025", "12月2日" → "2 December 2026" (dateparser misreads
    the second as 2012-02). A day without a year is in the last year where it is not after the
    day after ``today``, as for "12/5" (:func:`_partial_date`): with an assumed zone, a
    story of the site's early morning is shown on a day later than the capture's."""
    month, day = int(match["m"]), int(match["d"])
    if not 1 <= month <= 12:
        return match.group()
    year = match["y"] or next(
        (
            str(year)
            for year in (today.year + 1, today.year, today.year - 1)
            if _valid_day(year, month, day) and date(year, month, day) <= today + timedelta(days=1)
        ),
        None,
    )
    return f"{day} {_ENGLISH_MONTHS[month - 1]}{f' {year}' if year else ''} "


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _partial_date(match: re.Match[str], *, day_first: bool, today: date) -> str:
    """ "12/5" → "2026-12-05" (month first) or "2026-05-12" (day first), in the last year
    where that day is not after the day after ``today``; unchanged when it is no day."""
    first, second = (int(part) for part in re.split(r"[./]", match.group()))
    day, month = (first, second) if day_first else (second, first)
    for year in (today.year + 1, today.year, today.year - 1):
        try:
            shown = date(year, month, day)
        except ValueError:
            continue
        if shown <= today + timedelta(days=1):
            return shown.isoformat()
    return match.group()


def _clock_words(text: str) -> str:
    """Clock times written in ways dateparser misreads, as "HH:MM": "17h50" inside a text,
    "오후 6:40" (am/pm before the clock), "7時31分"."""
    if "h" in text:
        text = _H_CLOCK.sub(r"\1:\2", text)
    if text.isascii():
        return text
    text = _CJK_CLOCK.sub(lambda m: f"{int(m[1])}:{int(m[2]):02d}", text)
    return _MERIDIEM_FIRST.sub(lambda m: f"{m[2]} {'PM' if m[1] in _AFTERNOON else 'AM'}", text)


def _clock_time(text: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) of a text that is only a clock time, e.g. "17:36", "5:30 PM",
    "17h36", "17 Uhr"; else ``None``."""
    match = _CLOCK_ONLY.match(text)
    if match is None:
        return None
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    meridiem = (match["ampm"] or "").lower()
    if match["m"] is None and not (meridiem or match["suffix"]):
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def url_day(url: str) -> date | None:
    """The calendar day a URL's path spells out (year, month and day), if any.

    News sites put the day of first publication into the path ("/2023/11/08/slug"); the path
    stays when the page is updated and its metadata dates move (or were set by a later import).
    """
    path = url.split("?", 1)[0].split("#", 1)[0]
    for match in _URL_DAY.finditer(path):
        year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(4))
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None
