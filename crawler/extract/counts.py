"""View counts as shown on pages ("139", "1.2K", "12,304 views", "1,2 тыс.") turned into integers.

Only counts that can be views are accepted: anything with a unit that says otherwise (comments,
minutes, a currency, a percentage) gives ``None``, so the caller can try every short element of a
teaser and keep the one that is a count.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["parse_count"]

# Multipliers as written on English, Russian and German news sites ("1.2K", "3 млн", "2 Mio.").
_MULTIPLIERS = {
    "k": 1_000,
    "к": 1_000,  # Cyrillic ka
    "th": 1_000,
    "тыс": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "mln": 1_000_000,
    "млн": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "млрд": 1_000_000_000,
    "tsd": 1_000,  # German: "1,2 Tsd."
    "mio": 1_000_000,
    "mrd": 1_000_000_000,
}
# Words that may stand next to a view count.
_VIEW_WORDS = r"(?:views?|viewed|reads?|plays?|просмотр\w*|прочтени\w*|aufrufe|vues?|visitas)"
_NUMBER = r"\d+(?:[ \u00a0\u202f\u2009',.]\d{3})+|\d+(?:[.,]\d+)?"
_MULT = r"k|к|th|тыс|tsd|mio|mrd|m|mn|mln|млн|b|bn|млрд"
_COUNT = re.compile(
    rf"^(?:{_VIEW_WORDS}\s*:?\s*)?"
    rf"(?P<num>{_NUMBER})\s*(?P<mult>{_MULT})?\.?"
    rf"(?:\s*{_VIEW_WORDS})?$",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"^\d{1,3}(?:([ \u00a0\u202f\u2009',.])\d{3})+$")


def _to_decimal(number: str, has_multiplier: bool) -> Decimal | None:
    grouped = _GROUPED.match(number)
    if grouped and not (has_multiplier and number.count(grouped.group(1)) == 1):
        # "12,304", "1 234", "1.234.567": thousands separators. With a multiplier, one separator
        # is a decimal mark instead ("1,234K" is unusual; "1.2K" does not match this branch).
        separator = grouped.group(1)
        if len({c for c in number if not c.isdigit()}) != 1:
            return None
        return Decimal(number.replace(separator, ""))
    if "," in number or "." in number:
        if not has_multiplier:
            return None  # "1.5" or "1,5" alone is not a count of views
        number = number.replace(",", ".")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def parse_count(text: str) -> int | None:
    """Return the view count shown in ``text``, or ``None`` when it is not one.

    >>> parse_count("1,2 тыс.")
    1200
    """
    value = text.strip().strip("·•|()[]").strip()
    if not value or len(value) > 40:
        return None
    match = _COUNT.match(value)
    if match is None:
        return None
    mult = match.group("mult")
    number = _to_decimal(match.group("num"), mult is not None)
    if number is None:
        return None
    if mult:
        number *= _MULTIPLIERS[mult.lower()]
    if number != number.to_integral_value():
        return None
    return int(number)
