"""Dates: machine-readable timestamps and displayed times, resolved in the site's timezone.

Two kinds of input:

* machine-readable values (``<time datetime>``, ``article:published_time``, JSON-LD
  ``datePublished``) are ISO 8601 and read with :meth:`datetime.fromisoformat`, falling back to
  dateutil's ISO parser;
* displayed times ("17:36", "Yesterday, 23:59", "02.12.2025, 23:47", "5 minutes ago") are read
  with dateparser, relative to the capture time converted to the site's timezone.

The site's timezone comes from the profile, else from the offsets of the page's own
machine-readable times (:func:`infer_timezone`), else UTC (the caller flags the item). Every
result is an aware datetime expressed in the site's offset. dateparser is imported lazily and
only for text that needs it: its first call costs ~0.1 s, later calls ~0.5 ms.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dateparser.date import DateDataParser

__all__ = [
    "DateContext",
    "format_datetime",
    "infer_timezone",
    "looks_like_time",
    "parse_machine_date",
    "resolve_displayed",
]

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
# A cheap pre-filter so that dateparser only sees text that may be a time: a clock time, a
# numeric date, a relative expression or a month name in the languages we know of.
_TIME_HINT = re.compile(
    r"\d{1,2}:\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}"
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
    return UTC


def looks_like_time(text: str) -> bool:
    """Cheap test of whether ``text`` may be a displayed date or time (before dateparser)."""
    return 0 < len(text) <= _MAX_DISPLAYED_CHARS and _TIME_HINT.search(text) is not None


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


@lru_cache(maxsize=4096)
def _dateparser(
    text: str, languages: tuple[str, ...], order: str | None, base: datetime
) -> datetime | None:
    # A sidebar repeats on every page of a site and pages fetched in the same second share a
    # capture time, so most calls are repeats: dateparser costs ~0.4 ms a call, a hit ~1 us.
    # The result is a pure function of the key (base is the capture time to the second).
    parser = _parser(languages, order, base)
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError, TypeError):
        return None
    result: datetime | None = data.date_obj
    return result


_BEHAVIOUR_MAX = 8192
#: (text, languages, order, capture day, side) -> what is known of how dateparser's reading
#: depends on the capture time on that day: ("once", capture, result) after one reading, then
#: ("none",), ("fixed", result), ("shift", capture - result) or ("exact",).
_behaviour: dict[tuple[str, tuple[str, ...], str | None, date, bool | None], tuple[Any, ...]] = {}
_CLOCK = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")


def _read_displayed(
    text: str, languages: tuple[str, ...], order: str | None, base: datetime
) -> datetime | None:
    """dateparser's reading of ``text`` at capture time ``base``, with far fewer calls.

    Pages are captured at different seconds, so caching per capture time misses often. Instead
    we learn, per text and capture day, how the reading depends on the capture time, from the
    first two readings at different capture times: the same result ("Yesterday, 23:59",
    "2 Dec 2025") means it is fixed for the day; a result that moved by exactly the time between
    the captures ("5 minutes ago") is the capture time minus a constant. Anything else is asked
    of dateparser at every capture time. Each of those readings is dateparser's own answer for
    its capture time, so a text seen once costs one call. A text with a clock time is learnt
    separately before and after that time of day, where its reading may step.
    """
    # A text with a clock time ("Monday 17:36") may read differently before and after that time
    # of day (the most recent Monday 17:36): learn each side separately.
    clock = _CLOCK.search(text)
    side = (base.hour, base.minute) >= (int(clock[1]), int(clock[2])) if clock else None
    key = (text, languages, order, base.date(), side)
    known = _behaviour.get(key)
    if known is None:
        result = _dateparser(text, languages, order, base)
        if len(_behaviour) >= _BEHAVIOUR_MAX:
            _behaviour.clear()
        _behaviour[key] = ("once", base, result)
        return result
    kind = known[0]
    if kind == "once":
        first_base: datetime = known[1]
        first: datetime | None = known[2]
        if base == first_base:
            return first
        result = _dateparser(text, languages, order, base)
        if first is None or result is None:
            _behaviour[key] = ("none",) if first is None and result is None else ("exact",)
        elif first == result:
            _behaviour[key] = ("fixed", first)
        elif result - first == base - first_base and first.tzinfo is None:
            _behaviour[key] = ("shift", base - result)
        else:
            _behaviour[key] = ("exact",)
        return result
    if kind == "none":
        return None
    if kind == "fixed":
        fixed: datetime = known[1]
        return fixed
    if kind == "shift":
        shift: timedelta = known[1]
        return base - shift
    return _dateparser(text, languages, order, base)


def resolve_displayed(raw: str, context: DateContext) -> datetime | None:
    """Resolve a displayed date/time against the capture time, in the site's timezone.

    A clock time alone ("17:36") is today in the site's timezone, or yesterday when that would
    be later than the capture time. An explicit zone in the text ("14:05 GMT") wins. Returns
    ``None`` when the text is not a date.
    """
    text = _DATE_PREFIX.sub("", " ".join(raw.split()))
    if not text or len(text) > _MAX_DISPLAYED_CHARS:
        return None
    iso = parse_machine_date(text, context.tz)
    if iso is not None:
        return iso
    local_now = context.fetched_at.astimezone(context.tz).replace(microsecond=0)
    base = local_now.replace(tzinfo=None)
    order = context.date_order
    if order is None and _DOTTED_DATE.search(text):
        # 02.12.2025 is day-first wherever dots are used; no locale writes month-first with dots.
        order = "DMY"
    text = _DAY_WORD_COMMA.sub(r"\1 ", text)
    parsed = _read_displayed(text, context.languages, order, base)
    if parsed is None:
        return None
    if _TIME_ONLY.match(text) and parsed.tzinfo is None:
        # A bare clock time: dateparser reads the time, the date is the capture day (or the day
        # before). Its own choice of date for "past" times is unreliable around month ends.
        result = local_now.replace(
            hour=parsed.hour, minute=parsed.minute, second=parsed.second, microsecond=0
        )
        if result > local_now:
            result -= timedelta(days=1)
        return result
    result = parsed.replace(tzinfo=context.tz) if parsed.tzinfo is None else parsed
    return result.astimezone(context.tz)
