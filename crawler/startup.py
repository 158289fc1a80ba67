"""What a crawl process does not load: Scrapy extensions switched off by their own setting.

Scrapy imports every extension of ``EXTENSIONS_BASE`` before asking it whether it is on. Its
remote-control endpoint imports aiohttp to say no (about 150 ms of CPU at every start, with
``REMOTE_CONTROL_ENABLED = False`` in ``settings/base.py``), the telnet console Twisted's
conch. :class:`SkipDisabledExtensionsAddon` takes such an extension out of ``EXTENSIONS_BASE``
when its setting is false once every override is applied, so ``-s REMOTE_CONTROL_ENABLED=True``
still turns it on, as does naming it in ``EXTENSIONS``. Nothing else changes: these extensions
are silent when they are off (a bare ``NotConfigured``), so the log's list of enabled extensions
is the same. (Scrapy imports every key of ``EXTENSIONS`` to resolve its path, even one set to
``None``: hence ``EXTENSIONS_BASE``.)

Settings read: ``REMOTE_CONTROL_ENABLED``, ``TELNETCONSOLE_ENABLED``. Settings written:
``EXTENSIONS_BASE`` (the switched-off ones set to ``None``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["SWITCHED_OFF_BY", "SkipDisabledExtensionsAddon"]

#: Scrapy extension → the setting that switches it off (silently) when false.
SWITCHED_OFF_BY = {
    "scrapy.extensions.remote_control.RemoteControl": "REMOTE_CONTROL_ENABLED",
    "scrapy.extensions.telnet.TelnetConsole": "TELNETCONSOLE_ENABLED",
}


class SkipDisabledExtensionsAddon:
    """Scrapy add-on: extensions switched off by their setting are not even imported."""

    def update_settings(self, settings: BaseSettings) -> None:
        base = settings["EXTENSIONS_BASE"]  # a BaseSettings: set per key, with a priority
        for path, flag in SWITCHED_OFF_BY.items():
            if not settings.getbool(flag) and path in base:
                base.set(path, None, "addon")
