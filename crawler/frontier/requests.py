"""Requests as versioned JSON, for a frontier that other processes read (never pickle).

A request queued in a shared frontier (:mod:`crawler.frontier.redis`) may be fetched by another
worker, on another machine, after this process is gone. So it is stored as data, not as a
Python object: unpickling what a shared server hands out would run whatever anyone wrote there.
:func:`request_to_json` keeps what it takes to issue the same request again, by name:

``{"v": 1, "url", "method", "headers": [[name, value], …], "body" (base64), "callback",
"errback", "priority", "dont_filter", "flags", "meta", "cb_kwargs"}``

Callbacks and errbacks are the spider's method names (Scrapy's own ``Request.to_dict``);
``headers`` keep every value of a repeated header; ``meta`` and ``cb_kwargs`` keep only the
values JSON can carry exactly (strings, numbers, booleans, None, and lists and string-keyed
dicts of those). Anything else (a Python object a middleware put there) is left out and named in
the log: it is per-process state, and the request is issued again without it.

:func:`request_from_json` refuses a record of another version, or one that does not name a
method the spider has, with :class:`RequestFormatError` (a ``ValueError``) naming what is wrong.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from typing import TYPE_CHECKING, Any

from scrapy.utils.request import request_from_dict

from crawler.signals import META_FRONTIER_LEASED, META_FRONTIER_STARTED, META_URL

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Request

__all__ = ["REQUEST_VERSION", "RequestFormatError", "request_from_json", "request_to_json"]

logger = logging.getLogger(__name__)

#: The version of the JSON form; any other is refused.
REQUEST_VERSION = 1

#: Meta keys that are per-process state of Scrapy's own components: never stored.
_PROCESS_META = frozenset(
    {
        "download_slot",
        "download_latency",
        "_scheme_proxy",
        "retry_times",
        "redirect_times",
        "redirect_ttl",
        "redirect_urls",
        "redirect_reasons",
        META_URL,
        META_FRONTIER_LEASED,
        META_FRONTIER_STARTED,
    }
)


class RequestFormatError(ValueError):
    """A stored request that cannot be issued again (version, spider method, shape)."""


def _plain(value: Any) -> bool:
    """Whether JSON carries ``value`` exactly (a round trip gives an equal value)."""
    if value is None or isinstance(value, str | bool | int | float):
        return not isinstance(value, float) or math.isfinite(value)  # NaN, inf: not JSON
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _plain_part(values: dict[str, Any], what: str, url: str) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    left: list[str] = []
    for key, value in values.items():
        if key in _PROCESS_META:
            continue
        if _plain(value):
            kept[key] = value
        else:
            left.append(key)
    if left:
        logger.debug("Request %s: %s keys not stored (not JSON data): %s", url, what, left)
    return kept


def request_to_json(request: Request, spider: Spider) -> str:
    """``request`` as versioned JSON; callbacks by the name of the spider's method.

    Raises ValueError when a callback is not a method of ``spider`` (Scrapy's own rule).
    """
    d = request.to_dict(spider=spider)
    headers = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, values in request.headers.items()
        for value in values
    ]
    record = {
        "v": REQUEST_VERSION,
        "url": request.url,
        "method": request.method,
        "headers": headers,
        "body": base64.b64encode(request.body).decode("ascii"),
        "callback": d.get("callback"),
        "errback": d.get("errback"),
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "flags": [str(f) for f in request.flags],
        "meta": _plain_part(dict(request.meta), "meta", request.url),
        "cb_kwargs": _plain_part(dict(request.cb_kwargs), "cb_kwargs", request.url),
    }
    return json.dumps(record, separators=(",", ":"))


def request_from_json(text: str, spider: Spider) -> Request:
    """The request :func:`request_to_json` stored, its callbacks found on ``spider``."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFormatError(f"stored request is not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise RequestFormatError("stored request is not a JSON object")
    url = record.get("url")
    if record.get("v") != REQUEST_VERSION:
        raise RequestFormatError(
            f"stored request {url!r} has version {record.get('v')!r} "
            f"(this newsarc reads version {REQUEST_VERSION})"
        )
    try:
        headers: dict[str, list[str]] = {}
        for name, value in record["headers"]:
            headers.setdefault(name, []).append(value)
        d = {
            "url": url,
            "method": record["method"],
            "headers": headers,
            "body": base64.b64decode(record["body"]),
            "callback": record["callback"],
            "errback": record["errback"],
            "priority": int(record["priority"]),
            "dont_filter": bool(record["dont_filter"]),
            "flags": list(record["flags"]),
            "meta": dict(record["meta"]),
            "cb_kwargs": dict(record["cb_kwargs"]),
        }
        return request_from_dict(d, spider=spider)
    except (KeyError, TypeError, ValueError) as exc:
        raise RequestFormatError(f"stored request {url!r} cannot be issued: {exc}") from exc
