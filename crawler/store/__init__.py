"""Object stores: where finished crawl files end up, chosen by URI scheme.

``file://`` or a plain path → :class:`LocalStore`; ``s3://`` arrives with the archive issue
(a :class:`~crawler.exceptions.ConfigError` until then). Modelled on Scrapy's
``FEED_STORAGES_BASE``.
"""

from __future__ import annotations

from crawler.crawlinfo import local_store_root
from crawler.store.base import Store, check_key
from crawler.store.local import LocalStore

__all__ = ["LocalStore", "Store", "check_key", "open_store"]


def open_store(uri: str) -> Store:
    """Return the store for ``uri`` (a local path, ``file://…``; ``s3://`` not yet)."""
    # local_store_root rejects s3:// and unknown schemes with a ConfigError.
    store = LocalStore(local_store_root(uri))
    store.uri = uri
    return store
