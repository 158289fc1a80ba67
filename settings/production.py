"""Settings for scheduled production crawls: quieter logs, slower, more patient."""

from __future__ import annotations

from settings.base import *  # noqa: F403

LOG_LEVEL = "WARNING"
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 3
