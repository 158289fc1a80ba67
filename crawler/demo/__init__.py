"""The bundled demo news site and the local HTTP servers that tests and ``newsarc demo`` use.

:mod:`crawler.demo.site` generates a deterministic news site (with its ground truth), and
:mod:`crawler.demo.server` serves it, or any mapping of routes, from a stdlib threading HTTP
server on ``127.0.0.1`` and a free port.
"""

from __future__ import annotations

from crawler.demo.server import (
    DemoServer,
    RecordedRequest,
    RequestHeaders,
    Route,
    SiteServer,
    routes_from_directory,
    routes_from_files,
    serve_demo,
)
from crawler.demo.site import DemoArticle, DemoHeadline, DemoResponse, DemoSite

__all__ = [
    "DemoArticle",
    "DemoHeadline",
    "DemoResponse",
    "DemoServer",
    "DemoSite",
    "RecordedRequest",
    "RequestHeaders",
    "Route",
    "SiteServer",
    "routes_from_directory",
    "routes_from_files",
    "serve_demo",
]
