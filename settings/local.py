"""Settings for a crawl on one machine (the default): the base settings as they are."""

from __future__ import annotations

from settings.base import *  # noqa: F403
