"""What a store holds: its crawls, read from their manifests (never from the data files).

A crawl is a top-level ``<crawl_id>/`` in the store with a ``<crawl_id>/manifest.json`` (the
manifest is stored last, so a crawl without one is not finished in the store and is not listed).
A crawl of several workers (a shared frontier) without one yet, but with some of its workers'
``<crawl_id>/manifests/<worker>.json``, is listed as incomplete, naming the workers on its
roster whose manifest is not there (:meth:`CrawlSummary.from_parts`).
:func:`list_crawls` lists the store once and reads each manifest; :class:`CrawlSummary` is what
``newsarc datasets list`` prints; :func:`show_lines` is ``newsarc datasets show``.

Crawl ids and the paths a manifest names come from the store and are not trusted:
:func:`safe_relpath` is the one check every reader applies before a name becomes a key or a
local path.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.exceptions import StoreError
from crawler.manifest import MANIFEST_NAME, WORKER_MANIFESTS

if TYPE_CHECKING:
    from crawler.store import Store

__all__ = [
    "SCHEMA_POINTER",
    "CrawlSummary",
    "UnsafeName",
    "crawl_sites",
    "human_size",
    "item_kind",
    "list_crawls",
    "list_lines",
    "read_manifest",
    "safe_relpath",
    "show_lines",
]

#: Where the item schema a manifest's ``item_schema_version`` refers to is published.
SCHEMA_POINTER = "crawler/schema/items.schema.json (newsarc's source; `python -m crawler.schema`)"


class UnsafeName(ValueError):
    """A crawl id or manifest path that could address something outside its directory."""


def safe_relpath(name: str) -> str:
    """Return ``name`` if it is a safe ``/``-separated relative path, else raise UnsafeName.

    Refused: empty names, NUL bytes, backslashes, absolute paths (``/x``, ``C:``), empty,
    ``.`` or ``..`` segments, and segments that are hidden (``.x``: bookkeeping, never data).
    """
    if not isinstance(name, str) or not name:
        raise UnsafeName(f"empty name {name!r}")
    if "\x00" in name:
        raise UnsafeName(f"{name!r} contains a NUL byte")
    if "\\" in name:
        raise UnsafeName(f"{name!r} contains a backslash")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeName(f"{name!r} is an absolute path")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise UnsafeName(f"{name!r} has an empty, '.' or '..' segment")
        if part.startswith("."):
            raise UnsafeName(f"{name!r} has a hidden segment {part!r}")
    return name


def read_manifest(store: Store, crawl_id: str) -> dict[str, Any]:
    """The manifest of ``crawl_id`` in ``store`` (``FileNotFoundError`` when it has none)."""
    key = f"{safe_relpath(crawl_id)}/{MANIFEST_NAME}"
    with store.open(key) as fh:
        data = fh.read()
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise StoreError(f"{store.uri.rstrip('/')}/{key}: not a JSON manifest: {exc}") from exc
    if not isinstance(manifest, dict):
        raise StoreError(f"{store.uri.rstrip('/')}/{key}: not a JSON object")
    return manifest


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class CrawlSummary:
    """One crawl as ``newsarc datasets list`` shows it (all from its manifest)."""

    crawl_id: str
    started_at: datetime | None
    finished_at: datetime | None
    sites: tuple[str, ...]
    articles: int
    headlines: int
    records: int
    size: int
    files: int
    schema: int | None
    item_schema_version: int | None
    finish_reason: str | None
    resumed_from: str | None
    urls_pending: int
    quarantined: int
    incomplete: int
    manifest: dict[str, Any] = field(repr=False, compare=False)
    merged: bool = True
    """False for a crawl of several workers whose ``manifest.json`` is not stored yet (some
    worker is still running, died or failed): summarised from the workers' own manifests."""
    workers_missing: tuple[str, ...] = ()
    """Workers on such a crawl's roster whose own manifest is not in the store."""
    workers_lost: tuple[str, ...] = ()
    """Workers of a merged crawl given up on (``newsarc frontier lost``)."""

    @classmethod
    def from_manifest(cls, crawl_id: str, manifest: dict[str, Any]) -> CrawlSummary:
        files = [f for f in manifest.get("files", []) if isinstance(f, dict)]
        counts = manifest.get("counts") or {}
        return cls(
            crawl_id=crawl_id,
            started_at=_time(manifest.get("started_at")),
            finished_at=_time(manifest.get("finished_at")),
            sites=crawl_sites(manifest),
            articles=sum(int(f.get("items", 0)) for f in files if item_kind(f) == "articles"),
            headlines=sum(int(f.get("items", 0)) for f in files if item_kind(f) == "headlines"),
            records=sum(int(f.get("records", 0)) for f in files if f.get("kind") == "warc"),
            size=sum(int(f.get("size", 0)) for f in files),
            files=len(files),
            schema=manifest.get("schema"),
            item_schema_version=manifest.get("item_schema_version"),
            finish_reason=manifest.get("finish_reason"),
            resumed_from=manifest.get("resumed_from"),
            urls_pending=int(counts.get("urls_pending") or 0),
            quarantined=len(manifest.get("quarantined") or []),
            incomplete=len(manifest.get("incomplete") or []),
            manifest=manifest,
            workers_lost=tuple(sorted(str(w) for w in manifest.get("workers_lost") or {})),
        )

    @classmethod
    def from_parts(cls, crawl_id: str, parts: dict[str, bytes]) -> CrawlSummary:
        """A shared crawl without its ``manifest.json``, from the workers' manifests found
        (worker → bytes): ``merged`` False, and the roster's workers without one named."""
        from crawler.frontier.workers import merge_manifests  # noqa: PLC0415

        merged = merge_manifests(crawl_id, parts)
        roster: set[str] = set()
        for raw in parts.values():
            roster.update(str(w) for w in json.loads(raw).get("roster") or [])
        summary = cls.from_manifest(crawl_id, merged)
        return dataclasses.replace(
            summary, merged=False, workers_missing=tuple(sorted(roster - set(parts)))
        )

    @property
    def complete(self) -> bool:
        """Finished normally, nothing left queued, no file quarantined or left half-written."""
        return (
            self.merged
            and self.finish_reason == "finished"
            and not self.urls_pending
            and not self.quarantined
            and not self.incomplete
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "crawl_id": self.crawl_id,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "sites": list(self.sites),
            "articles": self.articles,
            "headlines": self.headlines,
            "warc_records": self.records,
            "size": self.size,
            "files": self.files,
            "schema": self.schema,
            "item_schema_version": self.item_schema_version,
            "finish_reason": self.finish_reason,
            "resumed_from": self.resumed_from,
            "urls_pending": self.urls_pending,
            "quarantined": self.quarantined,
            "incomplete": self.incomplete,
            "complete": self.complete,
            "manifest": self.merged,
            "workers_missing": list(self.workers_missing),
            "workers_lost": list(self.workers_lost),
        }

    @property
    def waiting(self) -> str:
        """Why a shared crawl has no manifest yet, for a person."""
        if self.workers_missing:
            return (
                "incomplete: no manifest.json, worker(s) "
                + ", ".join(self.workers_missing)
                + " have not stored theirs (still running, stopped or dead)"
            )
        return "incomplete: no manifest.json (a worker failed, or the last merge did not end)"


def item_kind(entry: dict[str, Any]) -> str | None:
    """``articles`` / ``headlines`` for a crawl's item files (``items/articles-00000.jsonl.gz``)."""
    if entry.get("kind") != "items":
        return None
    name = str(entry.get("path", "")).rsplit("/", 1)[-1]
    for kind in ("articles", "headlines"):
        if name.startswith(kind):
            return kind
    return None


def crawl_sites(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The sites of a crawl: its profile name (the items' ``site``) and its start hosts."""
    config = manifest.get("config") or {}
    sites: list[str] = []
    profile = config.get("profile") or config.get("NEWSARC_PROFILE")
    if isinstance(profile, str) and profile and "/" not in profile:
        sites.append(profile.removesuffix(".yaml"))
    for url in config.get("start_urls") or []:
        host = urlsplit(str(url)).hostname
        if host and host not in sites:
            sites.append(host)
    return tuple(sites)


def list_crawls(store: Store) -> tuple[list[CrawlSummary], list[str]]:
    """Every crawl with a manifest in ``store``, oldest first; and the problems met.

    A crawl id that is not a safe name, or a manifest that cannot be read, is a problem (named)
    and the listing goes on.
    """
    keys = store.list()
    crawl_ids = sorted(
        {
            key.removesuffix(f"/{MANIFEST_NAME}")
            for key in keys
            if key.endswith(f"/{MANIFEST_NAME}") and key.count("/") == 1
        }
    )
    # Shared crawls (several workers) whose manifest is not stored: their workers' manifests.
    parts: dict[str, list[str]] = {}
    for key in keys:
        crawl_id, _, rest = key.partition("/")
        ours = rest.startswith(f"{WORKER_MANIFESTS}/") and rest.endswith(".json")
        if ours and crawl_id not in crawl_ids and rest.count("/") == 1:
            parts.setdefault(crawl_id, []).append(key)
    crawls: list[CrawlSummary] = []
    problems: list[str] = []
    for crawl_id in crawl_ids:
        try:
            safe_relpath(crawl_id)
            manifest = read_manifest(store, crawl_id)
        except (UnsafeName, StoreError, OSError) as exc:
            problems.append(f"{crawl_id!r}: skipped: {exc}")
            continue
        try:
            crawls.append(CrawlSummary.from_manifest(crawl_id, manifest))
        except (ValueError, TypeError, AttributeError) as exc:
            # Not the shape newsarc writes (a size that is no number, counts that are no object).
            problems.append(f"{crawl_id!r}: skipped: {MANIFEST_NAME} is malformed: {exc}")
    for crawl_id, part_keys in sorted(parts.items()):
        try:
            safe_relpath(crawl_id)
            found: dict[str, bytes] = {}
            for key in sorted(part_keys):
                with store.open(key) as fh:
                    found[key.rsplit("/", 1)[-1].removesuffix(".json")] = fh.read()
            crawls.append(CrawlSummary.from_parts(crawl_id, found))
        except (UnsafeName, StoreError, OSError, ValueError) as exc:
            problems.append(f"{crawl_id!r}: skipped: {exc}")
    crawls.sort(key=lambda c: (c.started_at.isoformat() if c.started_at else "", c.crawl_id))
    return crawls, problems


def human_size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num < 1024 or unit == "TB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    raise AssertionError("unreachable")


def _span(crawl: CrawlSummary) -> str:
    start = crawl.started_at.strftime("%Y-%m-%d %H:%M") if crawl.started_at else "?"
    end = crawl.finished_at.strftime("%H:%M") if crawl.finished_at else "?"
    if (
        crawl.started_at
        and crawl.finished_at
        and crawl.started_at.date() != crawl.finished_at.date()
    ):
        end = crawl.finished_at.strftime("%Y-%m-%d %H:%M")
    return f"{start}–{end}"


def _state(crawl: CrawlSummary) -> str:
    if not crawl.merged:
        return crawl.waiting
    lost = f" (worker(s) lost: {', '.join(crawl.workers_lost)})" if crawl.workers_lost else ""
    if crawl.complete:
        return "complete" + lost
    why = []
    if crawl.finish_reason != "finished":
        why.append(str(crawl.finish_reason))
    if crawl.urls_pending:
        why.append(f"{crawl.urls_pending} pending")
    if crawl.quarantined:
        why.append(f"{crawl.quarantined} quarantined")
    if crawl.incomplete:
        why.append(f"{crawl.incomplete} incomplete")
    return "partial: " + ", ".join(why) + lost


def list_lines(crawls: list[CrawlSummary]) -> list[str]:
    """The table ``newsarc datasets list`` prints."""
    header = (
        f"{'CRAWL':<34} {'TIME (UTC)':<23} {'SITES':<20} {'ARTICLES':>8} {'HEADLINES':>9} "
        f"{'RECORDS':>8} {'SIZE':>9} SCHEMA  STATE"
    )
    lines = [header]
    for c in crawls:
        lines.append(
            f"{c.crawl_id:<34} {_span(c):<23} {','.join(c.sites)[:20]:<20} {c.articles:>8} "
            f"{c.headlines:>9} {c.records:>8} {human_size(c.size):>9} "
            f"{c.item_schema_version!s:<7} {_state(c)}"
        )
    return lines


def show_lines(crawl: CrawlSummary) -> list[str]:
    """The manifest of one crawl in human form (``newsarc datasets show``)."""
    m = crawl.manifest
    counts = m.get("counts") or {}
    config = m.get("config") or {}
    lines = [
        f"crawl            {crawl.crawl_id}",
        f"time (UTC)       {m.get('started_at')} – {m.get('finished_at')}",
        f"finish reason    {crawl.finish_reason}",
        f"state            {_state(crawl)}",
        f"resumed from     {crawl.resumed_from or '-'}",
        f"sites            {', '.join(crawl.sites) or '-'}",
        f"start URLs       {', '.join(map(str, config.get('start_urls') or [])) or '-'}",
        f"item schema      version {crawl.item_schema_version}: {SCHEMA_POINTER}",
        f"manifest schema  {crawl.schema}",
        f"items            {crawl.articles} articles, {crawl.headlines} headlines",
        f"WARC             {crawl.records} records",
        f"pages fetched    {counts.get('pages_fetched', '?')}; errors {counts.get('errors', '?')}",
        f"files            {crawl.files}, {human_size(crawl.size)}",
    ]
    for entry in m.get("files", []):
        extra = ""
        if "records" in entry:
            extra = f"  {entry['records']} records"
        elif "items" in entry:
            extra = f"  {entry['items']} items"
        lines.append(
            f"  {entry.get('kind', '?'):<6} {human_size(int(entry.get('size', 0))):>9}  "
            f"{entry.get('path')}{extra}"
        )
    for rel in m.get("incomplete") or []:
        lines.append(f"  incomplete       {rel}")
    for entry in m.get("quarantined") or []:
        lines.append(f"  quarantined      {entry.get('path')}: {entry.get('reason')}")
    software = m.get("software") or {}
    if software:
        lines.append(
            "software         " + ", ".join(f"{k} {v}" for k, v in sorted(software.items()))
        )
    return lines
