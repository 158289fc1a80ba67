"""View counts as shown on pages ("139", "1.2K", "12,304 views", "1,2 тыс.", "1.2万") as integers.

A count is digits in any script (Arabic-Indic, full-width, Devanagari …) in any grouping
("12,304", "1.234.567", "1 234" with plain, no-break, narrow no-break or thin spaces,
"1,23,456"), optionally a decimal number with a magnitude word ("1.2K", "2,5 Mio.", "12,3 тыс.",
"1.2万", "3천", "1,2 B" in Turkish), optionally with a word for views before or after it ("Views:
1,234", "12k reads", "1.2万回", "조회수 3천").

The magnitude words come from CLDR's compact number formats (through Babel) for the page's
languages, the first language that defines a word winning ("B" is a thousand in Turkish and a
billion in English), plus the few abbreviations news sites use that CLDR does not list ("Tsd.",
"mln", "w"). Only counts that can be views are accepted: anything with a unit that says
otherwise (comments, minutes, a currency, a percentage) gives ``None``, so the caller can try
every short element of a teaser and keep the one that is a count.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["parse_count"]

#: Abbreviations seen on news sites that CLDR's compact formats do not list, per language.
_EXTRA_MULTIPLIERS: dict[str, dict[str, int]] = {
    "en": {"th": 1_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000},
    "de": {"tsd": 1_000, "tausend": 1_000},
    "ru": {"к": 1_000, "тыс": 1_000, "млн": 1_000_000, "млрд": 1_000_000_000},
    "ja": {"千": 1_000},
    "zh": {"千": 1_000, "w": 10_000},
}
#: Used when the page's languages say nothing else: "1.2K" is a thousand nearly everywhere.
_DEFAULT_MULTIPLIERS = {"k": 1_000}
#: Languages whose words are read when the caller gives none (the extractor always gives the
#: page's language and English).
_DEFAULT_LANGUAGES = ("en", "de", "ru")
# Words that may stand next to a view count (before or after it), casefolded.
_VIEW_WORDS = (
    r"views?|viewed|reads?|plays?|visits?|hits|pageviews|watched"
    r"|aufrufe|mal gelesen|gelesen|leser"
    r"|vues?|lectures?|lu|lus|fois"
    r"|visitas|vistas|lecturas|leídas|visualizaciones|reproducciones"
    r"|visualizzazioni|letture|visite"
    r"|visualizações|leituras"
    r"|просмотр\w*|прочтени\w*|прочитал\w*|перегляд\w*"
    r"|görüntülenme|okunma|izlenme|kez okundu|okundu|kez"
    r"|مشاهدة|مشاهدات|قراءة|قراءات|زيارة"
    r"|回閲覧|回視聴|閲覧数|閲覧|視聴|回|pv"
    r"|조회수|조회|회|뷰"
    r"|次浏览|次阅读|次观看|浏览量|浏览|阅读|观看|次"
    r"|wyświetle\w*|odsłon\w*|weergaven|keer gelezen|visningar|zobrazení"
)
_VIEW = re.compile(rf"(?:{_VIEW_WORDS})")
# After a magnitude word, Romance languages join the word for views with "of": "1,5 millones de
# visualizaciones", "1,5 milioni di visualizzazioni", "1,2 million de vues".
_OF = re.compile(r"^(?:(?:de|di|of|du|des)\s+|d['’]\s*)")
_NUMBER = re.compile(
    r"\d{1,3}(?:([ ,.'’])\d{3})+(?!\d)"  # 12,304 / 1.234.567 / 1 234 / 1'234
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?!\d)"  # 1,23,456 (Indian grouping)
    r"|\d+(?:[.,]\d+)?"
)
_PREFIX = re.compile(rf"^(?:{_VIEW_WORDS})\s*:?\s*")
_GROUPED = re.compile(r"^\d{1,3}(?:([ ,.'’])\d{3})+$|^\d{1,2}(?:(,)\d{2})+,\d{3}$")
_MAX_CHARS = 40
# Arabic decimal and thousands separators, read as their Latin counterparts.
_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ",", "\u060c": ","})


def _normalize(text: str) -> str:
    """NFKC (full-width digits, no-break spaces), digits of any script as ASCII, casefolded."""
    text = unicodedata.normalize("NFKC", text).translate(_SEPARATORS)
    if not text.isascii():
        text = "".join(
            str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch
            for ch in text
        )
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=256)
def _cldr_multipliers(language: str) -> dict[str, int]:
    """Magnitude word → multiplier from CLDR's short and long compact formats of ``language``."""
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415 - import only when needed

    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return {}
    table: dict[str, int] = {}
    for kind in ("short", "long"):
        # {plural form: {magnitude: pattern}}, e.g. {"one": {"1000": "0K", …}, …}
        for patterns in locale.compact_decimal_formats.get(kind, {}).values():
            for magnitude, pattern in patterns.items():
                text = getattr(pattern, "pattern", str(pattern)).replace("'", "")
                zeros = re.search(r"0+", text)
                if zeros is None:
                    continue
                word = _normalize(text[zeros.end() :].replace("\u200f", "")).rstrip(".")
                if word and not any(ch.isdigit() for ch in word):
                    table.setdefault(word, int(magnitude) // 10 ** (len(zeros.group()) - 1))
    return table


@lru_cache(maxsize=64)
def _multipliers(languages: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(word, multiplier) for ``languages`` (earlier languages win), longest words first."""
    table: dict[str, int] = {}
    for language in languages or _DEFAULT_LANGUAGES:
        primary = language.replace("_", "-").split("-")[0].lower()
        for word, multiplier in _cldr_multipliers(primary).items():
            table.setdefault(word, multiplier)
        for word, multiplier in _EXTRA_MULTIPLIERS.get(primary, {}).items():
            table.setdefault(word, multiplier)
    for word, multiplier in _DEFAULT_MULTIPLIERS.items():
        table.setdefault(word, multiplier)
    return tuple(sorted(table.items(), key=lambda item: -len(item[0])))


@lru_cache(maxsize=64)
def _multipliers_by_initial(languages: tuple[str, ...]) -> dict[str, tuple[tuple[str, int], ...]]:
    """:func:`_multipliers` grouped by first character, each group still longest first."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for word, multiplier in _multipliers(languages):
        groups.setdefault(word[0], []).append((word, multiplier))
    return {initial: tuple(words) for initial, words in groups.items()}


def _magnitude(rest: str, languages: tuple[str, ...]) -> int | None:
    """The multiplier a count's tail shows (1 for none), or ``None`` when the tail is not
    a magnitude word and/or a word for views."""
    rest = rest.strip()
    if not rest or _VIEW.fullmatch(rest):
        return 1
    for word, multiplier in _multipliers_by_initial(languages).get(rest[0], ()):
        if rest.startswith(word):
            tail = rest[len(word) :].lstrip(".").strip()
            if not tail or _VIEW.fullmatch(_OF.sub("", tail, count=1)):
                return multiplier
    return None


def _to_decimal(number: str, has_multiplier: bool) -> Decimal | None:
    grouped = _GROUPED.match(number)
    separator = grouped and (grouped.group(1) or grouped.group(2))
    if separator and not (has_multiplier and number.count(separator) == 1):
        # "12,304", "1 234", "1.234.567", "1,23,456": digit groups. With a multiplier, one
        # separator is a decimal mark instead ("1,234K" is unusual; "1.2K" does not match).
        return Decimal(number.replace(separator, ""))
    if "," in number or "." in number or " " in number:
        if not has_multiplier or " " in number:
            return None  # "1.5" or "1,5" alone is not a count of views
        number = number.replace(",", ".")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


def parse_count(text: str, languages: tuple[str, ...] = ()) -> int | None:
    """Return the view count shown in ``text``, or ``None`` when it is not one.

    ``languages`` (ISO 639-1, most likely first) choose the magnitude words; without them
    English, German and Russian ones are read.

    >>> parse_count("1,2 тыс.")
    1200
    >>> parse_count("1,2 B", ("tr", "en"))
    1200
    """
    value = _normalize(text).strip("·•|()[]").strip().rstrip("+").strip()
    if not value or len(value) > _MAX_CHARS:
        return None
    value = _PREFIX.sub("", value, count=1)
    match = _NUMBER.match(value)
    if match is None:
        return None
    multiplier = _magnitude(value[match.end() :], languages)
    if multiplier is None:
        return None
    number = _to_decimal(match.group(), multiplier != 1)
    if number is None:
        return None
    number *= multiplier
    if number != number.to_integral_value():
        return None
    return int(number)
