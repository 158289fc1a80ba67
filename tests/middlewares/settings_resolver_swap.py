"""A settings module for the SSRF canary's test: the base settings plus
:class:`tests.middlewares.resolver_swap.ResolverSwapExtension`, ordered before the canary."""

from __future__ import annotations

from settings.base import *  # noqa: F403
from settings.base import EXTENSIONS as _EXTENSIONS

EXTENSIONS = {**_EXTENSIONS, "tests.middlewares.resolver_swap.ResolverSwapExtension": 5}
