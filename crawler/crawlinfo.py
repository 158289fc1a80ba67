"""Identity of one crawl: its id, its store and the local directory it writes into.

Every component that writes crawl output (the WARC extension, the JSONL pipeline, the manifest
extension) builds the same :class:`CrawlInfo` from the crawler's settings, so they agree on the
crawl id and on the work directory ``<store>/<crawl_id>/`` without a shared global.

How the crawl id flows:

- ``newsarc crawl`` always sets ``NEWSARC_CRAWL_ID`` (with :func:`make_crawl_id`).
- ``scrapy crawl`` leaves it ``None``. :class:`CrawlIdAddon` (enabled in ``ADDONS``) derives one
  from the spider name and the current time and writes it back into the settings before they are
  frozen, so every component built later reads the same value. As a fallback, the first call to
  :meth:`CrawlInfo.from_crawler` on still-unfrozen settings (extensions are built before the
  settings freeze) does the same. Reading an unset id from frozen settings is a configuration
  error rather than a silently different id per component.

Several workers of one crawl (``newsarc worker``, a shared Redis frontier) share its crawl id;
each writes its own files, named with its ``NEWSARC_WORKER_ID`` (:func:`worker_id`).

Settings read: ``NEWSARC_CRAWL_ID``, ``NEWSARC_STORE_URI``, ``NEWSARC_SPOOL_DIR``, ``BOT_NAME``,
``NEWSARC_WORKER_ID``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import platform
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.exceptions import ConfigError

# Re-exported: where a store URI's files live locally is the store registry's to say.
from crawler.store import is_remote_store
from crawler.store.local import local_store_root

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

__all__ = [
    "CrawlIdAddon",
    "CrawlInfo",
    "is_remote_store",
    "local_store_root",
    "make_crawl_id",
    "settings_snapshot",
    "software_versions",
    "spool_dir",
    "validate_crawl_id",
    "worker_id",
]

logger = logging.getLogger(__name__)

# A crawl id is a single path component and a key prefix: keep it to a safe alphabet.
_CRAWL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

#: Distributions whose versions go into the manifest and the warcinfo record.
_SOFTWARE = (
    "newsarc",
    "scrapy",
    "warcio",
    "twisted",
    "lxml",
    "parsel",
    "w3lib",
    "dateparser",
    "itemadapter",
    "jsonschema",
    "cdxj-indexer",
    "scrapy-playwright",
    "boto3",
)


def make_crawl_id(name: str, now: datetime) -> str:
    """Return ``YYYYMMDDTHHMMSSZ-<name>-<4 hex>``: sorts by start time, names the job or site.

    ``now`` must be timezone-aware; it is converted to UTC. ``name`` is reduced to a safe
    alphabet (letters, digits, ``.``, ``_``, ``-``).
    """
    if now.tzinfo is None:
        raise ValueError("make_crawl_id needs a timezone-aware datetime")
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = _NAME_UNSAFE.sub("-", name).strip("-.") or "crawl"
    return f"{stamp}-{safe[:60]}-{secrets.token_hex(2)}"


def validate_crawl_id(crawl_id: str) -> str:
    """Return ``crawl_id`` if it is usable as a directory name and key prefix, else raise."""
    if not _CRAWL_ID.match(crawl_id) or ".." in crawl_id:
        raise ConfigError(
            f"NEWSARC_CRAWL_ID {crawl_id!r} is not a valid crawl id: use letters, digits, "
            "'.', '_' and '-' (at most 200 characters, no '..')"
        )
    return crawl_id


def worker_id(settings: BaseSettings) -> str:
    """``NEWSARC_WORKER_ID``: the worker's name in its WARC and JSON Lines file names ("" for
    a crawl that is the only writer of its directory). Raises ConfigError when unusable."""
    value = str(settings.get("NEWSARC_WORKER_ID") or "")
    if value and (not _CRAWL_ID.match(value) or len(value) > 64):
        raise ConfigError(
            f"NEWSARC_WORKER_ID {value!r} is not a valid worker id: use letters, digits, "
            "'.', '_' and '-' (at most 64 characters)"
        )
    return value


def spool_dir(spool_root: str | Path, store_uri: str) -> Path:
    """The local spool directory of a remote store: ``<spool_root>/<bucket-prefix>-<hash>``.

    One directory per store URI, so that a later run with the same ``--out`` finds (and
    uploads first) what an earlier run left behind, and different stores never mix.
    """
    parts = urlsplit(store_uri)
    label = _NAME_UNSAFE.sub("-", f"{parts.netloc}{parts.path}").strip("-.")[:60] or "store"
    digest = hashlib.sha256(store_uri.rstrip("/").encode("utf-8")).hexdigest()[:8]
    return Path(spool_root).expanduser() / f"{label}-{digest}"


def _spider_name(crawler: Crawler) -> str:
    spidercls = getattr(crawler, "spidercls", None)
    name = getattr(spidercls, "name", None)
    if isinstance(name, str) and name:
        return name
    return str(crawler.settings.get("BOT_NAME") or "crawl")


def _ensure_crawl_id(settings: BaseSettings, name: str) -> str:
    crawl_id = settings.get("NEWSARC_CRAWL_ID")
    if crawl_id:
        return validate_crawl_id(str(crawl_id))
    if settings.frozen:
        raise ConfigError(
            "NEWSARC_CRAWL_ID is not set and the settings are already frozen: set it, or enable "
            "crawler.crawlinfo.CrawlIdAddon in ADDONS so that one is derived at start-up"
        )
    crawl_id = make_crawl_id(name, datetime.now(UTC))
    settings.set("NEWSARC_CRAWL_ID", crawl_id, priority="cmdline")
    logger.info("Derived crawl id %s (NEWSARC_CRAWL_ID was not set)", crawl_id)
    return str(crawl_id)


@dataclass(frozen=True)
class CrawlInfo:
    """The crawl id, the store URI and the local work directory ``<local_root>/<crawl_id>``.

    ``local_root`` is the local store's directory, or for a remote (``s3://``) store its spool
    directory (:func:`spool_dir` under ``NEWSARC_SPOOL_DIR``), where files are written and
    closed before the uploader sends them to the store.
    """

    crawl_id: str
    store_uri: str
    work_dir: Path
    local_root: Path

    @property
    def remote(self) -> bool:
        """Whether files go to a remote store through the spool."""
        return is_remote_store(self.store_uri)

    @classmethod
    def from_settings(cls, settings: BaseSettings, *, name: str | None = None) -> Self:
        """Build from ``NEWSARC_CRAWL_ID`` and ``NEWSARC_STORE_URI``.

        When the crawl id is unset and the settings are not frozen yet, derive one (from
        ``name``, else ``BOT_NAME``) and write it back so every later reader gets the same id.
        """
        crawl_id = _ensure_crawl_id(settings, name or str(settings.get("BOT_NAME") or "crawl"))
        store_uri = str(settings.get("NEWSARC_STORE_URI") or "")
        if is_remote_store(store_uri):
            spool_root = settings.get("NEWSARC_SPOOL_DIR")
            if not spool_root:
                raise ConfigError("NEWSARC_SPOOL_DIR must be set for a remote store")
            root = spool_dir(str(spool_root), store_uri)
        else:
            root = local_store_root(store_uri)
        return cls(
            crawl_id=crawl_id, store_uri=store_uri, work_dir=root / crawl_id, local_root=root
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Like :meth:`from_settings`, naming a derived id after the crawler's spider."""
        return cls.from_settings(crawler.settings, name=_spider_name(crawler))


class CrawlIdAddon:
    """Scrapy add-on that sets ``NEWSARC_CRAWL_ID`` before any component is built.

    Add-ons run before the settings freeze and before extensions, pipelines and middlewares
    exist, which makes this the one place where ``scrapy crawl`` gets its derived crawl id.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(_spider_name(crawler))

    def update_settings(self, settings: BaseSettings) -> None:
        _ensure_crawl_id(settings, self.name)


def software_versions() -> dict[str, str]:
    """Versions of Python and of the distributions newsarc's output depends on."""
    versions: dict[str, str] = {"python": platform.python_version()}
    for dist in _SOFTWARE:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue  # optional distribution not installed: simply not listed
    return versions


def settings_snapshot(settings: BaseSettings, prefixes: tuple[str, ...]) -> dict[str, Any]:
    """Plain copy of the settings whose names start with ``prefixes`` (for the manifest)."""
    out: dict[str, Any] = {}
    for key in sorted(settings.attributes):
        if key.startswith(prefixes):
            value = settings.get(key)
            if hasattr(value, "copy_to_dict"):
                value = value.copy_to_dict()
            out[key] = value
    return out
