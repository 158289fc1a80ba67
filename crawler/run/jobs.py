"""The jobs file of ``newsarc run``: which sites to crawl, where to, with which limits.

A jobs file is YAML, validated completely before anything runs: every error names the file,
the line and the key (``jobs.yaml:12: sites[1].limits.pages: expected an integer ≥ 0``), and
unknown keys are errors, never ignored. Validation reads only the jobs file and the profiles it
names: no network, no store. Example::

    name: hourly                      # default: the file's name without .yaml
    store: s3://news-archive/crawls   # or a local path; default ./data
    state: ./state                    # incremental state, lock, run history
    parallel: 2                       # sites crawled at once
    grace: 60s                        # a SIGTERM/SIGINT lets running sites finish this long
    defaults:                         # any site key but name, start_urls, feeds, sitemaps
      render: never
      limits: {pages: 500, time: 20m, depth: 4}   # depth 0: no limit; absent: 16
      expectations: {min_articles: 1}
    sites:
      - name: example-news
        start_urls: [https://example.com/, https://example.com/world/]
        feeds: [https://example.com/rss.xml]
        sitemaps: [https://example.com/sitemap-news.xml]
        profile: profiles/example-news.yaml   # a bundled name or a path (relative to this file)
        render: auto                          # never | always | auto
        max_pages: 500                        # shorthand for limits.pages
        expectations:
          min_articles: 5           # at least this many article items
          min_headlines: 20         # at least this many headline items
          title_ratio: 0.9          # share of articles with a non-empty title
          body_ratio: 0.9           # … with a non-empty body
          date_ratio: 0.5           # … with a publication date
          max_drop: 0.5             # fail if items fall below this share of the previous runs
          warn_drop: 0.5            # warn if a measure falls below this share of its median
          history: 5                # … over this many of the last good runs
        settings: {DOWNLOAD_DELAY: 1}         # -s NAME=VALUE for this site

Durations are seconds or a number with ``s``, ``m``, ``h`` or ``d``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawler.crawl import check_start_url
from crawler.crawlinfo import is_remote_store, local_store_root
from crawler.exceptions import ConfigError, JobsError
from crawler.profile import load_profile
from crawler.render.policy import RENDER_MODES

__all__ = ["Expectations", "Job", "Limits", "Site", "load_jobs", "parse_duration"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """Seconds from ``90``, ``"90s"``, ``"20m"``, ``"1h"`` or ``"1d"``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration such as 90, 90s, 20m or 1h, got {value!r}")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return seconds


@dataclass(frozen=True)
class Limits:
    """Budget of one site's crawl; 0 means no limit."""

    pages: int = 0
    time: float = 0.0
    """Seconds."""
    depth: int | None = None
    """Scrapy's ``DEPTH_LIMIT`` (0: no limit); None when the jobs file does not say, leaving
    the settings' own (16 in settings/base.py)."""


@dataclass(frozen=True)
class Expectations:
    """What a healthy crawl of a site gives; falling short makes the run's exit code non-zero."""

    min_articles: int = 0
    min_headlines: int = 0
    title_ratio: float = 0.0
    body_ratio: float = 0.0
    date_ratio: float = 0.0
    max_drop: float = 0.0
    """Fail when articles + headlines fall below this share of the median of earlier runs
    (0: no comparison). Whatever it says, a site that drops to zero fails."""
    warn_drop: float = 0.5
    """Warn when a measure of the run (listing headlines, the article, title, body and date
    ratios) falls below this share of its median over the earlier runs (0: no warnings); a
    measure that drops to zero where its median was not fails the site."""
    history: int = 5
    """How many of the site's last good runs the run is compared with."""


@dataclass(frozen=True)
class Site:
    """One site of a job."""

    name: str
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    profile: str | None = None
    render: str | None = None
    limits: Limits = Limits()
    expectations: Expectations = Expectations()
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """A validated jobs file."""

    name: str
    path: Path
    store: str
    state: Path
    sites: tuple[Site, ...]
    parallel: int = 2
    grace: float = 60.0
    settings_module: str = "settings.local"


# --- a YAML loader that remembers lines -------------------------------------------------------


class _Node(dict[str, Any]):
    """A mapping read from YAML, with the line of each key (and its own)."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Node:
    out = _Node()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.lines[str(key)] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _Checker:
    """Validation helpers that know the file, so every error names file, line and key."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def error(self, message: str, key: str, line: int | None) -> JobsError:
        return JobsError(message, path=self.path, line=line, key=key)

    def mapping(self, value: Any, key: str, line: int | None, known: set[str] | None) -> _Node:
        """``value`` as a mapping whose keys are all in ``known`` (None: any key)."""
        if not isinstance(value, _Node):
            raise self.error(f"expected a mapping, got {_kind(value)}", key, line)
        for name in value:
            if known is not None and name not in known:
                raise self.error(
                    f"unknown key (known keys: {', '.join(sorted(known))})",
                    _join(key, name),
                    value.lines.get(name),
                )
        return value

    def get(self, node: _Node, name: str, prefix: str) -> tuple[Any, str, int | None]:
        return node.get(name), _join(prefix, name), node.lines.get(name, node.line)

    def string(self, node: _Node, name: str, prefix: str, default: str | None = None) -> str | None:
        value, key, line = self.get(node, name, prefix)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"expected a non-empty string, got {_kind(value)}", key, line)
        return value.strip()

    def integer(self, node: _Node, name: str, prefix: str, default: int) -> int:
        value, key, line = self.get(node, name, prefix)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"expected an integer ≥ 0, got {value!r}", key, line)
        return value

    def ratio(self, node: _Node, name: str, prefix: str, default: float) -> float:
        value, key, line = self.get(node, name, prefix)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.error(f"expected a number from 0 to 1, got {value!r}", key, line)
        return float(value)

    def duration(self, node: _Node, name: str, prefix: str, default: float) -> float:
        value, key, line = self.get(node, name, prefix)
        if value is None:
            return default
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.error(str(exc), key, line) from None

    def urls(self, node: _Node, name: str, prefix: str) -> tuple[str, ...]:
        value, key, line = self.get(node, name, prefix)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"expected a list of URLs, got {_kind(value)}", key, line)
        out = []
        for index, url in enumerate(value):
            if not isinstance(url, str):
                raise self.error(f"expected a URL, got {_kind(url)}", f"{key}[{index}]", line)
            try:
                out.append(check_start_url(url.strip()))
            except ConfigError as exc:
                raise self.error(str(exc), f"{key}[{index}]", line) from None
        return tuple(out)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


_TOP = {"name", "store", "state", "parallel", "grace", "settings_module", "defaults", "sites"}
_SITE = {
    "name",
    "start_urls",
    "feeds",
    "sitemaps",
    "profile",
    "render",
    "max_pages",
    "limits",
    "expectations",
    "settings",
}
_DEFAULTS = _SITE - {"name", "start_urls", "feeds", "sitemaps"}
_LIMITS = {"pages", "time", "depth"}
_EXPECT = {
    "min_articles",
    "min_headlines",
    "title_ratio",
    "body_ratio",
    "date_ratio",
    "max_drop",
    "warn_drop",
    "history",
}


def load_jobs(path: str | Path) -> Job:
    """Read and validate a jobs file; raises :class:`JobsError` naming file, line and key."""
    path = Path(path)
    check = _Checker(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JobsError(f"cannot read jobs file: {exc.strerror or exc}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise JobsError(f"not UTF-8 text: {exc.reason}", path=str(path)) from exc
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise JobsError(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    top = check.mapping(data, "", 1, _TOP)
    base = path.resolve().parent
    name = check.string(top, "name", "", default=path.stem)
    assert name is not None
    if not _NAME.match(name):
        raise check.error("use letters, digits, '.', '_' and '-'", "name", top.lines.get("name"))
    store = check.string(top, "store", "", default="./data")
    assert store is not None
    store = _relative(store, base)
    try:
        if not is_remote_store(store):
            local_store_root(store)
    except ConfigError as exc:
        raise check.error(str(exc), "store", top.lines.get("store")) from None
    state = check.string(top, "state", "", default="./state")
    assert state is not None
    defaults = top.get("defaults")
    if defaults is not None:
        defaults = check.mapping(defaults, "defaults", top.lines.get("defaults"), _DEFAULTS)
    sites_value, _, sites_line = check.get(top, "sites", "")
    if not isinstance(sites_value, list) or not sites_value:
        raise check.error("expected a non-empty list of sites", "sites", sites_line)
    sites: list[Site] = []
    for index, raw in enumerate(sites_value):
        site = _site(check, raw, f"sites[{index}]", sites_line, defaults=defaults, base=base)
        if any(s.name == site.name for s in sites):
            raise check.error(
                f"two sites are named {site.name!r}",
                f"sites[{index}].name",
                raw.lines.get("name"),
            )
        sites.append(site)
    parallel = check.integer(top, "parallel", "", 2)
    if parallel < 1:
        raise check.error("expected at least 1", "parallel", top.lines.get("parallel"))
    return Job(
        name=name,
        path=path.resolve(),
        store=store,
        state=Path(_relative(state, base)),
        sites=tuple(sites),
        parallel=parallel,
        grace=check.duration(top, "grace", "", 60.0),
        settings_module=check.string(top, "settings_module", "", "settings.local")
        or "settings.local",
    )


def _relative(value: str, base: Path) -> str:
    """A local path relative to the jobs file's directory (URIs unchanged)."""
    if "://" in value:
        return value
    candidate = Path(value).expanduser()
    return str(candidate if candidate.is_absolute() else base / candidate)


def _site(
    check: _Checker,
    raw: Any,
    prefix: str,
    line: int | None,
    *,
    defaults: _Node | None,
    base: Path,
) -> Site:
    node = check.mapping(raw, prefix, line, _SITE)
    name = check.string(node, "name", prefix)
    if name is None:
        raise check.error("missing required key", f"{prefix}.name", node.line)
    if not _NAME.match(name):
        raise check.error(
            "use letters, digits, '.', '_' and '-'", f"{prefix}.name", node.lines.get("name")
        )
    start_urls = check.urls(node, "start_urls", prefix)
    if not start_urls:
        raise check.error(
            "expected at least one start URL", f"{prefix}.start_urls", node.lines.get("start_urls")
        )

    def pick(key: str) -> tuple[_Node, str]:
        """The node that sets ``key``: the site's own, else the defaults."""
        if key in node or defaults is None or key not in defaults:
            return node, prefix
        return defaults, "defaults"

    where, pre = pick("profile")
    profile = check.string(where, "profile", pre)
    if profile is not None:
        as_path = Path(profile).expanduser()
        if as_path.suffix in (".yaml", ".yml") or "/" in profile:
            profile = str(as_path if as_path.is_absolute() else base / as_path)
        try:
            load_profile(profile)
        except ConfigError as exc:
            raise check.error(str(exc), f"{pre}.profile", where.lines.get("profile")) from None
    where, pre = pick("render")
    render = check.string(where, "render", pre)
    if render is not None and render not in RENDER_MODES:
        raise check.error(
            f"must be one of {', '.join(RENDER_MODES)}", f"{pre}.render", where.lines.get("render")
        )
    limits = _limits(check, node, prefix, defaults)
    expectations = _expectations(check, node, prefix, defaults)
    settings: dict[str, str] = {}
    for holder, pre in ((defaults, "defaults"), (node, prefix)):
        if holder is None or "settings" not in holder:
            continue
        value = check.mapping(holder["settings"], f"{pre}.settings", holder.lines["settings"], None)
        settings.update(_settings(check, value, f"{pre}.settings"))
    return Site(
        name=name,
        start_urls=start_urls,
        feeds=check.urls(node, "feeds", prefix),
        sitemaps=check.urls(node, "sitemaps", prefix),
        profile=profile,
        render=render,
        limits=limits,
        expectations=expectations,
        settings=settings,
    )


def _limits(check: _Checker, node: _Node, prefix: str, defaults: _Node | None) -> Limits:
    values: dict[str, Any] = {}
    for holder, pre in ((defaults, "defaults"), (node, prefix)):
        if holder is None:
            continue
        if "max_pages" in holder:
            values["pages"] = check.integer(holder, "max_pages", pre, 0)
        if "limits" in holder:
            sub = check.mapping(holder["limits"], f"{pre}.limits", holder.lines["limits"], _LIMITS)
            if "pages" in sub:
                values["pages"] = check.integer(sub, "pages", f"{pre}.limits", 0)
            if "time" in sub:
                values["time"] = check.duration(sub, "time", f"{pre}.limits", 0.0)
            if "depth" in sub:
                values["depth"] = check.integer(sub, "depth", f"{pre}.limits", 0)
    return Limits(**values)


def _expectations(
    check: _Checker, node: _Node, prefix: str, defaults: _Node | None
) -> Expectations:
    values: dict[str, Any] = {}
    for holder, pre in ((defaults, "defaults"), (node, prefix)):
        if holder is None or "expectations" not in holder:
            continue
        key = f"{pre}.expectations"
        sub = check.mapping(holder["expectations"], key, holder.lines["expectations"], _EXPECT)
        for name in ("min_articles", "min_headlines"):
            if name in sub:
                values[name] = check.integer(sub, name, key, 0)
        for name in ("title_ratio", "body_ratio", "date_ratio", "max_drop", "warn_drop"):
            if name in sub:
                values[name] = check.ratio(sub, name, key, 0.0)
        if "history" in sub:
            values["history"] = check.integer(sub, "history", key, 5)
            if values["history"] < 1:
                _, hkey, hline = check.get(sub, "history", key)
                raise check.error("expected an integer ≥ 1 (runs compared with)", hkey, hline)
    return Expectations(**values)


def _settings(check: _Checker, node: _Node, prefix: str) -> dict[str, str]:
    out = {}
    for name, value in node.items():
        line = node.lines.get(name)
        if not re.match(r"^[A-Z][A-Z0-9_]*$", name):
            raise check.error("a setting name is upper case", _join(prefix, name), line)
        if isinstance(value, dict | list) or value is None:
            raise check.error(
                f"expected a number, string or boolean, got {_kind(value)}",
                _join(prefix, name),
                line,
            )
        out[name] = str(value)
    return out
