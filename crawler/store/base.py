"""The object-store interface every store implements, and the key rules they share.

Modelled on Scrapy's ``FeedStorageProtocol``/``FilesStoreProtocol``: a store takes finished
local files and keeps them under ``/``-separated keys (``<crawl_id>/warc/<name>.warc.gz``).
Keys never contain ``..`` segments, a leading ``/``, backslashes or NUL, so a key can never
address anything outside the store, whatever the store is.

Contract shared by all implementations (tested by ``tests/store/test_store_local.py``):

- ``put`` is atomic: a key either does not exist or holds the whole file.
- ``open`` of a missing key raises ``FileNotFoundError``; other failures raise ``StoreError``.
- ``list`` returns finished keys only (never temporary or ``.open`` files), sorted.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from crawler.exceptions import StoreError

__all__ = ["Store", "check_key"]


@runtime_checkable
class Store(Protocol):
    """Where finished crawl files end up."""

    uri: str
    """The store's location, as given to :func:`crawler.store.open_store`."""

    def put(self, local_path: Path, key: str) -> None:
        """Store the finished file ``local_path`` under ``key``, atomically."""

    def open(self, key: str) -> BinaryIO:
        """Open ``key`` for reading (binary)."""

    def list(self, prefix: str = "") -> list[str]:
        """Keys that start with ``prefix``, sorted."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a finished file."""


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`StoreError`."""
    if not key:
        raise StoreError("empty store key")
    if "\x00" in key:
        raise StoreError(f"store key {key!r} contains a NUL byte")
    if "\\" in key:
        raise StoreError(f"store key {key!r} contains a backslash")
    if key.startswith("/") or (len(key) > 1 and key[1] == ":"):
        raise StoreError(f"store key {key!r} is absolute")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StoreError(f"store key {key!r} has an empty, '.' or '..' segment")
    return key
