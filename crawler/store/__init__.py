"""Object stores: where finished crawl files end up, chosen by URI scheme.

:data:`STORE_SCHEMES` is the one registry of store backends, as Scrapy's ``FEED_STORAGES_BASE``
is for feeds: a URI scheme maps to the store class for it (a plain path or ``file://`` →
:class:`LocalStore`, ``s3://bucket/prefix`` → :class:`S3Store`), imported only when a URI uses
it (boto3 takes ~0.3 s to import). Each store class says whether it is ``remote`` (files go to
another machine, through the local spool of :mod:`crawler.spool`) and builds itself with
``from_uri`` (:class:`~crawler.store.base.StoreBackend`). Adding a backend is its own module
plus one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object

from crawler.exceptions import ConfigError
from crawler.store.base import Store, StoreBackend, check_key
from crawler.store.local import LocalStore

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.store.s3 import S3Store

__all__ = [
    "STORE_SCHEMES",
    "LocalStore",
    "S3Store",
    "Store",
    "check_key",
    "is_remote_store",
    "open_store",
    "store_class",
]

#: URI scheme → import path of its store class; ``""`` is a plain local path.
STORE_SCHEMES: dict[str, str] = {
    "": "crawler.store.local.LocalStore",
    "file": "crawler.store.local.LocalStore",
    "s3": "crawler.store.s3.S3Store",
}


def store_class(uri: str) -> StoreBackend:
    """The store class for ``uri``'s scheme; ConfigError for a scheme no backend serves."""
    scheme = urlsplit(uri).scheme.lower()
    if len(scheme) == 1:
        scheme = ""  # a Windows drive letter, not a scheme
    path = STORE_SCHEMES.get(scheme)
    if path is None:
        known = ", ".join(f"{name}://" for name in STORE_SCHEMES if name)
        raise ConfigError(
            f"NEWSARC_STORE_URI {uri!r}: unsupported scheme {scheme!r} (use a local path, {known})"
        )
    return cast("StoreBackend", load_object(path))


def is_remote_store(uri: str) -> bool:
    """Whether ``uri`` names a store on another machine (its class says so)."""
    return bool(store_class(uri).remote)


def open_store(uri: str, settings: Mapping[str, Any] | None = None) -> Store:
    """Return the store for ``uri``: a local path, ``file://…`` or ``s3://bucket/prefix``.

    ``settings`` (optional) supplies what the store's client needs (``AWS_*`` for S3;
    boto3's standard chain fills in the rest).
    """
    return store_class(uri).from_uri(uri, settings)


def __getattr__(name: str) -> Any:
    # ``crawler.store.S3Store`` without importing boto3 for crawls that write locally.
    if name == "S3Store":
        from crawler.store.s3 import S3Store  # noqa: PLC0415

        return S3Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
