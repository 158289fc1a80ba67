"""Check ``-s NAME=VALUE`` overrides before a crawl writes or fetches anything.

A misspelt name (``DOWNLOAD_MAXSIZ``) would otherwise be accepted and ignored, and a bad value
(``DOWNLOAD_MAXSIZE=abc``) would end in a traceback after the crawl directory and ledger exist.

The known names are never a hand-kept list: they are every setting Scrapy declares
(``scrapy.settings.default_settings``), every setting of the settings module in use
(``settings/base.py`` through ``settings.local`` or ``settings.production``), and the
``PLAYWRIGHT_*`` names the installed scrapy-playwright reads (it declares no defaults module, so
they are taken from its source). A new setting added to ``settings/base.py`` is known at once.

A value is checked against the type of the setting's default, the way Scrapy will read it:
booleans as ``Settings.getbool`` accepts them, numbers (an integer default also takes a float:
Scrapy reads ``DOWNLOAD_DELAY`` or ``DOWNLOAD_TIMEOUT`` with ``getfloat``), dictionaries as
JSON objects. Strings, lists and settings whose default is ``None`` take any value. The value of
a setting whose name looks secret is never echoed in a message.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.settings import BaseSettings, Settings

from crawler.exceptions import ConfigError
from crawler.redact import holds_secret

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["check_overrides", "known_setting_names"]

_PLAYWRIGHT_NAME = re.compile(r"""["'](PLAYWRIGHT_[A-Z0-9_]+)["']""")


@functools.cache
def _playwright_names() -> frozenset[str]:
    """The setting names the installed scrapy-playwright reads (string literals in its code)."""
    try:
        import scrapy_playwright  # noqa: PLC0415 - only to find its files
    except ImportError:
        return frozenset()
    names: set[str] = set()
    for path in Path(scrapy_playwright.__file__).parent.glob("*.py"):
        names.update(_PLAYWRIGHT_NAME.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def known_setting_names(settings: Settings) -> frozenset[str]:
    """Every name ``settings`` (Scrapy's defaults plus a settings module) declares, plus the
    names scrapy-playwright reads."""
    return frozenset(name for name, _ in settings.items()) | _playwright_names()


def check_overrides(overrides: Mapping[str, str], settings: Settings) -> None:
    """Raise :class:`ConfigError` for the first override with an unknown name or a value that
    does not fit its setting's default; ``settings`` holds the defaults (no overrides yet)."""
    if not overrides:
        return
    known = known_setting_names(settings)
    for name, value in overrides.items():
        if name not in known:
            raise ConfigError(f"-s {name}: unknown setting{_did_you_mean(name, known)}")
        # Indexing, not get(): Scrapy's get() warns about deprecated names (DNS_RESOLVER) on
        # stderr, which would break the one-line error the wiring check gives for it.
        problem = _value_problem(settings[name], value)
        if problem is not None:
            shown = "(value hidden)" if holds_secret(name, value) else repr(value)
            raise ConfigError(f"-s {name}={shown}: {problem}")


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.8)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f" (neither a Scrapy nor a newsarc setting{hint})"


def _value_problem(default: Any, value: str) -> str | None:
    """Why ``value`` (from the command line) cannot stand for a setting with ``default``."""
    probe = Settings({"X": value})
    if isinstance(default, bool):
        try:
            probe.getbool("X")
        except ValueError:
            return "expected True or False (also 1/0, true/false)"
    elif isinstance(default, int | float):
        try:
            float(value)
        except ValueError:
            return f"expected a number (the default is {default!r})"
    elif isinstance(default, dict | BaseSettings):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return 'expected a JSON object, e.g. {"name": 1}'
    return None
