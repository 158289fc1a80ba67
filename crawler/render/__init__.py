"""Rendering pages in a browser: when (:mod:`.policy`), how (:mod:`.handler`), what the browser
fetched (:mod:`.capture`), and retrying pages whose browser died (:mod:`.retry`)."""

from __future__ import annotations

from crawler.render.policy import (
    RENDER_MODES,
    RenderMode,
    RenderPolicy,
    needs_rendering,
    parse_render_mode,
)

__all__ = ["RENDER_MODES", "RenderMode", "RenderPolicy", "needs_rendering", "parse_render_mode"]
