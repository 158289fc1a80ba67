"""Is the browser there? Checked once, before a crawl that may render starts.

Without it, every rendered page would start chromium, fail and be retried: a crash loop that
ends with every page failed as "the browser died while rendering". One check at start turns
that into one line naming the executable and how to install it.

Settings read: ``PLAYWRIGHT_LAUNCH_OPTIONS`` (its ``executable_path``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from crawler.exceptions import ConfigError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["check_browser"]


def check_browser(settings: BaseSettings) -> None:
    """Raise :class:`ConfigError` when the configured browser executable cannot be run."""
    try:
        options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    except ValueError as exc:
        raise ConfigError(f"PLAYWRIGHT_LAUNCH_OPTIONS is not a dictionary: {exc}") from None
    path = options.get("executable_path")
    if not path:
        return  # playwright's own browser: playwright reports it itself
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return
    raise ConfigError(
        f"rendering needs the browser {path}, which is not installed or not executable: "
        "install Debian's chromium (apt-get install chromium), or point "
        "PLAYWRIGHT_LAUNCH_OPTIONS' executable_path at a chromium binary"
    )
