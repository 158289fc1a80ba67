"""One crawl, many writers: the roster of a shared crawl's workers and its one manifest.

Several workers of one crawl (``newsarc crawl --frontier redis://…`` and every ``newsarc
worker`` that joins it) write their own files under the crawl's id in one store, and each its
own manifest, ``manifests/<worker>.json`` (:class:`~crawler.manifest.ManifestExtension`, with
its log ``logs/crawl-<worker>.log``). The crawl's ``manifest.json`` is written by exactly one
of them, once the crawl is over:

* before its crawl starts, a worker is put on the crawl's roster in the frontier as
  ``running`` (:func:`join_roster`); a crawl whose manifest is stored takes no new workers;
* when its process has finished — the spool's last upload pass included, so its files and
  its own manifest are in the store and verified, or its run failed — it records itself
  ``finished`` or ``failed`` (:func:`finish_worker`). In the same Redis script, if every
  worker on the roster is finished, nothing is leased and nothing is queued (or the crawl's
  page budget is spent), it claims the merge (the claim expires after
  :data:`MERGE_CLAIM_SECONDS`, and is given back when the merge fails);
* the claiming worker reads every worker's manifest from the store, checks that every file
  they list is there, and stores the crawl's ``manifest.json``: every worker's files, their
  manifests, the counts summed and ``workers`` naming each (:func:`merge_manifests`).

This runs after the Scrapy process has stopped (``engine_stopped`` handlers run concurrently,
so the order between the spool's last pass and the merge is made explicit by running the merge
only once the whole process is done). A worker that was killed stays ``running`` on the roster:
the crawl never gets ``manifest.json`` and ``newsarc datasets list|verify`` call it incomplete,
naming that worker (from the roster each worker's manifest carries), until ``newsarc frontier
lost`` marks it ``lost`` (:func:`lose_worker`: counted as finished; merging the manifest then
if nothing else is left, the lost worker named in ``workers_lost``). So does a failed worker;
running a worker again with the same ``--worker-id`` (and the same ``--out`` and spool) uploads
what the failed run left, and finishing it retries the merge.

The workers must share one store (one S3 prefix, or one local directory; each worker may have
its own spool): a worker's manifest that is not in the merging worker's store is named and the
crawl stays without ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.crawlinfo import CrawlInfo, worker_id
from crawler.exceptions import ConfigError, StoreError
from crawler.frontier.base import BACKEND_ERRORS, backend_class, redacted
from crawler.frontier.redis import RedisFrontier, WorkerFinish
from crawler.items import SCHEMA_VERSION
from crawler.manifest import MANIFEST_NAME, WORKER_MANIFESTS, worker_manifest, worker_owns
from crawler.manifest import write_manifest as write_manifest_file
from crawler.store import is_remote_store, open_store

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from crawler.crawl import CrawlReport
    from crawler.store import Store

__all__ = [
    "MERGED_SCHEMA",
    "MERGE_CLAIM_SECONDS",
    "finish_worker",
    "join_roster",
    "lose_worker",
    "merge_manifests",
    "roster",
    "shared_worker",
]

logger = logging.getLogger(__name__)

#: How long a worker's claim to merge the crawl's manifest holds if it dies merging.
MERGE_CLAIM_SECONDS = 600.0
#: Manifest schema of a shared crawl's merged manifest: schema 3 plus ``workers`` (worker →
#: its manifest, finish reason, pages) and ``kind: "manifest"`` entries for the workers' own.
MERGED_SCHEMA = 4
_COUNTS_NOT_SUMMED = {"urls_pending"}
_ROSTER_ERRORS: tuple[type[Exception], ...] = (*BACKEND_ERRORS, ConfigError)


def shared_worker(settings: BaseSettings) -> str:
    """This process's worker id when it is one of the workers of a crawl on a shared frontier
    (``NEWSARC_WORKER_ID`` and a Redis ``FRONTIER_URI``), else "" (a crawl of its own, whose
    worker id, if any, only names its files)."""
    worker = worker_id(settings)
    if not worker or not settings.getbool("FRONTIER_ENABLED"):
        return ""
    try:
        shared = backend_class(str(settings.get("FRONTIER_URI") or "")) is RedisFrontier
    except ValueError:
        return ""
    return worker if shared else ""


def _frontier(settings: BaseSettings, work_dir: Path) -> RedisFrontier | None:
    uri = str(settings.get("FRONTIER_URI") or "")
    try:
        if not settings.getbool("FRONTIER_ENABLED") or backend_class(uri) is not RedisFrontier:
            return None  # a crawl of its own (the SQLite ledger): no roster
        return RedisFrontier.open(uri, work_dir, str(settings.get("NEWSARC_CRAWL_ID")))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _store_id(settings: BaseSettings, work_dir: Path) -> str:
    """Which store a worker writes: the URI of a remote one; host and path of a local one."""
    return store_id(str(settings.get("NEWSARC_STORE_URI") or ""), Path(work_dir).parent)


def store_id(uri: str, local_root: Path) -> str:
    """How the roster names a store: the URI of a remote one; host and path (``local_root``,
    the directory its crawls are in) of a local one."""
    if is_remote_store(uri):
        return redacted(uri.rstrip("/"))
    return f"{socket.gethostname()}:{Path(local_root).resolve()}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def join_roster(settings: BaseSettings, work_dir: Path) -> None:
    """Put this worker on its crawl's roster as ``running``. Raises ConfigError when the
    crawl's manifest is stored or being merged (the crawl is over: continue it with
    ``--resume``)."""
    worker = worker_id(settings)
    try:
        frontier = _frontier(settings, work_dir)
    except BACKEND_ERRORS as exc:
        raise StoreError(f"cannot reach the frontier: {exc}") from exc
    if frontier is None:
        return
    try:
        record = {"v": 1, "state": "running", "store": _store_id(settings, work_dir)}
        refused = frontier.join_workers(worker, {**record, "at": _now()})
    except BACKEND_ERRORS as exc:
        raise StoreError(f"cannot write to the frontier: {exc}") from exc
    finally:
        frontier.close()
    if refused is not None:
        raise ConfigError(
            f"crawl {work_dir.name!r} is over: {refused}; continue it with newsarc crawl "
            f"--resume {work_dir.name}"
        )


def roster(settings: BaseSettings, work_dir: Path) -> list[str] | None:
    """The names of the crawl's workers on its roster now (None: not a shared crawl, or the
    frontier cannot be read: a worker's manifest is written all the same)."""
    try:
        frontier = _frontier(settings, work_dir)
    except _ROSTER_ERRORS as exc:
        logger.warning("Could not read the crawl's roster of workers: %s", exc)
        return None
    if frontier is None:
        return None
    try:
        return sorted(frontier.workers())
    except BACKEND_ERRORS as exc:
        logger.warning("Could not read the crawl's roster of workers: %s", exc)
        return None
    finally:
        frontier.close()


def finish_worker(report: CrawlReport, settings: BaseSettings) -> None:
    """Record this worker's end on the roster; merge the crawl's manifest if it is the last.

    A merge that fails (a worker's manifest or file not in the store, the store refusing)
    sets ``report.failure`` (storage), gives the claim back and leaves no ``manifest.json``.
    """
    worker = report.worker_id
    state = "failed" if report.failure else "finished"
    record = {
        "v": 1,
        "state": state,
        "store": _store_id(settings, report.work_dir),
        "at": _now(),
        "finish_reason": report.stats.get("finish_reason"),
        "pages_fetched": report.stat("newsarc/pages_fetched"),
        "manifest": worker_manifest(worker),
    }
    if report.failure:
        record["failure"] = report.failure
    token = f"{worker}:{secrets.token_hex(4)}"
    try:
        frontier = _frontier(settings, report.work_dir)
    except BACKEND_ERRORS as exc:
        _failed(report, f"could not record this worker's end in the frontier: {exc}", "state")
        return
    if frontier is None:
        return
    try:
        frontier.max_pages = report.max_pages
        found = frontier.finish_worker(
            worker, record, claim_seconds=MERGE_CLAIM_SECONDS, token=token
        )
        if not found.claimed:
            logger.info(
                "Crawl %s: worker %s is %s; the crawl's manifest waits for %s",
                report.crawl_id,
                worker,
                state,
                ", ".join(found.waiting)
                or f"{found.queued} queued, {found.leased} leased URLs (or another's merge)",
            )
            report.stats["workers/waiting"] = found.waiting
            return
        roster = frontier.workers()
        try:
            where = _merge_and_store(
                report.store_uri,
                report.crawl_id,
                mine=_store_id(settings, report.work_dir),
                work_dir=CrawlInfo.from_settings(settings).work_dir,
                settings=settings,
                roster=roster,
                queued=found.queued,
            )
        except StoresDiffer as exc:
            # Not this worker's failure: its own files and manifest are stored.
            frontier.end_merge(token, None)
            logger.warning("Crawl %s has no manifest.json: %s", report.crawl_id, exc)
            report.stats["workers/unmerged"] = str(exc)
            return
        except (StoreError, OSError, ValueError) as exc:
            frontier.end_merge(token, None)
            _failed(report, f"the crawl's manifest could not be merged: {exc}", "storage")
            return
        if not frontier.end_merge(token, where):
            logger.warning("The merge claim of %s had expired before it ended", report.crawl_id)
        report.stats["workers/merged"] = where
    except BACKEND_ERRORS as exc:
        _failed(report, f"could not record this worker's end in the frontier: {exc}", "state")
    finally:
        frontier.close()


def lose_worker(
    frontier: RedisFrontier, worker: str, store_uri: str
) -> tuple[WorkerFinish, str | None]:
    """``newsarc frontier lost``: mark ``worker`` lost on the roster of ``frontier``'s crawl
    (``frontier.crawl_id``); if that leaves no worker running, nothing queued or leased, merge
    and store the crawl's ``manifest.json`` in ``store_uri`` here, as the last worker to finish
    would. Returns what the roster script found and where the manifest was stored (None: it
    waits for the workers named, or the queued and leased URLs). Raises WorkerNotLost
    (refused, nothing changed) or StoreError (the merge failed: the claim is given back, the
    worker stays lost and running this again retries it)."""
    crawl_id = str(frontier.crawl_id)
    token = f"lost-{worker}:{secrets.token_hex(4)}"
    found = frontier.lose_worker(worker, _now(), claim_seconds=MERGE_CLAIM_SECONDS, token=token)
    if not found.claimed:
        return found, None
    local = Path(store_uri)
    mine = store_id(store_uri, local)
    try:
        with tempfile.TemporaryDirectory(prefix="newsarc-merge-") as tmp:
            where = _merge_and_store(
                store_uri,
                crawl_id,
                mine=mine,
                work_dir=Path(tmp),
                settings=None,
                roster=frontier.workers(),
                queued=found.queued,
            )
    except (StoreError, OSError, ValueError) as exc:
        frontier.end_merge(token, None)
        raise StoreError(f"the manifest of crawl {crawl_id} could not be merged: {exc}") from exc
    except BaseException:
        frontier.end_merge(token, None)
        raise
    if not frontier.end_merge(token, where):
        logger.warning("The merge claim of %s had expired before it ended", crawl_id)
    return found, where


class StoresDiffer(StoreError):
    """The crawl's workers wrote into different stores: no store holds the whole crawl."""


def _failed(report: CrawlReport, why: str, kind: str) -> None:
    logger.error("Crawl %s: %s", report.crawl_id, why)
    if report.failure is None:
        report.failure = why
        report.failure_kind = kind


def _read_part(store: Store, crawl_id: str, worker: str) -> bytes:
    key = f"{crawl_id}/{worker_manifest(worker)}"
    try:
        with store.open(key) as fh:
            return fh.read()
    except FileNotFoundError:
        raise StoreError(f"worker {worker}'s manifest {key} is not in {store.uri}") from None


def _read_lost_part(store: Store, crawl_id: str, worker: str) -> bytes | None:
    try:
        return _read_part(store, crawl_id, worker)
    except StoreError:
        return None


def _merge_and_store(
    store_uri: str,
    crawl_id: str,
    *,
    mine: str,
    work_dir: Path,
    settings: BaseSettings | dict[str, Any] | None,
    roster: dict[str, dict[str, Any]],
    queued: int,
) -> str:
    """Merge the workers' manifests (read from the store ``store_uri``, which ``mine`` names as
    :func:`_store_id` does), check that every file they list is stored, write the crawl's
    ``manifest.json`` in ``work_dir`` and store it; return its store URI.

    A worker ``lost`` on the roster (``newsarc frontier lost``) may have no manifest in the
    store: it is named in ``workers_lost`` and none of its files is listed (those it left in
    the store are named there as ``unlisted``); if its manifest is stored, the files it lists
    that are stored are merged like any worker's, the others named ``missing``."""
    lost = {w for w, r in roster.items() if r.get("state") == "lost"}
    elsewhere = {
        w: r.get("store") for w, r in roster.items() if r.get("store") != mine and w not in lost
    }
    if elsewhere:
        raise StoresDiffer(
            "the crawl's workers wrote into different stores ("
            + ", ".join(f"{w}: {s}" for w, s in sorted(elsewhere.items()))
            + f"; this one {mine}): each store keeps its workers' manifests/, none the crawl's "
            "manifest.json (give every worker the same --out)"
        )
    store = open_store(store_uri, settings)
    parts = {w: _read_part(store, crawl_id, w) for w in sorted(set(roster) - lost)}
    keys = set(store.list(f"{crawl_id}/"))
    lost_parts = {w: _read_lost_part(store, crawl_id, w) for w in sorted(lost)}
    stored = {k.removeprefix(f"{crawl_id}/") for k in keys}
    for worker, raw in lost_parts.items():
        if raw is not None:
            parts[worker] = raw
    manifest = merge_manifests(
        crawl_id, parts, urls_pending=queued, lost=sorted(lost), stored=stored
    )
    missing = [
        str(e["path"])
        for e in manifest["files"]
        if f"{crawl_id}/{e['path']}" not in keys and e.get("kind") != "manifest"
    ]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise StoreError(f"{missing[0]}{more}, listed by a worker, is not in {store.uri}")
    listed = {str(e["path"]) for e in manifest["files"]} | set(manifest["unhashed_logs"])
    for worker, entry in (manifest.get("workers_lost") or {}).items():
        entry["unlisted"] = sorted(
            rel
            for rel in stored - listed
            if worker_owns(rel, worker) and not rel.endswith((".open", ".tmp"))
        )
    path = write_manifest_file(work_dir, manifest)
    key = f"{crawl_id}/{MANIFEST_NAME}"
    store.put(path, key)
    where = f"{store.uri.rstrip('/')}/{key}"
    logger.info("Stored the crawl's manifest, merged from %d workers: %s", len(parts), where)
    return where


def _sum_counts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        for name, value in (part.get("counts") or {}).items():
            if name in _COUNTS_NOT_SUMMED:
                continue
            if isinstance(value, dict):
                merged = out.setdefault(name, {})
                for k, v in value.items():
                    merged[k] = merged.get(k, 0) + v
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out[name] = out.get(name, 0) + value
    return out


def merge_manifests(
    crawl_id: str,
    parts: dict[str, bytes],
    *,
    urls_pending: int = 0,
    lost: list[str] | None = None,
    stored: set[str] | None = None,
) -> dict[str, Any]:
    """The crawl's manifest from its workers' own (worker → the stored bytes of its
    ``manifests/<worker>.json``): every worker's files and each worker's manifest itself
    (size and SHA-256 of those bytes), counts summed, times spanning all, ``workers``.

    ``lost``: workers given up on (``newsarc frontier lost``), each named in ``workers_lost``
    with its manifest, if it is in ``parts``; of a lost worker's files only those in ``stored``
    (paths under the crawl) are listed, the others named ``missing``. Pure: no store, no clock."""
    decoded = {w: json.loads(raw) for w, raw in parts.items()}
    lost_workers: dict[str, dict[str, Any]] = {}
    for worker in sorted(lost or []):
        lost_workers[worker] = {"manifest": worker_manifest(worker) if worker in parts else None}
        if worker in decoded and stored is not None:
            entries = [e for e in decoded[worker].get("files") or [] if isinstance(e, dict)]
            lost_workers[worker]["missing"] = sorted(
                str(e.get("path")) for e in entries if str(e.get("path")) not in stored
            )
            decoded[worker] = {
                **decoded[worker],
                "files": [e for e in entries if str(e.get("path")) in stored],
            }
    files: dict[str, dict[str, Any]] = {}
    for worker, raw in parts.items():
        rel = worker_manifest(worker)
        files[rel] = {
            "path": rel,
            "kind": "manifest",
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
        for entry in decoded[worker].get("files") or []:
            path = str(entry.get("path"))
            if path.startswith(f"{WORKER_MANIFESTS}/") or path in files:
                raise ValueError(f"{path} is listed by two workers' manifests")
            files[path] = entry
    ordered = [decoded[w] for w in sorted(decoded)]
    reasons = [str(p.get("finish_reason")) for p in ordered]
    started = [str(p["started_at"]) for p in ordered if p.get("started_at")]
    finished = [str(p["finished_at"]) for p in ordered if p.get("finished_at")]
    counts = _sum_counts(ordered)
    counts["urls_pending"] = urls_pending
    first = ordered[0] if ordered else {}
    return {
        "schema": MERGED_SCHEMA,
        "crawl_id": crawl_id,
        "item_schema_version": first.get("item_schema_version", SCHEMA_VERSION),
        "started_at": min(started) if started else None,
        "finished_at": max(finished) if finished else None,
        "finish_reason": next((r for r in reasons if r != "finished"), "finished"),
        "resumed_from": first.get("resumed_from"),
        "files": [files[rel] for rel in sorted(files)],
        "incomplete": sorted({str(r) for p in ordered for r in p.get("incomplete") or []}),
        "quarantined": [q for p in ordered for q in p.get("quarantined") or []],
        "unhashed_logs": sorted({str(r) for p in ordered for r in p.get("unhashed_logs") or []}),
        "counts": counts,
        "config": first.get("config") or {},
        "software": first.get("software") or {},
        "workers": {
            w: {
                "manifest": worker_manifest(w),
                "finish_reason": decoded[w].get("finish_reason"),
                "pages_fetched": (decoded[w].get("counts") or {}).get("pages_fetched", 0),
                "started_at": decoded[w].get("started_at"),
                "finished_at": decoded[w].get("finished_at"),
            }
            for w in sorted(decoded)
        },
        **({"workers_lost": lost_workers} if lost_workers else {}),
    }
