"""Site profiles: what newsarc knows about one site, written as declarative YAML.

A profile is optional. Without one the generic extractor works from the page alone; with one,
the profile's timezone, languages and date order take precedence. Profiles are validated on
load and every error names the file, the line and the key.

Bundled profiles live in ``crawler/profiles/<name>.yaml`` and are found by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from crawler.exceptions import ProfileError

__all__ = ["SiteProfile", "bundled_profiles", "load_profile", "parse_timezone"]

_BUNDLED = Path(__file__).parent / "profiles"
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?$")
_DATE_ORDERS = {"DMY", "MDY", "YMD"}


def parse_timezone(value: str) -> tzinfo:
    """Turn an IANA name ("Europe/Moscow") or a fixed offset ("+03:00", "UTC+3") into a tzinfo."""
    text = value.strip()
    if text.upper() in {"UTC", "GMT", "Z"}:
        return UTC
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}") from exc


@dataclass(frozen=True)
class SiteProfile:
    """What a profile says about a site. Every field is optional except ``name``."""

    name: str
    timezone: str | None = None
    """IANA name or fixed UTC offset of the times shown on the site."""
    languages: tuple[str, ...] = ()
    """Languages of the site (ISO 639-1), used to read dates and counts."""
    date_order: str | None = None
    """Order of day, month and year in numeric dates: ``DMY``, ``MDY`` or ``YMD``."""
    article_url_patterns: tuple[str, ...] = ()
    """Regular expressions; a page whose URL matches one of them is an article page."""
    listing_url_patterns: tuple[str, ...] = ()
    """Regular expressions; a page whose URL matches one of them is never an article page."""
    source: str | None = field(default=None, compare=False)
    """Where the profile was loaded from."""

    @property
    def tzinfo(self) -> tzinfo | None:
        return parse_timezone(self.timezone) if self.timezone else None


_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "timezone": str,
    "languages": list,
    "date_order": str,
    "article_url_patterns": list,
    "listing_url_patterns": list,
}


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping key."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(k): v for k, v in loader.construct_mapping(node, deep=True).items()
    }
    lines = {key_node.value: key_node.start_mark.line + 1 for key_node, _ in node.value}
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with newsarc."""
    return sorted(p.stem for p in _BUNDLED.glob("*.yaml"))


def load_profile(name_or_path: str) -> SiteProfile:
    """Load a profile by bundled name or by file path, validating every key.

    Raises :class:`ProfileError` naming the file, line and key of the first problem.
    """
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = _BUNDLED / f"{name_or_path}.yaml"
        if not path.exists():
            known = ", ".join(bundled_profiles()) or "none"
            raise ProfileError(
                f"no such profile (bundled profiles: {known}; or give a path to a YAML file)",
                path=name_or_path,
            )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read profile: {exc.strerror}", path=str(path)) from exc
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProfileError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}", path=str(path), line=line
        ) from exc
    return profile_from_dict(data, source=str(path))


def profile_from_dict(data: Any, *, source: str | None = None) -> SiteProfile:
    """Validate a mapping (as read from YAML) and build a :class:`SiteProfile`."""
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a mapping of keys to values", path=source, line=1)
    lines: dict[str, int] = data.pop("__lines__", {})

    def fail(key: str, message: str) -> ProfileError:
        return ProfileError(message, path=source, line=lines.get(key), key=key)

    for key, value in data.items():
        if key not in _KEYS:
            raise fail(key, f"unknown key (known keys: {', '.join(sorted(_KEYS))})")
        if not isinstance(value, _KEYS[key]):
            expected = _KEYS[key]
            kind = expected.__name__ if isinstance(expected, type) else "value"
            raise fail(key, f"expected a {kind}, got {type(value).__name__}")
    if "name" not in data:
        raise ProfileError("missing required key", path=source, key="name")
    timezone_name = data.get("timezone")
    if timezone_name is not None:
        try:
            parse_timezone(timezone_name)
        except ValueError as exc:
            raise fail("timezone", str(exc)) from None
    date_order = data.get("date_order")
    if date_order is not None and date_order not in _DATE_ORDERS:
        raise fail("date_order", f"must be one of {', '.join(sorted(_DATE_ORDERS))}")
    for key in ("languages", "article_url_patterns", "listing_url_patterns"):
        for item in data.get(key, []):
            if not isinstance(item, str):
                raise fail(key, f"every entry must be a string, got {item!r}")
    for key in ("article_url_patterns", "listing_url_patterns"):
        for pattern in data.get(key, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(key, f"invalid regular expression {pattern!r}: {exc}") from None
    return SiteProfile(
        name=data["name"],
        timezone=timezone_name,
        languages=tuple(data.get("languages", [])),
        date_order=date_order,
        article_url_patterns=tuple(data.get("article_url_patterns", [])),
        listing_url_patterns=tuple(data.get("listing_url_patterns", [])),
        source=source,
    )
