"""Site profiles: what newsarc knows about one site, written as declarative YAML.

A profile is optional. Without one the generic extractor works from the page alone; with one,
the profile's timezone, languages, date order and date formats take precedence, its article
selectors override the generic extractor field by field, and its headline blocks are read with
their item selectors. Profiles are validated on load and every error names the file, the line
and the key (``article.title``, ``headline_blocks[1].item``).

Selectors are CSS (``div.story p``) or XPath (anything starting with ``/``, ``./`` or ``(``).
A CSS selector may end in ``::attr(name)`` or ``::text`` to read an attribute or the element's
own text; an XPath selector may end in ``/@name``. Example::

    name: example-news
    timezone: Europe/Berlin
    languages: [de, en]
    date_order: DMY
    date_formats: ["%d.%m.%Y, %H:%M"]
    article_selector: "article.story"       # a page is an article iff this matches
    article:
      title: "h1.headline"
      lead: "p.standfirst"
      body: "div.story-body > p"
      authors: ".byline a"
      published: "time[itemprop=datePublished]::attr(datetime)"
      section: ".breadcrumb li:last-child"
      tags: ".tags a"
      images: "figure.lead img::attr(src)"
    headline_blocks:
      - name: Most read
        container: "#most-read"
        item: "li"
        title: "a"
        link: "a::attr(href)"
        views: ".views"
        time: "time"

Bundled profiles live in ``crawler/profiles/<name>.yaml`` and are found by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from crawler.exceptions import ProfileError
from crawler.extract.selectors import SelectorError, compile_selector
from crawler.render.policy import RENDER_MODES

__all__ = [
    "ArticleSelectors",
    "HeadlineBlockSelectors",
    "SiteProfile",
    "bundled_profiles",
    "load_profile",
    "parse_timezone",
]

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
class ArticleSelectors:
    """Selectors of the article's fields (each optional)."""

    title: str | None = None
    lead: str | None = None
    body: str | None = None
    """Every match is one or more paragraphs of the body, in document order."""
    authors: str | None = None
    published: str | None = None
    modified: str | None = None
    section: str | None = None
    tags: str | None = None
    images: str | None = None


@dataclass(frozen=True)
class HeadlineBlockSelectors:
    """One named headline block: where it is, what an item is and where its fields are."""

    name: str
    container: str
    item: str
    """Relative to the container."""
    title: str | None = None
    """Relative to the item (default: the text of the item's first link)."""
    link: str | None = None
    """Relative to the item (default: the ``href`` of the item's first link)."""
    views: str | None = None
    time: str | None = None
    image: str | None = None


ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleSelectors))
BLOCK_FIELDS = tuple(f.name for f in fields(HeadlineBlockSelectors))
_BLOCK_REQUIRED = ("name", "container", "item")


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
    date_formats: tuple[str, ...] = ()
    """``strptime`` formats of the dates the site shows, tried before generic parsing."""
    article_selector: str | None = None
    """Selector; when set, a page is an article page exactly when it matches."""
    article: ArticleSelectors | None = None
    """Per-field selectors of the article; each one set wins over the generic extractor."""
    headline_blocks: tuple[HeadlineBlockSelectors, ...] = ()
    """Named headline blocks read with item selectors instead of being guessed."""
    render: str | None = None
    """When pages of the site go through a browser: ``never``, ``always`` or ``auto``."""
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
    "date_formats": list,
    "article_selector": str,
    "article": dict,
    "headline_blocks": list,
    "render": str,
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
            kind = {"dict": "mapping", "str": "string"}.get(kind, kind)
            raise fail(key, f"expected a {kind}, got {type(value).__name__}")
    if "name" not in data:
        raise ProfileError("missing required key", path=source, key="name")
    timezone_name = data.get("timezone")
    if timezone_name is not None:
        try:
            parse_timezone(timezone_name)
        except ValueError as exc:
            raise fail("timezone", str(exc)) from None
    render = data.get("render")
    if render is not None and render not in RENDER_MODES:
        raise fail("render", f"must be one of {', '.join(RENDER_MODES)}")
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
    for item in data.get("date_formats", []):
        if not isinstance(item, str) or "%" not in item:
            raise fail("date_formats", f"every entry must be a strptime format, got {item!r}")
    selector = data.get("article_selector")
    if selector is not None:
        _check_selector(selector, fail("article_selector", ""))
    article = _article_selectors(data.get("article"), lines.get("article"), source)
    blocks = tuple(
        _block_selectors(index, block, lines.get("headline_blocks"), source)
        for index, block in enumerate(data.get("headline_blocks", []))
    )
    return SiteProfile(
        name=data["name"],
        timezone=timezone_name,
        languages=tuple(data.get("languages", [])),
        date_order=date_order,
        article_url_patterns=tuple(data.get("article_url_patterns", [])),
        listing_url_patterns=tuple(data.get("listing_url_patterns", [])),
        date_formats=tuple(data.get("date_formats", [])),
        article_selector=selector,
        article=article,
        headline_blocks=blocks,
        render=render,
        source=source,
    )


def _check_selector(value: Any, error: ProfileError) -> str:
    """Raise ``error`` (with the reason appended) unless ``value`` is a valid selector."""
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(
            f"expected a CSS or XPath selector, got {value!r}",
            path=error.path,
            line=error.line,
            key=error.key,
        )
    try:
        compile_selector(value)
    except SelectorError as exc:
        raise ProfileError(str(exc), path=error.path, line=error.line, key=error.key) from None
    return value


def _sub_mapping(
    value: Any, key: str, line: int | None, source: str | None
) -> tuple[dict[str, Any], dict[str, int]]:
    if not isinstance(value, dict):
        raise ProfileError(
            f"expected a mapping, got {type(value).__name__}", path=source, line=line, key=key
        )
    lines: dict[str, int] = value.pop("__lines__", {})
    return value, lines


def _article_selectors(value: Any, line: int | None, source: str | None) -> ArticleSelectors | None:
    if value is None:
        return None
    data, lines = _sub_mapping(value, "article", line, source)
    for key, selector in data.items():
        where = ProfileError("", path=source, line=lines.get(key, line), key=f"article.{key}")
        if key not in ARTICLE_FIELDS:
            raise ProfileError(
                f"unknown field (known fields: {', '.join(ARTICLE_FIELDS)})",
                path=where.path,
                line=where.line,
                key=where.key,
            )
        _check_selector(selector, where)
    return ArticleSelectors(**data)


def _block_selectors(
    index: int, value: Any, line: int | None, source: str | None
) -> HeadlineBlockSelectors:
    name = f"headline_blocks[{index}]"
    data, lines = _sub_mapping(value, name, line, source)
    line = min(lines.values(), default=line)
    for key in _BLOCK_REQUIRED:
        if key not in data:
            raise ProfileError("missing required key", path=source, line=line, key=f"{name}.{key}")
    for key, selector in data.items():
        where = ProfileError("", path=source, line=lines.get(key, line), key=f"{name}.{key}")
        if key not in BLOCK_FIELDS:
            raise ProfileError(
                f"unknown field (known fields: {', '.join(BLOCK_FIELDS)})",
                path=where.path,
                line=where.line,
                key=where.key,
            )
        if key == "name":
            if not isinstance(selector, str) or not selector.strip():
                raise ProfileError(
                    "expected a non-empty block name",
                    path=where.path,
                    line=where.line,
                    key=where.key,
                )
            continue
        _check_selector(selector, where)
    return HeadlineBlockSelectors(**data)
