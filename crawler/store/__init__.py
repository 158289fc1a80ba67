"""Object stores: where finished crawl files end up, chosen by URI scheme.

``file://`` or a plain path → :class:`LocalStore`; ``s3://bucket/prefix`` → :class:`S3Store`
(client from :func:`~crawler.store.s3.make_s3_client`). Modelled on Scrapy's
``FEED_STORAGES_BASE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.crawlinfo import is_remote_store, local_store_root
from crawler.store.base import Store, check_key
from crawler.store.local import LocalStore

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.store.s3 import S3Store

__all__ = ["LocalStore", "S3Store", "Store", "check_key", "open_store"]


def open_store(uri: str, settings: Mapping[str, Any] | None = None) -> Store:
    """Return the store for ``uri``: a local path, ``file://…`` or ``s3://bucket/prefix``.

    ``settings`` (optional) supplies ``AWS_*`` values for the S3 client; boto3's standard
    chain fills in the rest.
    """
    if is_remote_store(uri):
        from crawler.store.s3 import S3Store  # noqa: PLC0415 - boto3 costs ~0.3 s to import

        return S3Store.from_uri(uri, settings)
    # local_store_root rejects unknown schemes with a ConfigError.
    store = LocalStore(local_store_root(uri))
    store.uri = uri
    return store


def __getattr__(name: str) -> Any:
    # ``crawler.store.S3Store`` without importing boto3 for crawls that write locally.
    if name == "S3Store":
        from crawler.store.s3 import S3Store  # noqa: PLC0415

        return S3Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
